/**
 * The checks a committing peer makes of one transaction in a block, redone by the
 * verifier: the envelope is signed by its creator (a valid identity of the channel), the
 * tx id is hash(nonce ‖ creator), and for an endorser transaction the proposal hash
 * matches the header and proposal payload carried, each endorsement is a peer's
 * signature over proposal_response_payload ‖ endorser, and the valid endorsements
 * satisfy the endorsement policy. The peers' own verdict (the TRANSACTIONS_FILTER code)
 * is reported beside ours, since the orderer does not sign it.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { type ChannelTrust, CONFIG } from './channel-config.ts';
import { FabricEvidenceError } from './evidence-errors.ts';
import { computeTxId, decodeChannelHeader, ENDORSER_TRANSACTION } from './header-codec.ts';
import type { ValidIdentity } from './msp.ts';
import { evaluateNamedPolicy, evaluatePolicy, type Policy } from './policy.ts';
import {
  bytesField,
  decodeFields,
  messageField,
  ProtobufDecodeError,
  type ProtoFields,
  repeatedBytes,
  stringField,
} from './protobuf-wire.ts';
import { verifySignature } from './signature-check.ts';
import { validationCodeName } from './validation-codes.ts';

export interface EndorsementVerdict {
  mspId: string;
  ok: boolean;
  /** Why the endorsement does not count (bad signature, not a peer, unknown CA...). */
  reason?: string;
}

export interface TransactionVerdict {
  index: number;
  txId: string;
  /** common.HeaderType: 1 CONFIG, 3 ENDORSER_TRANSACTION. */
  type: number;
  chaincode: string;
  creatorMspId: string;
  endorsements: EndorsementVerdict[];
  /** Our checks, in order; empty when the transaction is valid. */
  problems: string[];
  valid: boolean;
  /** The validation code peers wrote in TRANSACTIONS_FILTER (not signed by the orderer). */
  filterCode: number;
  filterCodeName: string;
  /** The filter says VALID but our checks say otherwise: the peer that served this block lied or erred. */
  filterContradiction: boolean;
}

export interface TransactionContext {
  trust: ChannelTrust;
  /** The chaincode's endorsement policy; default /Channel/Application/Endorsement. */
  endorsementPolicy?: Policy | ((chaincode: string) => Policy | undefined);
  /** The channel's trust anchor block itself: its config transaction is taken as given. */
  anchor: boolean;
}

const LIFECYCLE = '_lifecycle';
const IMPLICIT_COLLECTION = '_implicit_org_';

/**
 * The policies an endorser transaction must satisfy. `_lifecycle` is validated as Fabric
 * does: an approval writes only its organisation's implicit collection and needs that
 * organisation's Endorsement policy; anything else needs LifecycleEndorsement.
 */
function requiredPolicies(
  context: TransactionContext,
  chaincode: string,
  results: Uint8Array,
): Array<{ name: string; holds: (signers: ValidIdentity[]) => boolean }> {
  const { trust } = context;
  const application = trust.application;
  if (chaincode !== LIFECYCLE) {
    const given =
      typeof context.endorsementPolicy === 'function'
        ? context.endorsementPolicy(chaincode)
        : context.endorsementPolicy;
    if (given)
      return [
        {
          name: `${chaincode} endorsement policy`,
          holds: (signers) => evaluatePolicy(given, signers, application ?? undefined),
        },
      ];
    return [
      {
        name: 'Application/Endorsement',
        holds: (signers) => (application ? evaluateNamedPolicy(application, 'Endorsement', signers) : false),
      },
    ];
  }
  const lifecycleEndorsement = {
    name: 'Application/LifecycleEndorsement',
    holds: (signers: ValidIdentity[]) =>
      application ? evaluateNamedPolicy(application, 'LifecycleEndorsement', signers) : false,
  };
  let publicWrites = false;
  const organisations = new Set<string>();
  for (const nsBytes of repeatedBytes(decodeFields(results), 2)) {
    const ns = decodeFields(nsBytes);
    const kv = messageField(ns, 2);
    // Reads (of _lifecycle's public state, of lscc) need no policy of their own.
    if (kv.has(3) || kv.has(4)) publicWrites = true;
    for (const collectionBytes of repeatedBytes(ns, 3)) {
      const collection = decodeFields(collectionBytes);
      const name = stringField(collection, 1);
      const writes = messageField(collection, 2);
      if (!writes.has(2) && !writes.has(3)) continue;
      if (name.startsWith(IMPLICIT_COLLECTION)) organisations.add(name.slice(IMPLICIT_COLLECTION.length));
      else publicWrites = true;
    }
  }
  if (publicWrites || organisations.size === 0) return [lifecycleEndorsement];
  return [...organisations].map((mspId) => ({
    name: `${mspId}/Endorsement`,
    holds: (signers: ValidIdentity[]) => {
      const group = trust.applicationOrgGroups.get(mspId);
      return group ? evaluateNamedPolicy(group, 'Endorsement', signers) : false;
    },
  }));
}

