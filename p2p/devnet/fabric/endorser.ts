/**
 * The devpeer's endorser, following Fabric's ProcessProposal: unpack and validate
 * the signed proposal (header type, epoch, nonce, creator, txid, signature, MSP),
 * reject duplicates of committed transactions, simulate on the chaincode, and sign
 * the proposal response payload. Results mirror Fabric's (ProposalResponse, error)
 * pair so the gateway layer maps them to the same gRPC codes a real gateway uses.
 */
import { createHash } from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import {
  computeTxId,
  decodeSerializedIdentity,
  ENDORSER_TRANSACTION,
  encodeSerializedIdentity,
} from '../../chains/fabric/header-codec.ts';
import type { FabricSigningIdentity } from '../../chains/fabric/identity.ts';
import { newMessageSigner } from '../../chains/fabric/node-signer.ts';
import type { ChaincodeHost } from './chaincode-host.ts';
import type { Ledger } from './ledger.ts';
import type { MspVerifier } from './msp-verifier.ts';
import type { SystemChaincode } from './qscc.ts';
import { TxSimulator } from './tx-simulator.ts';

/** An unpacked proposal, as Fabric's UnpackProposal produces it. */
export interface UnpackedProposal {
  signedProposal: peer.SignedProposal;
  header: common.Header;
  channelHeader: common.ChannelHeader;
  signatureHeader: common.SignatureHeader;
  chaincodeName: string;
  input: peer.ChaincodeInput;
  /** ChaincodeProposalPayload without its transient map, as it goes into the transaction. */
  payloadWithoutTransient: Uint8Array;
  hasTransientData: boolean;
  proposalHash: Uint8Array;
}

export interface EndorserResult {
  response: { status: number; message: string; payload?: Uint8Array };
  /** ProposalResponsePayload bytes (absent when Fabric leaves it out). */
  payload?: Uint8Array;
  endorsement?: peer.Endorsement;
  /** Set when Fabric's ProcessProposal also returns an error. */
  error?: string;
}

