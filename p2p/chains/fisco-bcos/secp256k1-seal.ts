/**
 * Checks a secp256k1 seal `r‖s‖v` (v the recovery id) over a block hash against a sealer's node
 * ID, accepting exactly what recovering the key and comparing it would (s below 2^255, v the
 * parity of R.y), but by verifying against the known key: R = (z/s)·G + (r/s)·Q must have
 * x = r and y of parity v. The sealers' points are parsed once and given precomputed tables
 * (pure functions of the node ID), so each seal costs two table-driven multiplications instead
 * of a recovery's unprecomputed one: a wallet checks the same few sealers' seals on every header.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, hexToBytes } from '@noble/curves/utils.js';

const { Point } = secp256k1;
const Fn = Point.Fn;
type Pt = InstanceType<typeof Point>;

const points = new Map<string, Pt | null>();
const MAX_POINTS = 256;
/** 2^255: recovery through ethers' Signature refuses an s with its top bit set. */
const TOP_BIT = 1n << 255n;

function sealerPoint(nodeId: string): Pt | null {
  const id = nodeId.replace(/^0x/, '').toLowerCase();
  let point = points.get(id);
  if (point === undefined) {
    try {
      if (!/^[0-9a-f]{128}$/.test(id)) throw new Error('not a node id');
      point = Point.fromBytes(hexToBytes(`04${id}`));
      point.precompute(8);
    } catch {
      point = null;
    }
    if (points.size >= MAX_POINTS) points.clear();
    points.set(id, point);
  }
  return point;
}

/** True when `signature` (65 bytes, hex) is `nodeId`'s seal over `hash`. */
export function verifySecp256k1Seal(nodeId: string, hash: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 65 || hash.length !== 32) return false;
  const v = signature[64] as number;
  if (v > 1) return false;
  const Q = sealerPoint(nodeId);
  if (!Q) return false;
  const r = bytesToNumberBE(signature.subarray(0, 32));
  const s = bytesToNumberBE(signature.subarray(32, 64));
  if (r === 0n || r >= Fn.ORDER || s === 0n || s >= Fn.ORDER || s >= TOP_BIT) return false;
  const z = Fn.create(bytesToNumberBE(hash));
  const sInverse = Fn.inv(s);
  // Verification needs no constant time: every input is public.
  const R = Point.BASE.multiplyUnsafe(Fn.mul(z, sInverse)).add(Q.multiplyUnsafe(Fn.mul(r, sInverse)));
  if (R.is0()) return false;
  const { x, y } = R.toAffine();
  // Recovery ids 2 and 3 (R.x ≥ n) are refused above (v ≤ 1): x must be r itself.
  return x === r && Number(y & 1n) === v;
}
