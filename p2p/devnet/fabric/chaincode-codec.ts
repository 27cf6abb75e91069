/**
 * The peer side of the chaincode protocol (`protos.Chaincode/Connect`) in the wire
 * codec: ChaincodeMessage and the ledger requests and answers it carries. Ten or so
 * of these cross the stream per transaction, so the devpeer reads and writes them
 * without building google-protobuf objects; fabric-shim on the other side is unchanged.
 */
import { peer } from '@hyperledger/fabric-protos';
import {
  bytesField,
  decodeFields,
  encodeFields,
  type ProtoFields,
  stringField,
  varintField,
} from '../../chains/fabric/protobuf-wire.ts';
import type { ChaincodeResponse } from './gateway-codec.ts';

export const MessageType = peer.ChaincodeMessage.Type;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** protos.ChaincodeMessage { type = 1, timestamp = 2, payload = 3, txid = 4, proposal = 5, chaincode_event = 6, channel_id = 7 }. */
export interface ChaincodeMessage {
  type: MessageType;
  payload: Uint8Array;
  txid: string;
  channelId: string;
  /** peer.SignedProposal bytes (TRANSACTION). */
  proposal?: Uint8Array;
  /** peer.ChaincodeEvent bytes (COMPLETED). */
  chaincodeEvent?: Uint8Array;
}

export function encodeChaincodeMessage(message: ChaincodeMessage): Uint8Array {
  return encodeFields([
    [1, message.type],
    [3, message.payload],
    [4, message.txid],
    [5, message.proposal, 'repeated'],
    [6, message.chaincodeEvent, 'repeated'],
    [7, message.channelId],
  ]);
}

export function decodeChaincodeMessage(bytes: Uint8Array): ChaincodeMessage {
  const fields = decodeFields(bytes);
  return {
    type: Number(varintField(fields, 1)) as MessageType,
    payload: bytesField(fields, 3),
    txid: stringField(fields, 4),
    channelId: stringField(fields, 7),
    ...(fields.has(5) ? { proposal: bytesField(fields, 5) } : {}),
    ...(fields.has(6) ? { chaincodeEvent: bytesField(fields, 6) } : {}),
  };
}

/** GetState, DelState { key = 1, collection = 2 }; PutState { key = 1, value = 2, collection = 3 }. */
export interface KeyRequest {
  key: string;
  value: Uint8Array;
  collection: string;
}

export function decodeKeyRequest(type: MessageType, payload: Uint8Array): KeyRequest {
  const fields = decodeFields(payload);
  const put = type === MessageType.PUT_STATE;
  return {
    key: stringField(fields, 1),
    value: put ? bytesField(fields, 2) : new Uint8Array(0),
    collection: stringField(fields, put ? 3 : 2),
  };
}

/** GetStateByRange { startKey = 1, endKey = 2, collection = 3, metadata = 4 }. */
export function decodeRangeRequest(payload: Uint8Array): {
  startKey: string;
  endKey: string;
  collection: string;
} {
  const fields = decodeFields(payload);
  return {
    startKey: stringField(fields, 1),
    endKey: stringField(fields, 2),
    collection: stringField(fields, 3),
  };
}

/** QueryStateNext, QueryStateClose { id = 1 }. */
export function decodeIteratorId(payload: Uint8Array): string {
  return stringField(decodeFields(payload), 1);
}

/** QueryResponse { results = 1 (QueryResultBytes { resultbytes = 1 }), has_more = 2, id = 3 } of queryresult.KV. */
export function encodeQueryResponse(
  id: string,
  hasMore: boolean,
  namespace: string,
  kvs: Array<{ key: string; value: Uint8Array }>,
): Uint8Array {
  return encodeFields([
    ...kvs.map(({ key, value }): [number, Uint8Array, 'repeated'] => [
      1,
      // QueryResultBytes { resultbytes = 1: queryresult.KV { namespace = 1, key = 2, value = 3 } }
      encodeFields([
        [
          1,
          encodeFields([
            [1, namespace],
            [2, key],
            [3, value],
          ]),
        ],
      ]),
      'repeated',
    ]),
    [2, hasMore ? 1 : 0],
    [3, id],
  ]);
}

function int32(fields: ProtoFields, field: number): number {
  return Number(BigInt.asIntN(32, varintField(fields, field)));
}

/** peer.Response { status = 1, message = 2, payload = 3 } (the COMPLETED payload). */
export function decodeResponse(bytes: Uint8Array): ChaincodeResponse {
  const fields = decodeFields(bytes);
  return { status: int32(fields, 1), message: stringField(fields, 2), payload: bytesField(fields, 3) };
}
