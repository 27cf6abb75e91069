/** Membership alone, over a fake node: members and clients told apart, counted, and the others told. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createBootstrap } from '../../../p2p/router/bootstrap.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { createMembership, MEMBER_TAG } from '../../../p2p/router/membership.ts';
import { createRouterMetrics } from '../../../p2p/router/metrics.ts';

const newPeer = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'));

class FakeNode extends EventTarget {
  peers: PeerId[] = [];
  deleted: string[] = [];
  dialled: string[] = [];
  getPeers = () => this.peers;
  tagged: string[] = [];
  peerStore = {
    delete: async (peer: PeerId) => {
      this.deleted.push(peer.toString());
    },
    merge: async (peer: PeerId, data: { tags?: Record<string, { value: number }> }) => {
      for (const [tag, { value }] of Object.entries(data.tags ?? {}))
        this.tagged.push(`${peer} ${tag} ${value}`);
    },
  };
  dial = async (addr: { toString(): string }) => {
    this.dialled.push(addr.toString());
    return {} as never;
  };
  come(peer: PeerId) {
    this.peers.push(peer);
    this.dispatchEvent(new CustomEvent('peer:connect', { detail: peer }));
  }
  go(peer: PeerId) {
    this.peers = this.peers.filter((p) => !p.equals(peer));
    this.dispatchEvent(new CustomEvent('peer:disconnect', { detail: peer }));
  }
}

test('members and clients: counted apart, members tagged and announced, wallets forgotten when they leave', async () => {
  const [member, wallet] = [await newPeer(), await newPeer()];
  const node = new FakeNode();
  const metrics = createRouterMetrics();
  const calls: string[] = [];
  const membership = createMembership({
    node: node as never,
    members: new Set([member.toString()]),
    metrics,
    log: createLogger('silent'),
    onMemberConnect: (p) => calls.push(`member+ ${p}`),
    onMemberDisconnect: (p) => calls.push(`member- ${p}`),
    onPeerLeft: (p) => calls.push(`left ${p}`),
  });
  await membership.start();
  assert.deepEqual(node.tagged, [`${member} ${MEMBER_TAG} 100`], 'members are the last libp2p would prune');
  node.come(member);
  node.come(wallet);
  const peers = await metrics.registry.getSingleMetricAsString('weft_router_peers');
  assert.match(peers, /kind="router"} 1/);
  assert.match(peers, /kind="client"} 1/);
  assert.deepEqual(membership.connectedMembers().map(String), [member.toString()]);
  node.go(wallet);
  node.go(member);
  assert.deepEqual(calls, [`member+ ${member}`, `left ${wallet}`, `left ${member}`, `member- ${member}`]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(node.deleted, [wallet.toString()], "only the wallet's record is dropped");
  membership.stop();
  node.come(member);
  assert.equal(calls.length, 4, 'a stopped membership hears nothing');
});

test('bootstrap dials the routers that are not connected, and again later', async () => {
  const [connected, missing] = [await newPeer(), await newPeer()];
  const node = new FakeNode();
  node.peers = [connected];
  const bootstrap = createBootstrap({
    node: node as never,
    addresses: [`/ip4/127.0.0.1/tcp/1/p2p/${connected}`, `/ip4/127.0.0.1/tcp/2/p2p/${missing}`],
    log: createLogger('silent'),
    redialMs: 20,
  });
  await bootstrap.start();
  assert.deepEqual(node.dialled, [`/ip4/127.0.0.1/tcp/2/p2p/${missing}`]);
  await new Promise((r) => setTimeout(r, 70));
  bootstrap.stop();
  const redials = node.dialled.length;
  assert.ok(redials >= 2, `${redials} dials`);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(node.dialled.length, redials, 'no dial after stop');
});