/** Fabric's UnpackProposal; throws with Fabric's messages. */
export function unpackProposal(signedProposal: peer.SignedProposal): UnpackedProposal {
  const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  const extension = peer.ChaincodeHeaderExtension.deserializeBinary(channelHeader.getExtension_asU8());
  const chaincodeId = extension.getChaincodeId();
  if (!chaincodeId) throw new Error('ChaincodeHeaderExtension.ChaincodeId is nil');
  if (!chaincodeId.getName()) throw new Error('ChaincodeHeaderExtension.ChaincodeId.Name is empty');
  const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  const spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8()).getChaincodeSpec();
  if (!spec) throw new Error('chaincode invocation spec did not contain chaincode spec');
  const input = spec.getInput();
  if (!input) throw new Error('chaincode input did not contain any input');
  const withoutTransient = new peer.ChaincodeProposalPayload();
  withoutTransient.setInput(payload.getInput_asU8());
  const payloadWithoutTransient = withoutTransient.serializeBinary();
  const proposalHash = createHash('sha256')
    .update(header.getChannelHeader_asU8())
    .update(header.getSignatureHeader_asU8())
    .update(payloadWithoutTransient)
    .digest();
  return {
    signedProposal,
    header,
    channelHeader,
    signatureHeader,
    chaincodeName: chaincodeId.getName(),
    input,
    payloadWithoutTransient,
    hasTransientData: payload.getTransientmapMap().getLength() > 0,
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
  readonly #sign: (message: Uint8Array) => Uint8Array;

  constructor(options: EndorserOptions) {
    this.#options = options;
    this.#peerCreator = encodeSerializedIdentity(options.peerIdentity);
    this.#sign = newMessageSigner(options.peerIdentity);
  }

  /** Takes the proposal already unpacked (the gateway unpacks it to route it) or unpacks it here. */
  async processProposal(proposal: peer.SignedProposal | UnpackedProposal): Promise<EndorserResult> {
    let up: UnpackedProposal;
    try {
      up = 'channelHeader' in proposal ? proposal : unpackProposal(proposal);
    } catch (error) {
      const message = (error as Error).message;
      return { response: { status: 500, message }, error: message };
    }
    const channel = up.channelHeader.getChannelId();
    const ledger = this.#options.channels.get(channel);
    if (!ledger) return { response: { status: 500, message: `channel '${channel}' not found` } };
    const invalid = this.#validate(up, ledger);
    if (invalid) {
      const message = `error validating proposal: ${invalid}`;
      return { response: { status: 500, message }, error: message };
    }
    const duplicate = this.#checkDuplicate(up, ledger);
    if (duplicate) return { response: { status: 500, message: duplicate }, error: duplicate };
    return this.#simulateAndEndorse(up, ledger);
  }

  /** Fabric's UnpackedProposal.Validate; returns the error message or null. */
  #validate(up: UnpackedProposal, ledger: Ledger): string | null {
    if (
      up.channelHeader.getType() !== ENDORSER_TRANSACTION &&
      up.channelHeader.getType() !== common.HeaderType.CONFIG
    ) {
      return `invalid header type ${up.channelHeader.getType()}`;
    }
    if (up.channelHeader.getEpoch() !== 0) return 'epoch is non-zero';
    const nonce = up.signatureHeader.getNonce_asU8();
    const creatorBytes = up.signatureHeader.getCreator_asU8();
    if (nonce.length === 0) return 'nonce is empty';
    if (creatorBytes.length === 0) return 'creator is empty';
    const expected = computeTxId(nonce, creatorBytes);
    if (up.channelHeader.getTxId() !== expected) {
      return `incorrectly computed txid '${up.channelHeader.getTxId()}' -- expected '${expected}'`;
    }
    if (up.signedProposal.getProposalBytes_asU8().length === 0) return 'empty proposal bytes';
    const signature = up.signedProposal.getSignature_asU8();
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
    if (!this.#options.msp.verify(identity, up.signedProposal.getProposalBytes_asU8(), signature)) {
      return `access denied: channel [${ledger.channel}] creator org [${identity.mspId}]`;
    }
    return null;
  }

  #checkDuplicate(up: UnpackedProposal, ledger: Ledger): string | null {
    const txId = up.channelHeader.getTxId();
    if (ledger.txLocation(txId)) {
      const creator = Buffer.from(up.signatureHeader.getCreator_asU8()).toString('hex');
      return `duplicate transaction found [${txId}]. Creator [${creator}]`;
    }
    return null;
  }

  async #simulateAndEndorse(up: UnpackedProposal, ledger: Ledger): Promise<EndorserResult> {
    const channel = ledger.channel;
    const txId = up.channelHeader.getTxId();
    const name = up.chaincodeName;
    const system = this.#options.systemChaincodes.get(name);
    const host = this.#options.chaincodes.get(name);
    if (!system && !host) {
      const message = `make sure the chaincode ${name} has been successfully defined on channel ${channel} and try again: chaincode definition for '${name}' exists, but chaincode is not installed`;
      return { response: { status: 500, message } };
    }
    const simulator = new TxSimulator(ledger, name);
    let response: { status: number; message: string; payload: Uint8Array };
    let event: peer.ChaincodeEvent | undefined;
    try {
      if (system) {
        response = system.invoke(
          up.input.getArgsList_asU8().map((a) => Buffer.from(a).toString()),
          up,
        );
      } else {
        const result = await (host as ChaincodeHost).execute(
          channel,
          txId,
          up.signedProposal,
          up.input.serializeBinary(),
          simulator,
        );
        response = result.response;
        event = result.event;
        // Like the peer's chaincode handler: the event is stamped with chaincode name and txid.
        event?.setChaincodeId(name);
        event?.setTxId(txId);
      }
    } catch (error) {
      const message = `error in simulation: ${(error as Error).message}`;
      return { response: { status: 500, message } };
    }
    const action = new peer.ChaincodeAction();
    action.setResults(simulator.readWriteSet());
    if (event) action.setEvents(event.serializeBinary());
    const chaincodeResponse = new peer.Response();
    chaincodeResponse.setStatus(response.status);
    chaincodeResponse.setMessage(response.message);
    chaincodeResponse.setPayload(response.payload);
    action.setResponse(chaincodeResponse);
    const chaincodeId = new peer.ChaincodeID();
    chaincodeId.setName(name);
    chaincodeId.setVersion(host?.version ?? 'syscc');
    action.setChaincodeId(chaincodeId);
    const responsePayload = new peer.ProposalResponsePayload();
    responsePayload.setProposalHash(up.proposalHash);
    responsePayload.setExtension$(action.serializeBinary());
    const prpBytes = responsePayload.serializeBinary();
    if (response.status >= 500) return { response, payload: prpBytes };
    if (response.status >= 400) return { response };
    const endorsement = new peer.Endorsement();
    endorsement.setEndorser(this.#peerCreator);
    const signed = Buffer.concat([prpBytes, this.#peerCreator]);
    const signature = this.#sign(signed);
    endorsement.setSignature(signature);
    this.#options.msp.recordOwnSignature(this.#options.peerIdentity.certificate, signed, signature);
    return { response, payload: prpBytes, endorsement };
  }
}