/**
 * The hash a ProposalResponsePayload binds to its proposal, as Fabric's endorser computes it:
 * SHA-256 of channel header ‖ signature header ‖ ChaincodeProposalPayload (without the
 * transient map, as the transaction carries it).
 */
export function proposalHash(
  channelHeaderBytes: Uint8Array,
  signatureHeaderBytes: Uint8Array,
  proposalPayload: Uint8Array,
): Uint8Array {
  return sha256(concatBytes(channelHeaderBytes, signatureHeaderBytes, proposalPayload));
}

/**
 * Checks each peer.Endorsement over `responsePayloadBytes`: a valid identity of an application
 * organisation with the peer role, signing proposal_response_payload ‖ endorser. Returns the
 * valid signers (for policy evaluation) and a verdict per endorsement, in order.
 */
export function checkEndorsements(
  trust: ChannelTrust,
  responsePayloadBytes: Uint8Array,
  endorsementList: readonly Uint8Array[],
): { signers: ValidIdentity[]; endorsements: EndorsementVerdict[] } {
  const signers: ValidIdentity[] = [];
  const endorsements: EndorsementVerdict[] = [];
  const requirement = { msps: trust.applicationMsps, roles: ['peer'] as const };
  for (const endorsementBytes of endorsementList) {
    const endorsement = decodeFields(endorsementBytes);
    const endorser = bytesField(endorsement, 1);
    const check = verifySignature(
      requirement,
      endorser,
      concatBytes(responsePayloadBytes, endorser),
      bytesField(endorsement, 2),
    );
    if (check.ok) {
      signers.push(check.identity);
      endorsements.push({ mspId: check.identity.mspId, ok: true });
    } else {
      let mspId = '';
      try {
        mspId = stringField(decodeFields(endorser), 1);
      } catch (cause) {
        if (!(cause instanceof ProtobufDecodeError)) throw cause;
      }
      endorsements.push({ mspId, ok: false, reason: check.reason });
    }
  }
  return { signers, endorsements };
}

interface Parsed {
  verdict: TransactionVerdict;
  payload: ProtoFields;
  payloadBytes: Uint8Array;
  signature: Uint8Array;
  channelHeaderBytes: Uint8Array;
  signatureHeaderBytes: Uint8Array;
  creator: Uint8Array;
  nonce: Uint8Array;
}

function parseEnvelope(envelopeBytes: Uint8Array, verdict: TransactionVerdict): Parsed {
  const envelope = decodeFields(envelopeBytes);
  const payloadBytes = bytesField(envelope, 1);
  const payload = decodeFields(payloadBytes);
  const header = messageField(payload, 1);
  const channelHeaderBytes = bytesField(header, 1);
  const signatureHeaderBytes = bytesField(header, 2);
  const channelHeader = decodeChannelHeader(channelHeaderBytes);
  const signatureHeader = decodeFields(signatureHeaderBytes);
  const creator = bytesField(signatureHeader, 1);
  verdict.txId = channelHeader.txId;
  verdict.type = channelHeader.type;
  verdict.chaincode = channelHeader.chaincode;
  try {
    verdict.creatorMspId = stringField(decodeFields(creator), 1);
  } catch (cause) {
    if (!(cause instanceof ProtobufDecodeError)) throw cause;
  }
  return {
    verdict,
    payload,
    payloadBytes,
    signature: bytesField(envelope, 2),
    channelHeaderBytes,
    signatureHeaderBytes,
    creator,
    nonce: bytesField(signatureHeader, 2),
  };
}

