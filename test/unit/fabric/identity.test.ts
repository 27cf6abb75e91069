/**
 * Identities and signatures as the Fabric peer checks them (SHA-256, DER, low-S),
 * cross-checked with node:crypto, plus the block header hash.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import { blockHeaderBytes } from '../../../p2p/chains/fabric/block-hash.ts';
import {
  hashMessage,
  privateKeyFromPem,
  publicKeyFromCertificate,
  signDigest,
  signMessage,
  verifyDigest,
} from '../../../p2p/chains/fabric/identity.ts';
import { loadIdentityFromMspDir } from '../../../p2p/chains/fabric/identity-files.ts';
import { toLowS } from '../../../p2p/chains/fabric/low-s.ts';
import { newMessageSigner } from '../../../p2p/chains/fabric/node-signer.ts';
import { type IssuedIdentity, TestCa } from '../../../p2p/devnet/fabric/test-ca.ts';

const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
let dir: string;
let ca: TestCa;
let user: IssuedIdentity;

function sOf(der: Uint8Array): bigint {
  const rLength = der[3] ?? 0;
  const sLength = der[5 + rLength] ?? 0;
  return BigInt(`0x${Buffer.from(der.subarray(6 + rLength, 6 + rLength + sLength)).toString('hex')}`);
}

/** The same signature with s replaced by n - s: mathematically valid, refused by Fabric. */
function highS(der: Uint8Array): Uint8Array {
  const rLength = der[3] ?? 0;
  const r = der.subarray(2, 4 + rLength);
  const s = ORDER - sOf(der);
  let hex = s.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let sBytes = Buffer.from(hex, 'hex');
  if ((sBytes[0] ?? 0) & 0x80) sBytes = Buffer.concat([Buffer.from([0]), sBytes]);
  const body = Buffer.concat([r, Buffer.from([0x02, sBytes.length]), sBytes]);
  return Uint8Array.from(Buffer.concat([Buffer.from([0x30, body.length]), body]));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-fabric-id-'));
  ca = await TestCa.open(dir, 'Org1MSP');
  user = await ca.issue('user1');
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('Fabric identities', () => {
  test('the test CA issues P-256 certificates under its root, in MSP folders, and keeps them', async () => {
    const cert = new X509Certificate(user.certificate);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(cert.verify(new X509Certificate(ca.certificate).publicKey));
    assert.match(cert.subject, /CN=user1/);
    assert.ok(ca.issued(user.certificate));
    const loaded = loadIdentityFromMspDir(user.mspDir, 'Org1MSP');
    assert.deepEqual(loaded.privateKey, user.privateKey);
    const reopened = await TestCa.open(dir, 'Org1MSP');
    assert.equal(reopened.certificate, ca.certificate);
    assert.equal((await reopened.issue('user1')).certificate, user.certificate);
    const stranger = await (await TestCa.open(join(dir, 'other'), 'Org1MSP')).issue('mallory');
    assert.equal(ca.issued(stranger.certificate), false);
  });

  test('PEM keys: PKCS#8 and SEC1 give the same scalar node:crypto sees', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const d = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
    const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const sec1 = privateKey.export({ format: 'pem', type: 'sec1' }) as string;
    assert.deepEqual(Buffer.from(privateKeyFromPem(pkcs8)), d);
    assert.deepEqual(Buffer.from(privateKeyFromPem(sec1)), d);
  });

  test('the certificate public key matches node:crypto', () => {
    const jwk = new X509Certificate(user.certificate).publicKey.export({ format: 'jwk' });
    const expected = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x as string, 'base64url'),
      Buffer.from(jwk.y as string, 'base64url'),
    ]);
    assert.deepEqual(Buffer.from(publicKeyFromCertificate(user.certificate)), expected);
  });

  test('signatures are SHA-256 ECDSA, DER, low-S, and verify with node:crypto', () => {
    const publicKey = new X509Certificate(user.certificate).publicKey;
    for (let i = 0; i < 20; i++) {
      const message = Buffer.from(`message ${i}`);
      const signature = signMessage(user, message);
      assert.equal(signature[0], 0x30);
      assert.ok(sOf(signature) <= ORDER >> 1n, 'low-S');
      assert.ok(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature));
      assert.ok(verifyDigest(publicKeyFromCertificate(user.certificate), hashMessage(message), signature));
      assert.deepEqual(Buffer.from(hashMessage(message)), createHash('sha256').update(message).digest());
    }
  });

  test('high-S signatures are refused although they verify mathematically', () => {
    const digest = hashMessage(Buffer.from('x'));
    const low = signDigest(user.privateKey, digest);
    const high = highS(low);
    const point = publicKeyFromCertificate(user.certificate);
    assert.ok(
      p256.verify(high, digest, point, { prehash: false, lowS: false, format: 'der' }),
      'valid ECDSA',
    );
    assert.equal(verifyDigest(publicKeyFromCertificate(user.certificate), digest, high), false);
    assert.deepEqual(Buffer.from(toLowS(high)), Buffer.from(low), 'normalising gives back the low-S form');
    assert.equal(toLowS(low), low);
  });

  test('the node:crypto signer is normalised to low-S', () => {
    const sign = newMessageSigner(user);
    const publicKey = publicKeyFromCertificate(user.certificate);
    for (let i = 0; i < 40; i++) {
      const message = Buffer.from(`node ${i}`);
      const signature = sign(message);
      assert.ok(sOf(signature) <= ORDER >> 1n);
      assert.ok(verifyDigest(publicKey, hashMessage(message), signature));
    }
  });
});

describe('block header hash input', () => {
  test('is the DER sequence (number, previous_hash, data_hash)', () => {
    const previous = new Uint8Array(32).fill(0xaa);
    const data = new Uint8Array(32).fill(0xbb);
    const zero = blockHeaderBytes(0n, new Uint8Array(0), data);
    assert.deepEqual([...zero.subarray(0, 7)], [0x30, 39, 0x02, 0x01, 0x00, 0x04, 0x00]);
    const n128 = blockHeaderBytes(128n, previous, data);
    // 128 needs a leading zero byte to stay positive; 2 + 4 + 34 + 34 = 74 bytes of body.
    assert.deepEqual([...n128.subarray(0, 6)], [0x30, 72, 0x02, 0x02, 0x00, 0x80]);
    assert.deepEqual([...n128.subarray(6, 8)], [0x04, 32]);
    assert.equal(n128.length, 74);
  });
});
