/**
 * Proves that the Fabric envelope the wallet submitted committed VALID, from a qscc
 * GetBlockByTxID answer a router carries: the wallet signs the qscc proposal, peers of each
 * required organisation ENDORSE the block they return (so each vouches for its validation
 * codes, which the orderer does not sign), the block passes the block verifier under the
 * wallet's channel trust (orderer signatures satisfying BlockValidation, data hash, LAST_CONFIG),
 * holds the very bytes the wallet submitted, and that transaction is valid by our own checks
 * and VALID in TRANSACTIONS_FILTER. Browser-safe and synchronous; the Async variant verifies the
 * same signatures through WebCrypto.
 */
import { equalBytes } from '@noble/curves/utils.js';
import type { EndorsementRequirement } from '../chain-profile.ts';
import { decodeBlock, TRANSACTIONS_FILTER } from './block-file.ts';
import { verifyBlock } from './block-verifier.ts';
import type { ChannelTrust } from './channel-config.ts';
import { mspIdsOf, readEndorsedResponse, requirementPolicy } from './endorsed-response.ts';
import { FabricEvidenceError } from './evidence-errors.ts';
import { decodeChannelHeader } from './header-codec.ts';
import { bytesField, decodeFields, messageField, ProtobufDecodeError } from './protobuf-wire.ts';
import { withWebCryptoSignatures } from './signatures-batch.ts';
import { validationCodeName } from './validation-codes.ts';
import { FabricCommitUnverifiedError, FabricConfigChangedError } from './verification-errors.ts';

export interface CommitInput {
  trust: ChannelTrust;
  /** Each chaincode's endorsement policy; a chaincode not named gets the channel's default. */
  policies: Record<string, EndorsementRequirement>;
  /** The signed envelope the wallet submitted. */
  submitted: Uint8Array;
  txId: string;
  /** The signed qscc GetBlockByTxID proposal the wallet made. */
  qsccProposal: Uint8Array;
  /** The endorsed, prepared envelope a router returned for it (`blockByTxId`). */
  answer: Uint8Array;
  /** Organisations a peer of each of which must vouch for the block: two at least. */
  requiredOrgs: string[];
}

export interface CommitVerdict {
  blockNumber: bigint;
  /** The TRANSACTIONS_FILTER code's name: VALID. */
  validationCode: string;
  /** MSP ids of the transaction's endorsers. */
  endorsedBy: string[];
  /** MSP ids of the orderers that signed the block. */
  orderedBy: string[];
  /** MSP ids of the peers that endorsed the qscc answer (vouching for the validation code). */
  reportedBy: string[];
}

const QSCC = 'qscc';
const decoder = new TextDecoder();

function refuse(reason: string, message: string): never {
  throw new FabricCommitUnverifiedError(reason, message);
}

function txIdOf(envelope: Uint8Array): string | null {
  try {
    const payload = decodeFields(bytesField(decodeFields(envelope), 1));
    return decodeChannelHeader(bytesField(messageField(payload, 1), 1)).txId;
  } catch (cause) {
    if (cause instanceof ProtobufDecodeError || cause instanceof FabricEvidenceError) return null;
    throw cause;
  }
}

export function verifyCommittedTransaction(input: CommitInput): CommitVerdict {
  const { trust } = input;
  const required = [...new Set(input.requiredOrgs)];
  const unknown = required.filter((org) => !trust.applicationOrgs.includes(org));
  if (unknown.length > 0) refuse('required-orgs', `${unknown.join(', ')} is not an application organisation`);
  if (required.length < 2)
    refuse('one-organisation', 'peers of at least two organisations must vouch for a commit');

  const response = readEndorsedResponse(trust, input.qsccProposal, input.answer, FabricCommitUnverifiedError);
  const { proposal } = response;
  const args = proposal.args.map((arg) => decoder.decode(arg));
  if (
    proposal.chaincode !== QSCC ||
    proposal.fn !== 'GetBlockByTxID' ||
    args.length !== 2 ||
    args[0] !== trust.channelId ||
    args[1] !== input.txId
  )
    refuse('not-this-query', `the qscc proposal does not ask for transaction ${input.txId}'s block`);
  const reportedBy = mspIdsOf(response.endorsers);
  const missing = required.filter((org) => !reportedBy.includes(org));
  if (missing.length > 0) refuse('endorsers', `no peer of ${missing.join(', ')} vouches for the block`);
  if (response.status !== 200)
    refuse('status', `qscc answered ${response.status}: ${response.message || 'no message'}`);

  let block: ReturnType<typeof decodeBlock>;
  try {
    block = decodeBlock(response.payload);
  } catch (cause) {
    if (cause instanceof FabricEvidenceError || cause instanceof ProtobufDecodeError)
      refuse('not-a-block', `the answer is not a block: ${cause.message}`);
    throw cause;
  }
  const index = block.data.findIndex((envelope) => txIdOf(envelope) === input.txId);
  if (index < 0) refuse('not-in-block', `block ${block.number} holds no transaction ${input.txId}`);
  if (!equalBytes(block.data[index] as Uint8Array, input.submitted))
    refuse('not-submitted', `the block holds another envelope under tx id ${input.txId}`);

  const verdict = verifyBlock(block, trust, {
    transactions: [index],
    endorsementPolicy: (chaincode) => {
      const requirement = input.policies[chaincode];
      return requirement ? requirementPolicy(requirement) : undefined;
    },
  });
  // A newer config may have changed the orderers too: say so before judging their signatures.
  if (verdict.lastConfig !== null && verdict.lastConfig > trust.configBlockNumber)
    throw new FabricConfigChangedError(verdict.lastConfig, trust.configBlockNumber);
  if (!verdict.valid) refuse('block', `block ${block.number}: ${verdict.problems.join('; ')}`);
  const tx = verdict.transactions[0];
  if (!tx) refuse('not-in-block', `block ${block.number} holds no transaction ${input.txId}`);
  if (!tx.valid) refuse('transaction', `transaction ${input.txId}: ${tx.problems.join('; ')}`);
  const code = block.metadata[TRANSACTIONS_FILTER]?.[index] ?? 254;
  if (code !== 0)
    refuse('not-valid', `peers marked transaction ${input.txId} ${validationCodeName(code)} (${code})`);
  return {
    blockNumber: block.number,
    validationCode: validationCodeName(code),
    endorsedBy: mspIdsOf(tx.endorsements.filter((e) => e.ok)),
    orderedBy: mspIdsOf(verdict.ordererSignatures.filter((s) => s.ok)),
    reportedBy,
  };
}

export function verifyCommittedTransactionAsync(input: CommitInput): Promise<CommitVerdict> {
  return withWebCryptoSignatures(() => verifyCommittedTransaction(input));
}
