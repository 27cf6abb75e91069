/** The connection gate alone, over fake connections: light clients' caps, members exempt, slots given back on close. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { MultiaddrConnection, PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { type ConnectionLimits, createConnectionGate } from '../../../p2p/router/connection-gate.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { createRouterMetrics, type RouterMetrics } from '../../../p2p/router/metrics.ts';

const newPeer = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'));

class FakeConnection extends EventTarget {
  status: MultiaddrConnection['status'] = 'open';
  readonly remoteAddr;
  constructor(ip: string) {
    super();
    this.remoteAddr = multiaddr(`/ip4/${ip}/tcp/4444`);
  }
  close() {
    this.status = 'closed';
    this.dispatchEvent(new Event('close'));
  }
  get ma(): MultiaddrConnection {
    return this as unknown as MultiaddrConnection;
  }
}

async function refusals(metrics: RouterMetrics): Promise<Record<string, number>> {
  const text = await metrics.registry.getSingleMetricAsString('weft_router_connections_refused_total');
  return Object.fromEntries(
    [...text.matchAll(/reason="([^"]+)"} (\d+)/g)].map(([, reason, n]) => [reason as string, Number(n)]),
  );
}

function gate(limits: Partial<ConnectionLimits>, members: PeerId[] = []) {
  const metrics = createRouterMetrics();
  const created = createConnectionGate({
    members: new Set(members.map(String)),
    limits: {
      maxClientConnections: 100,
      maxConnectionsPerIp: 100,
      maxConnectionsPerPeer: 100,
      maxHandshakesPerIp: 100,
      ...limits,
    },
    metrics,
    log: createLogger('silent'),
  });
  /** One inbound connection through both checks; true when it was let in. */
  const connect = async (peer: PeerId, ip: string): Promise<{ admitted: boolean; conn: FakeConnection }> => {
    const conn = new FakeConnection(ip);
    if (await created.gater.denyInboundConnection?.(conn.ma)) return { admitted: false, conn };
    const admitted = !(await created.gater.denyInboundEncryptedConnection?.(peer, conn.ma));
    return { admitted, conn };
  };
  return { created, metrics, connect };
}

test('per IP, per peer and in all: the client over a cap is refused and counted; a closed connection frees its place', async () => {
  const { created, metrics, connect } = gate({
    maxClientConnections: 3,
    maxConnectionsPerIp: 2,
    maxConnectionsPerPeer: 1,
  });
  const [a, b, c, d] = await Promise.all([newPeer(), newPeer(), newPeer(), newPeer()]);
  const first = await connect(a, '10.0.0.1');
  assert.equal(first.admitted, true);
  assert.equal((await connect(a, '10.0.0.2')).admitted, false, 'a second connection of a');
  assert.equal((await connect(b, '10.0.0.1')).admitted, true);
  assert.equal((await connect(c, '10.0.0.1')).admitted, false, 'a third from 10.0.0.1');
  assert.equal((await connect(c, '10.0.0.3')).admitted, true);
  assert.equal((await connect(d, '10.0.0.4')).admitted, false, 'a fourth client in all');
  assert.deepEqual(await refusals(metrics), { 'per-peer': 1, 'per-ip': 1, 'max-clients': 1 });
  assert.equal(created.clients(), 3);
  first.conn.close();
  assert.equal(created.clients(), 2);
  assert.equal((await connect(d, '10.0.0.1')).admitted, true, "a's place is free again");
});

test('member routers are never counted nor refused, whatever the client load', async () => {
  const member = await newPeer();
  const { created, connect } = gate(
    { maxClientConnections: 1, maxConnectionsPerIp: 1, maxConnectionsPerPeer: 1 },
    [member],
  );
  assert.equal((await connect(await newPeer(), '10.0.0.1')).admitted, true);
  assert.equal((await connect(await newPeer(), '10.0.0.1')).admitted, false);
  for (let i = 0; i < 3; i++) assert.equal((await connect(member, '10.0.0.1')).admitted, true);
  assert.equal(created.clients(), 1);
});

test('handshakes still running are capped per IP, before anyone is known; a finished or dropped one frees its slot', async () => {
  const { created, metrics } = gate({ maxHandshakesPerIp: 2 });
  const pending = [new FakeConnection('10.0.0.9'), new FakeConnection('10.0.0.9')];
  for (const conn of pending) assert.equal(await created.gater.denyInboundConnection?.(conn.ma), false);
  const third = new FakeConnection('10.0.0.9');
  assert.equal(await created.gater.denyInboundConnection?.(third.ma), true);
  assert.equal(
    await created.gater.denyInboundConnection?.(new FakeConnection('10.0.0.8').ma),
    false,
    'another IP',
  );
  pending[0]?.close(); // dropped mid-handshake
  assert.equal(await created.gater.denyInboundConnection?.(new FakeConnection('10.0.0.9').ma), false);
  // One finishes its handshake: its slot is free, though the connection lives on.
  assert.equal(
    await created.gater.denyInboundEncryptedConnection?.(await newPeer(), (pending[1] as FakeConnection).ma),
    false,
  );
  assert.equal(await created.gater.denyInboundConnection?.(new FakeConnection('10.0.0.9').ma), false);
  assert.deepEqual(await refusals(metrics), { 'handshakes-per-ip': 1 });
});
