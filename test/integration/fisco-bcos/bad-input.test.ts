/**
 * Every bad input a client can send: the devnode answers with the code and message a FISCO BCOS
 * 2.x node uses, keeps serving, and its state (height, pool, balances) does not move.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getBytes, hexlify } from 'ethers';
import type { Hex } from '../../../p2p/chains/connector.ts';
import { decodeResult, encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcError, FiscoTransactionRefusedError } from '../../../p2p/chains/fisco-bcos/errors.ts';
import {
  decodeTransaction,
  encodeSigned,
  signTransaction,
  transactionFields,
} from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { assetArtifact, type Harness, startHarness } from './helpers.ts';

const abi = assetArtifact.abi as never;
let h: Harness;
let asset: string;
let height: bigint;
let balance: bigint;

async function balanceOf(who: string): Promise<bigint> {
  const output = await h.client.callChecked({ to: asset, data: encodeCall(abi, 'balanceOf', [who]) });
  return decodeResult(abi, 'balanceOf', output)[0] as bigint;
}

function transfer(extra: Record<string, unknown> = {}, signer?: EcdsaSigner): Promise<Hex> {
  return h.sign(
    { to: asset, data: encodeCall(abi, 'transfer', [EcdsaSigner.random().address, 1n]), ...extra },
    signer,
  );
}

/** The refusal must carry -32603, the reason in the node's words, and the matching status. */
function refused(status: string, reason: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof FiscoTransactionRefusedError, `expected a refusal, got ${e}`);
    assert.equal(e.rpcCode, -32603);
    assert.equal(e.status, status);
    assert.match(e.rpcMessage, reason);
    return true;
  };
}

function rpcError(code: number, message: string | RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof FiscoRpcError, `expected a node error, got ${e}`);
    assert.equal(e.rpcCode, code);
    if (typeof message === 'string') assert.equal(e.rpcMessage, message);
    else assert.match(e.rpcMessage, message);
    return true;
  };
}

/** Nothing committed, nothing pending, balances as they were, and the node still answers. */
async function assertUnchanged() {
  await h.node.sealNow();
  assert.equal(await h.client.blockNumber(), height);
  assert.equal(await h.client.request('getPendingTxSize', [1]), '0x0');
  assert.equal(await balanceOf(h.signer.address), balance);
}

before(async () => {
  h = await startHarness({ maxRequestBytes: 64 * 1024, poolMemoryLimit: 16 * 1024 });
  asset = await h.deploy(assetArtifact, ['Weft Coin', 'WFC', 1000n]);
});
beforeEach(async () => {
  height = await h.client.blockNumber();
  balance = await balanceOf(h.signer.address);
});
after(() => h.node.close());

test('malformed JSON gets -32700 JSON_PARSE_ERROR', async () => {
  const answer = await h.client.requestRaw('{"jsonrpc":"2.0","method":"getBlockNumber","params":[1');
  assert.deepEqual(answer.error, {
    code: -32700,
    message: 'JSON_PARSE_ERROR: The JSON-Object is not JSON-Valid',
  });
  assert.equal(answer.id, null);
  const notRequest = await h.client.requestRaw('"hello"');
  assert.equal(notRequest.error?.code, -32600);
  await assertUnchanged();
});

test('found by fuzzing: a request that is not JSON-RPC 2.0 gets -32600, as libjson-rpc-cpp answers', async () => {
  const invalid = {
    code: -32600,
    message: 'INVALID_JSON_REQUEST: The JSON sent is not a valid JSON-RPC Request object',
  };
  // A wrong or missing version, and ids that are neither integral, string nor null (answered as null).
  for (const [body, id] of [
    ['{"jsonrpc":"1.0","id":3,"method":"getBlockNumber","params":[1]}', 3],
    ['{"id":4,"method":"getBlockNumber","params":[1]}', 4],
    ['{"jsonrpc":"2.0","id":{"x":1},"method":"getBlockNumber","params":[1]}', null],
    ['{"jsonrpc":"2.0","id":1.5,"method":"getBlockNumber","params":[1]}', null],
  ] as const) {
    const answer = await h.client.requestRaw(body);
    assert.deepEqual([answer.id, answer.error], [id, invalid], body);
  }
  // Null params are no params.
  const clientVersion = await h.client.requestRaw(
    '{"jsonrpc":"2.0","id":5,"method":"getGroupList","params":null}',
  );
  assert.deepEqual(clientVersion.result, [1]);
  await assertUnchanged();
});

