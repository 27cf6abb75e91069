import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { decodeRevertReason } from '../../../p2p/chains/fisco-bcos/abi.ts';
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
  assert.equal(await client.getBlockNumber(), '0x0');
  assert.equal(await client.blockNumber(), 0n);
  const hash = await client.sendRawTransaction(vector.rawTransaction);
  assert.equal(hash, vector.transactionHash);
  await node.sealNow();
  const tx = await client.getTransactionByHash(hash);
  assert.ok(tx);
  assert.equal(tx.from, vector.sender);
  assert.equal(tx.hash, vector.transactionHash);
  assert.equal(tx.blockNumber, '0x1');
  assert.equal(BigInt(tx.nonce), BigInt(vector.fields.randomid));
  assert.match(tx.nonce, /^0x[1-9a-f]/, 'numbers are compact hex, as toJS(u256) writes them');
  assert.equal(tx.to, vector.fields.to);
  assert.equal(tx.input, vector.fields.data);
  assert.equal(tx.signature?.r, vector.fields.r);
  assert.equal(tx.signature?.s, vector.fields.s);
  // A 2.x node shows v as the recovery id (the chain vectors' block 1: "v": "0x0"), r‖s‖recid in `signature`.
  assert.match(tx.signature?.v ?? '', /^0x[01]$/);
  const receipt = await client.waitForReceipt(hash, { timeoutMs: 2000 });
  // Nothing is deployed at its `to` on a fresh chain: like a real node, CallAddressError with the reason.
  assert.equal(receipt.status, '0x1a');
  assert.equal(receipt.statusMsg, 'CallAddressError');
  assert.equal(decodeRevertReason(receipt.output), `Error address:${vector.fields.to.slice(2)}`);
  assert.equal(receipt.from, vector.sender);
  // Resending the same raw transaction is refused: it is in the chain now.
  await assert.rejects(client.sendRawTransaction(vector.rawTransaction), /TransactionAlreadyInChain/);
});

test('getClientVersion and getGroupList answer like a 2.x node', async () => {
  const version = await client.getClientVersion();
  assert.match(version['FISCO-BCOS Version'], /^2\./);
  assert.equal(version['Chain Id'], '1');
  assert.deepEqual(await client.getGroupList(), [1]);
  const genesis = await client.getBlockByNumber(0n);
  assert.equal(genesis.number, '0x0');
  assert.equal(genesis.parentHash, `0x${'00'.repeat(32)}`);
});
