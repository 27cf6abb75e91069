/**
 * Reads the prepared transaction envelope that the Gateway's Endorse returns
 * (common.Envelope carrying a peer.Transaction), so the wallet can check what it is
 * about to sign: channel, chaincode, function, arguments, result, writes, events.
 */
import {
  decodeHeader,
  decodeSerializedIdentity,
  type FabricCreator,
  type HeaderInfo,
} from './header-codec.ts';
import { decodeChaincodeProposalPayload } from './proposal-codec.ts';
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

export interface DecodedWrite {
  namespace: string;
  key: string;
  isDelete: boolean;
  value: Uint8Array;
}

export interface DecodedRead {
  namespace: string;
  key: string;
  /** Committed version read during simulation; null when the key did not exist. */
  version: { blockNum: bigint; txNum: bigint } | null;
}

export interface DecodedRangeQuery {
  namespace: string;
  startKey: string;
  endKey: string;
  exhausted: boolean;
  /** Keys and versions the query returned during simulation. */
  reads: DecodedRead[];
}

export interface DecodedEndorsement {
  endorser: Uint8Array;
  signature: Uint8Array;
}

export interface DecodedChaincodeEvent {
  chaincode: string;
  txId: string;
  name: string;
  payload: Uint8Array;
}

export interface DecodedEnvelope extends HeaderInfo {
  /** The bytes whose SHA-256 digest the creator signs. */
  payloadBytes: Uint8Array;
  signature: Uint8Array;
  fn: string;
  args: Uint8Array[];
  /** Chaincode response as endorsed. */
  response: { status: number; message: string; payload: Uint8Array };
  reads: DecodedRead[];
  writes: DecodedWrite[];
  rangeQueries: DecodedRangeQuery[];
  event: DecodedChaincodeEvent | null;
  endorsers: FabricCreator[];
  /** ProposalResponsePayload bytes, what each endorsement signs (followed by the endorser). */
  responsePayloadBytes: Uint8Array;
  endorsements: DecodedEndorsement[];
}

export function decodeChaincodeEvent(bytes: Uint8Array): DecodedChaincodeEvent {
  const fields = decodeFields(bytes);
  return {
    chaincode: stringField(fields, 1),
    txId: stringField(fields, 2),
    name: stringField(fields, 3),
    payload: bytesField(fields, 4),
  };
}

function decodeRead(namespace: string, readBytes: Uint8Array): DecodedRead {
  const read = decodeFields(readBytes);
  const version = read.get(2) ? messageField(read, 2) : null;
  return {
    namespace,
    key: stringField(read, 1),
    version: version ? { blockNum: varintField(version, 1), txNum: varintField(version, 2) } : null,
  };
}

/** Decodes rwset.TxReadWriteSet with its kvrwset.KVRWSet per namespace. */
export function decodeReadWriteSet(bytes: Uint8Array): {
  reads: DecodedRead[];
  writes: DecodedWrite[];
  rangeQueries: DecodedRangeQuery[];
} {
  const reads: DecodedRead[] = [];
  const writes: DecodedWrite[] = [];
  const rangeQueries: DecodedRangeQuery[] = [];
  for (const nsBytes of repeatedBytes(decodeFields(bytes), 2)) {
    const ns = decodeFields(nsBytes);
    const namespace = stringField(ns, 1);
    const kv = messageField(ns, 2);
    for (const readBytes of repeatedBytes(kv, 1)) reads.push(decodeRead(namespace, readBytes));
    // RangeQueryInfo { start_key = 1, end_key = 2, itr_exhausted = 3, raw_reads = 4 (QueryReads { kv_reads = 1 }) }
    for (const rangeBytes of repeatedBytes(kv, 2)) {
      const range = decodeFields(rangeBytes);
      rangeQueries.push({
        namespace,
        startKey: stringField(range, 1),
        endKey: stringField(range, 2),
        exhausted: varintField(range, 3) !== 0n,
        reads: repeatedBytes(messageField(range, 4), 1).map((read) => decodeRead(namespace, read)),
      });
    }
    for (const writeBytes of repeatedBytes(kv, 3)) {
      const write = decodeFields(writeBytes);
      writes.push({
        namespace,
        key: stringField(write, 1),
        isDelete: varintField(write, 2) !== 0n,
        value: bytesField(write, 3),
      });
    }
  }
  return { reads, writes, rangeQueries };
}

const utf8 = new TextDecoder();

export function decodeEnvelope(envelopeBytes: Uint8Array): DecodedEnvelope {
  const envelope = decodeFields(envelopeBytes);
  const payloadBytes = bytesField(envelope, 1);
  const payload = decodeFields(payloadBytes);
  const header = decodeHeader(bytesField(payload, 1));
  const transaction = decodeFields(bytesField(payload, 2));
  const [actionBytes] = repeatedBytes(transaction, 1);
  if (!actionBytes) throw new ProtobufDecodeError('transaction has no actions');
  const action = decodeFields(actionBytes);
  const actionPayload = messageField(action, 2);
  const input = decodeChaincodeProposalPayload(bytesField(actionPayload, 1));
  const endorsedAction = messageField(actionPayload, 2);
  const responsePayloadBytes = bytesField(endorsedAction, 1);
  const responsePayload = decodeFields(responsePayloadBytes);
  const endorsements = repeatedBytes(endorsedAction, 2).map((bytes) => {
    const endorsement = decodeFields(bytes);
    return { endorser: bytesField(endorsement, 1), signature: bytesField(endorsement, 2) };
  });
  const chaincodeAction = messageField(responsePayload, 2);
  const response = messageField(chaincodeAction, 3);
  const eventBytes = bytesField(chaincodeAction, 2);
  const [fnBytes, ...args] = input.args;
  return {
    ...header,
    chaincode: input.chaincode || header.chaincode,
    payloadBytes,
    signature: bytesField(envelope, 2),
    fn: fnBytes ? utf8.decode(fnBytes) : '',
    args,
    response: {
      status: Number(varintField(response, 1)),
      message: stringField(response, 2),
      payload: bytesField(response, 3),
    },
    ...decodeReadWriteSet(bytesField(chaincodeAction, 1)),
    event: eventBytes.length > 0 ? decodeChaincodeEvent(eventBytes) : null,
    endorsers: endorsements.map((endorsement) => decodeSerializedIdentity(endorsement.endorser)),
    responsePayloadBytes,
    endorsements,
  };
}

/** The signed envelope to submit: the unchanged payload bytes plus the creator's signature. */
export function encodeSignedEnvelope(payloadBytes: Uint8Array, signature: Uint8Array): Uint8Array {
  return encodeFields([
    [1, payloadBytes],
    [2, signature],
  ]);
}
