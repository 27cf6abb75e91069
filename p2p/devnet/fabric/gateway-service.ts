/**
 * `gateway.Gateway` on the devpeer: Evaluate, Endorse, Submit, CommitStatus and
 * ChaincodeEvents, with the status codes, messages and ErrorDetails of Fabric's
 * internal/pkg/gateway (evaluate.go, endorse.go, submit.go, commitstatus.go,
 * chaincodeevents.go, apiutils.go responseStatus).
 */
import { type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, status } from '@grpc/grpc-js';
import { type common, gateway, orderer, peer } from '@hyperledger/fabric-protos';
import { decodeEnvelope } from '../../chains/fabric/envelope-codec.ts';
import { ENDORSER_TRANSACTION } from '../../chains/fabric/header-codec.ts';
import { bytesField, decodeFields, encodeFields } from '../../chains/fabric/protobuf-wire.ts';
import type { Committer } from './committer.ts';
import { type EndorsementPolicy, endorsementPlan } from './endorsement-policy.ts';
import { type Endorser, type EndorserResult, type UnpackedProposal, unpackProposal } from './endorser.ts';
import {
  decodeCommitStatusRequest,
  encodeCommitStatusResponse,
  encodeEndorseResponse,
  encodeEvaluateResponse,
  type ProposalRequest,
  type SignedRequest,
  type SubmitRequest,
} from './gateway-codec.ts';
import type { MspVerifier } from './msp-verifier.ts';
import type { Orderer } from './orderer.ts';
import type { SystemChaincode } from './qscc.ts';
import { type ErrorDetailInput, rpcError } from './rpc-error.ts';

/** A peer the gateway can ask for an endorsement (in this process: its endorser, called directly). */
export interface EndorsingPeer {
  mspId: string;
  endorser: Endorser;
  /** Its endpoint, shown in ErrorDetail.address. */
  address: () => string;
}

export interface GatewayServiceOptions {
  /** This gateway's own peer. */
  local: EndorsingPeer;
  /** One peer per organisation of the channel (the local one included), by MSP id. */
  peers: Map<string, EndorsingPeer>;
  /** The chaincode definitions' endorsement policies. */
  policyOf: (chaincode: string) => EndorsementPolicy | undefined;
  /** The ordering service of each channel, where Submit broadcasts. */
  orderers: Map<string, Orderer>;
  /** The local peer's committers, whose commits CommitStatus and ChaincodeEvents report. */
  committers: Map<string, Committer>;
  chaincodes: Set<string>;
  systemChaincodes: Map<string, SystemChaincode>;
  msp: MspVerifier;
}

const WRITERS_POLICY_FAILURE =
  "implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Writers' sub-policies to be satisfied";

class RpcFailure extends Error {
  readonly code: status;
  readonly details: ErrorDetailInput[];
  constructor(code: status, message: string, details: ErrorDetailInput[] = []) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** Fabric's gateway responseStatus(): the gRPC code and message for one endorser answer. */
function responseStatus(result: EndorserResult): { code: status; message: string; retry: boolean } {
  if (result.error !== undefined)
    return { code: status.FAILED_PRECONDITION, message: result.error, retry: false };
  const { status: chaincodeStatus, message } = result.response;
  if (chaincodeStatus < 200 || chaincodeStatus >= 400) {
    if (result.payload === undefined && chaincodeStatus === 500)
      return { code: status.ABORTED, message, retry: true };
    return {
      code: status.UNKNOWN,
      message: `chaincode response ${chaincodeStatus}, ${message}`,
      retry: false,
    };
  }
  return { code: status.OK, message: '', retry: false };
}

function unary<Req, Res>(handler: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    handler(call.request, call).then(
      (response) => callback(null, response),
      (error: unknown) => {
        if (error instanceof RpcFailure) callback(rpcError(error.code, error.message, error.details));
        else callback(rpcError(status.INTERNAL, (error as Error).message ?? String(error)));
      },
    );
  };
}

