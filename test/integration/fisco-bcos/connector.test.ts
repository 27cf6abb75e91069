/** The universal connector against a devnode, over HTTP only. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ChainRevertError, ChainTimeoutError, UnknownResourceError } from '../../../p2p/chains/errors.ts';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import {
  FiscoExecutionError,
  FiscoReceiptTimeoutError,
  FiscoTransactionMismatchError,
  FiscoUnavailableError,
} from '../../../p2p/chains/fisco-bcos/errors.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { decodeTransaction } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { assetArtifact, type Harness, keyValueArtifact, startHarness } from './helpers.ts';

const abi = assetArtifact.abi as never;
let h: Harness;
let connector: FiscoBcosConnector;
let asset: string;

before(async () => {
  // Seal on a short interval so submit() sees its receipt without the test sealing by hand.
  h = await startHarness({ blockIntervalMs: 20 });
  asset = await h.deploy(assetArtifact, ['Weft Coin', 'WFC', 1000n]);
  const kv = await h.deploy(keyValueArtifact);
  connector = new FiscoBcosConnector({
    url: h.node.url,
    chainId: 1,
    groupId: 1,
    zone: 'payment',
    chainName: 'fisco',
    resources: [
      { name: 'asset', address: asset, abi: assetArtifact.abi as never },
      { name: 'kv', address: kv, abi: keyValueArtifact.abi as never },
    ],
  });
});
after(() => h.node.close());

test('resources are described with their path, methods and kinds', () => {
  assert.deepEqual(
    connector.resources().map((r) => r.path),
    ['payment.fisco.asset', 'payment.fisco.kv'],
  );
  const described = connector.describe('payment.fisco.asset');
  assert.equal(described, connector.describe('asset'));
  assert.deepEqual(described.chain, { type: 'fisco-bcos', chainId: 1, groupId: 1 });
  const transfer = described.methods.find((m) => m.name === 'transfer');
  assert.deepEqual(transfer, {
    name: 'transfer',
    kind: 'write',
    inputs: [
      { name: 'to', type: 'address' },
      { name: 'value', type: 'uint256' },
    ],
    outputs: [{ name: '', type: 'bool' }],
  });
  assert.equal(described.methods.find((m) => m.name === 'balanceOf')?.kind, 'read');
  assert.throws(() => connector.describe('payment.fisco.nothing'), UnknownResourceError);
});

test('info, call, submit, getBlock and getTransaction work end to end', async () => {
  const info = await connector.info();
  assert.equal(info.client, 'FISCO-BCOS 2.9.1');
  const bob = EcdsaSigner.random().address;
  const raw = await h.sign({ to: asset, data: encodeCall(abi, 'transfer', [bob, 7n]) });
  const receipt = await connector.submit({ resource: 'payment.fisco.asset', signed: raw, timeoutMs: 5000 });
  assert.equal(receipt.status, 'success');
  assert.equal(receipt.chainStatus, '0x0');
  assert.equal(receipt.events[0]?.name, 'Transfer');
  assert.deepEqual(receipt.events[0]?.args, { from: h.signer.address, to: bob, value: 7n });
  const read = await connector.call({ resource: 'asset', method: 'balanceOf', args: [bob] });
  assert.deepEqual(read.values, [7n]);
  const block = await connector.getBlock(receipt.blockNumber);
  assert.ok(block?.txIds.includes(receipt.txId));
  assert.equal(await connector.getBlock(receipt.blockNumber + 100n), null);
  const tx = await connector.getTransaction(receipt.txId);
  assert.equal(tx?.from, h.signer.address);
  assert.equal(tx?.to, asset);
  assert.equal(await connector.getTransaction(`0x${'00'.repeat(32)}`), null);
  assert.ok((await connector.blockNumber()) >= receipt.blockNumber);
});

test('a reverting write comes back as a reverted receipt; a reverting read throws a ChainRevertError', async () => {
  const poor = EcdsaSigner.random();
  const raw = await h.sign({ to: asset, data: encodeCall(abi, 'transfer', [h.signer.address, 1n]) }, poor);
  const receipt = await connector.submit({ resource: 'asset', signed: raw, timeoutMs: 5000 });
  assert.equal(receipt.status, 'reverted');
  assert.equal(receipt.chainStatus, '0x16');
  await assert.rejects(
    connector.call({ resource: 'kv', method: 'get', args: ['nope'] }),
    (e: unknown) =>
      e instanceof FiscoExecutionError &&
      e instanceof ChainRevertError &&
      e.reason === 'KeyValue: no such key',
  );
});

test('submit refuses a transaction for another chain, group or resource before sending it', async () => {
  const data = encodeCall(abi, 'transfer', [h.signer.address, 1n]);
  for (const raw of [
    await h.sign({ to: asset, data, chainId: 5 }),
    await h.sign({ to: asset, data, groupId: 2 }),
    await h.sign({ to: EcdsaSigner.random().address, data }),
  ]) {
    await assert.rejects(connector.submit({ resource: 'asset', signed: raw }), FiscoTransactionMismatchError);
  }
});

test('waiting for a receipt that never comes ends in a typed timeout', async () => {
  const client = new FiscoRpcClient({ url: h.node.url, groupId: 1 });
  await assert.rejects(
    client.waitForReceipt(`0x${'ab'.repeat(32)}`, { timeoutMs: 150 }),
    (e: unknown) => e instanceof FiscoReceiptTimeoutError && e instanceof ChainTimeoutError,
  );
});

test('an unreachable node is a ChainUnavailableError', async () => {
  const client = new FiscoRpcClient({ url: 'http://127.0.0.1:1/', groupId: 1, requestTimeoutMs: 1000 });
  await assert.rejects(client.blockNumber(), FiscoUnavailableError);
});

test('waitForReceipt rides out a node that is briefly unreachable', async () => {
  const raw = await h.sign({ to: asset, data: encodeCall(abi, 'transfer', [h.signer.address, 1n]) });
  const hash = await h.client.sendRawTransaction(raw);
  let calls = 0;
  // The first two polls fail at the network level, as during a node restart; the rest go through.
  const flaky: typeof fetch = (input, init) => {
    calls++;
    return calls <= 2 ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init);
  };
  const client = new FiscoRpcClient({ url: h.node.url, groupId: 1, fetch: flaky });
  const receipt = await client.waitForReceipt(hash, { timeoutMs: 5000 });
  assert.equal(receipt.transactionHash, hash);
  assert.ok(calls >= 3);
});

test('submitting the same signed write again (a replay after a crash) returns the first receipt', async () => {
  const bob = EcdsaSigner.random().address;
  const raw = await h.sign({ to: asset, data: encodeCall(abi, 'transfer', [bob, 3n]) });
  const [first, concurrent] = await Promise.all([
    connector.submit({ resource: 'asset', signed: raw, timeoutMs: 5000 }),
    connector.submit({ resource: 'asset', signed: raw, timeoutMs: 5000 }),
  ]);
  const replay = await connector.submit({ resource: 'asset', signed: raw, timeoutMs: 5000 });
  assert.deepEqual(concurrent, first);
  assert.deepEqual(replay, first);
  assert.deepEqual((await connector.call({ resource: 'asset', method: 'balanceOf', args: [bob] })).values, [
    3n,
  ]);
  // A different transaction reusing the randomid is still refused.
  const tx = decodeTransaction(raw);
  const sameNonce = await h.sign({
    to: asset,
    data: encodeCall(abi, 'transfer', [bob, 4n]),
    randomid: tx.fields.randomid,
  });
  await assert.rejects(connector.submit({ resource: 'asset', signed: sameNonce }), /NonceCheckFail/);
});
