/**
 * WebCrypto-batched signature checks: DER to raw r‖s (minimal DER only, high-S refused as
 * Fabric's bccsp does), the same verdicts as noble for good, flipped and high-S signatures, and
 * the second pass falling back to noble for a signature the first pass did not meet.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { nobleVerifier, verifyEcdsa } from '../../../p2p/chains/fabric/signature-check.ts';
import { derToRaw, withWebCryptoSignatures } from '../../../p2p/chains/fabric/signatures-batch.ts';
import { flipLastByte, toHighS } from './evidence-fixture.ts';

const key = p256.utils.randomSecretKey();
const publicKey = p256.getPublicKey(key, false);
const encode = (text: string) => new TextEncoder().encode(text);
const sign = (message: Uint8Array) =>
  p256.sign(sha256(message), key, { prehash: false, lowS: true, format: 'der' });
const verify = (message: Uint8Array, signature: Uint8Array) =>
  verifyEcdsa('P-256', publicKey, message, signature);

test('DER → r‖s: low-S minimal DER only', () => {
  const der = sign(encode('block header'));
  assert.deepEqual(derToRaw(der, 'P-256'), p256.Signature.fromBytes(der, 'der').toBytes('compact'));
  assert.equal(derToRaw(toHighS(der), 'P-256'), null, 'high-S');
  assert.equal(derToRaw(der.subarray(0, der.length - 1), 'P-256'), null, 'truncated');
  assert.equal(derToRaw(Uint8Array.from([...der, 0]), 'P-256'), null, 'trailing byte');
  const rLength = der[3] as number;
  const padded = Uint8Array.from([0x30, (der[1] as number) + 1, 0x02, rLength + 1, 0, ...der.subarray(4)]);
  assert.equal(derToRaw(padded, 'P-256'), null, 'non-minimal r');
});

test('a batch with good and bad signatures: the verdicts noble gives', async () => {
  const messages = [1, 2, 3, 4].map((i) => encode(`message ${i}`));
  const [s0, s1, s2] = messages.map(sign) as [Uint8Array, Uint8Array, Uint8Array];
  const cases: Array<[Uint8Array, Uint8Array]> = [
    [messages[0] as Uint8Array, s0],
    [messages[1] as Uint8Array, flipLastByte(s1)],
    [messages[2] as Uint8Array, toHighS(s2)],
    [messages[3] as Uint8Array, s2],
  ];
  const expected = cases.map(([m, s]) => nobleVerifier('P-256', publicKey, m, s));
  assert.deepEqual(expected, [true, false, false, false]);
  assert.deepEqual(await withWebCryptoSignatures(() => cases.map(([m, s]) => verify(m, s))), expected);
});

test('a signature met only on the second pass is checked by noble', async () => {
  const message = encode('late');
  const good = sign(message);
  let pass = 0;
  const verdicts = await withWebCryptoSignatures(() => {
    pass++;
    // The first pass stops early (as a check does after a refusal); the second goes further.
    return pass === 1 ? [] : [verify(message, good), verify(message, flipLastByte(good))];
  });
  assert.deepEqual(verdicts, [true, false]);
});

test('random messages and byte flips: WebCrypto and noble agree', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 200 }),
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      async (m, at, mask) => {
        const s = sign(m);
        s[at % s.length] = (s[at % s.length] as number) ^ mask;
        assert.equal(
          await withWebCryptoSignatures(() => verify(m, s)),
          nobleVerifier('P-256', publicKey, m, s),
        );
      },
    ),
    { numRuns: 150 },
  );
});
