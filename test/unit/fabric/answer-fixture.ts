/**
 * Endorsed answers to a wallet's proposal, as the Gateway's Endorse returns them (a prepared
 * common.Envelope carrying a peer.Transaction, unsigned): for qscc GetBlockByTxID (the block as
 * the response payload) and for a chaincode read. Switches make each part lie.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeChannelHeader } from '../../../p2p/chains/fabric/header-codec.ts';
import { buildProposal, encodeSignedProposal } from '../../../p2p/chains/fabric/proposal-codec.ts';
import {
  bytesField,
  decodeFields,
  encodeFields,
  messageField,
} from '../../../p2p/chains/fabric/protobuf-wire.ts';
import { CHANNEL, concat, flipLastByte, sign, type TestIdentity } from './evidence-fixture.ts';

let nonces = 0;

/** A signed proposal by `creator` (the wallet). */
export function proposal(
  creator: TestIdentity,
  chaincode: string,
  fn: string,
  args: string[],
  channel = CHANNEL,
): Uint8Array {
  const nonce = sha256(new TextEncoder().encode(`proposal ${nonces++}`)).subarray(0, 24);
  const { proposalBytes } = buildProposal({
    channel,
    chaincode,
    fn,
    args,
    creator: { mspId: creator.mspId, certificate: creator.certificate },
    nonce,
    timestamp: 1_700_000_000_000,
  });
  return encodeSignedProposal(proposalBytes, sign(creator, proposalBytes));
}

export function qsccProposal(creator: TestIdentity, txId: string): Uint8Array {
  return proposal(creator, 'qscc', 'GetBlockByTxID', [CHANNEL, txId]);
}

export interface AnswerInput {
  /** The signed proposal answered. */
  signed: Uint8Array;
  endorsers: TestIdentity[];
  status?: number;
  payload: Uint8Array;
  /** Lies. */
  hashOf?: Uint8Array;
  flipEndorsement?: number;
  chaincode?: string;
  /** The envelope carries this signed proposal's header, or its invocation, instead of `signed`'s. */
  headerOf?: Uint8Array;
  payloadOf?: Uint8Array;
}

/** The prepared envelope for `signed`, endorsed by `endorsers`; `hashOf` binds it to another proposal. */
export function endorsedAnswer(input: AnswerInput): Uint8Array {
  const fieldsOf = (signed: Uint8Array) => decodeFields(bytesField(decodeFields(signed), 1));
  const fields = fieldsOf(input.signed);
  const headerBytes = bytesField(input.headerOf ? fieldsOf(input.headerOf) : fields, 1);
  const header = decodeFields(headerBytes);
  const channelHeaderBytes = bytesField(header, 1);
  const signatureHeaderBytes = bytesField(header, 2);
  const carried = input.payloadOf ? fieldsOf(input.payloadOf) : fields;
  const payloadForTx = encodeFields([[1, bytesField(decodeFields(bytesField(carried, 2)), 1)]]);
  const hashSource = input.hashOf ? fieldsOf(input.hashOf) : fields;
  const hashHeader = decodeFields(bytesField(hashSource, 1));
  const proposalHash = sha256(
    concat(
      bytesField(hashHeader, 1),
      bytesField(hashHeader, 2),
      encodeFields([[1, bytesField(decodeFields(bytesField(hashSource, 2)), 1)]]),
    ),
  );
  const chaincode = input.chaincode ?? decodeChannelHeader(channelHeaderBytes).chaincode;
  const response = encodeFields([
    [1, input.status ?? 200],
    [3, input.payload],
  ]);
  const chaincodeAction = encodeFields([
    [1, new Uint8Array(0)],
    [3, response],
    [4, encodeFields([[2, chaincode]])],
  ]);
  const responsePayload = encodeFields([
    [1, proposalHash],
    [2, chaincodeAction],
  ]);
  const endorsements = input.endorsers.map((endorser, index) => {
    let signature = sign(endorser, concat(responsePayload, endorser.serialized));
    if (input.flipEndorsement === index) signature = flipLastByte(signature);
    return encodeFields([
      [1, endorser.serialized],
      [2, signature],
    ]);
  });
  const actionPayload = encodeFields([
    [1, payloadForTx],
    [
      2,
      encodeFields([
        [1, responsePayload],
        ...endorsements.map((e) => [2, e, 'repeated'] as [number, Uint8Array, 'repeated']),
      ]),
    ],
  ]);
  const transaction = encodeFields([
    [
      1,
      encodeFields([
        [1, signatureHeaderBytes],
        [2, actionPayload],
      ]),
      'repeated',
    ],
  ]);
  const payload = encodeFields([
    [1, headerBytes],
    [2, transaction],
  ]);
  return encodeFields([[1, payload]]);
}

/** An envelope's tx id. */
export function txIdOf(envelope: Uint8Array): string {
  const payload = decodeFields(bytesField(decodeFields(envelope), 1));
  return decodeChannelHeader(bytesField(messageField(payload, 1), 1)).txId;
}
