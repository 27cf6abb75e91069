/**
 * Checks "was this digest signed by that address?" fast for signers seen before.
 *
 * `ecrecover` costs about 1.3 ms here; once a signer's public key is known (recovered from
 * its first signature), a verification against that key with precomputed multiples costs
 * about half. A router checks a grantee's proof of possession on every read, so it keeps the
 * keys of recent grantees, and precomputes (about 8 ms, once) for a key seen a second time. Same acceptance rule as the contracts: 65 bytes, `v` 27/28 matching
 * the parity of R, `0 < r < n`, `0 < s <= n/2`.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Hex } from './typed-data.ts';

type Point = ReturnType<typeof secp256k1.Point.fromBytes>;

const Fn = secp256k1.Point.Fn;
const HALF_ORDER = Fn.ORDER >> 1n;

interface Parsed {
  r: bigint;
  s: bigint;
  recovery: number;
  bytes: Uint8Array;
}

function parse(signature: Hex): Parsed | null {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return null;
  const bytes = hexToBytes(signature.slice(2));
  const r = BigInt(`0x${bytesToHex(bytes.subarray(0, 32))}`);
  const s = BigInt(`0x${bytesToHex(bytes.subarray(32, 64))}`);
  const v = bytes[64] as number;
  if (r === 0n || r >= Fn.ORDER || s === 0n || s > HALF_ORDER || (v !== 27 && v !== 28)) return null;
  return { r, s, recovery: v - 27, bytes };
}

function addressOf(point: Point): string {
  return `0x${bytesToHex(keccak_256(point.toBytes(false).subarray(1)).subarray(12))}`;
}

export class SignerKeys {
  readonly #points = new Map<string, { point: Point; precomputed: boolean }>();
  readonly #max: number;

  constructor(max = 4096) {
    this.#max = max;
  }

  /** True when `signature` is a canonical signature of `digest` by `address`. */
  isSignedBy(digest: Hex, signature: Hex, address: string): boolean {
    const sig = parse(signature);
    if (!sig) return false;
    const key = address.toLowerCase();
    const known = this.#points.get(key);
    if (known) {
      if (!known.precomputed) {
        known.point.precompute(4, false);
        known.precomputed = true;
      }
      return verify(known.point, digest, sig);
    }
    const point = recover(digest, sig);
    if (!point || addressOf(point) !== key) return false;
    if (this.#points.size >= this.#max) this.#points.delete(this.#points.keys().next().value as string);
    this.#points.set(key, { point, precomputed: false });
    return true;
  }
}

function recover(digest: Hex, sig: Parsed): Point | null {
  const recovered = new Uint8Array(65);
  recovered[0] = sig.recovery;
  recovered.set(sig.bytes.subarray(0, 64), 1);
  try {
    return secp256k1.Point.fromBytes(
      secp256k1.recoverPublicKey(recovered, hexToBytes(digest.slice(2)), { prehash: false }),
    );
  } catch {
    return null;
  }
}

/** ECDSA verification (R = u1·G + u2·Q, r == R.x mod n), plus R's y parity against `v` as ecrecover implies. */
function verify(point: Point, digest: Hex, sig: Parsed): boolean {
  const h = Fn.create(BigInt(digest));
  const sInv = Fn.inv(sig.s);
  const u1 = Fn.mul(h, sInv);
  // Not constant time, and needs not be: every input here is public.
  const u2Q = point.multiplyUnsafe(Fn.mul(sig.r, sInv));
  const sum = secp256k1.Point.BASE.multiplyUnsafe(u1).add(u2Q);
  if (sum.is0()) return false;
  const R = sum.toAffine();
  return Fn.create(R.x) === sig.r && Number(R.y & 1n) === sig.recovery;
}
