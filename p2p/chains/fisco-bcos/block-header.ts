/**
 * FISCO BCOS 2.x block headers: the hash is keccak256 of the RLP of the 13 header fields in the
 * order of BlockHeader::streamRLPFields, and each sealer signs that hash (PBFT commit). A router
 * or wallet can check a block reported by a node against the sealer list it trusts.
 */
import { encodeRlp, Signature, SigningKey } from 'ethers';
import type { Hex } from '../connector.ts';
import { fromHex, integerBytes, toHex } from './bytes.ts';
import { ecdsaScheme } from './ecdsa.ts';
import type { FiscoBlock } from './rpc-types.ts';
import type { SignatureScheme } from './signature-scheme.ts';

export type FiscoBlockHeader = Pick<
  FiscoBlock,
  | 'parentHash'
  | 'stateRoot'
  | 'transactionsRoot'
  | 'receiptsRoot'
  | 'dbHash'
  | 'logsBloom'
  | 'number'
  | 'gasLimit'
  | 'gasUsed'
  | 'timestamp'
  | 'extraData'
  | 'sealer'
  | 'sealerList'
>;

export function blockHeaderHash(header: FiscoBlockHeader, scheme: SignatureScheme = ecdsaScheme): Uint8Array {
  const rlp = encodeRlp([
    fromHex(header.parentHash),
    fromHex(header.stateRoot),
    fromHex(header.transactionsRoot),
    fromHex(header.receiptsRoot),
    fromHex(header.dbHash),
    fromHex(header.logsBloom),
    integerBytes(BigInt(header.number)),
    integerBytes(BigInt(header.gasLimit)),
    integerBytes(BigInt(header.gasUsed)),
    integerBytes(BigInt(header.timestamp)),
    header.extraData.map(fromHex),
    integerBytes(BigInt(header.sealer)),
    header.sealerList.map((id) => fromHex(`0x${id.replace(/^0x/, '')}`)),
  ]);
  return scheme.hash(fromHex(rlp));
}

/** Checks one `r || s || v` signature (65 bytes, v the recovery id) over a block hash against a sealer's node ID. */
export function verifySealerSignature(nodeId: string, hash: Uint8Array, signature: string): boolean {
  const bytes = fromHex(signature);
  if (bytes.length !== 65 || (bytes[64] as number) > 1) return false;
  try {
    const sig = Signature.from({
      r: toHex(bytes.subarray(0, 32)),
      s: toHex(bytes.subarray(32, 64)),
      v: 27 + (bytes[64] as number),
    });
    return (
      SigningKey.recoverPublicKey(hash, sig).toLowerCase() ===
      `0x04${nodeId.replace(/^0x/, '').toLowerCase()}`
    );
  } catch {
    return false;
  }
}

export interface BlockCheck {
  /** The header hash recomputed from the fields. */
  hash: Hex;
  /** Indexes (into the sealer list) of valid signatures, each counted once. */
  signers: number[];
}

/**
 * Recomputes the block hash, checks it matches the reported one, and verifies every signature
 * against `trustedSealers` (node IDs; defaults to the block's own list). Throws on a hash
 * mismatch; callers decide how many signers they need (PBFT: more than two thirds).
 */
export function checkBlock(
  block: FiscoBlock,
  trustedSealers: readonly string[] = block.sealerList,
): BlockCheck {
  const hashBytes = blockHeaderHash(block);
  const hash = toHex(hashBytes);
  if (hash !== block.hash.toLowerCase())
    throw new Error(`block ${block.number}: header hashes to ${hash}, not ${block.hash}`);
  const signers = new Set<number>();
  for (const { index, signature } of block.signatureList) {
    const i = Number(BigInt(index));
    const nodeId = trustedSealers[i];
    if (nodeId !== undefined && verifySealerSignature(nodeId, hashBytes, signature)) signers.add(i);
  }
  return { hash, signers: [...signers].sort((a, b) => a - b) };
}