test('found by fuzzing: a config key naming an inherited member (toString, __proto__) is -40008, not an empty answer', async () => {
  for (const key of ['toString', 'hasOwnProperty', '__proto__', 'constructor']) {
    await assert.rejects(
      h.client.request('getSystemConfigByKey', [1, key]),
      rpcError(-40008, 'Invalid System Config'),
    );
  }
  await assertUnchanged();
});

test('an unknown method gets -32601 METHOD_NOT_FOUND', async () => {
  await assert.rejects(
    h.client.request('eth_sendTransaction', [1]),
    rpcError(-32601, 'METHOD_NOT_FOUND: The method being requested is not available on this server'),
  );
  await assertUnchanged();
});

test('wrong parameter types and counts get -32602 INVALID_PARAMS', async () => {
  const invalid = rpcError(
    -32602,
    'INVALID_PARAMS: Invalid method parameters (invalid name and/or type) recognised',
  );
  await assert.rejects(h.client.request('getBlockNumber', ['1']), invalid);
  await assert.rejects(h.client.request('sendRawTransaction', [1, 42]), invalid);
  await assert.rejects(h.client.request('getBlockByNumber', [1, '0x0']), invalid);
  await assert.rejects(h.client.request('getTransactionReceipt', [1, 'not-a-hash']), invalid);
  await assert.rejects(h.client.request('call', [1, 'to-somewhere']), invalid);
  await assertUnchanged();
});

test('an unknown group gets -40001, a missing block -40004, a call without from -40006, a bad config key -40008', async () => {
  await assert.rejects(h.client.request('getBlockNumber', [2]), rpcError(-40001, 'GroupID does not exist'));
  await assert.rejects(
    h.client.request('sendRawTransaction', [7, await transfer()]),
    rpcError(-40001, 'GroupID does not exist'),
  );
  await assert.rejects(
    h.client.getBlockByNumber(height + 10n),
    rpcError(-40004, 'BlockNumber does not exist'),
  );
  await assert.rejects(
    h.client.request('call', [1, { to: asset, data: '0x' }]),
    rpcError(-40006, "Call needs a 'from' field"),
  );
  await assert.rejects(
    h.client.request('getSystemConfigByKey', [1, 'no_such_key']),
    rpcError(-40008, 'Invalid System Config'),
  );
  assert.equal(await h.client.request('getSystemConfigByKey', [1, 'tx_count_limit']), '1000');
  await assertUnchanged();
});

test('bad RLP is refused as BadRLP / InvalidTransactionFormat', async () => {
  await assert.rejects(h.client.sendRawTransaction('0xdeadbeef'), refused('0x2', /BadRLP/));
  await assert.rejects(h.client.sendRawTransaction('0xzz' as Hex), refused('0x2', /BadRLP/));
  const twelve = '0xcc808080808080808080808080';
  await assert.rejects(h.client.sendRawTransaction(twelve), refused('0x3', /InvalidTransactionFormat/));
  await assertUnchanged();
});

test('bad signatures (v not 27/28, r = 0, high S) are refused as InvalidSignature', async () => {
  const tx = decodeTransaction(await transfer());
  const withSig = (sig: Partial<typeof tx.signature>) =>
    hexlify(encodeSigned(tx.fields, { ...tx.signature, ...sig }));
  const n = secp256k1.Point.CURVE().n;
  const highS = getBytes(`0x${(n - BigInt(hexlify(tx.signature.s))).toString(16).padStart(64, '0')}`);
  const flippedV = Uint8Array.of(55 - (tx.signature.v[0] ?? 27));
  for (const raw of [
    withSig({ v: Uint8Array.of(29) }),
    withSig({ r: new Uint8Array(0) }),
    withSig({ s: highS, v: flippedV }),
  ]) {
    await assert.rejects(h.client.sendRawTransaction(raw as Hex), refused('0x5', /InvalidSignature/));
  }
  await assertUnchanged();
});