export function createGatewayService(options: GatewayServiceOptions) {
  const { committers, msp } = options;
  const endorser = options.local.endorser;
  const detail = (message: string, from: EndorsingPeer = options.local): ErrorDetailInput => ({
    address: from.address(),
    mspId: from.mspId,
    message,
  });

  /** Fabric's getChannelAndChaincodeFromSignedProposal. */
  function unpack(signedProposal: Uint8Array | undefined): UnpackedProposal {
    if (!signedProposal || bytesField(decodeFields(signedProposal), 1).length === 0) {
      throw new Error('a signed proposal is required');
    }
    const up = unpackProposal(signedProposal);
    const channel = up.channelHeader.channelId;
    if (!channel) throw new Error('no channel id provided');
    return up;
  }

  /** The registry's view: the peer must have joined the channel and know the chaincode. */
  function checkPlan(up: UnpackedProposal, forEvaluate: boolean): void {
    const channel = up.channelHeader.channelId;
    if (!committers.has(channel)) {
      throw new RpcFailure(
        status.UNAVAILABLE,
        `failed to get config for channel [${channel}]: channel not found`,
      );
    }
    const name = up.chaincodeName;
    if (!options.chaincodes.has(name) && !options.systemChaincodes.has(name)) {
      throw new RpcFailure(
        status.FAILED_PRECONDITION,
        forEvaluate
          ? `no peers available to evaluate chaincode ${name} in channel ${channel}`
          : // What discovery says for a chaincode with no definition on the channel.
            `no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode ${name} in channel ${channel}`,
      );
    }
  }

  async function evaluate(request: ProposalRequest): Promise<Uint8Array> {
    let up: UnpackedProposal;
    try {
      up = unpack(request.signedProposal);
    } catch (error) {
      throw new RpcFailure(
        status.INVALID_ARGUMENT,
        `failed to unpack transaction proposal: ${(error as Error).message}`,
      );
    }
    checkPlan(up, true);
    const result = await endorser.processProposal(up);
    const { code, message, retry } = responseStatus(result);
    if (code !== status.OK) {
      // One endorser only: a retryable failure leaves nobody to retry with.
      throw new RpcFailure(
        code,
        retry
          ? 'failed to evaluate transaction, see attached details for more info'
          : `evaluate call to endorser returned error: ${message}`,
        [detail(message)],
      );
    }
    // The chaincode's answer, as the endorser put it into the proposal response payload.
    return encodeEvaluateResponse({
      status: result.response.status,
      message: result.response.message,
      payload: (result.payload && result.response.payload) || new Uint8Array(0),
    });
  }

  async function endorse(request: ProposalRequest): Promise<Uint8Array> {
    const signedProposal = request.signedProposal;
    if (!signedProposal) {
      throw new RpcFailure(
        status.INVALID_ARGUMENT,
        'the proposed transaction must contain a signed proposal',
      );
    }
    let up: UnpackedProposal;
    try {
      up = unpack(signedProposal);
    } catch (error) {
      throw new RpcFailure(status.INVALID_ARGUMENT, (error as Error).message);
    }
    checkPlan(up, false);
    const chosen = request.organizations;
    // Fabric 2.4.4+ (PR 3446): with endorsing organisations given, the gateway asks a peer of
    // each, system chaincode included (no policy to plan from); without them, only a plan from
    // the chaincode definition's policy, which system chaincode has none of.
    if (chosen.length === 0 && options.systemChaincodes.has(up.chaincodeName)) {
      throw new RpcFailure(
        status.FAILED_PRECONDITION,
        `no endorsement policy for system chaincode ${up.chaincodeName}`,
      );
    }
    const policy = chosen.length > 0 ? undefined : options.policyOf(up.chaincodeName);
    if (chosen.length === 0 && !policy) {
      throw new RpcFailure(
        status.FAILED_PRECONDITION,
        `no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode ${up.chaincodeName} in channel ${up.channelHeader.channelId}`,
      );
    }
    // As Fabric's gateway: a peer of each organisation needed, the local one first; here all
    // at once, each processing the proposal on its own ledger and chaincode connection.
    const orgs = policy ? endorsementPlan(policy, msp.mspId) : localFirst([...new Set(chosen)], msp.mspId);
    const plan = orgs.map((org) => options.peers.get(org));
    if (plan.some((p) => p === undefined)) {
      throw new RpcFailure(
        status.UNAVAILABLE,
        'failed to collect enough transaction endorsements, see attached details for more info',
      );
    }
    const peers = plan as EndorsingPeer[];
    const results = await Promise.all(peers.map((p) => p.endorser.processProposal(up)));
    const endorsements: Uint8Array[] = [];
    let payload: Uint8Array | undefined;
    for (const [index, result] of results.entries()) {
      const from = peers[index] as EndorsingPeer;
      const { code, message } = responseStatus(result);
      if (code !== status.OK || !result.payload || !result.endorsement) {
        throw new RpcFailure(
          status.ABORTED,
          'failed to endorse transaction, see attached details for more info',
          [detail(message || 'no endorsement', from)],
        );
      }
      if (payload && !Buffer.from(payload).equals(result.payload)) {
        // Different simulation results (e.g. state read between two commits): the gateway's mismatch error.
        throw new RpcFailure(
          status.ABORTED,
          'failed to assemble transaction: ProposalResponsePayloads do not match',
          [detail('ProposalResponsePayloads do not match', from)],
        );
      }
      payload ??= result.payload;
      endorsements.push(result.endorsement);
    }
    return prepareTransaction(up, payload as Uint8Array, endorsements);
  }

  async function submit(request: SubmitRequest): Promise<Uint8Array> {
    // The envelope exactly as the client signed it: no decode-and-serialize round trip.
    const bytes = request.envelope;
    if (!bytes) throw new RpcFailure(status.INVALID_ARGUMENT, 'a prepared transaction is required');
    const channelId = request.channelId;
    if (request.signature.length === 0) {
      throw new RpcFailure(status.INVALID_ARGUMENT, 'prepared transaction must be signed');
    }
    const channelOrderer = options.orderers.get(channelId);
    if (!channelOrderer) {
      throw new RpcFailure(status.FAILED_PRECONDITION, `channel '${channelId}' not found`);
    }
    // The orderer's broadcast filters: well-formed payload for this channel, Writers policy on the creator.
    const ordererRefusal = (statusName: string, info: string) =>
      new RpcFailure(
        status.ABORTED,
        `received unsuccessful response from orderer: status=${statusName}, info=${info}`,
      );
    // Parsed once here, handed to the committer with the bytes.
    let decoded: ReturnType<typeof decodeEnvelope>;
    try {
      decoded = decodeEnvelope(bytes);
    } catch (error) {
      throw ordererRefusal('BAD_REQUEST', `bad payload: ${(error as Error).message}`);
    }
    if (decoded.type !== ENDORSER_TRANSACTION) throw ordererRefusal('BAD_REQUEST', 'invalid header type');
    if (decoded.channel !== channelId) {
      throw ordererRefusal('BAD_REQUEST', `channel ID mismatch: ${decoded.channel} != ${channelId}`);
    }
    const creator = msp.deserialize(decoded.creatorBytes);
    // Remembered: the committers check the same signature again. Writers: an admin or client of an organisation.
    if (
      !creator ||
      (creator.role !== 'client' && creator.role !== 'admin') ||
      !(await msp.verifyAsync(creator, decoded.payloadBytes, decoded.signature, true))
    ) {
      throw ordererRefusal('FORBIDDEN', `${WRITERS_POLICY_FAILURE}: permission denied`);
    }
    channelOrderer.enqueue(bytes, decoded);
    // SubmitResponse has no fields.
    return new Uint8Array(0);
  }

  /** The ACL check of CommitStatus / ChaincodeEvents: a channel member's signature over the request. */
  async function checkSignedRequest(
    requestBytes: Uint8Array,
    identity: Uint8Array,
    signature: Uint8Array,
  ): Promise<void> {
    const known = msp.deserialize(identity);
    if (!known || !(await msp.verifyAsync(known, requestBytes, signature))) {
      throw new RpcFailure(
        status.PERMISSION_DENIED,
        `failed evaluating policy on signed data during check policy [/Channel/Application/Writers]: [${WRITERS_POLICY_FAILURE}]`,
      );
    }
  }

  async function commitStatus(
    signed: SignedRequest,
    call: ServerUnaryCall<SignedRequest, Uint8Array>,
  ): Promise<Uint8Array> {
    const requestBytes = signed.request;
    if (requestBytes.length === 0)
      throw new RpcFailure(status.INVALID_ARGUMENT, 'a commit status request is required');
    let request: ReturnType<typeof decodeCommitStatusRequest>;
    try {
      request = decodeCommitStatusRequest(requestBytes);
    } catch (error) {
      throw new RpcFailure(status.INVALID_ARGUMENT, `invalid status request: ${(error as Error).message}`);
    }
    if (request.identity.length === 0) throw new RpcFailure(status.INVALID_ARGUMENT, 'no identity provided');
    if (!request.channelId) throw new RpcFailure(status.INVALID_ARGUMENT, 'no channel ID provided');
    if (!request.transactionId) {
      throw new RpcFailure(status.INVALID_ARGUMENT, 'transaction ID should not be empty');
    }
    await checkSignedRequest(requestBytes, request.identity, signed.signature);
    const committer = committers.get(request.channelId);
    if (!committer) throw new RpcFailure(status.ABORTED, `channel '${request.channelId}' not found`);
    const abort = new AbortController();
    const cancelled = () => abort.abort();
    call.once('cancelled', cancelled);
    let location: Awaited<ReturnType<Committer['waitFor']>>;
    try {
      location = await committer.waitFor(request.transactionId, abort.signal);
    } catch {
      throw new RpcFailure(status.CANCELLED, 'context canceled');
    } finally {
      // grpc-js also reports 'cancelled' when the client closes a stream it has its answer on.
      call.removeListener('cancelled', cancelled);
    }
    return encodeCommitStatusResponse(location.code, location.blockNum);
  }

  async function chaincodeEvents(
    call: ServerWritableStream<gateway.SignedChaincodeEventsRequest, gateway.ChaincodeEventsResponse>,
  ): Promise<void> {
    const requestBytes = call.request.getRequest_asU8();
    if (requestBytes.length === 0)
      throw new RpcFailure(status.INVALID_ARGUMENT, 'a chaincode events request is required');
    let request: gateway.ChaincodeEventsRequest;
    try {
      request = gateway.ChaincodeEventsRequest.deserializeBinary(requestBytes);
    } catch (error) {
      throw new RpcFailure(
        status.INVALID_ARGUMENT,
        `invalid chaincode events request: ${(error as Error).message}`,
      );
    }
    await checkSignedRequest(requestBytes, request.getIdentity_asU8(), call.request.getSignature_asU8());
    const committer = committers.get(request.getChannelId());
    if (!committer) throw new RpcFailure(status.NOT_FOUND, `channel ${request.getChannelId()} not found`);
    const ledger = committer.ledger;
    const chaincode = request.getChaincodeId();
    const after = request.getAfterTransactionId();
    let start = ledger.height;
    const position = request.getStartPosition();
    // Fabric's chaincodeEventsStartBlock: after a known txid, else a specified block, else the next commit.
    const seek = orderer.SeekPosition.TypeCase;
    if (after && ledger.txLocation(after)) start = ledger.txLocation(after)?.blockNum ?? start;
    else if (position?.getTypeCase() === seek.SPECIFIED)
      start = BigInt(position.getSpecified()?.getNumber() ?? 0);
    else if (
      position &&
      position.getTypeCase() !== seek.NEXT_COMMIT &&
      position.getTypeCase() !== seek.TYPE_NOT_SET
    ) {
      throw new RpcFailure(status.INVALID_ARGUMENT, `invalid start position type: ${position.getTypeCase()}`);
    }
    let passedAfter = !after;

    const sendBlock = (block: common.Block): void => {
      const number = block.getHeader()?.getNumber() ?? 0;
      const filter = block.getMetadata()?.getMetadataList_asU8()[2] ?? new Uint8Array(0);
      const events: peer.ChaincodeEvent[] = [];
      block
        .getData()
        ?.getDataList_asU8()
        .forEach((envelope, index) => {
          let decoded: ReturnType<typeof decodeEnvelope>;
          try {
            decoded = decodeEnvelope(envelope);
          } catch {
            return;
          }
          if (!passedAfter) {
            if (decoded.txId === after) passedAfter = true;
            return;
          }
          if (filter[index] !== 0 || !decoded.event || decoded.event.chaincode !== chaincode) return;
          const event = new peer.ChaincodeEvent();
          event.setChaincodeId(decoded.event.chaincode);
          event.setTxId(decoded.event.txId);
          event.setEventName(decoded.event.name);
          event.setPayload(decoded.event.payload);
          events.push(event);
        });
      if (events.length === 0) return;
      const response = new gateway.ChaincodeEventsResponse();
      response.setBlockNumber(number);
      response.setEventsList(events);
      call.write(response);
    };

    // Replay from the ledger, then follow new blocks until the client cancels.
    let next = start;
    const pump = () => {
      while (next < ledger.height && !call.cancelled) {
        const block = ledger.block(next);
        if (block) sendBlock(block);
        next++;
      }
    };
    pump();
    await new Promise<void>((resolve) => {
      const unsubscribe = committer.onBlock(() => pump());
      const done = () => {
        unsubscribe();
        resolve();
      };
      call.on('cancelled', done);
      call.on('close', done);
    });
  }

  return {
    evaluate: unary(evaluate),
    endorse: unary(endorse),
    submit: unary(submit),
    commitStatus: unary(commitStatus),
    chaincodeEvents: (
      call: ServerWritableStream<gateway.SignedChaincodeEventsRequest, gateway.ChaincodeEventsResponse>,
    ) => {
      chaincodeEvents(call).then(
        () => call.end(),
        (error: unknown) => {
          const failure =
            error instanceof RpcFailure
              ? rpcError(error.code, error.message, error.details)
              : rpcError(status.INTERNAL, String(error));
          // grpc-js sends the status of an 'error' emitted on a server stream, then ends it.
          call.emit('error', Object.assign(new Error(failure.details), failure));
        },
      );
    },
  };
}

