/**
 * A Weft router: a libp2p node (TCP + WebSockets, noise, yamux, identify, ping) that
 * fronts the chains in its config, keeps the resource directory with its member
 * neighbours, answers light clients and forwards what it does not front, hop by hop.
 *
 * Routers only relay: transactions arrive signed by the wallet; a router never holds
 * or uses a user's key.
 */
import { identify } from '@libp2p/identify';
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { ChainConnector, TransactionReceipt } from '../chains/connector.ts';
import { signResource } from '../protocol/advert-signature.ts';
import { Channel } from '../protocol/channel.ts';
import { encryption } from '../protocol/encryption.ts';
import { HipError, HipErrorCode, type HipErrorCodeValue } from '../protocol/errors.ts';
import { decodeFrame, encodeFrame } from '../protocol/frame.ts';
import {
  CLIENT_PROTOCOL,
  DEFAULT_TIMEOUT_MS,
  DIRECTORY_PROTOCOL,
  FORWARD_PROTOCOL,
} from '../protocol/ids.ts';
import {
  type DirectoryFrame,
  directoryFrame,
  type RequestFrame,
  type ResourceEvent,
  requestFrame,
} from '../protocol/messages.ts';
import { streamMuxer } from '../protocol/muxer.ts';
import { startAdminServer } from './admin-server.ts';
import { AdvertGate } from './advert-gate.ts';
import { connectorsFromConfig } from './chain-connectors.ts';
import { ClientLimits, cappedHops, cappedTimeout, withCappedWait } from './client-limits.ts';
import type { RouterConfig } from './config.ts';
import { Directory } from './directory.ts';
import { executeLocal, toHipError } from './execute-local.ts';
import { createGrantedReads } from './granted-reads.ts';
import { createLogger, type Logger } from './log.ts';
import { createRouterMetrics, type RouterMetrics } from './metrics.ts';
import { createOwnWriter } from './own-writes.ts';
import { loadOrCreatePeerKey } from './peer-key.ts';
import { createTtmWatcher, type TtmReveal, type TtmWatcher } from './ttm-watcher.ts';

export interface RouterOptions {
  config: RouterConfig;
  /** Defaults to the connectors the config describes. Tests pass their own to share a chain. */
  connectors?: ChainConnector[];
  logger?: Logger;
}

export interface RouterStatus {
  peerId: string;
  zone: string;
  addresses: string[];
  members: { peerId: string; connected: boolean }[];
  clients: number;
  resources: { local: number; remote: number };
  uptimeSeconds: number;
}

export interface Router {
  readonly peerId: string;
  readonly node: Libp2p;
  readonly directory: Directory;
  readonly metrics: RouterMetrics;
  /** Finishes transactions and HTLCs on this router's chains once their secret is public. */
  readonly ttm: TtmWatcher;
  /** `http://host:port` of the admin/metrics endpoint, when enabled. */
  readonly adminUrl: string | null;
  addresses(): string[];
  status(): RouterStatus;
  stop(): Promise<void>;
}

interface Origin {
  /** Peer id of the client or router at the other end. */
  peer: string;
  channel: Channel;
  subscriptions: Map<string, () => void>;
}

const MAX_SUBSCRIPTIONS_PER_CHANNEL = 32;

/** How much of a request's remaining budget a router keeps for sending the answer back. */
const HOP_MARGIN_MS = 50;
const RECONNECT_MS = 1_000;
const TABLE_REFRESH_MS = 30_000;

