/**
 * FISCO BCOS 2.x (2.2 and later) Merkle trees over a block's transactions and receipts: a
 * 16-ary tree whose leaves are `rlp(index) ‖ transactionHash` and `rlp(index) ‖ H(rlp(receipt))`.
 * While more than one node is left, each run of 16 becomes the hash of its concatenation; the
 * root is the hash of the last node, so one leaf gives H(leaf) and no leaf gives H("").
 * Proofs are the levels from the leaf up, `{left, right}` siblings as hex without 0x, the last
 * level always empty (it hashes the root node itself); folding is `cur = H(concat(left) ‖ cur ‖ concat(right))`.
 */
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { integerBytes } from './bytes.ts';
import { FiscoProofError } from './errors.ts';
import { encodeRlpBytes } from './rlp-encode.ts';

export const MERKLE_WIDTH = 16;

/** One level of a 2.x Merkle proof, as the node's JSON-RPC returns it. */
export interface FiscoMerkleProofLevel {
  left: string[];
  right: string[];
}

export type FiscoMerkleProof = FiscoMerkleProofLevel[];

type Hash = (data: Uint8Array) => Uint8Array;

/** `rlp(index) ‖ itemHash`: the leaf of the index-th transaction or receipt. */
export function merkleLeaf(index: number, itemHash: Uint8Array): Uint8Array {
  return concatBytes(encodeRlpBytes(integerBytes(BigInt(index))), itemHash);
}

function parentLevel(level: readonly Uint8Array[], hash: Hash): Uint8Array[] {
  const next: Uint8Array[] = [];
  for (let i = 0; i < level.length; i += MERKLE_WIDTH)
    next.push(hash(concatBytes(...level.slice(i, i + MERKLE_WIDTH))));
  return next;
}

export function merkleRoot(leaves: readonly Uint8Array[], hash: Hash): Uint8Array {
  if (leaves.length === 0) return hash(new Uint8Array(0));
  let level = leaves;
  while (level.length > 1) level = parentLevel(level, hash);
  return hash(level[0] as Uint8Array);
}

/** The proof of leaf `index`, level by level up to the root's final (empty) level. */
export function merkleProof(leaves: readonly Uint8Array[], index: number, hash: Hash): FiscoMerkleProof {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length)
    throw new FiscoProofError(`no leaf ${index} among ${leaves.length}`);
  return merkleProofs(leaves, hash, [index])[0] as FiscoMerkleProof;
}

/**
 * Proofs of several leaves of one tree, building each level once: the devnode proves every
 * receipt of a block with this, so a block of n receipts costs one tree, not n.
 */
export function merkleProofs(
  leaves: readonly Uint8Array[],
  hash: Hash,
  indexes: readonly number[] = leaves.map((_, i) => i),
): FiscoMerkleProof[] {
  const proofs: FiscoMerkleProof[] = indexes.map(() => []);
  const at = [...indexes];
  let level = leaves;
  const hexLevel = () => level.map((node) => bytesToHex(node));
  while (level.length > 1) {
    const hexes = hexLevel();
    for (const [k, i] of at.entries()) {
      const start = i - (i % MERKLE_WIDTH);
      const end = Math.min(start + MERKLE_WIDTH, level.length);
      (proofs[k] as FiscoMerkleProof).push({ left: hexes.slice(start, i), right: hexes.slice(i + 1, end) });
      at[k] = Math.floor(i / MERKLE_WIDTH);
    }
    level = parentLevel(level, hash);
  }
  for (const proof of proofs) proof.push({ left: [], right: [] });
  return proofs;
}

function proofBytes(node: unknown): Uint8Array {
  if (typeof node !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(node))
    throw new FiscoProofError('a proof node must be even-length hex without 0x');
  return hexToBytes(node);
}

/**
 * Folds a leaf through its proof to the root it implies; the caller compares the root. Siblings
 * are concatenated, so each must be a whole node (a leaf `rlp(index) ‖ hash` on the first level,
 * a hash above): otherwise one node could be split in two and a proof would not say which tree
 * positions it covers. (A level of more than 15 whole siblings cannot fold to a real root.)
 */
export function foldMerkleProof(leaf: Uint8Array, proof: unknown, hash: Hash): Uint8Array {
  if (!Array.isArray(proof) || proof.length === 0)
    throw new FiscoProofError('a proof is a non-empty list of levels');
  const hashSize = hash(new Uint8Array(0)).length;
  let cur = leaf;
  for (const [i, level] of proof.entries()) {
    const { left, right } = (level ?? {}) as { left?: unknown; right?: unknown };
    if (!Array.isArray(left) || !Array.isArray(right))
      throw new FiscoProofError(`proof level ${i} lacks left/right`);
    const before = left.map(proofBytes);
    const after = right.map(proofBytes);
    for (const node of [...before, ...after]) {
      // rlp(index) is 1 to 5 bytes for any index a block can hold.
      const whole =
        i === 0 ? node.length > hashSize && node.length <= hashSize + 5 : node.length === hashSize;
      if (!whole) throw new FiscoProofError(`proof level ${i} has a sibling of ${node.length} bytes`);
    }
    cur = hash(concatBytes(...before, cur, ...after));
  }
  return cur;
}
