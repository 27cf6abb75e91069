/**
 * Connections per IP and per peer, and members never refused (issue 14, router limits). Light
 * clients over a cap are refused at the handshake and counted; with the clients of an address at
 * its cap, a member router from that very address still connects, exchanges directory updates and
 * forwards; TCP connections from one address that never begin their handshake (a connection-level
 * slow loris) cannot keep anyone else out. Each test fails if its defence is removed.
 *
 *   wallets (127.0.0.1) ──> R (fronts r.slow.thing) ── M, a member (fronts m.slow.thing)
 *   raw sockets (127.0.0.2) ──> R's TCP port
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Libp2p } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { Channel } from '../../../p2p/protocol/channel.ts';
import { encryption } from '../../../p2p/protocol/encryption.ts';
import { CLIENT_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import { streamMuxer } from '../../../p2p/protocol/muxer.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { loadOrCreatePeerKey } from '../../../p2p/router/peer-key.ts';
import { type Router, startRouter } from '../../../p2p/router/router.ts';
import { SlowChain } from './slow-chain.ts';

async function metric(router: Router, name: string, labels: string): Promise<number> {
  const text = await router.metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

const refused = (router: Router, reason: string) =>
  metric(router, 'weft_router_connections_refused_total', `{reason="${reason}"}`);

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('connections per IP and per peer; members never refused', { timeout: 90_000 }, () => {
  let dir: string;
  let R: Router;
  let M: Router | undefined;
  const wallets: Libp2p[] = [];
  const sockets: Socket[] = [];
  const ws = () => multiaddr(R.addresses().find((a) => a.includes('/ws')) as string);
  const tcpAddress = () => R.addresses().find((a) => !a.includes('/ws')) as string;

  async function wallet(transport: 'ws' | 'tcp' = 'ws'): Promise<Libp2p> {
    const node = await createLibp2p({
      transports: [transport === 'ws' ? webSockets() : tcp()],
      connectionEncrypters: [encryption()],
      streamMuxers: [streamMuxer()],
    });
    wallets.push(node);
    return node;
  }

  /** Whether `node` gets an answer from R over a new connection (false: refused). */
  async function served(node: Libp2p, address = ws(), force = false): Promise<boolean> {
    try {
      const connection = await node.dial(address, { force, signal: AbortSignal.timeout(5_000) });
      const channel = new Channel(await connection.newStream(CLIENT_PROTOCOL), 1 << 20);
      await channel.request({ op: 'resources' }, { timeoutMs: 3_000 });
      return true;
    } catch {
      return false;
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-conn-limits-'));
    const keys = await Promise.all(['R', 'M'].map((n) => loadOrCreatePeerKey(join(dir, n))));
    const members = keys.map((k) => peerIdFromPrivateKey(k).toString());
    R = await startRouter({
      config: parseRouterConfig({
        zone: 'r',
        dataDir: join(dir, 'R'),
        listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
        members,
        limits: {
          maxConnectionsPerIp: 3,
          maxConnectionsPerPeer: 1,
          maxHandshakesPerIp: 4,
          inboundConnectionsPerSecondPerHost: 10_000,
        },
        admin: null,
      }),
      connectors: [new SlowChain('r.slow.thing')],
      logger: createLogger('silent'),
    });
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    for (const node of wallets) await node.stop();
    await M?.stop();
    await R?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a second connection of one client, and a fourth client from one IP, are refused and counted', async () => {
    const first = await wallet();
    assert.equal(await served(first), true);
    assert.equal(await served(first, ws(), true), false, 'a second connection of the same peer');
    assert.equal(await refused(R, 'per-peer'), 1);
    assert.equal(await served(await wallet()), true);
    assert.equal(await served(await wallet()), true);
    assert.equal(await served(await wallet()), false, 'a fourth client from 127.0.0.1');
    assert.equal(await refused(R, 'per-ip'), 1);
    assert.equal(R.status().clients, 3);
  });

  test('with the clients of its address at the cap, a member from that address connects, syncs and forwards', async () => {
    assert.equal(R.status().clients, 3, 'still at the cap');
    M = await startRouter({
      config: parseRouterConfig({
        zone: 'm',
        dataDir: join(dir, 'M'),
        listen: ['/ip4/127.0.0.1/tcp/0'],
        bootstrap: [tcpAddress()],
        members: [R.peerId, peerIdFromPrivateKey(await loadOrCreatePeerKey(join(dir, 'M'))).toString()],
        admin: null,
      }),
      connectors: [new SlowChain('m.slow.thing')],
      logger: createLogger('silent'),
    });
    const member = M;
    await until(
      () =>
        R.directory.route('m.slow.thing') !== undefined &&
        member.directory.route('r.slow.thing') !== undefined,
      'the directory updates both ways',
    );
    // A client already connected to R reaches M's path through R.
    const client = wallets[0] as Libp2p;
    const channel = new Channel(await client.dialProtocol(ws(), CLIENT_PROTOCOL), 1 << 20);
    const entry = (await channel.request({ op: 'describe', path: 'm.slow.thing' }, { timeoutMs: 3_000 })) as {
      router: string;
    };
    assert.equal(entry.router, member.peerId);
    channel.close();
    assert.equal(R.status().clients, 3, 'the member was not counted as a client');
    assert.deepEqual(
      R.status().members.find((m) => m.peerId === member.peerId),
      { peerId: member.peerId, connected: true },
    );
  });

  test('TCP connections from one address that never handshake do not keep another client out', async () => {
    // Make room for one more client from 127.0.0.1, then hold R's handshake slots from 127.0.0.2.
    await (wallets[1] as Libp2p).stop();
    await until(() => R.status().clients === 2, 'the client to leave');
    const { port } = new URL(`http://${tcpAddress().split('/')[2]}:${tcpAddress().split('/')[4]}`);
    const before = await refused(R, 'handshakes-per-ip');
    for (let i = 0; i < 140; i++) {
      const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress: '127.0.0.2' });
      socket.on('error', () => {});
      sockets.push(socket);
    }
    // Every socket has reached R (each got a handshake slot or was refused) before the client dials.
    await until(() => sockets.every((socket) => !socket.connecting), 'the sockets to connect');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await served(await wallet('tcp'), multiaddr(tcpAddress())), true, 'a client still gets in');
    assert.ok((await refused(R, 'handshakes-per-ip')) >= before + 100, 'the flood was refused by address');
  });
});
