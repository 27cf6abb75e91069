/**
 * Fabric transaction headers (common.Header, ChannelHeader, SignatureHeader,
 * msp.SerializedIdentity), read and written with the small wire codec so the
 * wallet can use them in the browser.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  bytesField,
  decodeFields,
  encodeFields,
  messageField,
  stringField,
  varintField,
} from './protobuf-wire.ts';

/** common.HeaderType.ENDORSER_TRANSACTION */
export const ENDORSER_TRANSACTION = 3;

export interface FabricCreator {
  mspId: string;
  /** The creator's X.509 certificate, PEM as Fabric stores it. */
  certificate: string;
}

export interface ChannelHeaderInfo {
  type: number;
  channel: string;
  txId: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  epoch: bigint;
  /** Chaincode name from the ChaincodeHeaderExtension. */
  chaincode: string;
}

export interface HeaderInfo extends ChannelHeaderInfo {
  creator: FabricCreator;
  creatorBytes: Uint8Array;
  nonce: Uint8Array;
}

export function encodeSerializedIdentity(creator: FabricCreator): Uint8Array {
  return encodeFields([
    [1, creator.mspId],
    [2, creator.certificate],
  ]);
}

export function decodeSerializedIdentity(bytes: Uint8Array): FabricCreator {
  const fields = decodeFields(bytes);
  return { mspId: stringField(fields, 1), certificate: stringField(fields, 2) };
}

/** Fabric's transaction id: hex SHA-256 of nonce followed by the serialized creator. */
export function computeTxId(nonce: Uint8Array, creatorBytes: Uint8Array): string {
  const joined = new Uint8Array(nonce.length + creatorBytes.length);
  joined.set(nonce, 0);
  joined.set(creatorBytes, nonce.length);
  return bytesToHex(sha256(joined));
}

export function decodeChannelHeader(bytes: Uint8Array): ChannelHeaderInfo {
  const fields = decodeFields(bytes);
  const timestamp = messageField(fields, 3);
  const seconds = varintField(timestamp, 1);
  const nanos = varintField(timestamp, 2);
  const extension = messageField(fields, 7);
  const chaincodeId = messageField(extension, 2);
  return {
    type: Number(varintField(fields, 1)),
    channel: stringField(fields, 4),
    txId: stringField(fields, 5),
    timestamp: Number(seconds) * 1000 + Math.floor(Number(nanos) / 1e6),
    epoch: varintField(fields, 6),
    chaincode: stringField(chaincodeId, 2),
  };
}

export function decodeHeader(bytes: Uint8Array): HeaderInfo {
  const fields = decodeFields(bytes);
  const channelHeader = decodeChannelHeader(bytesField(fields, 1));
  const signatureHeader = messageField(fields, 2);
  const creatorBytes = bytesField(signatureHeader, 1);
  return {
    ...channelHeader,
    creator: decodeSerializedIdentity(creatorBytes),
    creatorBytes,
    nonce: bytesField(signatureHeader, 2),
  };
}

export interface HeaderInput {
  channel: string;
  chaincode: string;
  creator: FabricCreator;
  nonce: Uint8Array;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** Builds common.Header bytes and the transaction id they carry. */
export function encodeHeader(input: HeaderInput): {
  header: Uint8Array;
  txId: string;
  signatureHeader: Uint8Array;
} {
  const creatorBytes = encodeSerializedIdentity(input.creator);
  const txId = computeTxId(input.nonce, creatorBytes);
  const seconds = Math.floor(input.timestamp / 1000);
  const nanos = (input.timestamp % 1000) * 1e6;
  const chaincodeId = encodeFields([[2, input.chaincode]]);
  const channelHeader = encodeFields([
    [1, ENDORSER_TRANSACTION],
    [
      3,
      encodeFields([
        [1, seconds],
        [2, nanos],
      ]),
    ],
    [4, input.channel],
    [5, txId],
    [7, encodeFields([[2, chaincodeId]])],
  ]);
  const signatureHeader = encodeFields([
    [1, creatorBytes],
    [2, input.nonce],
  ]);
  const header = encodeFields([
    [1, channelHeader],
    [2, signatureHeader],
  ]);
  return { header, txId, signatureHeader };
}
