import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { type Devnode, startDevnode } from '../../../p2p/devnet/fisco-bcos/devnode.ts';

const vector = JSON.parse(
  readFileSync(new URL('../../../../shared/vectors/fisco-bcos-2x.json', import.meta.url), 'utf8'),
);

let node: Devnode;
let client: FiscoRpcClient;

before(async () => {
  node = await startDevnode({ port: 0, chainId: 1, groupId: 1, blockIntervalMs: 0, sealerCount: 1 });
  client = new FiscoRpcClient({ url: node.url, groupId: 1 });
});
after(() => node.close());

test('a fresh devnode accepts the shared vector and returns exactly its transaction hash', async () => {
  assert.equal(await client.getBlockNumber(), 0n);
  const hash = await client.sendRawTransaction(vector.rawTransaction);
  assert.equal(hash, vector.transactionHash);
  await node.sealNow();
  const tx = await client.getTransactionByHash(hash);
  assert.ok(tx);
  assert.equal(tx.from, vector.sender);
  assert.equal(tx.hash, vector.transactionHash);
  assert.equal(tx.blockNumber, '0x1');
  const receipt = await client.waitForReceipt(hash, { timeoutMs: 2000 });
  assert.equal(receipt.status, '0x0');
  assert.equal(receipt.from, vector.sender);
});
