/**
 * The devpeer's endorser, following Fabric's ProcessProposal: unpack and validate
 * the signed proposal (header type, epoch, nonce, creator, txid, signature, MSP),
 * reject duplicates of committed transactions, simulate on the chaincode, and sign
 * the proposal response payload. Results mirror Fabric's (ProposalResponse, error)
 * pair so the gateway layer maps them to the same gRPC codes a real gateway uses.
 */
import { createHash } from 'node:crypto';
import { common } from '@hyperledger/fabric-protos';
import { decodeChaincodeEvent } from '../../chains/fabric/envelope-codec.ts';
import {
  decodeSerializedIdentity,
  ENDORSER_TRANSACTION,
  encodeSerializedIdentity,
} from '../../chains/fabric/header-codec.ts';
import type { FabricSigningIdentity } from '../../chains/fabric/identity.ts';
import {
  bytesField,
  decodeFields,
  encodeFields,
  type ProtoFields,
  repeatedBytes,
  stringField,
  varintField,
} from '../../chains/fabric/protobuf-wire.ts';
import { newAsyncMessageSigner } from './async-signer.ts';
import type { ChaincodeHost } from './chaincode-host.ts';
import { type ChaincodeResponse, encodeResponse } from './gateway-codec.ts';
import type { Ledger } from './ledger.ts';
import type { MspVerifier } from './msp-verifier.ts';
import { txIdOf } from './node-hash.ts';
import type { SystemChaincode } from './qscc.ts';
import { TxSimulator } from './tx-simulator.ts';

/** The channel header fields the endorser and gateway look at. */
export interface UnpackedChannelHeader {
  type: number;
  channelId: string;
  txId: string;
  epoch: bigint;
}

/**
 * An unpacked proposal, as Fabric's UnpackProposal produces it; byte fields are
 * views into the signed proposal as received, so nothing is serialized again.
 */
export interface UnpackedProposal {
  /** peer.SignedProposal bytes (what the chaincode receives in its TRANSACTION message). */
  signedProposal: Uint8Array;
  proposalBytes: Uint8Array;
  signature: Uint8Array;
  /** common.Header bytes, as they go into the transaction payload. */
  headerBytes: Uint8Array;
  channelHeaderBytes: Uint8Array;
  signatureHeaderBytes: Uint8Array;
  channelHeader: UnpackedChannelHeader;
  creatorBytes: Uint8Array;
  nonce: Uint8Array;
  chaincodeName: string;
  /** peer.ChaincodeInput bytes, what the chaincode is invoked with. */
  input: Uint8Array;
  args: Uint8Array[];
  /** ChaincodeProposalPayload without its transient map, as it goes into the transaction. */
  payloadWithoutTransient: Uint8Array;
  hasTransientData: boolean;
  proposalHash: Uint8Array;
}

export interface EndorserResult {
  response: { status: number; message: string; payload?: Uint8Array };
  /** ProposalResponsePayload bytes (absent when Fabric leaves it out). */
  payload?: Uint8Array;
  /** peer.Endorsement bytes { endorser = 1, signature = 2 }. */
  endorsement?: Uint8Array;
  /** Set when Fabric's ProcessProposal also returns an error. */
  error?: string;
}

/** proto.Unmarshal with Fabric's wrapping of the error. */
function unmarshal(bytes: Uint8Array, what: string): ProtoFields {
  try {
    return decodeFields(bytes);
  } catch (error) {
    throw new Error(`could not unmarshal ${what}: ${(error as Error).message}`);
  }
}

/**
 * proto.Unmarshal of a message with string fields, which proto3 requires to be UTF-8: Go refuses
 * the whole message otherwise.
 */
function unmarshalWithStrings(bytes: Uint8Array, what: string, strings: number[]): ProtoFields {
  const fields = unmarshal(bytes, what);
  try {
    for (const field of strings) stringField(fields, field);
  } catch (error) {
    throw new Error(`could not unmarshal ${what}: ${(error as Error).message}`);
  }
  return fields;
}

/** Each entry of a `map<string, bytes>` field, as Go decodes them: a message with a UTF-8 key. */
function unmarshalMap(fields: ProtoFields, field: number, what: string): void {
  for (const entry of repeatedBytes(fields, field)) unmarshalWithStrings(entry, what, [1]);
}

/** peer.ChaincodeID { path = 1, name = 2, version = 3 }. */
const CHAINCODE_ID_STRINGS = [1, 2, 3];

/**
 * Fabric's UnpackProposal (core/endorser/msgvalidation.go); throws with Fabric's messages. Nested
 * messages are decoded as Go decodes them, eagerly, so what a peer refuses never reaches the
 * chaincode (whose shim would crash on it instead).
 */
