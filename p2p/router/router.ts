/**
 * A Weft router: a libp2p node (TCP + WebSockets, noise, yamux, identify, ping) that
 * fronts the chains in its config, keeps the resource directory with its member
 * neighbours, answers light clients and forwards what it does not front, hop by hop.
 *
 * Its parts are components (component.ts), each with its own state, start and stop: membership,
 * directory sync, forwarding, subscriptions, the TTM watcher's wiring, the client service and
 * bootstrap dialling. This file only composes them.
 *
 * Routers only relay: transactions arrive signed by the wallet; a router never holds
 * or uses a user's key.
 */
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { webSockets } from '@libp2p/websockets';
import { createLibp2p } from 'libp2p';
import type { ChainConnector } from '../chains/connector.ts';
import { encryption } from '../protocol/encryption.ts';
import { streamMuxer } from '../protocol/muxer.ts';
import { startAdminServer } from './admin-server.ts';
import { AdvertGate } from './advert-gate.ts';
import { createBootstrap } from './bootstrap.ts';
import { connectorsFromConfig } from './chain-connectors.ts';
import { ClientLimits } from './client-limits.ts';
import { createClientService } from './client-service.ts';
import type { Component } from './component.ts';
import type { RouterConfig } from './config.ts';
import { createConnectionGate } from './connection-gate.ts';
import { Directory } from './directory.ts';
import { createDirectorySync } from './directory-sync.ts';
import { createForwarding } from './forwarding.ts';
import { createGrantedReads } from './granted-reads.ts';
import { dialableAddresses, localChains, signLocalResources, zonesOf } from './local-resources.ts';
import { createLogger, type Logger } from './log.ts';
import { createMembership } from './membership.ts';
import { createRouterMetrics, type RouterMetrics } from './metrics.ts';
import { loadOrCreatePeerKey } from './peer-key.ts';
import { createRequestHandler, locateUpstream } from './request-handler.ts';
import { createSubscriptions } from './subscriptions.ts';
import { createTtmService } from './ttm-service.ts';
import type { TtmWatcher } from './ttm-watcher.ts';

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

/** Connections libp2p leaves room for per member router (two routers may dial each other at once). */
const CONNECTIONS_PER_MEMBER = 4;
/** Inbound handshakes running at once, from everyone (each IP has its own, smaller, cap). */
const MAX_PENDING_HANDSHAKES = 128;

