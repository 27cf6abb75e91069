/**
 * What a wallet anchors its trust in for one chain (docs/trust-model.md): published by the
 * chain's operators as a profile file (`npm run router -- profile`) and answered by routers
 * (HIP `chainProfile`). Nothing here is believed because a router said it: a wallet takes a
 * profile on first use (from routers that agree, or one, marked as such) or from the file, and
 * from then on follows changes only through evidence the chain signed.
 */
import type { Hex } from './connector.ts';
import type {
  FiscoBlockHeaderJson,
  FiscoReceiptWithProof,
  FiscoTransactionWithProof,
} from './fisco-bcos/rpc-types.ts';

export interface FiscoChainProfile {
  type: 'fisco-bcos';
  chainId: number;
  groupId: number;
  crypto: 'ecdsa' | 'sm';
  /** Hash of block 0's header: names the chain. */
  genesisHash: Hex;
  /** The sealer set (node ids, 128 hex digits without 0x) that the header of block `sealersAt` lists. */
  sealers: string[];
  sealersAt: number;
  /** Whether the nodes' receipts carry remainGas (FISCO BCOS 2.9 and later): part of the receipt hash. */
  receiptsWithRemainGas: boolean;
}

/** A chaincode's endorsement policy as the wallet checks it: peers of at least `outOf` of `orgs`. */
export interface EndorsementRequirement {
  outOf: number;
  orgs: string[];
}

export interface FabricChainProfile {
  type: 'fabric';
  channel: string;
  /** The channel's latest config block, as the orderer wrote it (common.Block bytes, 0x hex). */
  configBlock: Hex;
  /** Each chaincode's endorsement policy, by chaincode name. */
  chaincodes: Record<string, EndorsementRequirement>;
}

export type ChainProfile = FiscoChainProfile | FabricChainProfile;

/**
 * FISCO BCOS evidence that a transaction executed (HIP `txEvidence`): the transaction and its
 * receipt with their Merkle proofs (getTransactionByHashWithProof,
 * getTransactionReceiptByHashWithProof) and the sealed header of their block.
 */
export interface FiscoTxEvidence {
  transaction: FiscoTransactionWithProof;
  receipt: FiscoReceiptWithProof;
  header: FiscoBlockHeaderJson;
}

/** `zone.chain` of a `zone.chain.resource` path: the chain a trust anchor is kept for. */
export function chainKeyOf(path: string): string {
  const parts = path.split('.');
  return parts.length >= 2 ? `${parts[0]}.${parts[1]}` : path;
}
