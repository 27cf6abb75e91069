/**
 * Directory sync (docs/router-protocol.md#directory): this router's table goes to every connected
 * member when it changes (debounced), when a member connects and every 30 s (anti-entropy); each
 * member's update is checked by the advert gate and replaces what that member said before; on stop
 * the router withdraws, telling its members it reaches nothing any more.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { HipErrorCode } from '../protocol/errors.ts';
import { decodeFrame, encodeFrame } from '../protocol/frame.ts';
import { DIRECTORY_PROTOCOL } from '../protocol/ids.ts';
import { type DirectoryFrame, directoryFrame } from '../protocol/messages.ts';
import type { AdvertGate } from './advert-gate.ts';
import type { Component, RouterNet } from './component.ts';
import type { Directory } from './directory.ts';
import type { Logger } from './log.ts';
import type { RouterMetrics } from './metrics.ts';

const ANNOUNCE_DEBOUNCE_MS = 10;
const DEFAULT_REFRESH_MS = 30_000;
const EXCHANGE_TIMEOUT_MS = 5_000;
const MAX_DIRECTORY_STREAMS = 64;

export interface DirectorySyncOptions {
  net: RouterNet;
  isMember(peer: PeerId): boolean;
  directory: Directory;
  gate: AdvertGate;
  metrics: RouterMetrics;
  log: Logger;
  maxMessageBytes: number;
  /** Anti-entropy period: the table is resent this often. */
  refreshMs?: number;
}

export interface DirectorySync extends Component {
  /** A member connected: it gets our table now. */
  memberConnected(peer: PeerId): void;
  /** A member left: what it said is dropped, and the change passed on. */
  memberDisconnected(peer: PeerId): void;
  /** Our table changed: tell the members soon (changes arriving together go out once). */
  announceSoon(): void;
}

export function createDirectorySync(options: DirectorySyncOptions): DirectorySync {
  const { net, directory, gate, metrics, log, maxMessageBytes } = options;
  // Starts from the clock so a restarted router's updates are never taken for old ones.
  let seq = Date.now();
  const lastSeq = new Map<string, number>();
  let announceTimer: ReturnType<typeof setTimeout> | null = null;
  let refresh: ReturnType<typeof setInterval> | null = null;
  let withdrawing = false;

  const connectedMembers = (): PeerId[] => net.getPeers().filter(options.isMember);

  function countRoutes() {
    const entries = directory.entries();
    metrics.routes.set({ kind: 'local' }, entries.filter((e) => e.hops === 0).length);
    metrics.routes.set({ kind: 'remote' }, entries.filter((e) => e.hops > 0).length);
  }

  function announceSoon() {
    countRoutes();
    if (announceTimer) return;
    announceTimer = setTimeout(() => {
      announceTimer = null;
      for (const peer of connectedMembers()) void sendTable(peer);
    }, ANNOUNCE_DEBOUNCE_MS);
  }

  async function sendTable(peer: PeerId, routes = directory.advertsFor(peer.toString())): Promise<void> {
    if (withdrawing && routes.length > 0) return;
    const frame: DirectoryFrame = { type: 'routes', seq: ++seq, routes };
    try {
      const stream = await net.dialProtocol(peer, DIRECTORY_PROTOCOL, {
        signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
      });
      await lpStream(stream, { maxDataLength: maxMessageBytes }).write(encodeFrame(frame));
      await stream.close();
    } catch (error) {
      log.debug('directory update not delivered', { peer: peer.toString(), error: (error as Error).message });
    }
  }

  async function onDirectoryStream(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    if (!options.isMember(connection.remotePeer)) {
      metrics.requests.inc({ protocol: 'directory', op: 'routes', outcome: HipErrorCode.forbidden });
      stream.abort(new Error('not a member'));
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = (
        await lpStream(stream, { maxDataLength: maxMessageBytes }).read({
          signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
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
      const { accepted, dropped } = await gate.admit(peer, frame.routes);
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

  return {
    announceSoon,
    memberConnected(peer) {
      void sendTable(peer);
    },
    memberDisconnected(peer) {
      const id = peer.toString();
      lastSeq.delete(id);
      if (directory.dropNeighbour(id)) announceSoon();
    },
    async start() {
      withdrawing = false;
      await net.handle(DIRECTORY_PROTOCOL, onDirectoryStream, { maxInboundStreams: MAX_DIRECTORY_STREAMS });
      countRoutes();
      // Anti-entropy: resend the table now and then, so an update lost in transit heals.
      refresh = setInterval(() => {
        for (const peer of connectedMembers()) void sendTable(peer);
      }, options.refreshMs ?? DEFAULT_REFRESH_MS);
    },
    async stop() {
      if (refresh) clearInterval(refresh);
      refresh = null;
      if (announceTimer) clearTimeout(announceTimer);
      announceTimer = null;
      // Leave gracefully: tell the neighbours we reach nothing any more, so they withdraw our
      // routes at once instead of waiting to notice the closed connection.
      withdrawing = true;
      await Promise.all(connectedMembers().map((peer) => sendTable(peer, [])));
      await net.unhandle(DIRECTORY_PROTOCOL);
    },
  };
}