export async function startRouter(options: RouterOptions): Promise<Router> {
  const { config } = options;
  const { maxMessageBytes, hopLimit, maxTimeoutMs } = config.limits;
  const privateKey = await loadOrCreatePeerKey(config.dataDir);
  const self = peerIdFromPrivateKey(privateKey).toString();
  const log = (options.logger ?? createLogger('info')).child({ router: self.slice(-8), zone: config.zone });
  const metrics = createRouterMetrics();
  const members = new Set(config.members);
  // Checked before anything starts: an announced address naming another router is a config error.
  const announced = config.announce && dialableAddresses(config.announce, [], self);
  // Client connections are capped by the gate, members never; libp2p's own cap only has to leave
  // room for both (it is checked before a connection says who it is, and is what it prunes to).
  const connectionGate = createConnectionGate({ members, limits: config.limits, metrics, log });
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: config.listen },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [encryption()],
    streamMuxers: [streamMuxer()],
    services: { identify: identify(), ping: ping() },
    connectionGater: connectionGate.gater,
    connectionManager: {
      maxConnections: config.limits.maxClientConnections + CONNECTIONS_PER_MEMBER * Math.max(members.size, 1),
      inboundConnectionThreshold: config.limits.inboundConnectionsPerSecondPerHost,
      maxIncomingPendingConnections: MAX_PENDING_HANDSHAKES,
    },
  });
  const directory = new Directory(self, hopLimit, {
    onDrop: (reason) => metrics.advertsDropped.inc({ reason }),
  });
  const advertGate = new AdvertGate(config.zones);
  const connectors = options.connectors ?? connectorsFromConfig(config);
  const chains = localChains(connectors);
  const startedAt = Date.now();
  const clientLimits = new ClientLimits(config.limits);

  // Components refer to each other through these closures: each is created before any runs.
  const membership = createMembership({
    node,
    members,
    metrics,
    log,
    onMemberConnect(peer) {
      directorySync.memberConnected(peer);
      ttm.memberConnected(peer.toString());
    },
    onMemberDisconnect: (peer) => directorySync.memberDisconnected(peer),
    onPeerLeft: (peer) => clientService.forget(peer.toString()),
  });
  const { isMember } = membership;
  const directorySync = createDirectorySync({
    net: node,
    isMember,
    directory,
    gate: advertGate,
    metrics,
    log,
    maxMessageBytes,
  });
  const subscriptions = createSubscriptions({
    log,
    metrics,
    locate: (path) => locateUpstream({ directory, localChains: chains, forwarding, hopLimit }, path),
  });
  // Revocation watches and the TTM watcher follow their paths through the shared upstreams.
  const grantedReads = createGrantedReads({ log, metrics, events: subscriptions.events });
  const forwarding = createForwarding({
    net: node,
    isMember,
    metrics,
    maxMessageBytes,
    maxTimeoutMs,
    idleStreamMs: config.limits.idleStreamMs,
    serve: (frame, origin) => serve(frame, origin),
    onEvent: (nextHop, frame) => subscriptions.deliver(nextHop, frame),
    onChannelClosed: (nextHop) => subscriptions.nextHopClosed(nextHop),
    onOriginClosed: (origin) => subscriptions.closeOrigin(origin),
  });
  const ttm = createTtmService({
    connectors,
    dataDir: config.dataDir,
    forwarding,
    connectedMembers: () => membership.connectedMembers().map(String),
    log,
    metrics,
    hopLimit,
    events: subscriptions.events,
  });
  const serve = createRequestHandler({
    directory,
    localChains: chains,
    grantedReads,
    ttm: () => ttm.watcher,
    clientLimits,
    forwarding,
    subscriptions,
    metrics,
    log,
    hopLimit,
    maxTimeoutMs,
  });
  const clientService = createClientService({
    net: node,
    clientLimits,
    metrics,
    maxMessageBytes,
    maxClientStreams: config.limits.maxClientStreams,
    idleStreamMs: config.limits.idleStreamMs,
    serve,
    onOriginClosed: (origin) => subscriptions.closeOrigin(origin),
  });
  const bootstrap = createBootstrap({ node, addresses: config.bootstrap, log });

  // Started in this order, stopped in reverse: membership first so no early member goes
  // unnoticed, bootstrap dialling last, once every protocol is handled.
  const components: Component[] = [
    connectionGate,
    membership,
    directorySync,
    subscriptions,
    forwarding,
    ttm,
    clientService,
  ];
  for (const component of components) await component.start();

  // Adverts name where a wallet can dial this router, so it can fail over to the zone's own router.
  const dialable = announced || dialableAddresses(undefined, node.getMultiaddrs(), self);
  directory.setLocal(await signLocalResources(privateKey, self, connectors, Date.now(), dialable));
  directorySync.announceSoon();
  const unbound = zonesOf(chains.keys()).filter((zone) => !advertGate.mayPublish(self, zone));
  if (unbound.length > 0) {
    log.warn('zones does not list this router for zones it fronts: other routers will drop those adverts', {
      zones: unbound,
    });
  }
  await bootstrap.start();
  components.push(bootstrap);

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
    ttm: ttm.watcher,
    adminUrl: admin?.url ?? null,
    addresses: () => node.getMultiaddrs().map(String),
    status,
    async stop() {
      grantedReads.close();
      // Directory sync's stop withdraws this router's routes from its members while still connected.
      for (const component of [...components].reverse()) await component.stop();
      await admin?.close();
      await node.stop();
      await Promise.all(connectors.map((c) => c.close().catch(() => {})));
      log.info('router stopped');
    },
  };
}
