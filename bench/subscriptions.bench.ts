/**
 * Subscriptions (issue 14, router limits): the load 100 subscribers to one path put on the chain
 * node, against the load of 1. A router keeps one upstream per path (its poll of the node) shared
 * by every subscriber, so the goal is the same number of JSON-RPC calls per second; before that,
 * each subscriber polled the node on its own (about 100x).
 *
 * A FISCO BCOS devnode sealing a block every 500 ms behind a proxy that counts the calls reaching
 * it; one router fronting it; light clients over WebSockets, 25 subscriptions each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDeploy } from '../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../p2p/chains/fisco-bcos/connector.ts';
import { keyValueArtifact } from '../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../p2p/chains/fisco-bcos/rpc-client.ts';
import { signTransaction, transactionFields } from '../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient, type Subscription } from '../p2p/client/light-client.ts';
import { startDevnode } from '../p2p/devnet/fisco-bcos/devnode.ts';
import { waitForDirectory } from '../p2p/devnet/local-network.ts';
import { parseRouterConfig } from '../p2p/router/config.ts';
import { createLogger } from '../p2p/router/log.ts';
import { startRouter } from '../p2p/router/router.ts';
import { countingProxy } from '../test/integration/router/node-calls.ts';
import { report } from './report.ts';

const PATH = 'solo.bcos.kv';
const WINDOW_MS = 5_000;
const PER_CLIENT = 25;
const abi = keyValueArtifact.abi as never;

const dir = await mkdtemp(join(tmpdir(), 'weft-bench-subs-'));
const node = await startDevnode({ port: 0, blockIntervalMs: 500, sealerCount: 1 });
const rpc = new FiscoRpcClient({ url: node.url, groupId: 1 });
const deploy = signTransaction(
  transactionFields({
    to: null,
    data: encodeDeploy(abi, keyValueArtifact.bytecode, []),
    chainId: 1,
    groupId: 1,
    blockLimit: (await rpc.blockNumber()) + 500n,
  }),
  EcdsaSigner.random(),
);
const kv = (await rpc.waitForReceipt(await rpc.sendRawTransaction(deploy.raw), { timeoutMs: 10_000 }))
  .contractAddress as string;
const proxy = await countingProxy(node.url);
const router = await startRouter({
  config: parseRouterConfig({
    zone: 'solo',
    dataDir: join(dir, 'router'),
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    members: [],
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
  logger: createLogger('silent'),
});
const clients: LightClient[] = [];
const subscriptions: Subscription[] = [];

/** Node calls per second while `count` subscriptions to PATH are open. */
async function loadWith(count: number): Promise<number> {
  while (subscriptions.length < count) {
    const client = new LightClient({ routers: [router.addresses()[0] as string] });
    clients.push(client);
    const batch = Math.min(PER_CLIENT, count - subscriptions.length);
    for (let i = 0; i < batch; i++) subscriptions.push(await client.subscribe(PATH, () => {}));
  }
  await new Promise((r) => setTimeout(r, 1_000)); // let the polls settle
  return (await proxy.countOver(WINDOW_MS)) / (WINDOW_MS / 1000);
}

try {
  await waitForDirectory([router], 0);
  const one = await loadWith(1);
  const hundred = await loadWith(100);
  report({ name: 'subscriptions: node calls/s, 1 subscriber to a path', value: one, unit: 'calls/s' });
  report({ name: 'subscriptions: node calls/s, 100 subscribers', value: hundred, unit: 'calls/s' });
  // Goal: the same (1.0); before one upstream per path, each subscriber polled (about 100x).
  report({ name: 'subscriptions: node load 100 / 1', value: hundred / one, unit: 'x', budget: 1.1 });
} finally {
  for (const s of subscriptions) await s.unsubscribe().catch(() => {});
  for (const c of clients) await c.stop();
  await router.stop();
  await proxy.close();
  await node.close();
  await rm(dir, { recursive: true, force: true });
}
