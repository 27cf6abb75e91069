/**
 * Who is connected: member routers (config.members) and light clients. Counts them, tells the
 * other components when a member comes or goes and when any peer leaves, and forgets wallets once
 * they leave; tags members so libp2p never prunes them before clients. Started first (its listeners
 * attach before anything awaits), so no member that connects early goes unnoticed.
 */
import type { Libp2p, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Component } from './component.ts';
import type { Logger } from './log.ts';
import type { RouterMetrics } from './metrics.ts';

/** The peer-store tag that keeps member routers last in line when libp2p prunes connections. */
export const MEMBER_TAG = 'weft-member';
const MEMBER_TAG_VALUE = 100;

export interface MembershipOptions {
  node: Pick<Libp2p, 'addEventListener' | 'removeEventListener' | 'getPeers' | 'peerStore'>;
  members: ReadonlySet<string>;
  metrics: RouterMetrics;
  log: Logger;
  onMemberConnect(peer: PeerId): void;
  onMemberDisconnect(peer: PeerId): void;
  /** Any peer, member or client, disconnected. */
  onPeerLeft(peer: PeerId): void;
}

export interface Membership extends Component {
  isMember(peer: PeerId): boolean;
  /** Member routers connected now. */
  connectedMembers(): PeerId[];
}

export function createMembership(options: MembershipOptions): Membership {
  const { node, members, metrics, log } = options;
  const isMember = (peer: PeerId) => members.has(peer.toString());

  function countPeers() {
    const peers = node.getPeers();
    const routers = peers.filter(isMember).length;
    metrics.peers.set({ kind: 'router' }, routers);
    metrics.peers.set({ kind: 'client' }, peers.length - routers);
  }

  const onConnect = (event: CustomEvent<PeerId>) => {
    countPeers();
    if (!isMember(event.detail)) return;
    log.info('router connected', { peer: event.detail.toString() });
    options.onMemberConnect(event.detail);
  };

  const onDisconnect = (event: CustomEvent<PeerId>) => {
    countPeers();
    options.onPeerLeft(event.detail);
    // Wallets come and go with fresh keys: keep no record of them once they leave.
    if (!isMember(event.detail)) {
      void node.peerStore.delete(event.detail).catch(() => {});
      return;
    }
    log.info('router disconnected', { peer: event.detail.toString() });
    options.onMemberDisconnect(event.detail);
  };

  return {
    isMember,
    connectedMembers: () => node.getPeers().filter(isMember),
    async start() {
      node.addEventListener('peer:connect', onConnect);
      node.addEventListener('peer:disconnect', onDisconnect);
      countPeers();
      // The connection manager prunes the peers of least value first: members come last.
      await Promise.all(
        [...members].map((id) =>
          node.peerStore
            .merge(peerIdFromString(id), { tags: { [MEMBER_TAG]: { value: MEMBER_TAG_VALUE } } })
            .catch((error: Error) => log.warn('member not tagged', { peer: id, error: error.message })),
        ),
      );
    },
    stop() {
      node.removeEventListener('peer:connect', onConnect);
      node.removeEventListener('peer:disconnect', onDisconnect);
    },
  };
}
