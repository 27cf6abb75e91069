import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getBytes } from 'ethers';
import {
  decodeEvent,
  decodeResult,
  decodeRevertReason,
  encodeCall,
} from '../../../p2p/chains/fisco-bcos/abi.ts';
import { checkBlock, verifySealerSignature } from '../../../p2p/chains/fisco-bcos/block-header.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoExecutionError, FiscoHeaderHashError } from '../../../p2p/chains/fisco-bcos/errors.ts';
import { assertReceiptOk } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { assetArtifact, type Harness, keyValueArtifact, startHarness } from './helpers.ts';

const abi = assetArtifact.abi as never;
let h: Harness;
let asset: string;

before(async () => {
  h = await startHarness({ sealerCount: 4 });
  asset = await h.deploy(assetArtifact, ['Weft Coin', 'WFC', 1_000_000n]);
});
after(() => h.node.close());

async function balanceOf(who: string): Promise<bigint> {
  const output = await h.client.callChecked({ to: asset, data: encodeCall(abi, 'balanceOf', [who]) });
  return decodeResult(abi, 'balanceOf', output)[0] as bigint;
}

test('deploy puts real EVM code at the receipt contract address', async () => {
  assert.match(asset, /^0x[0-9a-f]{40}$/);
  const code = await h.client.request<string>('getCode', [1, asset]);
  assert.equal(code, assetArtifact.deployedBytecode);
  assert.equal(await balanceOf(h.signer.address), 1_000_000n);
  const output = await h.client.callChecked({ to: asset, data: encodeCall(abi, 'symbol', []) });
  assert.deepEqual(decodeResult(abi, 'symbol', output), ['WFC']);
});

test('transfer moves balances and emits a decodable Transfer event', async () => {
  const bob = EcdsaSigner.random().address;
  const receipt = assertReceiptOk(
    await h.send(await h.sign({ to: asset, data: encodeCall(abi, 'transfer', [bob, 250n]) })),
  );
  assert.equal(receipt.status, '0x0');
  assert.equal(receipt.statusMsg, 'None');
  assert.equal(BigInt(receipt.remainGas ?? 0) + BigInt(receipt.gasUsed), 300_000_000n);
  assert.equal(receipt.to, asset);
  assert.equal(receipt.from, h.signer.address);
  assert.match(receipt.blockNumber, /^0x[0-9a-f]+$/);
  assert.equal(receipt.logs.length, 1);
  const event = decodeEvent(abi, receipt.logs[0] as never);
  assert.equal(event?.name, 'Transfer');
  assert.deepEqual(event?.args, { from: h.signer.address, to: bob, value: 250n });
  assert.equal(await balanceOf(bob), 250n);
  assert.equal(await balanceOf(h.signer.address), 1_000_000n - 250n);
});

test('a reverting transaction gets status 0x16 with the reason in its output and changes nothing', async () => {
  const poor = EcdsaSigner.random();
  const before = await balanceOf(h.signer.address);
  const raw = await h.sign({ to: asset, data: encodeCall(abi, 'transfer', [h.signer.address, 5n]) }, poor);
  const receipt = await h.send(raw);
  assert.equal(receipt.status, '0x16');
  assert.equal(receipt.statusMsg, 'RevertInstruction');
  assert.equal(decodeRevertReason(receipt.output), 'Asset: insufficient balance');
  assert.equal(receipt.logs.length, 0);
  assert.throws(
    () => assertReceiptOk(receipt),
    (e: unknown) =>
      e instanceof FiscoExecutionError && e.reason === 'Asset: insufficient balance' && e.code === '0x16',
  );
  assert.equal(await balanceOf(h.signer.address), before);
});

test('a reverting call rejects with the decoded reason', async () => {
  const kv = await h.deploy(keyValueArtifact);
  const kvAbi = keyValueArtifact.abi as never;
  await assert.rejects(
    h.client.callChecked({ to: kv, data: encodeCall(kvAbi, 'get', ['missing']) }),
    (e: unknown) =>
      e instanceof FiscoExecutionError && e.reason === 'KeyValue: no such key' && e.status === '0x16',
  );
  assertReceiptOk(await h.send(await h.sign({ to: kv, data: encodeCall(kvAbi, 'set', ['colour', 'teal']) })));
  const out = await h.client.callChecked({ to: kv, data: encodeCall(kvAbi, 'get', ['colour']) });
  assert.deepEqual(decodeResult(kvAbi, 'get', out), ['teal']);
});

test('blocks link by parent hash and carry a signature from every sealer over the block hash', async () => {
  const height = await h.client.blockNumber();
  assert.ok(height >= 3n);
  const block = await h.client.getBlockByNumber(height, true);
  const parent = await h.client.getBlockByNumber(height - 1n);
  assert.equal(block.parentHash, parent.hash);
  assert.equal(block.number, `0x${height.toString(16)}`);
  assert.equal(block.sealerList.length, 4);
  assert.equal(block.signatureList.length, 4);
  for (const { index, signature } of block.signatureList) {
    const nodeId = block.sealerList[Number(index)] as string;
    assert.ok(verifySealerSignature(nodeId, getBytes(block.hash), signature));
    assert.ok(!verifySealerSignature(nodeId, getBytes(parent.hash), signature));
  }
  // A light client holding only the sealer list can check the block as reported over RPC.
  assert.deepEqual(checkBlock(block, block.sealerList), { hash: block.hash, signers: [0, 1, 2, 3] });
  assert.throws(
    () =>
      checkBlock({
        ...block,
        stateRoot: parent.stateRoot === block.stateRoot ? `0x${'11'.repeat(32)}` : parent.stateRoot,
      }),
    FiscoHeaderHashError,
  );
  const strangers = block.sealerList.map(() => `${'ab'.repeat(64)}`);
  assert.deepEqual(checkBlock(block, strangers).signers, []);
  const tx = block.transactions[0];
  assert.ok(tx && typeof tx === 'object' && tx.blockHash === block.hash);
  assert.deepEqual(await h.client.getBlockByHash(block.hash), await h.client.getBlockByNumber(height));
});

test('calling an address without code fails with CallAddressError (0x1a), as a real node does', async () => {
  const nobody = EcdsaSigner.random().address;
  await assert.rejects(
    h.client.callChecked({ to: nobody, data: encodeCall(abi, 'balanceOf', [nobody]) }),
    (e: unknown) =>
      e instanceof FiscoExecutionError &&
      e.status === '0x1a' &&
      e.reason === `Error address:${nobody.slice(2)}`,
  );
});
