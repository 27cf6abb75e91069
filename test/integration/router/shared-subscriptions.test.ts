/**
 * One upstream per path (issue 14, router limits): a hundred subscribers to one path cost the chain
 * node what one does, at the router fronting it and through a relay hop, every subscriber still gets
 * every event, and the node hears nothing once the last subscriber leaves. The node's JSON-RPC calls
 * are counted at a proxy in front of the simulated FISCO BCOS node.
 *
 *   subscribers ──> origin (fronts solo.bcos.kv through the counting proxy)
 *   subscribers ──> relay ──> origin
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { encodeCall, encodeDeploy } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { keyValueArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { type Devnode, startDevnode } from '../../../p2p/devnet/fisco-bcos/devnode.ts';
import { waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import { Channel } from '../../../p2p/protocol/channel.ts';
import { CLIENT_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import type { EventFrame } from '../../../p2p/protocol/messages.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { loadOrCreatePeerKey } from '../../../p2p/router/peer-key.ts';
import { type Router, startRouter } from '../../../p2p/router/router.ts';
import { type CountingProxy, countingProxy } from './node-calls.ts';

const PATH = 'solo.bcos.kv';
const abi = keyValueArtifact.abi as never;
/** Long enough for 8 polls of an idle chain (every 250 ms): jitter moves a count by one or two. */
const WINDOW_MS = 2_000;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function gauge(router: Router, name: string, labels = ''): Promise<number> {
  const text = await router.metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** A wallet's stream, by hand: several subscriptions on one channel, their events by subscription id. */
interface Wallet {
  node: Libp2p;
  channel: Channel;
  events: Map<string, EventFrame[]>;
}

async function wallet(address: string): Promise<Wallet> {
  const node = await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  const events = new Map<string, EventFrame[]>();
  const stream = await node.dialProtocol(multiaddr(address), CLIENT_PROTOCOL);
  const channel = new Channel(stream, 1 << 20, {
    onEvent: (frame) => events.set(frame.subscription, [...(events.get(frame.subscription) ?? []), frame]),
  });
  return { node, channel, events };
}

async function subscribeAll(wallets: Wallet[], perWallet: number): Promise<{ wallet: Wallet; id: string }[]> {
  const subs = await Promise.all(
    wallets.flatMap((w) =>
      Array.from({ length: perWallet }, async () => {
        const { subscription } = (await w.channel.request({ op: 'subscribe', path: PATH })) as {
          subscription: string;
        };
        return { wallet: w, id: subscription };
      }),
    ),
  );
  return subs;
}

describe('one upstream per path, shared by every subscriber', { timeout: 120_000 }, () => {
  let dir: string;
  let node: Devnode;
  let proxy: CountingProxy;
  let client: FiscoRpcClient;
  const signer = EcdsaSigner.random();
  let kv: string;
  const routers: { origin?: Router; relay?: Router } = {};
  const wallets: Wallet[] = [];

  /** Writes `n` values straight to the node (not counted) and returns their transaction ids. */
  async function write(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const fields = transactionFields({
        to: kv,
        data: encodeCall(abi, 'set', [`k${Date.now()}-${i}`, 'v']),
        chainId: 1,
        groupId: 1,
        blockLimit: (await client.blockNumber()) + 500n,
      });
      const hash = await client.sendRawTransaction(signTransaction(fields, signer).raw);
      await node.sealNow();
      await client.waitForReceipt(hash, { timeoutMs: 5_000 });
      ids.push(hash);
    }
    return ids;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-shared-subs-'));
    node = await startDevnode({ port: 0, blockIntervalMs: 0, sealerCount: 1 });
    client = new FiscoRpcClient({ url: node.url, groupId: 1 });
    const deploy = signTransaction(
      transactionFields({
        to: null,
        data: encodeDeploy(abi, keyValueArtifact.bytecode, []),
        chainId: 1,
        groupId: 1,
        blockLimit: (await client.blockNumber()) + 500n,
      }),
      signer,
    );
    const hash = await client.sendRawTransaction(deploy.raw);
    await node.sealNow();
    kv = (await client.waitForReceipt(hash, { timeoutMs: 5_000 })).contractAddress as string;
    proxy = await countingProxy(node.url);

    const names = ['origin', 'relay'] as const;
    const keys = await Promise.all(names.map((n) => loadOrCreatePeerKey(join(dir, n))));
    const members = keys.map((k) => peerIdFromPrivateKey(k).toString());
    const logger = createLogger('silent');
    routers.origin = await startRouter({
      config: parseRouterConfig({
        zone: 'solo',
        dataDir: join(dir, 'origin'),
        listen: ['/ip4/127.0.0.1/tcp/0/ws'],
        members,
        admin: null,
      }),
      connectors: [
        new FiscoBcosConnector({
          url: proxy.url,
          chainId: 1,
          groupId: 1,
          zone: 'solo',
          chainName: 'bcos',
          resources: [{ name: 'kv', address: kv, abi }],
        }),
      ],
      logger,
    });
    routers.relay = await startRouter({
      config: parseRouterConfig({
        zone: 'relay',
        dataDir: join(dir, 'relay'),
        listen: ['/ip4/127.0.0.1/tcp/0/ws'],
        bootstrap: [routers.origin.addresses()[0] as string],
        members,
        admin: null,
      }),
      connectors: [],
      logger,
    });
    await waitForDirectory([routers.origin, routers.relay], 1);
  });

  after(async () => {
    for (const w of wallets) {
      w.channel.close();
      await w.node.stop();
    }
    await routers.relay?.stop();
    await routers.origin?.stop();
    await proxy?.close();
    await node?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function openWallets(router: Router, count: number): Promise<Wallet[]> {
    const opened = await Promise.all(
      Array.from({ length: count }, () => wallet(router.addresses()[0] as string)),
    );
    wallets.push(...opened);
    return opened;
  }

  async function closeWallets(list: Wallet[]) {
    for (const w of list) {
      w.channel.close();
      await w.node.stop();
      wallets.splice(wallets.indexOf(w), 1);
    }
  }

  for (const entry of ['origin', 'relay'] as const) {
    test(`subscribers at the ${entry === 'origin' ? 'router fronting the chain' : 'relay'}: 100 cost the node what 1 does, and all get every event`, async () => {
      const router = routers[entry] as Router;
      const origin = routers.origin as Router;
      const kind = entry === 'origin' ? 'local' : 'relayed';
      assert.equal(await proxy.countOver(500), 0, 'nobody subscribed: the node is not polled');

      const [first, ...rest] = await openWallets(router, 10);
      const one = await subscribeAll([first as Wallet], 1);
      await new Promise((r) => setTimeout(r, 500)); // the poll settles
      const withOne = await proxy.countOver(WINDOW_MS);
      assert.ok(withOne >= 4, `one subscriber polls the node (${withOne} calls in ${WINDOW_MS} ms)`);

      const more = [...one, ...(await subscribeAll([first as Wallet], 9)), ...(await subscribeAll(rest, 10))];
      assert.equal(more.length, 100);
      assert.equal(new Set(more.map((s) => `${s.wallet.node.peerId}/${s.id}`)).size, 100);
      await new Promise((r) => setTimeout(r, 500));
      const withHundred = await proxy.countOver(WINDOW_MS);
      assert.ok(
        withHundred <= withOne + 3,
        `100 subscribers: ${withHundred} calls in ${WINDOW_MS} ms, 1 subscriber: ${withOne}`,
      );
      assert.equal(await gauge(router, 'weft_router_upstream_subscriptions', `{kind="${kind}"}`), 1);
      assert.equal(await gauge(origin, 'weft_router_upstream_subscriptions', '{kind="local"}'), 1);
      if (entry === 'relay') {
        // The relay made one subscription at the origin for all 100.
        assert.equal(
          await gauge(
            origin,
            'weft_router_requests_total',
            '{protocol="forward",op="subscribe",outcome="ok"}',
          ),
          1,
        );
      }

      const txIds = await write(3);
      await until(
        () => more.every((s) => (s.wallet.events.get(s.id) ?? []).length >= 3),
        'every subscriber to get the 3 events',
      );
      for (const s of more) {
        const got = s.wallet.events.get(s.id) ?? [];
        assert.deepEqual(
          got.map((f) => [f.event.path, f.event.txId, f.event.name]),
          txIds.map((tx) => [PATH, tx, 'ValueSet']),
        );
      }

      // Half unsubscribe, the others' streams close: the upstreams stop after the last, and the node rests.
      await Promise.all(
        more.slice(0, 50).map((s) => s.wallet.channel.request({ op: 'unsubscribe', subscription: s.id })),
      );
      assert.equal(await gauge(router, 'weft_router_upstream_subscriptions', `{kind="${kind}"}`), 1);
      await closeWallets([first as Wallet, ...rest]);
      await until(
        async () =>
          (await gauge(router, 'weft_router_upstream_subscriptions', `{kind="${kind}"}`)) === 0 &&
          (await gauge(origin, 'weft_router_upstream_subscriptions', '{kind="local"}')) === 0,
        'the upstreams to stop',
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await proxy.countOver(1_000), 0, 'the node is polled no more');
    });
  }
});