export function unpackProposal(signedProposal: Uint8Array): UnpackedProposal {
  const signed = unmarshal(signedProposal, 'signed proposal');
  const proposalBytes = bytesField(signed, 1);
  const proposal = unmarshal(proposalBytes, 'proposal bytes');
  const headerBytes = bytesField(proposal, 1);
  const header = unmarshal(headerBytes, 'header');
  const channelHeaderBytes = bytesField(header, 1);
  const signatureHeaderBytes = bytesField(header, 2);
  const channelHeader = unmarshal(channelHeaderBytes, 'channel header');
  if (channelHeader.has(3)) unmarshal(bytesField(channelHeader, 3), 'channel header timestamp');
  const signatureHeader = unmarshal(signatureHeaderBytes, 'signature header');
  const extension = unmarshal(bytesField(channelHeader, 7), 'header extension');
  if (!extension.has(2)) throw new Error('ChaincodeHeaderExtension.ChaincodeId is nil');
  const chaincodeName = stringField(
    unmarshalWithStrings(bytesField(extension, 2), 'chaincode id', CHAINCODE_ID_STRINGS),
    2,
  );
  if (!chaincodeName) throw new Error('ChaincodeHeaderExtension.ChaincodeId.Name is empty');
  const payload = unmarshal(bytesField(proposal, 2), 'chaincode proposal payload');
  unmarshalMap(payload, 2, 'transient map entry');
  const inputBytes = bytesField(payload, 1);
  const invocationSpec = unmarshal(inputBytes, 'chaincode invocation spec');
  if (!invocationSpec.has(1)) throw new Error('chaincode invocation spec did not contain chaincode spec');
  const spec = unmarshal(bytesField(invocationSpec, 1), 'chaincode spec');
  if (spec.has(2)) unmarshalWithStrings(bytesField(spec, 2), 'chaincode spec id', CHAINCODE_ID_STRINGS);
  if (!spec.has(3)) throw new Error('chaincode input did not contain any input');
  const input = bytesField(spec, 3);
  const chaincodeInput = unmarshal(input, 'chaincode input');
  unmarshalMap(chaincodeInput, 2, 'chaincode input decoration');
  const args = repeatedBytes(chaincodeInput, 1);
  // ChaincodeProposalPayload { input = 1, transient_map = 2 } without the transient map.
  const payloadWithoutTransient = encodeFields([[1, inputBytes]]);
  const proposalHash = createHash('sha256')
    .update(channelHeaderBytes)
    .update(signatureHeaderBytes)
    .update(payloadWithoutTransient)
    .digest();
  return {
    signedProposal,
    proposalBytes,
    signature: bytesField(signed, 2),
    headerBytes,
    channelHeaderBytes,
    signatureHeaderBytes,
    channelHeader: {
      type: Number(BigInt.asIntN(32, varintField(channelHeader, 1))),
      channelId: stringField(channelHeader, 4),
      txId: stringField(channelHeader, 5),
      epoch: varintField(channelHeader, 6),
    },
    creatorBytes: bytesField(signatureHeader, 1),
    nonce: bytesField(signatureHeader, 2),
    chaincodeName,
    input,
    args,
    payloadWithoutTransient,
    hasTransientData: payload.has(2),
    proposalHash,
  };
}

export interface EndorserOptions {
  channels: Map<string, Ledger>;
  chaincodes: Map<string, ChaincodeHost>;
  systemChaincodes: Map<string, SystemChaincode>;
  msp: MspVerifier;
  peerIdentity: FabricSigningIdentity;
}

export class Endorser {
  readonly #options: EndorserOptions;
  readonly #peerCreator: Uint8Array;
  readonly #sign: (message: Uint8Array) => Promise<Uint8Array>;

  constructor(options: EndorserOptions) {
    this.#options = options;
    this.#peerCreator = encodeSerializedIdentity(options.peerIdentity);
    this.#sign = newAsyncMessageSigner(options.peerIdentity);
  }

  /** Takes the proposal already unpacked (the gateway unpacks it to route it) or SignedProposal bytes. */
  async processProposal(proposal: Uint8Array | UnpackedProposal): Promise<EndorserResult> {
    let up: UnpackedProposal;
    try {
      up = proposal instanceof Uint8Array ? unpackProposal(proposal) : proposal;
    } catch (error) {
      const message = (error as Error).message;
      return { response: { status: 500, message }, error: message };
    }
    const channel = up.channelHeader.channelId;
    const ledger = this.#options.channels.get(channel);
    if (!ledger) return { response: { status: 500, message: `channel '${channel}' not found` } };
    const invalid = await this.#validate(up, ledger);
    if (invalid) {
      const message = `error validating proposal: ${invalid}`;
      return { response: { status: 500, message }, error: message };
    }
    const duplicate = this.#checkDuplicate(up, ledger);
    if (duplicate) return { response: { status: 500, message: duplicate }, error: duplicate };
    return this.#simulateAndEndorse(up, ledger);
  }