function checkEndorserTransaction(parsed: Parsed, context: TransactionContext): void {
  const { verdict } = parsed;
  const actions = repeatedBytes(decodeFields(bytesField(parsed.payload, 2)), 1);
  // Fabric 2.x commits exactly one action per endorser transaction.
  if (actions.length !== 1) {
    verdict.problems.push(`${actions.length} actions, not one`);
    return;
  }
  const actionPayload = messageField(decodeFields(actions[0] as Uint8Array), 2);
  const proposalPayload = bytesField(actionPayload, 1);
  const endorsed = messageField(actionPayload, 2);
  const responsePayloadBytes = bytesField(endorsed, 1);
  const responsePayload = decodeFields(responsePayloadBytes);
  const chaincodeAction = messageField(responsePayload, 2);
  const chaincode = stringField(messageField(chaincodeAction, 4), 2) || verdict.chaincode;
  verdict.chaincode = chaincode;
  const hash = proposalHash(parsed.channelHeaderBytes, parsed.signatureHeaderBytes, proposalPayload);
  if (!equalBytes(hash, bytesField(responsePayload, 1))) {
    verdict.problems.push('endorsed proposal hash differs from the transaction');
  }
  const { signers, endorsements } = checkEndorsements(
    context.trust,
    responsePayloadBytes,
    repeatedBytes(endorsed, 2),
  );
  verdict.endorsements.push(...endorsements);
  for (const policy of requiredPolicies(context, chaincode, bytesField(chaincodeAction, 1))) {
    if (!policy.holds(signers)) verdict.problems.push(`endorsements do not satisfy ${policy.name}`);
  }
}

/** Checks one envelope of a block; `filterCode` is the peers' code for it (254 NOT_VALIDATED if absent). */
export function checkTransaction(
  envelopeBytes: Uint8Array,
  index: number,
  filterCode: number,
  context: TransactionContext,
): TransactionVerdict {
  const verdict: TransactionVerdict = {
    index,
    txId: '',
    type: -1,
    chaincode: '',
    creatorMspId: '',
    endorsements: [],
    problems: [],
    valid: false,
    filterCode,
    filterCodeName: validationCodeName(filterCode),
    filterContradiction: false,
  };
  try {
    const parsed = parseEnvelope(envelopeBytes, verdict);
    const { trust } = context;
    const channel = decodeChannelHeader(parsed.channelHeaderBytes).channel;
    if (channel !== trust.channelId)
      verdict.problems.push(`channel ${JSON.stringify(channel)} is not this channel`);
    if (verdict.type === CONFIG && context.anchor) {
      // The trust anchor's config was obtained out of band; its envelope needs no signer.
    } else if (verdict.type === CONFIG || verdict.type === ENDORSER_TRANSACTION) {
      const creatorCheck =
        verdict.type === CONFIG
          ? // Orderers wrap a config update in their own envelope.
            verifySignature(
              { msps: trust.ordererMsps, roles: ['orderer'] },
              parsed.creator,
              parsed.payloadBytes,
              parsed.signature,
            )
          : verifySignature(
              { msps: trust.msps, roles: ['client', 'admin'] },
              parsed.creator,
              parsed.payloadBytes,
              parsed.signature,
            );
      if (!creatorCheck.ok) verdict.problems.push(`creator: ${creatorCheck.reason}`);
      if (verdict.type === ENDORSER_TRANSACTION) {
        if (computeTxId(parsed.nonce, parsed.creator) !== verdict.txId)
          verdict.problems.push('tx id is not hash(nonce ‖ creator)');
        checkEndorserTransaction(parsed, context);
      }
    } else {
      verdict.problems.push(`transaction type ${verdict.type} not checked`);
    }
  } catch (cause) {
    if (!(cause instanceof ProtobufDecodeError || cause instanceof FabricEvidenceError)) throw cause;
    verdict.problems.push(`malformed: ${cause.message}`);
  }
  verdict.valid = verdict.problems.length === 0;
  verdict.filterContradiction = filterCode === 0 && !verdict.valid;
  return verdict;
}

/** Marks a checked transaction invalid for a reason found beyond it (a duplicate in its block). */
export function refuseTransaction(verdict: TransactionVerdict, problem: string): void {
  verdict.problems.push(problem);
  verdict.valid = false;
  verdict.filterContradiction = verdict.filterCode === 0;
}
