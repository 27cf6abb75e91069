/**
 * What happens when routers misbehave or go away: membership refusal, router death
 * mid-request, directory withdrawal, light-client fail-over and reconnection.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { lpStream } from '@libp2p/utils';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { assetArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import { HipError } from '../../../p2p/protocol/errors.ts';
import { decodeFrame, encodeFrame } from '../../../p2p/protocol/frame.ts';
import { DIRECTORY_PROTOCOL, FORWARD_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { loadOrCreatePeerKey } from '../../../p2p/router/peer-key.ts';
import { type Router, startRouter } from '../../../p2p/router/router.ts';

const abi = assetArtifact.abi as never;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('router failures', { timeout: 120_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let intruder: Router | undefined;
  const byName = (name: string) =>
    net.routers.find((r) => r.name === name) as LocalNetwork['routers'][number];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-fail-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 1000 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      4,
    );
  });

  after(async () => {
    await intruder?.stop();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a router that is not a member is refused: nobody learns its paths, it learns none', async () => {
    const r2 = byName('r2').router;
    const config = parseRouterConfig({
      zone: 'evil',
      dataDir: join(dir, 'intruder'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [r2.addresses()[0] as string],
      members: net.routers.map((r) => r.router.peerId),
      admin: null,
    });
    const connector = new FiscoBcosConnector({
      url: net.fisco.node.url,
      chainId: 1,
      groupId: 1,
      zone: 'evil',
      chainName: 'bcos',
      resources: [{ name: 'asset', address: net.fisco.asset, abi }],
    });
    intruder = await startRouter({ config, connectors: [connector], logger: createLogger('silent') });
    await until(
      () => r2.node.getPeers().some((p) => p.toString() === intruder?.peerId),
      'the intruder to connect',
    );
    // Its directory update arrives and is refused.
    const refused = /protocol="directory",op="routes",outcome="FORBIDDEN"} [1-9]/;
    await until(
      async () =>
        refused.test(await r2.metrics.registry.getSingleMetricAsString('weft_router_requests_total')),
      'r2 to refuse the intruder directory update',
    );
    assert.ok(!r2.directory.entries().some((e) => e.path.startsWith('evil.')));
    assert.deepEqual(
      intruder.directory.entries().map((e) => e.path),
      ['evil.bcos.asset'],
    );
    await intruder.stop();
    intruder = undefined;
  });

  test('a member router that sends garbage on the router protocols is refused and everyone keeps serving', async () => {
    const r2 = byName('r2').router;
    // A peer whose id is on r2's member list, speaking the directory and forward protocols by hand.
    const key = await loadOrCreatePeerKey(join(dir, 'routers', 'r3'));
    const rogue = await createLibp2p({
      privateKey: key,
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
    });
    try {
      const target = multiaddr(byName('r2').wsAddress);
      const before = r2.directory.entries().length;
      const directoryStream = await rogue.dialProtocol(target, DIRECTORY_PROTOCOL);
      await lpStream(directoryStream).write(new TextEncoder().encode('{"type":"routes","seq":"x"}'));
      const forward = lpStream(await rogue.dialProtocol(target, FORWARD_PROTOCOL));
      await forward.write(
        encodeFrame({ type: 'request', id: 3, body: { op: 'describe', path: 'bad path' } }),
      );
      const answer = decodeFrame((await forward.read({ signal: AbortSignal.timeout(5_000) })).subarray()) as {
        id: number;
        error?: { code: string };
      };
      assert.deepEqual([answer.id, answer.error?.code], [3, 'BAD_REQUEST']);
      await until(
        async () =>
          /outcome="BAD_REQUEST"} [1-9]/.test(
            await r2.metrics.registry.getSingleMetricAsString('weft_router_requests_total'),
          ),
        'the bad directory update to be counted',
      );
      assert.equal(r2.directory.entries().length, before, 'nothing learned from garbage');
      const client = new LightClient({ routers: [byName('r2').wsAddress] });
      assert.equal((await client.resources()).length, before);
      await client.stop();
    } finally {
      await rogue.stop();
    }
  });

  test('a peer that does not speak the client protocol version gets UNSUPPORTED_PROTOCOL', async () => {
    const plain = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
    });
    const client = new LightClient({
      routers: [plain.getMultiaddrs()[0]?.toString() as string],
      backoffMs: 10_000,
    });
    try {
      await assert.rejects(client.resources(), (error: unknown) => {
        assert.ok(error instanceof HipError);
        assert.equal(error.code, 'UNSUPPORTED_PROTOCOL');
        return true;
      });
    } finally {
      await client.stop();
      await plain.stop();
    }
  });

  test('the light client fails over to the next router when its router dies', async () => {
    const statuses: string[] = [];
    const client = new LightClient({
      routers: [byName('r3').wsAddress, byName('r2').wsAddress],
      backoffMs: 50,
      onStatus: (s) => statuses.push(`${s.state}:${s.router?.slice(-6) ?? ''}`),
    });
    try {
      const before = await client.call({ path: 'payment.bcos.asset', method: 'totalSupply' });
      assert.equal(client.status.router, byName('r3').router.peerId);
      await byName('r3').router.stop();
      const afterFailover = await client.call({ path: 'payment.bcos.asset', method: 'totalSupply' });
      assert.deepEqual(afterFailover.values, before.values);
      assert.equal(client.status.router, byName('r2').router.peerId);
      assert.ok(statuses.includes(`disconnected:`), statuses.join(' '));
    } finally {
      await client.stop();
    }
  });

  test('a router that dies mid-request gives the caller UNREACHABLE, not a hang; its paths are withdrawn', async () => {
    const client = new LightClient({ routers: [byName('r2').wsAddress] });
    try {
      const info = await client.chainInfo('payment.bcos.asset');
      const fields = transactionFields({
        to: net.fisco.asset,
        data: encodeCall(abi, 'transfer', [EcdsaSigner.random().address, 1n]),
        chainId: 1,
        groupId: 1,
        blockLimit: info.blockNumber + 500n,
      });
      // The chain stalls, so the receipt wait is surely in flight at r1 when r1 goes away.
      net.fisco.node.pauseSealing();
      const pending = client.submit(
        'payment.bcos.asset',
        signTransaction(fields, net.fisco.deployer).raw,
        20_000,
      );
      pending.catch(() => {});
      await until(() => net.fisco.node.ledger.pendingCount > 0, 'the transaction to reach the pool');
      const started = Date.now();
      await byName('r1').router.stop();
      await assert.rejects(
        pending,
        (error: unknown) => error instanceof HipError && error.code === 'UNREACHABLE',
      );
      assert.ok(Date.now() - started < 5_000, 'the error must come promptly');
      const r2 = byName('r2').router;
      await until(
        () => !r2.directory.entries().some((e) => e.path.startsWith('payment.')),
        'r2 to withdraw the dead router paths',
      );
      await assert.rejects(
        client.describe('payment.bcos.asset'),
        (error: unknown) => error instanceof HipError && error.code === 'UNKNOWN_RESOURCE',
      );
    } finally {
      net.fisco.node.resumeSealing();
      await client.stop();
    }
  });

  test('the light client reconnects by itself, with backoff, when its router comes back', async () => {
    const port = await freePort();
    const config = parseRouterConfig({
      zone: 'solo',
      dataDir: join(dir, 'solo'),
      listen: [`/ip4/127.0.0.1/tcp/${port}/ws`],
      admin: null,
    });
    const logger = createLogger('silent');
    let solo = await startRouter({ config, connectors: [], logger });
    const address = solo.addresses()[0] as string;
    const client = new LightClient({ routers: [address], backoffMs: 20, maxBackoffMs: 200 });
    try {
      assert.deepEqual(await client.resources(), []);
      await solo.stop();
      await until(() => client.status.state !== 'connected', 'the client to notice the router is gone');
      await assert.rejects(
        client.resources(),
        (error: unknown) => error instanceof HipError && error.code === 'UNREACHABLE',
      );
      // Same key, same port: the router restarts; the client must find it without being asked.
      solo = await startRouter({ config, connectors: [], logger });
      assert.equal(solo.addresses()[0], address);
      await until(() => client.status.state === 'connected', 'the client to reconnect', 5_000);
      assert.deepEqual(await client.resources(), []);
    } finally {
      await client.stop();
      await solo.stop();
    }
  });
});
