/**
 * The seal check by verification against a known key accepts exactly what recovering the key
 * (ethers, as block-header.ts did) and comparing accepts: real seals, seals with v flipped, high
 * S, r or s out of range, another hash, another sealer; random ones by fast-check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Signature, SigningKey } from 'ethers';
import fc from 'fast-check';
import { verifySecp256k1Seal } from '../../../p2p/chains/fisco-bcos/secp256k1-seal.ts';
import { sealerFromKey } from '../../../p2p/devnet/fisco-bcos/sealers.ts';

const N = secp256k1.Point.Fn.ORDER;

function byRecovery(nodeId: string, hash: Uint8Array, bytes: Uint8Array): boolean {
  if (bytes.length !== 65 || (bytes[64] as number) > 1) return false;
  try {
    const sig = Signature.from({
      r: `0x${bytesToHex(bytes.subarray(0, 32))}`,
      s: `0x${bytesToHex(bytes.subarray(32, 64))}`,
      v: 27 + (bytes[64] as number),
    });
    return SigningKey.recoverPublicKey(hash, sig).toLowerCase() === `0x04${nodeId}`;
  } catch {
    return false;
  }
}

const sealer = sealerFromKey(`0x${'07'.repeat(32)}`);
const other = sealerFromKey(`0x${'08'.repeat(32)}`);
const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const big32 = (n: bigint) => hex(n.toString(16).padStart(64, '0'));

function variants(hash: Uint8Array): Array<[string, Uint8Array]> {
  const seal = hex(sealer.sign(hash));
  const r = BigInt(`0x${bytesToHex(seal.subarray(0, 32))}`);
  const s = BigInt(`0x${bytesToHex(seal.subarray(32, 64))}`);
  const v = seal[64] as number;
  const make = (rr: bigint, ss: bigint, vv: number) => Uint8Array.from([...big32(rr), ...big32(ss), vv]);
  return [
    ['the seal', seal],
    ['v flipped', make(r, s, v ^ 1)],
    ['high s, v flipped (the same key recovers)', make(r, N - s, v ^ 1)],
    ['high s', make(r, N - s, v)],
    ['r zero', make(0n, s, v)],
    ['r = n', make(N, s, v)],
    ['s = n', make(r, N, v)],
    ['v = 2', make(r, s, 2)],
    ['short', seal.subarray(0, 64)],
  ];
}

test('accepts exactly what recovering the key accepts', () => {
  const hash = crypto.getRandomValues(new Uint8Array(32));
  for (const [name, bytes] of variants(hash)) {
    for (const id of [sealer.nodeId, other.nodeId]) {
      assert.equal(
        verifySecp256k1Seal(id, hash, bytes),
        byRecovery(id, hash, bytes),
        `${name} for ${id.slice(0, 8)}`,
      );
    }
    const elsewhere = crypto.getRandomValues(new Uint8Array(32));
    assert.equal(verifySecp256k1Seal(sealer.nodeId, elsewhere, bytes), false, `${name} over another hash`);
  }
  assert.equal(verifySecp256k1Seal(sealer.nodeId, hash, hex(sealer.sign(hash))), true);
  assert.equal(verifySecp256k1Seal('zz', hash, hex(sealer.sign(hash))), false);
});

test('random seals and byte flips: same verdict as recovery', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.nat(64),
      fc.integer({ min: 0, max: 255 }),
      (hash, at, mask) => {
        const seal = hex(sealer.sign(hash));
        seal[at] = (seal[at] as number) ^ mask;
        assert.equal(verifySecp256k1Seal(sealer.nodeId, hash, seal), byRecovery(sealer.nodeId, hash, seal));
      },
    ),
    { numRuns: 200 },
  );
});
