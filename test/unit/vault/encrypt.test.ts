import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBase64, toBase64 } from '../../../background/vault/base64.ts';
import {
  decryptSecret,
  type EncryptedRecord,
  encryptSecret,
  MAX_PBKDF2_ITERATIONS,
  PBKDF2_ITERATIONS,
} from '../../../background/vault/encrypt.ts';
import { VaultCorruptError, WrongPasswordError } from '../../../background/vault/errors.ts';

const utf8 = new TextEncoder();
const secret = utf8.encode('{"mnemonic":"a secret phrase"}');
const fast = { iterations: 1000 };

function flipByte(b64: string, at: number): string {
  const bytes = fromBase64(b64);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  return toBase64(bytes);
}

test('the real KDF: 600,000 PBKDF2 iterations in the stored record, round trip, wrong password', async () => {
  assert.ok(PBKDF2_ITERATIONS >= 600_000);
  const record = await encryptSecret(secret, 'correct horse battery staple');
  assert.ok(record.kdf.iterations >= 600_000);
  assert.deepEqual(
    { version: record.version, kdf: record.kdf.name, hash: record.kdf.hash, cipher: record.cipher.name },
    { version: 1, kdf: 'PBKDF2', hash: 'SHA-256', cipher: 'AES-GCM' },
  );
  assert.equal(fromBase64(record.kdf.salt).length, 16);
  assert.equal(fromBase64(record.cipher.iv).length, 12);
  const stored = JSON.parse(JSON.stringify(record)) as unknown; // survives JSON (storage.local)
  assert.deepEqual(await decryptSecret(stored, 'correct horse battery staple'), secret);
  await assert.rejects(decryptSecret(stored, 'correct horse battery stapler'), (e: unknown) => {
    assert.ok(e instanceof WrongPasswordError);
    assert.equal(e.name, 'WrongPasswordError');
    return true;
  });
});

test('each encryption draws a new salt and IV', async () => {
  const a = await encryptSecret(secret, 'password1', fast);
  const b = await encryptSecret(secret, 'password1', fast);
  assert.notEqual(a.kdf.salt, b.kdf.salt);
  assert.notEqual(a.cipher.iv, b.cipher.iv);
  assert.notEqual(a.ciphertext, b.ciphertext);
});

test('a tampered ciphertext, IV or tag is VaultCorruptError, not a wrong password or garbage', async () => {
  const record = await encryptSecret(secret, 'password1', fast);
  const length = fromBase64(record.ciphertext).length;
  const tampered: EncryptedRecord[] = [
    { ...record, ciphertext: flipByte(record.ciphertext, 0) },
    { ...record, ciphertext: flipByte(record.ciphertext, length - 1) }, // the GCM tag
    { ...record, cipher: { ...record.cipher, iv: flipByte(record.cipher.iv, 3) } },
  ];
  for (const bad of tampered) {
    await assert.rejects(decryptSecret(bad, 'password1'), VaultCorruptError);
  }
  // A changed salt or iteration count derives another key: indistinguishable from a wrong password.
  await assert.rejects(
    decryptSecret({ ...record, kdf: { ...record.kdf, salt: flipByte(record.kdf.salt, 0) } }, 'password1'),
    WrongPasswordError,
  );
});

test('unknown versions and malformed records are VaultCorruptError', async () => {
  const record = await encryptSecret(secret, 'password1', fast);
  const bad: unknown[] = [
    null,
    'text',
    [],
    { ...record, version: 2 },
    { ...record, version: undefined },
    { ...record, kdf: { ...record.kdf, name: 'scrypt' } },
    { ...record, kdf: { ...record.kdf, hash: 'SHA-1' } },
    { ...record, kdf: { ...record.kdf, iterations: '600000' } },
    { ...record, kdf: { ...record.kdf, iterations: 0 } },
    { ...record, kdf: { ...record.kdf, iterations: MAX_PBKDF2_ITERATIONS + 1 } }, // must not hang the worker
    { ...record, cipher: { ...record.cipher, name: 'AES-CBC' } },
    { ...record, cipher: { ...record.cipher, iv: toBase64(new Uint8Array(16)) } },
    { ...record, kdf: { ...record.kdf, salt: 'not base64!' } },
    { ...record, ciphertext: toBase64(new Uint8Array(8)) },
    { ...record, check: undefined },
  ];
  for (const value of bad) {
    await assert.rejects(decryptSecret(value, 'password1'), VaultCorruptError, JSON.stringify(value));
  }
});

test('encryptSecret refuses an out-of-range iteration count', async () => {
  await assert.rejects(encryptSecret(secret, 'password1', { iterations: 0 }), RangeError);
  await assert.rejects(encryptSecret(secret, 'password1', { iterations: 1.5 }), RangeError);
});

test('base64 round trip and strictness', () => {
  const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) & 0xff); // over one 0x8000 chunk
  assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
  assert.deepEqual(fromBase64(''), new Uint8Array(0));
  assert.throws(() => fromBase64('abc'), SyntaxError);
  assert.throws(() => fromBase64('ab=c'), SyntaxError);
});
