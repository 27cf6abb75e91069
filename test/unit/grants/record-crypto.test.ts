import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { SigningKey } from 'ethers';
import fc from 'fast-check';
import {
  fieldKeys,
  isSealed,
  openGranted,
  openRecord,
  RecordCryptoError,
  recordsSecret,
  SEALED_PREFIX,
  sealRecord,
  unwrapKeys,
  WRAPPED_PREFIX,
  wrapKeys,
} from '../../../p2p/grants/record-crypto.ts';

const place = { resource: 'trade.fab.records', record: 'kyc' };
const owner = secp256k1.utils.randomSecretKey();
const audience = secp256k1.utils.randomSecretKey();
const audiencePublic = secp256k1.getPublicKey(audience, true);
const grantId = `0x${'ab'.repeat(32)}`;
const fields = { name: 'Ada Lovelace', country: 'GB', score: '731' };

async function refusedWith(action: Promise<unknown>, reason: RecordCryptoError['reason']): Promise<void> {
  const error = await action.then(
    () => assert.fail(`expected a RecordCryptoError (${reason})`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RecordCryptoError, `expected a RecordCryptoError, got ${String(error)}`);
  assert.equal(error.reason, reason);
}

describe('record encryption', () => {
  test('sealed values hide the plaintext; the owner reopens them from its secret alone', async () => {
    const { sealed, keys } = await sealRecord(recordsSecret(owner), place, fields);
    for (const [field, value] of Object.entries(sealed)) {
      assert.ok(isSealed(value) && value.startsWith(SEALED_PREFIX), field);
      // Only values long enough not to turn up in random base64 by chance ('GB' does, ~1 run in 70).
      const plain = fields[field as keyof typeof fields];
      if (plain.length >= 6) assert.ok(!value.includes(plain), field);
    }
    // A restored wallet has only the account key: the same secret, the same keys.
    const again = fieldKeys(recordsSecret(owner), place, sealed);
    assert.deepEqual(
      Object.fromEntries(Object.entries(again).map(([f, k]) => [f, bytesToHex(k)])),
      Object.fromEntries(Object.entries(keys).map(([f, k]) => [f, bytesToHex(k)])),
    );
    assert.deepEqual(await openRecord(again, place, sealed), fields);
  });

  test('every write draws new keys: a key of one write opens nothing of the next', async () => {
    const secret = recordsSecret(owner);
    const first = await sealRecord(secret, place, fields);
    const second = await sealRecord(secret, place, fields);
    assert.notEqual(first.sealed.name, second.sealed.name);
    assert.notEqual(bytesToHex(first.keys.name as Uint8Array), bytesToHex(second.keys.name as Uint8Array));
    await refusedWith(openRecord({ name: first.keys.name as Uint8Array }, place, second.sealed), 'wrong-key');
  });

  test('another account, another record, another field or a flipped byte does not open', async () => {
    const { sealed, keys } = await sealRecord(recordsSecret(owner), place, fields);
    const stranger = fieldKeys(recordsSecret(secp256k1.utils.randomSecretKey()), place, sealed);
    await refusedWith(openRecord(stranger, place, sealed), 'wrong-key');
    await refusedWith(openRecord(keys, { ...place, record: 'other' }, sealed), 'wrong-key');
    // The name's ciphertext moved into the country field (under the name's key) is refused.
    await refusedWith(
      openRecord({ country: keys.name as Uint8Array }, place, { country: sealed.name as string }),
      'wrong-key',
    );
    const value = sealed.score as string;
    const flipped = value.slice(0, -2) + (value.at(-2) === 'A' ? 'B' : 'A') + value.slice(-1);
    await refusedWith(openRecord(keys, place, { score: flipped }), 'wrong-key');
    await refusedWith(openRecord(keys, place, { score: 'Ada Lovelace' }), 'malformed');
    await refusedWith(openRecord(keys, place, { score: `${SEALED_PREFIX}AAAA` }), 'malformed');
  });

  test('only the fields whose keys are given open', async () => {
    const { sealed, keys } = await sealRecord(recordsSecret(owner), place, fields);
    assert.deepEqual(await openRecord({ name: keys.name as Uint8Array }, place, sealed), {
      name: 'Ada Lovelace',
    });
  });
});

describe('keys wrapped to a grant audience', () => {
  test("the audience opens exactly the wrapped fields of the record the grant's keys were shared for", async () => {
    const { sealed, keys } = await sealRecord(recordsSecret(owner), place, fields);
    const binding = { grantId, ...place };
    const key = await wrapKeys(audiencePublic, binding, {
      name: keys.name as Uint8Array,
      country: keys.country as Uint8Array,
    });
    assert.ok(key.startsWith(WRAPPED_PREFIX));
    assert.deepEqual(await openGranted(audience, { ...binding, fields: sealed, key }), {
      name: 'Ada Lovelace',
      country: 'GB',
    });
  });

  test('a blob opens for no other key, grant, resource or record', async () => {
    const { keys } = await sealRecord(recordsSecret(owner), place, fields);
    const binding = { grantId, ...place };
    const blob = await wrapKeys(audiencePublic, binding, keys);
    await refusedWith(unwrapKeys(secp256k1.utils.randomSecretKey(), binding, blob), 'wrong-key');
    await refusedWith(
      unwrapKeys(audience, { ...binding, grantId: `0x${'cd'.repeat(32)}` }, blob),
      'wrong-key',
    );
    await refusedWith(
      unwrapKeys(audience, { ...binding, resource: 'payment.bcos.records' }, blob),
      'wrong-key',
    );
    await refusedWith(unwrapKeys(audience, { ...binding, record: 'lab' }, blob), 'wrong-key');
    // Grant ids compare in any case, as chains and routers may spell them.
    assert.equal(
      Object.keys(
        await unwrapKeys(audience, { ...binding, grantId: grantId.toUpperCase().replace('0X', '0x') }, blob),
      ).length,
      3,
    );
    await refusedWith(unwrapKeys(audience, binding, 'weft-key1:AAAA'), 'malformed');
    await refusedWith(unwrapKeys(audience, binding, 'plain'), 'malformed');
    await refusedWith(openGranted(audience, { ...binding, fields: {}, key: '' }), 'wrong-key');
  });

  test('the audience may hold its key as ethers does (0x hex), and the public key uncompressed', async () => {
    const signer = SigningKey.computePublicKey(audience, false);
    const { sealed, keys } = await sealRecord(recordsSecret(owner), place, fields);
    const binding = { grantId, ...place };
    const key = await wrapKeys(signer, binding, { score: keys.score as Uint8Array });
    assert.deepEqual(await openGranted(`0x${bytesToHex(audience)}`, { ...binding, fields: sealed, key }), {
      score: '731',
    });
  });

  test('a field named __proto__ (or constructor) is a field like any other', async () => {
    // Found by the property below: the unwrapped keys were assigned, so __proto__ set a prototype.
    const record = JSON.parse('{"__proto__":"secret one","constructor":"secret two"}') as Record<
      string,
      string
    >;
    const { sealed, keys } = await sealRecord(recordsSecret(owner), place, record);
    const blob = await wrapKeys(audiencePublic, { grantId, ...place }, keys);
    const opened = await openGranted(audience, { grantId, ...place, fields: sealed, key: blob });
    assert.deepEqual(Object.entries(opened), Object.entries(record));
    assert.equal(Object.getPrototypeOf(opened), Object.prototype);
  });

  test('any values and field names round-trip; no value shows in its sealed form', async () => {
    const secret = recordsSecret(owner);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 12 }),
          fc.string({ minLength: 6, maxLength: 64 }),
          { maxKeys: 5, noNullPrototype: true },
        ),
        async (record) => {
          const { sealed, keys } = await sealRecord(secret, place, record);
          for (const [field, value] of Object.entries(sealed))
            assert.ok(!value.includes(record[field] as string));
          const blob = await wrapKeys(audiencePublic, { grantId, ...place }, keys);
          assert.deepEqual(
            await openGranted(audience, { grantId, ...place, fields: sealed, key: blob }),
            Object.fromEntries(Object.entries(record)),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  test('garbage blobs and values are malformed or wrong-key, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), async (tail) => {
        for (const attempt of [
          unwrapKeys(audience, { grantId, ...place }, WRAPPED_PREFIX + tail),
          openRecord({ f: new Uint8Array(32) }, place, { f: SEALED_PREFIX + tail }),
        ]) {
          const error = await attempt.then(
            () => null,
            (e: unknown) => e,
          );
          assert.ok(error instanceof RecordCryptoError, `got ${String(error)}`);
        }
      }),
      { numRuns: 100 },
    );
  });
});
