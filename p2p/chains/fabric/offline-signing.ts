/**
 * The wallet's half of Fabric offline signing, browser-safe: build and sign a
 * proposal (evaluate or endorse), then check and sign the prepared transaction
 * envelope the router returns from Endorse. Keys never leave the caller.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Hex } from '../connector.ts';
import { type DecodedEnvelope, decodeEnvelope, encodeSignedEnvelope } from './envelope-codec.ts';
import { type FabricSigningIdentity, signMessage } from './identity.ts';
import { buildProposal, encodeSignedProposal } from './proposal-codec.ts';

export function toHex(bytes: Uint8Array): Hex {
  return `0x${bytesToHex(bytes)}`;
}

export function fromHex(hex: string): Uint8Array {
  return hexToBytes(hex.startsWith('0x') ? hex.slice(2) : hex);
}

export interface SignProposalInput {
  channel: string;
  chaincode: string;
  fn: string;
  args: Array<string | Uint8Array>;
}

/** A signed peer.SignedProposal, hex: what `CallRequest.signed` / `PrepareRequest.signed` carry. */
export function signProposal(
  identity: FabricSigningIdentity,
  input: SignProposalInput,
): { signed: Hex; txId: string; proposalBytes: Uint8Array } {
  const nonce = crypto.getRandomValues(new Uint8Array(24));
  const { proposalBytes, txId } = buildProposal({
    ...input,
    creator: { mspId: identity.mspId, certificate: identity.certificate },
    nonce,
  });
  return {
    signed: toHex(encodeSignedProposal(proposalBytes, signMessage(identity, proposalBytes))),
    txId,
    proposalBytes,
  };
}

/**
 * Signs the envelope from `PreparedTransaction.unsigned` after checking it is the
 * transaction the wallet proposed: same txid, creator and function. Returns the
 * signed envelope (`SubmitRequest.signed`) and what was signed, for display.
 */
export function signPreparedTransaction(
  identity: FabricSigningIdentity,
  unsigned: Hex,
  expected: { txId: string; fn?: string; chaincode?: string },
): { signed: Hex; transaction: DecodedEnvelope } {
  const transaction = decodeEnvelope(fromHex(unsigned));
  if (transaction.txId !== expected.txId)
    throw new Error(`prepared transaction is ${transaction.txId}, not ${expected.txId}`);
  if (transaction.creator.certificate !== identity.certificate)
    throw new Error('prepared transaction has another creator');
  if (expected.fn !== undefined && transaction.fn !== expected.fn) {
    throw new Error(`prepared transaction calls ${transaction.fn}, not ${expected.fn}`);
  }
  if (expected.chaincode !== undefined && transaction.chaincode !== expected.chaincode) {
    throw new Error(`prepared transaction targets ${transaction.chaincode}, not ${expected.chaincode}`);
  }
  const signature = signMessage(identity, transaction.payloadBytes);
  return { signed: toHex(encodeSignedEnvelope(transaction.payloadBytes, signature)), transaction };
}
