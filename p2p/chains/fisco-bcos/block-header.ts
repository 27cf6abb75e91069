/**
 * FISCO BCOS 2.x block headers: the hash is keccak256 (SM3 on guomi chains) of the RLP of the 13
 * header fields in the order of BlockHeader::streamRLPFields, and each sealer signs that hash
 * (PBFT commit): secp256k1 as `r‖s‖v`, SM2 as `r‖s‖public key`. A router or wallet checks a
 * block reported by a node against the sealer list it trusts and PBFT's quorum.
 */
import { encodeRlp } from 'ethers';
import type { Hex } from '../connector.ts';
import { fromHex, integerBytes, toHex } from './bytes.ts';
import { ecdsaScheme } from './ecdsa.ts';
import { FiscoHeaderHashError, FiscoQuorumError } from './errors.ts';
import type { FiscoBlock, FiscoBlockSignature } from './rpc-types.ts';
import { verifySecp256k1Seal } from './secp256k1-seal.ts';
import type { SignatureScheme } from './signature-scheme.ts';
import { sm2VerifyDigest } from './sm2.ts';

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
  let bytes: Uint8Array;
  try {
    bytes = fromHex(signature);
  } catch {
    return false;
  }
  return verifySecp256k1Seal(nodeId, hash, bytes);
}

export interface BlockCheck {
  /** The header hash recomputed from the fields. */
  hash: Hex;
  /** Indexes (into the sealer list) of valid signatures, each counted once. */
  signers: number[];
}

/**
 * Recomputes the block hash, checks it matches the reported one, and verifies every signature
 * against `trustedSealers` (node IDs; defaults to the block's own list). Throws
 * `FiscoHeaderHashError` on a hash mismatch; callers decide how many signers they need
 * (`verifyBlockHeader` applies PBFT's quorum).
 */
export function checkBlock(
  block: FiscoBlock,
  trustedSealers: readonly string[] = block.sealerList,
): BlockCheck {
  const hashBytes = blockHeaderHash(block);
  const hash = toHex(hashBytes);
  if (hash !== block.hash.toLowerCase()) throw new FiscoHeaderHashError(block.number, hash, block.hash);
  const signers = new Set<number>();
  for (const { index, signature } of block.signatureList) {
    const i = Number(BigInt(index));
    const nodeId = trustedSealers[i];
    if (nodeId !== undefined && verifySealerSignature(nodeId, hashBytes, signature)) signers.add(i);
  }
  return { hash, signers: [...signers].sort((a, b) => a - b) };
}

/** PBFT tolerates f = ⌊(N−1)/3⌋ faulty sealers; a block needs N − f commit signatures. */
export function pbftQuorum(sealerCount: number): number {
  if (!Number.isInteger(sealerCount) || sealerCount < 1)
    throw new RangeError('a chain has at least one sealer');
  return sealerCount - Math.floor((sealerCount - 1) / 3);
}

/** Checks one SM2 seal, `r‖s‖public key` (128 bytes), whose key must be the sealer's node ID. */
export function verifySm2SealerSignature(nodeId: string, hash: Uint8Array, signature: string): boolean {
  let bytes: Uint8Array;
  try {
    bytes = fromHex(signature);
  } catch {
    return false;
  }
  if (bytes.length !== 128) return false;
  const publicKey = toHex(bytes.subarray(64)).slice(2);
  if (publicKey !== nodeId.replace(/^0x/, '').toLowerCase()) return false;
  return sm2VerifyDigest(hash, bytes.subarray(0, 64), bytes.subarray(64));
}

/** A header as getBlockHeaderByNumber (or getBlockByNumber) reports it: fields, hash, seals. */
export type SignedFiscoBlockHeader = FiscoBlockHeader & {
  hash: string;
  signatureList: FiscoBlockSignature[];
};

export interface VerifiedBlockHeader extends BlockCheck {
  quorum: number;
}

/**
 * Verifies a header against the sealer set the caller trusts (its anchor): the fields hash to
 * `hash`, and distinct sealers of `trustedSealers` (signature `index` is a position in that list,
 * the set that sealed the block) signed it, at least `pbftQuorum(trustedSealers.length)` of them.
 * A header whose `sealerList` differs from the trusted set announces the next set (a sealer change
 * takes effect from the block after it was made), signed by the set the caller already trusts.
 */
export function verifyBlockHeader(
  header: SignedFiscoBlockHeader,
  trustedSealers: readonly string[],
  scheme: SignatureScheme = ecdsaScheme,
): VerifiedBlockHeader {
  const hashBytes = blockHeaderHash(header, scheme);
  const hash = toHex(hashBytes);
  if (hash !== header.hash.toLowerCase()) throw new FiscoHeaderHashError(header.number, hash, header.hash);
  const verify = scheme.name === 'sm2-sm3' ? verifySm2SealerSignature : verifySealerSignature;
  const signers = new Set<number>();
  for (const { index, signature } of header.signatureList) {
    let i: number;
    try {
      i = Number(BigInt(index));
    } catch {
      continue;
    }
    const nodeId = trustedSealers[i];
    if (nodeId !== undefined && !signers.has(i) && verify(nodeId, hashBytes, signature)) signers.add(i);
  }
  const quorum = pbftQuorum(trustedSealers.length);
  if (signers.size < quorum) throw new FiscoQuorumError(header.number, signers.size, quorum);
  return { hash, signers: [...signers].sort((a, b) => a - b), quorum };
}
