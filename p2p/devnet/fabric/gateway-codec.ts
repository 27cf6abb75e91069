/**
 * The devpeer's `gateway.Gateway` service definition with hand-written codecs for
 * the per-transaction calls (Evaluate, Endorse, Submit, CommitStatus): requests are
 * read with the wire codec and keep the bytes the client signed (no google-protobuf
 * object graph to build and serialize again), answers are written the same way.
 * ChaincodeEvents keeps the fabric-protos codec (one call per listener, not per transaction).
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import { gateway } from '@hyperledger/fabric-protos';
import {
  bytesField,
  decodeFields,
  encodeFields,
  type ProtoFields,
  repeatedBytes,
  stringField,
} from '../../chains/fabric/protobuf-wire.ts';

/** EvaluateRequest and EndorseRequest: the signed proposal as the client sent it. */
export interface ProposalRequest {
  transactionId: string;
  channelId: string;
  /** peer.SignedProposal bytes; undefined when the field is absent. */
  signedProposal: Uint8Array | undefined;
  /** Field 4: EvaluateRequest.target_organizations / EndorseRequest.endorsing_organizations. */
  organizations: string[];
}

export interface SubmitRequest {
  transactionId: string;
  channelId: string;
  /** common.Envelope bytes, exactly as signed and sent; undefined when absent. */
  envelope: Uint8Array | undefined;
  /** Envelope.signature. */
  signature: Uint8Array;
}

/** SignedCommitStatusRequest and SignedChaincodeEventsRequest. */
export interface SignedRequest {
  request: Uint8Array;
  signature: Uint8Array;
}

export interface CommitStatusRequest {
  transactionId: string;
  channelId: string;
  identity: Uint8Array;
}

/** A chaincode response (peer.Response). */
export interface ChaincodeResponse {
  status: number;
  message: string;
  payload: Uint8Array;
}

/** A message field's bytes, or undefined when the field is absent (proto3 message presence). */
function present(fields: ProtoFields, field: number): Uint8Array | undefined {
  return fields.has(field) ? bytesField(fields, field) : undefined;
}

/**
 * EvaluateRequest / EndorseRequest { transaction_id = 1, channel_id = 2, proposed_transaction = 3, orgs = 4 }.
 * The SignedProposal's own level is parsed too: a server that cannot unmarshal it fails the call, as Go's does.
 */
export function decodeProposalRequest(bytes: Uint8Array): ProposalRequest {
  const fields = decodeFields(bytes);
  const signedProposal = present(fields, 3);
  if (signedProposal) decodeFields(signedProposal);
  return {
    transactionId: stringField(fields, 1),
    channelId: stringField(fields, 2),
    signedProposal,
    organizations: repeatedBytes(fields, 4).map((org) => utf8.decode(org)),
  };
}

const utf8 = new TextDecoder();

/** SubmitRequest { transaction_id = 1, channel_id = 2, prepared_transaction = 3 (Envelope { payload = 1, signature = 2 }) }. */
export function decodeSubmitRequest(bytes: Uint8Array): SubmitRequest {
  const fields = decodeFields(bytes);
  const envelope = present(fields, 3);
  return {
    transactionId: stringField(fields, 1),
    channelId: stringField(fields, 2),
    envelope,
    signature: envelope ? bytesField(decodeFields(envelope), 2) : new Uint8Array(0),
  };
}

/** Signed*Request { request = 1, signature = 2 }. */
export function decodeSignedRequest(bytes: Uint8Array): SignedRequest {
  const fields = decodeFields(bytes);
  return { request: bytesField(fields, 1), signature: bytesField(fields, 2) };
}

/** CommitStatusRequest { transaction_id = 1, channel_id = 2, identity = 3 }. */
export function decodeCommitStatusRequest(bytes: Uint8Array): CommitStatusRequest {
  const fields = decodeFields(bytes);
  return {
    transactionId: stringField(fields, 1),
    channelId: stringField(fields, 2),
    identity: bytesField(fields, 3),
  };
}

/** peer.Response { status = 1, message = 2, payload = 3 }. */
export function encodeResponse(response: ChaincodeResponse): Uint8Array {
  return encodeFields([
    [1, response.status],
    [2, response.message],
    [3, response.payload],
  ]);
}

/** EvaluateResponse { result = 1 }. */
export function encodeEvaluateResponse(result: ChaincodeResponse): Uint8Array {
  return encodeFields([[1, encodeResponse(result), 'repeated']]);
}

/** EndorseResponse { prepared_transaction = 1 }. */
export function encodeEndorseResponse(envelope: Uint8Array): Uint8Array {
  return encodeFields([[1, envelope, 'repeated']]);
}

/** CommitStatusResponse { result = 1, block_number = 2 }. */
export function encodeCommitStatusResponse(code: number, blockNumber: bigint): Uint8Array {
  return encodeFields([
    [1, code],
    [2, blockNumber],
  ]);
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
const fromBuffer = (buffer: Buffer): Uint8Array => buffer;

interface MethodBase {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}

function method<Req, Res>(base: MethodBase, requestDeserialize: (bytes: Uint8Array) => Req) {
  return {
    ...base,
    requestSerialize: toBuffer,
    requestDeserialize,
    responseSerialize: toBuffer as (response: Res) => Buffer,
    responseDeserialize: fromBuffer,
  };
}

/** The Gateway service with the codecs above; handlers take decoded requests and answer with bytes. */
export const gatewayServiceDefinition = {
  ...gateway.GatewayService,
  evaluate: method<ProposalRequest, Uint8Array>(gateway.GatewayService.evaluate, decodeProposalRequest),
  endorse: method<ProposalRequest, Uint8Array>(gateway.GatewayService.endorse, decodeProposalRequest),
  submit: method<SubmitRequest, Uint8Array>(gateway.GatewayService.submit, decodeSubmitRequest),
  commitStatus: method<SignedRequest, Uint8Array>(gateway.GatewayService.commitStatus, decodeSignedRequest),
} as unknown as ServiceDefinition;
