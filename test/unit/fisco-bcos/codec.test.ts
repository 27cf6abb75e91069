import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getBytes, hexlify } from 'ethers';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import {
  FiscoInvalidSignatureError,
  FiscoTransactionFormatError,
} from '../../../p2p/chains/fisco-bcos/errors.ts';
import {
  decodeTransaction,
  encodeSigned,
  recoverSender,
  signingHash,
  signTransaction,
  transactionFields,
} from '../../../p2p/chains/fisco-bcos/transaction.ts';

// CI keeps shared/ beside the clone: ../shared relative to the repository root.
const vector = JSON.parse(
  readFileSync(new URL('../../../../shared/vectors/fisco-bcos-2x.json', import.meta.url), 'utf8'),
);

test('decoding the shared vector reproduces its signing hash, transaction hash and sender', () => {
  const tx = decodeTransaction(vector.rawTransaction);
  assert.equal(tx.signingHash, vector.signingHash);
  assert.equal(tx.hash, vector.transactionHash);
  assert.equal(recoverSender(tx), vector.sender);
  const f = vector.fields;
  assert.equal(tx.fields.randomid, BigInt(f.randomid));
  assert.equal(tx.fields.gasPrice, BigInt(f.gasPrice));
  assert.equal(tx.fields.gasLimit, BigInt(f.gasLimit));
  assert.equal(tx.fields.blockLimit, BigInt(f.blockLimit));
  assert.equal(tx.fields.to, f.to);
  assert.equal(tx.fields.value, 0n);
  assert.equal(tx.fields.data, f.data);
  assert.equal(tx.fields.chainId, BigInt(f.chainId));
  assert.equal(tx.fields.groupId, BigInt(f.groupId));
  assert.equal(tx.fields.extraData, f.extraData);
  assert.deepEqual([...tx.signature.v], [f.v]);
  assert.equal(hexlify(tx.signature.r), f.r);
  assert.equal(hexlify(tx.signature.s), f.s);
});

test('encoding the vector fields from scratch gives the same bytes and hashes', () => {
  const f = vector.fields;
  const fields = transactionFields({
    randomid: BigInt(f.randomid),
    gasPrice: BigInt(f.gasPrice),
    gasLimit: BigInt(f.gasLimit),
    blockLimit: BigInt(f.blockLimit),
    to: f.to,
    data: f.data,
    chainId: f.chainId,
    groupId: f.groupId,
    extraData: f.extraData,
  });
  assert.equal(hexlify(signingHash(fields)), vector.signingHash);
  const raw = encodeSigned(fields, { v: Uint8Array.of(f.v), r: getBytes(f.r), s: getBytes(f.s) });
  assert.equal(hexlify(raw), vector.rawTransaction);
});

test('sign then decode round-trips and recovers the signer, with v = recid + 27 and low S', () => {
  const signer = EcdsaSigner.random();
  const half = secp256k1.Point.CURVE().n / 2n;
  for (let i = 0; i < 20; i++) {
    const fields = transactionFields({ to: null, data: '0x6000', chainId: 7, groupId: 3, blockLimit: 100n });
    const signed = signTransaction(fields, signer);
    assert.ok(signed.signature.v[0] === 27 || signed.signature.v[0] === 28);
    assert.ok(BigInt(hexlify(signed.signature.s)) <= half);
    const decoded = decodeTransaction(signed.raw);
    assert.equal(decoded.hash, signed.hash);
    assert.equal(decoded.fields.to, null);
    assert.equal(decoded.fields.chainId, 7n);
    assert.equal(recoverSender(decoded), signer.address);
  }
});

test('r and s with a leading zero byte travel as minimal integers, as a node requires', () => {
  const signer = new EcdsaSigner(`0x${'00'.repeat(31)}07`);
  let found = 0;
  // Deterministic nonces: the same inputs always give the same signatures, so this loop is bounded and stable.
  for (let i = 0; i < 2000 && found < 2; i++) {
    const fields = transactionFields({
      to: null,
      data: '0x',
      chainId: 1,
      groupId: 1,
      blockLimit: 10n,
      randomid: BigInt(i + 1),
    });
    const signed = signTransaction(fields, signer);
    const { r, s } = signed.signature;
    if (r.length === 32 && s.length === 32) continue;
    found++;
    assert.ok(r[0] !== 0 && s[0] !== 0, 'no leading zero byte');
    const decoded = decodeTransaction(signed.raw);
    assert.equal(decoded.hash, signed.hash);
    assert.equal(recoverSender(decoded), signer.address);
    // The same signature padded to 32 bytes is not canonical RLP and is refused.
    const padded = encodeSigned(fields, {
      v: signed.signature.v,
      r: getBytes(`0x${hexlify(r).slice(2).padStart(64, '0')}`),
      s: getBytes(`0x${hexlify(s).slice(2).padStart(64, '0')}`),
    });
    assert.throws(() => decodeTransaction(hexlify(padded) as `0x${string}`), /leading zero/);
  }
  assert.equal(found, 2);
});

test('a known private key signs to its known address', () => {
  // secp256k1 key 1 has the well-known address 0x7e5f...5bdf.
  const signer = new EcdsaSigner(`0x${'00'.repeat(31)}01`);
  assert.equal(signer.address, '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf');
});

test('high-S, bad v and zero r are refused as invalid signatures', () => {
  const tx = decodeTransaction(vector.rawTransaction);
  const n = secp256k1.Point.CURVE().n;
  const highS = getBytes(`0x${(n - BigInt(hexlify(tx.signature.s))).toString(16).padStart(64, '0')}`);
  const flipped = {
    ...tx,
    signature: { ...tx.signature, s: highS, v: Uint8Array.of(55 - (tx.signature.v[0] ?? 0)) },
  };
  assert.throws(() => recoverSender(flipped), FiscoInvalidSignatureError);
  const badV = { ...tx, signature: { ...tx.signature, v: Uint8Array.of(1) } };
  assert.throws(() => recoverSender(badV), /v must be 27 or 28/);
  const zeroR = { ...tx, signature: { ...tx.signature, r: new Uint8Array(0) } };
  assert.throws(() => recoverSender(zeroR), FiscoInvalidSignatureError);
});

test('a different signature over the same fields recovers a different sender', () => {
  const tx = decodeTransaction(vector.rawTransaction);
  const otherV = { ...tx, signature: { ...tx.signature, v: Uint8Array.of(55 - (tx.signature.v[0] ?? 0)) } };
  assert.notEqual(recoverSender(otherV), vector.sender);
});

test('malformed bytes are FiscoTransactionFormatError', () => {
  assert.throws(() => decodeTransaction('0xdeadbeef'), FiscoTransactionFormatError);
  assert.throws(() => decodeTransaction('0x8180'), FiscoTransactionFormatError);
  // A list with 12 items instead of 13.
  assert.throws(() => decodeTransaction('0xcc808080808080808080808080'), /13 fields, got 12/);
  const truncated = vector.rawTransaction.slice(0, -2);
  assert.throws(() => decodeTransaction(truncated), FiscoTransactionFormatError);
});