export async function startRouter(options: RouterOptions): Promise<Router> {
  const { config } = options;
  const privateKey = await loadOrCreatePeerKey(config.dataDir);
  const members = new Set(config.members);
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: config.listen },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [encryption()],
    streamMuxers: [streamMuxer()],
    services: { identify: identify(), ping: ping() },
    connectionManager: {
      maxConnections: config.limits.maxClientConnections + members.size,
      inboundConnectionThreshold: config.limits.inboundConnectionsPerSecondPerHost,
      maxIncomingPendingConnections: 64,
    },
  });
  const self = node.peerId.toString();
  const log = (options.logger ?? createLogger('info')).child({ router: self.slice(-8), zone: config.zone });
  const metrics = createRouterMetrics();
  const directory = new Directory(self, config.limits.hopLimit, {
    onDrop: (reason) => metrics.advertsDropped.inc({ reason }),
  });
  const advertGate = new AdvertGate(config.zones);
  const connectors = options.connectors ?? connectorsFromConfig(config);
  const localChains = new Map<string, ChainConnector>();
  const startedAt = Date.now();
  const { maxMessageBytes, hopLimit, maxTimeoutMs } = config.limits;
  const grantedReads = createGrantedReads({ log, metrics });

  const isMember = (peer: PeerId) => members.has(peer.toString());

  // ---- directory -------------------------------------------------------------------

  // Starts from the clock so a restarted router's updates are never taken for old ones.
  let seq = Date.now();
  const lastSeq = new Map<string, number>();
  let announceTimer: ReturnType<typeof setTimeout> | null = null;
  let withdrawing = false;

  function countRoutes() {
    const entries = directory.entries();
    metrics.routes.set({ kind: 'local' }, entries.filter((e) => e.hops === 0).length);
    metrics.routes.set({ kind: 'remote' }, entries.filter((e) => e.hops > 0).length);
  }

  /** Sends our table to every connected member, soon (changes arriving together go out once). */
  function announceSoon() {
    countRoutes();
    if (announceTimer) return;
    announceTimer = setTimeout(() => {
      announceTimer = null;
      for (const peer of connectedMembers()) void sendTable(peer);
    }, 10);
  }

  function connectedMembers(): PeerId[] {
    return node.getPeers().filter(isMember);
  }

  async function sendTable(peer: PeerId, routes = directory.advertsFor(peer.toString())): Promise<void> {
    if (withdrawing && routes.length > 0) return;
    const frame: DirectoryFrame = { type: 'routes', seq: ++seq, routes };
    try {
      const stream = await node.dialProtocol(peer, DIRECTORY_PROTOCOL, {
        signal: AbortSignal.timeout(5_000),
      });
      await lpStream(stream, { maxDataLength: maxMessageBytes }).write(encodeFrame(frame));
      await stream.close();
    } catch (error) {
      log.debug('directory update not delivered', { peer: peer.toString(), error: (error as Error).message });
    }
  }

  async function onDirectoryStream(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    if (!isMember(connection.remotePeer)) {
      metrics.requests.inc({ protocol: 'directory', op: 'routes', outcome: HipErrorCode.forbidden });
      stream.abort(new Error('not a member'));
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = (
        await lpStream(stream, { maxDataLength: maxMessageBytes }).read({
          signal: AbortSignal.timeout(5_000),
        })
      ).subarray();
    } catch (error) {
      // The sender went away before its update arrived (it is stopping): nothing to apply, nothing wrong.
      log.debug('directory update not received', { from: peer, error: (error as Error).message });
      stream.abort(error as Error);
      return;
    }
    try {
      const frame = directoryFrame.parse(decodeFrame(bytes)) as DirectoryFrame;
      await stream.close();
      if (frame.seq <= (lastSeq.get(peer) ?? 0)) return; // an older update overtaken by a newer one
      lastSeq.set(peer, frame.seq);
      const { accepted, dropped } = await advertGate.admit(peer, frame.routes);
      // A newer update arrived while this one's signatures were checked (or the peer left): it wins.
      if (lastSeq.get(peer) !== frame.seq) return;
      for (const { reason } of dropped) metrics.advertsDropped.inc({ reason });
      if (dropped.length > 0) log.warn('adverts dropped', { from: peer, dropped: dropped.slice(0, 8) });
      if (directory.applyAdverts(peer, accepted)) {
        log.debug('directory changed', { from: peer, routes: directory.entries().length });
        announceSoon();
      }
      metrics.requests.inc({ protocol: 'directory', op: 'routes', outcome: 'ok' });
    } catch (error) {
      metrics.requests.inc({ protocol: 'directory', op: 'routes', outcome: HipErrorCode.badRequest });
      log.warn('bad directory update', { from: peer, error: (error as Error).message });
      stream.abort(error as Error);
    }
  }

  // ---- forwarding ------------------------------------------------------------------

  const forwardChannels = new Map<string, Promise<Channel>>();
  /** `${next hop}/${its subscription id}` -> where to deliver its events. */
  const relays = new Map<string, (event: ResourceEvent) => void>();

  function forwardChannel(peer: string): Promise<Channel> {
    const existing = forwardChannels.get(peer);
    if (existing) return existing;
    const opening = (async () => {
      const target = node.getPeers().find((p) => p.toString() === peer);
      if (!target) throw new HipError(HipErrorCode.unreachable, `next router ${peer} is not connected`);
      const stream = await node.dialProtocol(target, FORWARD_PROTOCOL, {
        signal: AbortSignal.timeout(5_000),
      });
      return new Channel(stream, maxMessageBytes, {
        onClose: () => forwardChannels.delete(peer),
        onEvent: (frame) => relays.get(`${peer}/${frame.subscription}`)?.(frame.event),
      });
    })();
    forwardChannels.set(peer, opening);
    opening.catch(() => forwardChannels.delete(peer));
    return opening;
  }

  /** Answers one request frame from a client or a neighbour router, arriving on `origin`. */
  async function serve(
    frame: RequestFrame,
    protocol: 'client' | 'forward',
    origin: Origin,
  ): Promise<unknown> {
    const { body } = frame;
    const started = performance.now();
    const end = metrics.latency.startTimer({ protocol, op: body.op });
    try {
      const result = await route(frame, protocol, started, origin);
      metrics.requests.inc({ protocol, op: body.op, outcome: 'ok' });
      return result;
    } catch (error) {
      const hipError = toHipError(error);
      metrics.requests.inc({ protocol, op: body.op, outcome: hipError.code });
      if (hipError.code === HipErrorCode.internal)
        log.error('request failed', { op: body.op, error: String(error) });
      throw hipError;
    } finally {
      end();
    }
  }

  async function route(
    frame: RequestFrame,
    protocol: 'client' | 'forward',
    started: number,
    origin: Origin,
  ): Promise<unknown> {
    const { body } = frame;
    // The sender's hop budget, never more than ours: a client asking for 64 hops gets `hopLimit`.
    const hopsLeft = cappedHops(frame.hopsLeft, hopLimit);
    if (body.op === 'resources') return directory.entries();
    if (body.op === 'unsubscribe') return unsubscribe(origin, body.subscription);
    if (body.op === 'ttmReveal') {
      const client = protocol === 'client';
      if (client && !clientLimits.takeReveal(origin.peer)) {
        metrics.revealsDropped.inc({ reason: 'rate-limited' });
        throw new HipError(HipErrorCode.rateLimited, 'too many ttmReveals; slow down');
      }
      return ttm.receive(body, { peer: origin.peer, hopsLeft, client });
    }
    const found = directory.route(body.path);
    if (!found) throw new HipError(HipErrorCode.unknownResource, `no router publishes ${body.path}`);
    if (found.kind === 'local') {
      const connector = localChains.get(body.path);
      if (!connector) throw new HipError(HipErrorCode.unknownResource, `no chain fronts ${body.path}`);
      if (body.op === 'subscribe') return subscribeLocal(origin, connector, body.path);
      if (body.op === 'readGranted') return grantedReads.read(connector, found.entry, body);
      if (body.op === 'ttmEvents') return ttm.events(body.path, body.id);
      grantedReads.refuseUngatedRead(found.entry, body);
      const result = await executeLocal(connector, found.entry, withCappedWait(body, maxTimeoutMs));
      if (body.op === 'submit') grantedReads.observeReceipt(body.path, result as TransactionReceipt);
      return result;
    }
    if (hopsLeft <= 0) {
      throw new HipError(
        HipErrorCode.hopLimitExceeded,
        `${body.path} is more hops away than the request allows`,
        {
          path: body.path,
          routeHops: found.entry.hops,
        },
      );
    }
    const budget =
      cappedTimeout(frame.timeoutMs, DEFAULT_TIMEOUT_MS, maxTimeoutMs) -
      (performance.now() - started) -
      HOP_MARGIN_MS;
    if (budget <= 0) throw new HipError(HipErrorCode.timeout, 'no time left to forward the request');
    metrics.forwardedHops.observe({ op: body.op }, hopsLeft - 1);
    const channel = await forwardChannel(found.nextHop);
    const result = await channel.request(body, { timeoutMs: Math.floor(budget), hopsLeft: hopsLeft - 1 });
    if (body.op === 'subscribe') return relaySubscription(origin, found.nextHop, channel, result);
    return result;
  }

  // ---- subscriptions ---------------------------------------------------------------

  let subscriptionCounter = 0;

  function addSubscription(origin: Origin, cancel: () => void): { subscription: string } {
    if (origin.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CHANNEL) {
      cancel();
      throw new HipError(
        HipErrorCode.rateLimited,
        `at most ${MAX_SUBSCRIPTIONS_PER_CHANNEL} subscriptions per stream`,
      );
    }
    const subscription = `s${++subscriptionCounter}`;
    origin.subscriptions.set(subscription, cancel);
    return { subscription };
  }

  function subscribeLocal(origin: Origin, connector: ChainConnector, path: string) {
    if (!connector.events) {
      throw new HipError(
        HipErrorCode.unsupportedOperation,
        `${connector.chain.type} chains publish no events`,
      );
    }
    const controller = new AbortController();
    const events = connector.events(path, { signal: controller.signal });
    const { subscription } = addSubscription(origin, () => controller.abort());
    void (async () => {
      try {
        for await (const event of events) {
          await origin.channel.push({ type: 'event', subscription, event: { ...event, path } });
        }
      } catch (error) {
        if (!controller.signal.aborted)
          log.warn('event stream ended', { path, error: (error as Error).message });
      }
    })();
    return { subscription };
  }

  function relaySubscription(origin: Origin, nextHop: string, channel: Channel, result: unknown) {
    const remote = (result as { subscription: string }).subscription;
    const key = `${nextHop}/${remote}`;
    const local = addSubscription(origin, () => {
      relays.delete(key);
      channel.request({ op: 'unsubscribe', subscription: remote }).catch(() => {});
    });
    relays.set(key, (event) => {
      void origin.channel.push({ type: 'event', subscription: local.subscription, event }).catch(() => {});
    });
    return local;
  }

  function unsubscribe(origin: Origin, subscription: string) {
    const cancel = origin.subscriptions.get(subscription);
    if (!cancel)
      throw new HipError(HipErrorCode.badRequest, `no subscription ${subscription} on this stream`);
    origin.subscriptions.delete(subscription);
    cancel();
    return { ok: true };
  }

  /** A stream requests arrive on, with the subscriptions opened over it (cancelled when it closes). */
  function openOrigin(
    stream: Stream,
    peer: string,
    onRequest: (raw: unknown, origin: Origin) => Promise<unknown>,
  ): void {
    const origin: Origin = {
      peer,
      subscriptions: new Map(),
      channel: new Channel(stream, maxMessageBytes, {
        onRequest: (raw) => onRequest(raw, origin),
        onClose: () => {
          for (const cancel of origin.subscriptions.values()) cancel();
          origin.subscriptions.clear();
        },
      }),
    };
  }

  function validated(raw: unknown): RequestFrame {
    const parsed = requestFrame.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HipError(
        HipErrorCode.badRequest,
        `invalid request: ${issue?.path.join('.') || '(frame)'}: ${issue?.message}`,
      );
    }
    return parsed.data;
  }

  function onForwardStream(stream: Stream, connection: Connection): void {
    if (!isMember(connection.remotePeer)) {
      metrics.requests.inc({ protocol: 'forward', op: 'open', outcome: HipErrorCode.forbidden });
      refuse(stream, HipErrorCode.forbidden, 'only member routers may forward');
      return;
    }
    openOrigin(stream, connection.remotePeer.toString(), (raw, origin) =>
      serve(validated(raw), 'forward', origin),
    );
  }

  // ---- light clients ---------------------------------------------------------------

  const clientLimits = new ClientLimits(config.limits);

  function onClientStream(stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString();
    openOrigin(stream, peer, async (raw, origin) => {
      if (!clientLimits.takeRequest(peer)) {
        metrics.requests.inc({ protocol: 'client', op: 'any', outcome: HipErrorCode.rateLimited });
        throw new HipError(HipErrorCode.rateLimited, 'too many requests; slow down');
      }
      return serve(validated(raw), 'client', origin);
    });
  }

  /** Tells the peer why, in one error frame, then closes the stream. */
  function refuse(stream: Stream, code: HipErrorCodeValue, message: string) {
    const lp = lpStream(stream);
    lp.write(encodeFrame({ type: 'response', id: 0, error: { code, message } }))
      .then(() => stream.close())
      .catch(() => stream.abort(new Error(message)));
  }

  // ---- revealed secrets (docs/router-protocol.md#ttm-revealed-secrets) --------------

  /** Sends a reveal to one member router on the forward protocol; a lost one only costs speed. */
  function sendReveal(peer: string, reveal: TtmReveal, hopsLeft: number) {
    forwardChannel(peer)
      .then((channel) => channel.request({ op: 'ttmReveal', ...reveal }, { timeoutMs: 10_000, hopsLeft }))
      .catch((error: Error) => log.debug('ttm reveal not delivered', { peer, error: error.message }));
  }

  const ttm = createTtmWatcher({
    connectors,
    writer: createOwnWriter({ dataDir: config.dataDir }),
    log,
    metrics,
    hopLimit,
    broadcast(reveal, hopsLeft, except) {
      for (const peer of connectedMembers()) {
        if (peer.toString() !== except) sendReveal(peer.toString(), reveal, hopsLeft);
      }
    },
  });

  // ---- membership and peers --------------------------------------------------------

  function countPeers() {
    const peers = node.getPeers();
    const routers = peers.filter(isMember).length;
    metrics.peers.set({ kind: 'router' }, routers);
    metrics.peers.set({ kind: 'client' }, peers.length - routers);
  }

  node.addEventListener('peer:connect', (event) => {
    countPeers();
    if (isMember(event.detail)) {
      log.info('router connected', { peer: event.detail.toString() });
      void sendTable(event.detail);
      // What it may have missed while away: the secrets revealed in the last minutes.
      for (const reveal of ttm.recent()) sendReveal(event.detail.toString(), reveal, hopLimit - 1);
    }
  });

  node.addEventListener('peer:disconnect', (event) => {
    countPeers();
    const peer = event.detail.toString();
    clientLimits.forget(peer);
    lastSeq.delete(peer);
    // Wallets come and go with fresh keys: keep no record of them once they leave.
    if (!isMember(event.detail)) void node.peerStore.delete(event.detail).catch(() => {});
    if (isMember(event.detail)) {
      log.info('router disconnected', { peer });
      if (directory.dropNeighbour(peer)) announceSoon();
    }
  });

  await node.handle(CLIENT_PROTOCOL, onClientStream, {
    maxInboundStreams: config.limits.maxClientStreams,
    runOnLimitedConnection: false,
  });
  await node.handle(FORWARD_PROTOCOL, onForwardStream, { maxInboundStreams: 64 });
  await node.handle(DIRECTORY_PROTOCOL, onDirectoryStream, { maxInboundStreams: 64 });

  for (const connector of connectors) {
    for (const description of connector.resources()) localChains.set(description.path, connector);
  }
  // Signed once at start: what this router fronts is fixed by its config until it restarts.
  const issued = Date.now();
  directory.setLocal(
    await Promise.all(
      connectors.flatMap((c) => c.resources()).map((d) => signResource(privateKey, self, d, issued)),
    ),
  );
  const unbound = [...new Set([...localChains.keys()].map((path) => path.split('.')[0] ?? ''))].filter(
    (zone) => !advertGate.mayPublish(self, zone),
  );
  if (unbound.length > 0) {
    log.warn('zones does not list this router for zones it fronts: other routers will drop those adverts', {
      zones: unbound,
    });
  }
  countRoutes();
  countPeers();

  // Keep dialling bootstrap routers that are not connected (they may start later or restart).
  const bootstrap = config.bootstrap.map((a) => multiaddr(a));
  async function dialBootstrap() {
    const connected = new Set(node.getPeers().map(String));
    await Promise.all(
      bootstrap
        .filter((addr) => !connected.has(addr.getComponents().find((c) => c.name === 'p2p')?.value ?? ''))
        .map((addr) =>
          node.dial(addr, { signal: AbortSignal.timeout(3_000) }).catch((error: Error) => {
            log.debug('bootstrap dial failed', { addr: addr.toString(), error: error.message });
          }),
        ),
    );
  }
  await dialBootstrap();
  const redial = setInterval(() => void dialBootstrap(), RECONNECT_MS);
  // Anti-entropy: resend the table now and then, so an update lost in transit heals.
  const refresh = setInterval(() => {
    for (const peer of connectedMembers()) void sendTable(peer);
  }, TABLE_REFRESH_MS);

  const status = (): RouterStatus => {
    const connected = new Set(node.getPeers().map(String));
    const entries = directory.entries();
    return {
      peerId: self,
      zone: config.zone,
      addresses: node.getMultiaddrs().map(String),
      members: [...members].map((peerId) => ({ peerId, connected: connected.has(peerId) })),
      clients: node.getPeers().filter((p) => !isMember(p)).length,
      resources: {
        local: entries.filter((e) => e.hops === 0).length,
        remote: entries.filter((e) => e.hops > 0).length,
      },
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
  };

  const admin = config.admin
    ? await startAdminServer(config.admin, {
        metrics: metrics.registry,
        status,
        peers: () => node.getPeers().map((p) => ({ peerId: p.toString(), member: isMember(p) })),
        resources: () => directory.entries(),
      })
    : null;

  log.info('router started', {
    peerId: self,
    addresses: node.getMultiaddrs().map(String),
    admin: admin?.url,
  });

  return {
    peerId: self,
    node,
    directory,
    metrics,
    ttm,
    adminUrl: admin?.url ?? null,
    addresses: () => node.getMultiaddrs().map(String),
    status,
    async stop() {
      clearInterval(redial);
      clearInterval(refresh);
      if (announceTimer) clearTimeout(announceTimer);
      // Leave gracefully: tell the neighbours we reach nothing any more, so they withdraw our
      // routes at once instead of waiting to notice the closed connection.
      withdrawing = true;
      await Promise.all(connectedMembers().map((peer) => sendTable(peer, [])));
      await admin?.close();
      grantedReads.close();
      ttm.close();
      await node.stop();
      await Promise.all(connectors.map((c) => c.close().catch(() => {})));
      log.info('router stopped');
    },
  };
}
