import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hexlify, toUtf8Bytes } from 'ethers';
import { FiscoInvalidSignatureError } from '../../../p2p/chains/fisco-bcos/errors.ts';
import { Sm2Signer, sm2Scheme, sm3Hash } from '../../../p2p/chains/fisco-bcos/sm2.ts';
import {
  decodeTransaction,
  encodeUnsigned,
  recoverSender,
  signTransaction,
  transactionFields,
} from '../../../p2p/chains/fisco-bcos/transaction.ts';

test('SM3 reproduces the GB/T 32905 example', () => {
  assert.equal(
    hexlify(sm3Hash(toUtf8Bytes('abc'))),
    '0x66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
  );
});

test('the SM2 scheme verifies the GM/T 0003 example signature (default user ID)', () => {
  // GM/T 0003.5 example on the recommended curve: private key, message "message digest", r and s.
  const signer = new Sm2Signer('3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8');
  const signature = {
    v: signer.publicKey,
    r: Uint8Array.from(
      Buffer.from('f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3', 'hex'),
    ),
    s: Uint8Array.from(
      Buffer.from('b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa', 'hex'),
    ),
  };
  const message = toUtf8Bytes('message digest');
  assert.equal(sm2Scheme.recoverSender(signature, message), signer.address);
  assert.throws(
    () => sm2Scheme.recoverSender(signature, toUtf8Bytes('message digesT')),
    FiscoInvalidSignatureError,
  );
});

test('a guomi transaction signs, encodes, decodes and recovers its sender with SM2/SM3', () => {
  const signer = Sm2Signer.random();
  const fields = transactionFields({ to: null, data: '0x6000', chainId: 1, groupId: 1, blockLimit: 100n });
  const signed = signTransaction(fields, signer);
  assert.equal(signed.signature.v.length, 64);
  assert.equal(signed.signingHash, hexlify(sm3Hash(encodeUnsigned(fields))));
  const decoded = decodeTransaction(signed.raw, sm2Scheme);
  assert.equal(decoded.hash, signed.hash);
  assert.equal(decoded.hash, hexlify(sm3Hash(Uint8Array.from(Buffer.from(signed.raw.slice(2), 'hex')))));
  assert.equal(recoverSender(decoded, sm2Scheme), signer.address);
  // Someone else's public key in v does not verify.
  const other = Sm2Signer.random();
  const forged = { ...decoded, signature: { ...decoded.signature, v: other.publicKey } };
  assert.throws(() => recoverSender(forged, sm2Scheme), FiscoInvalidSignatureError);
  // Reading a guomi transaction as a standard one fails: v is not 27/28.
  assert.throws(() => recoverSender(decodeTransaction(signed.raw)), FiscoInvalidSignatureError);
});
