/**
 * Who may connect (docs/router-protocol.md#limits): libp2p's connection gater, counting light
 * clients' inbound connections per remote IP, per peer and in all, and refusing any over its cap.
 * Member routers (config.members) are never counted and never refused for client load: a member is
 * known by its peer id, so the caps apply once the handshake has said who connects
 * (`denyInboundEncryptedConnection`). Before that a connection is only an address: the one check
 * there is on handshakes still running per IP, so one address cannot hold every pending slot
 * (a connection-level slow loris that opens TCP connections and never completes noise).
 */
import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface';
import type { Component } from './component.ts';
import type { Logger } from './log.ts';
import type { RouterMetrics } from './metrics.ts';

export interface ConnectionLimits {
  /** Light-client connections in all. */
  maxClientConnections: number;
  /** Light-client connections from one IP address (wallets behind one NAT share it). */
  maxConnectionsPerIp: number;
  /** Connections one light client (peer id) may hold. */
  maxConnectionsPerPeer: number;
  /** Inbound handshakes from one IP address still running (anyone's: the peer is not known yet). */
  maxHandshakesPerIp: number;
}

export type ConnectionRefusal = 'handshakes-per-ip' | 'max-clients' | 'per-ip' | 'per-peer';

export interface ConnectionGateOptions {
  members: ReadonlySet<string>;
  limits: ConnectionLimits;
  metrics: RouterMetrics;
  log: Logger;
}

export interface ConnectionGate extends Component {
  /** To pass to libp2p as `connectionGater`. */
  readonly gater: ConnectionGater;
  /** Light-client connections counted now. */
  clients(): number;
}

/** The remote IP of a connection, or undefined for a non-IP transport (nothing to count by). */
export function remoteIp(maConn: Pick<MultiaddrConnection, 'remoteAddr'>): string | undefined {
  return maConn.remoteAddr.getComponents().find((c) => c.name === 'ip4' || c.name === 'ip6')?.value;
}

export function createConnectionGate(options: ConnectionGateOptions): ConnectionGate {
  const { members, limits, metrics, log } = options;
  const handshakes = new Map<string, number>();
  const perIp = new Map<string, number>();
  const perPeer = new Map<string, number>();
  let clients = 0;

  const bump = (counts: Map<string, number>, key: string, by: number) => {
    const next = (counts.get(key) ?? 0) + by;
    if (next > 0) counts.set(key, next);
    else counts.delete(key);
  };

  /** Runs `release` once, when `maConn` closes (however its upgrade or life ends). */
  const onClose = (maConn: MultiaddrConnection, release: () => void) => {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      release();
    };
    if (maConn.status === 'closed' || maConn.status === 'aborted' || maConn.status === 'reset') once();
    else maConn.addEventListener('close', once, { once: true });
    return once;
  };

  function refuse(reason: ConnectionRefusal, ip: string | undefined, peer?: string): true {
    metrics.connectionsRefused.inc({ reason });
    log.debug('connection refused', { reason, ip, ...(peer ? { peer } : {}) });
    return true;
  }

  /** maConn -> releases its handshake slot (once the handshake is over, or the connection gone). */
  const pending = new WeakMap<MultiaddrConnection, () => void>();

  const gater: ConnectionGater = {
    denyInboundConnection(maConn) {
      const ip = remoteIp(maConn);
      if (ip === undefined) return false;
      if ((handshakes.get(ip) ?? 0) >= limits.maxHandshakesPerIp) return refuse('handshakes-per-ip', ip);
      bump(handshakes, ip, 1);
      pending.set(
        maConn,
        onClose(maConn, () => bump(handshakes, ip, -1)),
      );
      return false;
    },
    denyInboundEncryptedConnection(peerId: PeerId, maConn) {
      pending.get(maConn)?.();
      const peer = peerId.toString();
      if (members.has(peer)) return false; // never counted, never refused for client load
      const ip = remoteIp(maConn) ?? '(no ip)';
      if (clients >= limits.maxClientConnections) return refuse('max-clients', ip, peer);
      if ((perIp.get(ip) ?? 0) >= limits.maxConnectionsPerIp) return refuse('per-ip', ip, peer);
      if ((perPeer.get(peer) ?? 0) >= limits.maxConnectionsPerPeer) return refuse('per-peer', ip, peer);
      clients++;
      bump(perIp, ip, 1);
      bump(perPeer, peer, 1);
      onClose(maConn, () => {
        clients--;
        bump(perIp, ip, -1);
        bump(perPeer, peer, -1);
      });
      return false;
    },
  };

  return {
    gater,
    clients: () => clients,
    start() {},
    stop() {},
  };
}
