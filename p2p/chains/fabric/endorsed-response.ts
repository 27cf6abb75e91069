/**
 * Reads what peers endorsed in answer to a proposal the wallet signed, from the prepared
 * envelope a router returns (common.Envelope carrying a peer.Transaction, as the Gateway's
 * Endorse builds it), and binds it to that proposal: the envelope's header is the proposal's,
 * its action carries the proposal's payload, the endorsed response names the proposal's hash,
 * and every endorsement is a valid peer signature of an application organisation. A router
 * can then neither replay an answer to another proposal nor add or alter a word of it.
 */
import { equalBytes } from '@noble/curves/utils.js';
import type { EndorsementRequirement } from '../chain-profile.ts';
import type { ChannelTrust } from './channel-config.ts';
import { FabricEvidenceError } from './evidence-errors.ts';
import { decodeChannelHeader, ENDORSER_TRANSACTION } from './header-codec.ts';
import type { ValidIdentity } from './msp.ts';
import type { Policy } from './policy.ts';
import { type DecodedProposal, decodeProposal, decodeSignedProposal } from './proposal-codec.ts';
import {
  bytesField,
  decodeFields,
  encodeFields,
  messageField,
  ProtobufDecodeError,
  repeatedBytes,
  stringField,
  varintField,
} from './protobuf-wire.ts';
import { checkEndorsements, proposalHash } from './transaction-check.ts';
import { FabricUnverifiedError } from './verification-errors.ts';

export interface EndorsedResponse {
  proposal: DecodedProposal;
  /** The chaincode's peer.Response, as the endorsers signed it. */
  status: number;
  message: string;
  payload: Uint8Array;
  /** The endorsers, each a valid peer of an application organisation, in envelope order. */
  endorsers: ValidIdentity[];
}

type Refuse = new (reason: string, message: string) => FabricUnverifiedError;

/** A chaincode's EndorsementRequirement as a signature policy: `outOf` of the orgs' peers. */
export function requirementPolicy(requirement: EndorsementRequirement): Policy {
  return {
    type: 'signature',
    rule: { outOf: requirement.outOf, rules: requirement.orgs.map((_, index) => ({ signedBy: index })) },
    principals: requirement.orgs.map((mspId) => ({ mspId, role: 'peer' })),
  };
}

/** Distinct MSP ids, in first-seen order. */
export function mspIdsOf(identities: readonly { mspId: string }[]): string[] {
  return [...new Set(identities.map((identity) => identity.mspId))];
}

/**
 * Binds `envelope` to the signed proposal `signedProposal` and checks its endorsements; throws
 * `Refuse` (with a reason) when anything does not hold. Decoding failures are refusals too.
 */
export function readEndorsedResponse(
  trust: ChannelTrust,
  signedProposal: Uint8Array,
  envelope: Uint8Array,
  Refuse: Refuse,
): EndorsedResponse {
  try {
    return bind(trust, signedProposal, envelope, Refuse);
  } catch (cause) {
    if (
      cause instanceof ProtobufDecodeError ||
      (cause instanceof FabricEvidenceError && !(cause instanceof FabricUnverifiedError))
    )
      throw new Refuse('malformed', `malformed: ${cause.message}`);
    throw cause;
  }
}

function bind(
  trust: ChannelTrust,
  signedProposal: Uint8Array,
  envelope: Uint8Array,
  Refuse: Refuse,
): EndorsedResponse {
  const { proposalBytes } = decodeSignedProposal(signedProposal);
  const proposal = decodeProposal(proposalBytes);
  if (proposal.channel !== trust.channelId)
    throw new Refuse('channel', `the proposal is for channel ${proposal.channel}, not ${trust.channelId}`);
  const proposalFields = decodeFields(proposalBytes);
  const header = decodeFields(bytesField(proposalFields, 1));
  const channelHeaderBytes = bytesField(header, 1);
  const signatureHeaderBytes = bytesField(header, 2);
  // The transaction carries the proposal payload without its transient map (Fabric's endorser).
  const payloadForTx = encodeFields([[1, bytesField(decodeFields(bytesField(proposalFields, 2)), 1)]]);

  const payload = decodeFields(bytesField(decodeFields(envelope), 1));
  const envelopeHeader = messageField(payload, 1);
  if (
    !equalBytes(bytesField(envelopeHeader, 1), channelHeaderBytes) ||
    !equalBytes(bytesField(envelopeHeader, 2), signatureHeaderBytes)
  )
    throw new Refuse('not-this-proposal', "the envelope's header is not the proposal's");
  if (decodeChannelHeader(channelHeaderBytes).type !== ENDORSER_TRANSACTION)
    throw new Refuse('not-endorser-transaction', 'the proposal is not an endorser transaction');
  const actions = repeatedBytes(decodeFields(bytesField(payload, 2)), 1);
  if (actions.length !== 1) throw new Refuse('actions', `${actions.length} actions, not one`);
  const action = decodeFields(actions[0] as Uint8Array);
  if (!equalBytes(bytesField(action, 1), signatureHeaderBytes))
    throw new Refuse('not-this-proposal', "the action's header is not the proposal's");
  const actionPayload = messageField(action, 2);
  if (!equalBytes(bytesField(actionPayload, 1), payloadForTx))
    throw new Refuse('not-this-proposal', 'the envelope carries another invocation than the proposal');
  const endorsed = messageField(actionPayload, 2);
  const responsePayloadBytes = bytesField(endorsed, 1);
  const responsePayload = decodeFields(responsePayloadBytes);
  if (
    !equalBytes(
      bytesField(responsePayload, 1),
      proposalHash(channelHeaderBytes, signatureHeaderBytes, payloadForTx),
    )
  )
    throw new Refuse('replayed', 'the endorsed response answers another proposal');
  const chaincodeAction = messageField(responsePayload, 2);
  const chaincode = stringField(messageField(chaincodeAction, 4), 2);
  if (chaincode !== proposal.chaincode)
    throw new Refuse('chaincode', `the response is from chaincode ${chaincode}, not ${proposal.chaincode}`);
  const endorsementList = repeatedBytes(endorsed, 2);
  if (endorsementList.length === 0) throw new Refuse('no-endorsement', 'the response carries no endorsement');
  const { signers, endorsements } = checkEndorsements(trust, responsePayloadBytes, endorsementList);
  const bad = endorsements.find((e) => !e.ok);
  if (bad) throw new Refuse('endorsement', `an endorsement does not verify: ${bad.reason}`);
  const response = messageField(chaincodeAction, 3);
  return {
    proposal,
    status: Number(varintField(response, 1)),
    message: stringField(response, 2),
    payload: bytesField(response, 3),
    endorsers: signers,
  };
}