test('a wrong chainId or groupId inside the transaction is refused', async () => {
  await assert.rejects(
    h.client.sendRawTransaction(await transfer({ chainId: 2 })),
    refused('0x2712', /InvalidChainId/),
  );
  await assert.rejects(
    h.client.sendRawTransaction(await transfer({ groupId: 9 })),
    refused('0x2713', /InvalidGroupId/),
  );
  await assertUnchanged();
});

test('a stale or far-future blockLimit is refused; the window edge is accepted', async () => {
  const stale = refused('0x10', new RegExp(`BlockLimitCheckFailed, txBlockLimit=${height}`));
  await assert.rejects(h.client.sendRawTransaction(await transfer({ blockLimit: height })), stale);
  const far = height + 1001n;
  const future = refused('0x10', new RegExp(`BlockLimitCheckFailed, txBlockLimit=${far}`));
  await assert.rejects(h.client.sendRawTransaction(await transfer({ blockLimit: far })), future);
  await assertUnchanged();
  const edge = await h.send(await transfer({ blockLimit: height + 1000n }));
  assert.equal(edge.status, '0x0');
});

test('a reused randomid is refused, pending or committed, and a resent transaction is known', async () => {
  const randomid = 0x1234n;
  const first = await transfer({ randomid });
  const hash = await h.client.sendRawTransaction(first);
  await assert.rejects(h.client.sendRawTransaction(first), refused('0x2710', /TransactionAlreadyKown/));
  await assert.rejects(
    h.client.sendRawTransaction(await transfer({ randomid })),
    refused('0xf', /TxPoolNonceCheckFail/),
  );
  await h.node.sealNow();
  assert.equal((await h.client.waitForReceipt(hash)).status, '0x0');
  height = await h.client.blockNumber();
  balance = await balanceOf(h.signer.address);
  await assert.rejects(h.client.sendRawTransaction(first), refused('0x2711', /TransactionAlreadyInChain/));
  await assert.rejects(
    h.client.sendRawTransaction(await transfer({ randomid })),
    refused('0xf', /TransactionNonceCheckFail/),
  );
  await assertUnchanged();
});

test('a reverting transaction is sealed with status 0x16 and moves no balance', async () => {
  const poor = EcdsaSigner.random();
  const receipt = await h.send(await transfer({}, poor));
  assert.equal(receipt.status, '0x16');
  height = await h.client.blockNumber();
  await assertUnchanged();
});

test('oversized payloads: a too-large body gets HTTP 413 / -32600, a too-large transaction OverGroupMemoryLimit', async () => {
  const huge = JSON.stringify({
    jsonrpc: '2.0',
    method: 'getBlockNumber',
    params: [1, 'x'.repeat(70 * 1024)],
    id: 1,
  });
  const answer = await h.client.requestRaw(huge);
  assert.equal(answer.error?.code, -32600);
  assert.match(answer.error?.message ?? '', /^INVALID_JSON_REQUEST/);
  const bigData = `0x${'ab'.repeat(20 * 1024)}` as Hex;
  const fields = transactionFields({
    to: asset,
    data: bigData,
    chainId: 1,
    groupId: 1,
    blockLimit: height + 10n,
  });
  await assert.rejects(
    h.client.sendRawTransaction(signTransaction(fields, h.signer).raw),
    refused('0x2716', /OverGroupMemoryLimit/),
  );
  await assertUnchanged();
});

test('a client that hangs up mid-request does not take the node down', async () => {
  const { request } = await import('node:http');
  await new Promise<void>((resolve) => {
    const req = request(h.node.url, { method: 'POST', headers: { 'content-length': '1000' } });
    req.on('error', () => resolve());
    req.write('{"jsonrpc":"2.0","method":"getBlockNumber"');
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 50);
  });
  await assertUnchanged();
});