  /** Fabric's UnpackedProposal.Validate; returns the error message or null. */
  async #validate(up: UnpackedProposal, ledger: Ledger): Promise<string | null> {
    const { type, epoch, txId } = up.channelHeader;
    if (type !== ENDORSER_TRANSACTION && type !== common.HeaderType.CONFIG) {
      return `invalid header type ${type}`;
    }
    if (epoch !== 0n) return 'epoch is non-zero';
    const { nonce, creatorBytes } = up;
    if (nonce.length === 0) return 'nonce is empty';
    if (creatorBytes.length === 0) return 'creator is empty';
    const expected = txIdOf(nonce, creatorBytes);
    if (txId !== expected) {
      return `incorrectly computed txid '${txId}' -- expected '${expected}'`;
    }
    if (up.proposalBytes.length === 0) return 'empty proposal bytes';
    const signature = up.signature;
    if (signature.length === 0) return 'empty signature bytes';
    const identity = this.#options.msp.deserialize(creatorBytes);
    if (!identity) {
      let mspId = '';
      try {
        mspId = decodeSerializedIdentity(creatorBytes).mspId;
      } catch {
        mspId = '';
      }
      // Fabric names the org only when its MSP can deserialize the creator.
      return mspId === this.#options.msp.mspId
        ? `access denied: channel [${ledger.channel}] creator org [${mspId}]`
        : `access denied: channel [${ledger.channel}] creator org unknown, creator is malformed`;
    }
    // Remembered: the other organisation's peer checks the same proposal.
    if (!(await this.#options.msp.verifyAsync(identity, up.proposalBytes, signature, true))) {
      return `access denied: channel [${ledger.channel}] creator org [${identity.mspId}]`;
    }
    return null;
  }

  #checkDuplicate(up: UnpackedProposal, ledger: Ledger): string | null {
    const txId = up.channelHeader.txId;
    if (ledger.txLocation(txId)) {
      const creator = Buffer.from(up.creatorBytes).toString('hex');
      return `duplicate transaction found [${txId}]. Creator [${creator}]`;
    }
    return null;
  }

  async #simulateAndEndorse(up: UnpackedProposal, ledger: Ledger): Promise<EndorserResult> {
    const channel = ledger.channel;
    const txId = up.channelHeader.txId;
    const name = up.chaincodeName;
    const system = this.#options.systemChaincodes.get(name);
    const host = this.#options.chaincodes.get(name);
    if (!system && !host) {
      const message = `make sure the chaincode ${name} has been successfully defined on channel ${channel} and try again: chaincode definition for '${name}' exists, but chaincode is not installed`;
      return { response: { status: 500, message } };
    }
    const simulator = new TxSimulator(ledger, name);
    let response: ChaincodeResponse;
    let event: Uint8Array | undefined;
    try {
      if (system) {
        response = system.invoke(
          up.args.map((a) => Buffer.from(a).toString()),
          up,
        );
      } else {
        const result = await (host as ChaincodeHost).execute(
          channel,
          txId,
          up.signedProposal,
          up.input,
          simulator,
        );
        response = result.response;
        if (result.event) {
          // Like the peer's chaincode handler: the event is stamped with chaincode name and txid.
          const { name: eventName, payload } = decodeChaincodeEvent(result.event);
          event = encodeFields([
            [1, name],
            [2, txId],
            [3, eventName],
            [4, payload],
          ]);
        }
      }
    } catch (error) {
      const message = `error in simulation: ${(error as Error).message}`;
      return { response: { status: 500, message } };
    }
    // ChaincodeAction { results = 1, events = 2, response = 3, chaincode_id = 4 (ChaincodeID { name = 2, version = 3 }) }
    const action = encodeFields([
      [1, simulator.readWriteSet()],
      [2, event],
      [3, encodeResponse(response), 'repeated'],
      [
        4,
        encodeFields([
          [2, name],
          [3, host?.version ?? 'syscc'],
        ]),
        'repeated',
      ],
    ]);
    // ProposalResponsePayload { proposal_hash = 1, extension = 2 }
    const prpBytes = encodeFields([
      [1, up.proposalHash],
      [2, action],
    ]);
    if (response.status >= 500) return { response, payload: prpBytes };
    if (response.status >= 400) return { response };
    const signed = Buffer.concat([prpBytes, this.#peerCreator]);
    const signature = await this.#sign(signed);
    const self = this.#options.msp.deserialize(this.#peerCreator);
    if (self) this.#options.msp.recordOwnSignature(self, [prpBytes, this.#peerCreator], signature);
    // Endorsement { endorser = 1, signature = 2 }
    const endorsement = encodeFields([
      [1, this.#peerCreator],
      [2, signature],
    ]);
    return { response, payload: prpBytes, endorsement };
  }
}
