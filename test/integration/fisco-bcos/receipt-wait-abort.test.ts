/**
 * A router whose requester went away stops polling the node for the receipt (issue 14, work
 * abandoned): `submit` with a signal that aborts rejects at once and no further receipt queries
 * reach the node, while the transaction itself stays sent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeCall, encodeDeploy } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { keyValueArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { type Devnode, startDevnode } from '../../../p2p/devnet/fisco-bcos/devnode.ts';
import { type CountingProxy, countingProxy } from '../router/node-calls.ts';

const abi = keyValueArtifact.abi as never;
let node: Devnode;
let proxy: CountingProxy;
let rpc: FiscoRpcClient;
let kv: string;
const signer = EcdsaSigner.random();

async function signed(data: `0x${string}`, to: string | null) {
  return signTransaction(
    transactionFields({ to, data, chainId: 1, groupId: 1, blockLimit: (await rpc.blockNumber()) + 500n }),
    signer,
  );
}

before(async () => {
  // Sealing only when told: a sent transaction's receipt does not come until sealNow().
  node = await startDevnode({ port: 0, blockIntervalMs: 0, sealerCount: 1 });
  rpc = new FiscoRpcClient({ url: node.url, groupId: 1 });
  const deploy = await signed(encodeDeploy(abi, keyValueArtifact.bytecode, []), null);
  const hash = await rpc.sendRawTransaction(deploy.raw);
  await node.sealNow();
  kv = (await rpc.waitForReceipt(hash, { timeoutMs: 5_000 })).contractAddress as string;
  proxy = await countingProxy(node.url);
});

after(async () => {
  await proxy?.close();
  await node?.close();
});

test('an aborted receipt wait stops polling the node; the transaction stays sent', async () => {
  const connector = new FiscoBcosConnector({
    url: proxy.url,
    chainId: 1,
    groupId: 1,
    zone: 'solo',
    chainName: 'bcos',
    resources: [{ name: 'kv', address: kv, abi }],
  });
  const tx = await signed(encodeCall(abi, 'set', ['k', 'v']), kv);
  const controller = new AbortController();
  const started = Date.now();
  const waiting = connector.submit({
    resource: 'solo.bcos.kv',
    signed: tx.raw as `0x${string}`,
    timeoutMs: 60_000,
    signal: controller.signal,
  });
  const polled = () => proxy.calls.filter((c) => c.method === 'getTransactionReceipt').length;
  while (polled() < 2) await new Promise((r) => setTimeout(r, 10));
  controller.abort(new Error('requester gone'));
  await assert.rejects(waiting);
  assert.ok(Date.now() - started < 10_000, 'rejected at once, not after the minute');
  const after = polled();
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(polled(), after, 'no receipt query after the abort');
  // Sent all the same: sealing now gives it a receipt.
  await node.sealNow();
  assert.equal((await rpc.waitForReceipt(tx.hash, { timeoutMs: 5_000 })).transactionHash, tx.hash);
  await connector.close();
});
