/**
 * Reads and builds Fabric transaction proposals (peer.SignedProposal / peer.Proposal)
 * without google-protobuf, so the wallet can show and sign what it sends.
 */
import { decodeHeader, encodeHeader, type FabricCreator, type HeaderInfo } from './header-codec.ts';
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

export interface DecodedProposal extends HeaderInfo {
  /** Chaincode name from the invocation spec (the peer checks it against the header). */
  chaincode: string;
  /** First chaincode argument: the transaction function name. */
  fn: string;
  /** Remaining arguments, as raw bytes. */
  args: Uint8Array[];
  /** Keys of transient data (values are private and never shown). */
  transientKeys: string[];
  isInit: boolean;
}

export interface DecodedSignedProposal {
  proposalBytes: Uint8Array;
  signature: Uint8Array;
}

export function decodeSignedProposal(bytes: Uint8Array): DecodedSignedProposal {
  const fields = decodeFields(bytes);
  return { proposalBytes: bytesField(fields, 1), signature: bytesField(fields, 2) };
}

export function encodeSignedProposal(proposalBytes: Uint8Array, signature: Uint8Array): Uint8Array {
  return encodeFields([
    [1, proposalBytes],
    [2, signature],
  ]);
}

/** Decodes ChaincodeProposalPayload: input (invocation spec) and transient map keys. */
export function decodeChaincodeProposalPayload(bytes: Uint8Array): {
  chaincode: string;
  args: Uint8Array[];
  isInit: boolean;
  transientKeys: string[];
} {
  const payload = decodeFields(bytes);
  const invocationSpec = messageField(payload, 1);
  const spec = messageField(invocationSpec, 1);
  const chaincodeId = messageField(spec, 2);
  const input = messageField(spec, 3);
  const transientKeys = repeatedBytes(payload, 2).map((entry) => stringField(decodeFields(entry), 1));
  return {
    chaincode: stringField(chaincodeId, 2),
    args: repeatedBytes(input, 1),
    isInit: varintField(input, 3) !== 0n,
    transientKeys,
  };
}

const utf8 = new TextDecoder();

/** Decodes peer.Proposal bytes (the part the creator signs). */
export function decodeProposal(proposalBytes: Uint8Array): DecodedProposal {
  const proposal = decodeFields(proposalBytes);
  const header = decodeHeader(bytesField(proposal, 1));
  const payload = decodeChaincodeProposalPayload(bytesField(proposal, 2));
  const [fnBytes, ...args] = payload.args;
  if (payload.chaincode && header.chaincode && payload.chaincode !== header.chaincode) {
    throw new ProtobufDecodeError('chaincode name differs between header and invocation spec');
  }
  return {
    ...header,
    chaincode: payload.chaincode || header.chaincode,
    fn: fnBytes ? utf8.decode(fnBytes) : '',
    args,
    transientKeys: payload.transientKeys,
    isInit: payload.isInit,
  };
}

export interface ProposalInput {
  channel: string;
  chaincode: string;
  fn: string;
  args: Array<string | Uint8Array>;
  creator: FabricCreator;
  /** 24 random bytes, as the Fabric SDKs use. */
  nonce: Uint8Array;
  timestamp?: number;
}

const encoder = new TextEncoder();

/** Builds an unsigned peer.Proposal; sign SHA-256 of `proposalBytes`. */
export function buildProposal(input: ProposalInput): { proposalBytes: Uint8Array; txId: string } {
  const { header, txId } = encodeHeader({
    channel: input.channel,
    chaincode: input.chaincode,
    creator: input.creator,
    nonce: input.nonce,
    timestamp: input.timestamp ?? Date.now(),
  });
  const args = [input.fn, ...input.args].map((arg) => (typeof arg === 'string' ? encoder.encode(arg) : arg));
  const chaincodeInput = encodeFields(
    args.map((arg) => [1, arg, 'repeated'] as [number, Uint8Array, 'repeated']),
  );
  const spec = encodeFields([
    // ChaincodeSpec.Type NODE = 2; the peer ignores it, the SDKs set it.
    [1, 2],
    [2, encodeFields([[2, input.chaincode]])],
    [3, chaincodeInput],
  ]);
  const payload = encodeFields([[1, encodeFields([[1, spec]])]]);
  const proposalBytes = encodeFields([
    [1, header],
    [2, payload],
  ]);
  return { proposalBytes, txId };
}