/** The organisations in the order the gateway asks them: the local one first, as Fabric's does. */
function localFirst(orgs: string[], localOrg: string): string[] {
  return orgs.includes(localOrg) ? [localOrg, ...orgs.filter((org) => org !== localOrg)] : orgs;
}

/**
 * Fabric's prepareTransaction (submit.go): the envelope the client signs next,
 * assembled from the bytes the client signed and the endorser produced.
 */
function prepareTransaction(
  up: UnpackedProposal,
  responsePayload: Uint8Array,
  endorsements: Uint8Array[],
): Uint8Array {
  // ChaincodeEndorsedAction { proposal_response_payload = 1, endorsements = 2 }
  const endorsedAction = encodeFields([
    [1, responsePayload],
    ...endorsements.map((endorsement) => [2, endorsement, 'repeated'] as [number, Uint8Array, 'repeated']),
  ]);
  // ChaincodeActionPayload { chaincode_proposal_payload = 1, action = 2 }
  const actionPayload = encodeFields([
    [1, up.payloadWithoutTransient],
    [2, endorsedAction, 'repeated'],
  ]);
  // Transaction { actions = 1: TransactionAction { header = 1 (SignatureHeader), payload = 2 } }
  const transaction = encodeFields([
    [
      1,
      encodeFields([
        [1, up.signatureHeaderBytes],
        [2, actionPayload],
      ]),
      'repeated',
    ],
  ]);
  // Payload { header = 1, data = 2 }, in Envelope { payload = 1, signature = 2 } (unsigned).
  const payload = encodeFields([
    [1, up.headerBytes, 'repeated'],
    [2, transaction],
  ]);
  return encodeEndorseResponse(encodeFields([[1, payload]]));
}
