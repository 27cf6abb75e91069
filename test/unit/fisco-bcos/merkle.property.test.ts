/**
 * Properties of the FISCO 2.x Merkle code: for any leaf count (0 to 300, with the 16-wide group
 * boundaries drawn often) the root matches an independent recursive reading of the rule, every
 * leaf's proof folds to it, and flipping any single bit of the proven hash, index, a sibling or
 * the root makes the verifier refuse with FiscoProofError.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keccak_256 } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../p2p/chains/fisco-bcos/bytes.ts';
import { FiscoProofError } from '../../../p2p/chains/fisco-bcos/errors.ts';
import { verifyTransactionInclusion } from '../../../p2p/chains/fisco-bcos/evidence.ts';
import {
  foldMerkleProof,
  merkleLeaf,
  merkleProof,
  merkleProofs,
  merkleRoot,
} from '../../../p2p/chains/fisco-bcos/merkle.ts';
import { sm3Hash } from '../../../p2p/chains/fisco-bcos/sm2.ts';

const H = (data: Uint8Array): Uint8Array => keccak_256(data);
const cat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** The README's rule read literally: group by 16 while more than one node; hash the last node. */
function referenceRoot(nodes: Uint8Array[], hash = H): Uint8Array {
  if (nodes.length === 0) return hash(new Uint8Array(0));
  if (nodes.length === 1) return hash(nodes[0] as Uint8Array);
  const groups: Uint8Array[] = [];
  for (let i = 0; i < nodes.length; i += 16) groups.push(hash(cat(nodes.slice(i, i + 16))));
  return referenceRoot(groups, hash);
}

const boundaryCount = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.constantFrom(0, 1, 2, 15, 16, 17, 31, 32, 33, 255, 256, 257, 272, 273),
);
const txHashes = (n: number) => Array.from({ length: n }, (_, i) => H(Uint8Array.of(i & 0xff, i >> 8, 7)));

test('roots match the rule for 0..300 leaves, and every proof folds to the root', () => {
  fc.assert(
    fc.property(boundaryCount, fc.boolean(), (n, guomi) => {
      const hash: (data: Uint8Array) => Uint8Array = guomi ? sm3Hash : H;
      const leaves = txHashes(n).map((h, i) => merkleLeaf(i, h));
      const root = merkleRoot(leaves, hash);
      assert.deepEqual(root, referenceRoot(leaves, hash));
      const all = merkleProofs(leaves, hash);
      for (const [i, leaf] of leaves.entries()) {
        assert.deepEqual(foldMerkleProof(leaf, all[i], hash), root);
        assert.deepEqual(all[i], merkleProof(leaves, i, hash));
        assert.deepEqual(all[i]?.at(-1), { left: [], right: [] }, 'the last level is empty');
      }
    }),
    { numRuns: 60 },
  );
  assert.equal(toHex(merkleRoot([], H)), toHex(H(new Uint8Array(0))), 'no leaf: H("")');
});

test('any single bit flipped in the hash, index, a sibling or the root is refused', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.nat(),
      fc.nat(),
      fc.constantFrom('hash', 'index', 'sibling', 'root'),
      (n, pick, bit, what) => {
        const hashes = txHashes(n);
        const leaves = hashes.map((h, i) => merkleLeaf(i, h));
        const index = pick % n;
        const root = toHex(merkleRoot(leaves, H));
        const proof = merkleProof(leaves, index, H);
        const txHash = toHex(hashes[index] as Uint8Array);
        verifyTransactionInclusion(txHash, index, proof, root);
        const flip = (hex: string, b: number) => {
          const bytes = fromHex(hex.startsWith('0x') ? hex : `0x${hex}`);
          const at = (b >> 3) % bytes.length;
          bytes[at] = (bytes[at] ?? 0) ^ (1 << (b & 7));
          return toHex(bytes);
        };
        let args: [string, number, unknown, string] = [txHash, index, proof, root];
        if (what === 'hash') args = [flip(txHash, bit), index, proof, root];
        if (what === 'root') args = [txHash, index, proof, flip(root, bit)];
        if (what === 'index') args = [txHash, index ^ (1 << (bit % 9)), proof, root];
        if (what === 'sibling') {
          const nodes = proof.flatMap((level, l) => [
            ...level.left.map((_, k) => [l, 'left', k] as const),
            ...level.right.map((_, k) => [l, 'right', k] as const),
          ]);
          if (nodes.length === 0) return; // one leaf: no sibling to flip
          const [l, side, k] = nodes[bit % nodes.length] as (typeof nodes)[number];
          const forged = structuredClone(proof);
          const level = forged[l] as { left: string[]; right: string[] };
          level[side][k] = flip(level[side][k] as string, bit >> 4).slice(2);
          args = [txHash, index, forged, root];
        }
        assert.throws(() => verifyTransactionInclusion(...args), FiscoProofError);
      },
    ),
    { numRuns: 300 },
  );
});
