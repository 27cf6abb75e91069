/**
 * `ChainConnector` for Hyperledger Fabric 2.x through the peer's Gateway service,
 * with the official @hyperledger/fabric-gateway client over grpc-js.
 *
 * Writes use offline signing: the wallet signs the proposal (`prepare`), the router
 * endorses it and returns the prepared envelope, the wallet signs that envelope,
 * and `submit` relays it and waits for the commit status. The user's key never
 * reaches the router. The router's own identity signs only what is the router's
 * business: commit status and event requests, qscc queries and unsigned reads.
 */
import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway, type Network, type Status } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, msp, peer } from '@hyperledger/fabric-protos';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { EndorsementRequirement, FabricChainProfile } from '../chain-profile.ts';
import type {
  CallRequest,
  CallResult,
  ChainBlock,
  ChainConnector,
  ChainInfo,
  ChainRef,
  ChainTransaction,
  Hex,
  PreparedTransaction,
  PrepareRequest,
  ResourceDescription,
  ResourceEventRecord,
  ResourceMethod,
  SubmitRequest,
  TransactionReceipt,
} from '../connector.ts';
import { InvalidArgumentsError, UnknownResourceError } from '../errors.ts';
import { decodeBlock, LAST_CONFIG, SIGNATURES } from './block-file.ts';
import { blockHeaderHash } from './block-hash.ts';
import { chaincodeEvent, decodeChaincodeResult } from './chaincode-result.ts';
import { readChannelConfig } from './channel-config.ts';
import { pemToDer } from './der.ts';
import { decodeEnvelope } from './envelope-codec.ts';
import { FabricCommitError, FabricRejectedError, toFabricError } from './errors.ts';
import type { FabricSigningIdentity } from './identity.ts';
import { newGatewaySigning } from './node-signer.ts';
import { fromHex, toHex } from './offline-signing.ts';
import { decodeProposal, decodeSignedProposal } from './proposal-codec.ts';
import { bytesField, decodeFields, messageField, ProtobufDecodeError, varintField } from './protobuf-wire.ts';
import { validationCodeName } from './validation-codes.ts';

export interface FabricResourceConfig {
  /** Bare resource name; its path is `zone.chain.name`. */
  name: string;
  chaincode: string;
  /** Contract name inside a multi-contract chaincode; functions become `contract:fn`. */
  contract?: string;
  methods?: ResourceMethod[];
  /** Contract metadata (`org.hyperledger.fabric:GetMetadata`), when known. */
  abi?: unknown;
  /**
   * The chaincode definition's endorsement policy, as the operator states it; without it the
   * profile says Fabric's default (a majority of the channel's application organisations).
   */
  endorsement?: EndorsementRequirement;
}

export interface FabricConnectorOptions {
  /** Gateway endpoint `host:port` of the peer; or pass `client`. */
  endpoint?: string;
  /** PEM root certificate for TLS; plain TCP when absent (loopback devnets only). */
  tlsRootCertificate?: string;
  /** TLS host name override (`grpc.ssl_target_name_override`). */
  tlsHostOverride?: string;
  /** An existing grpc-js client to the Gateway (the connector will not close it). */
  client?: grpc.Client;
  channel: string;
  zone: string;
  chainName: string;
  /** The router's own identity: signs commit status, events, qscc and unsigned reads. */
  routerIdentity: FabricSigningIdentity;
  resources: FabricResourceConfig[];
  /** Deadline for Evaluate / Endorse / Submit. */
  callTimeoutMs?: number;
  /** How long `submit` waits for the commit status. */
  commitTimeoutMs?: number;
}

interface Resource {
  description: ResourceDescription;
  config: FabricResourceConfig;
}

function argToString(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'bigint') return arg.toString();
  return JSON.stringify(arg);
}

export class FabricConnector implements ChainConnector {
  readonly chain: Extract<ChainRef, { type: 'fabric' }>;
  readonly gateway: Gateway;
  readonly network: Network;
  readonly #client: grpc.Client;
  readonly #ownsClient: boolean;
  readonly #resources = new Map<string, Resource>();
  readonly #prefix: string;
  readonly #callTimeoutMs: number;
  readonly #commitTimeoutMs: number;
  readonly #router: FabricSigningIdentity;

  constructor(options: FabricConnectorOptions) {
    this.chain = { type: 'fabric', channel: options.channel, mspId: options.routerIdentity.mspId };
    this.#prefix = `${options.zone}.${options.chainName}.`;
    this.#callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.#commitTimeoutMs = options.commitTimeoutMs ?? 60_000;
    this.#router = options.routerIdentity;
    if (options.client) {
      this.#client = options.client;
      this.#ownsClient = false;
    } else {
      if (!options.endpoint) throw new Error('FabricConnector needs an endpoint or a client');
      const credentials = options.tlsRootCertificate
        ? grpc.credentials.createSsl(Buffer.from(options.tlsRootCertificate))
        : grpc.credentials.createInsecure();
      const channelOptions = options.tlsHostOverride
        ? { 'grpc.ssl_target_name_override': options.tlsHostOverride }
        : {};
      this.#client = new grpc.Client(options.endpoint, credentials, channelOptions);
      this.#ownsClient = true;
    }
    this.gateway = connect({
      client: this.#client,
      identity: {
        mspId: options.routerIdentity.mspId,
        credentials: new TextEncoder().encode(options.routerIdentity.certificate),
      },
      // node:crypto signing (hash done by the signer): the router signs one commit status request per write.
      ...newGatewaySigning(options.routerIdentity),
      evaluateOptions: () => ({ deadline: Date.now() + this.#callTimeoutMs }),
      endorseOptions: () => ({ deadline: Date.now() + this.#callTimeoutMs }),
      submitOptions: () => ({ deadline: Date.now() + this.#callTimeoutMs }),
      commitStatusOptions: () => ({ deadline: Date.now() + this.#commitTimeoutMs }),
    });
    this.network = this.gateway.getNetwork(options.channel);
    for (const resource of options.resources) this.addResource(resource);
  }

  addResource(config: FabricResourceConfig): ResourceDescription {
    const description: ResourceDescription = {
      path: `${this.#prefix}${config.name}`,
      chain: this.chain,
      address: config.chaincode,
      methods: config.methods ?? [],
      ...(config.abi !== undefined ? { abi: config.abi } : {}),
    };
    this.#resources.set(config.name, { description, config });
    return description;
  }

  resources(): ResourceDescription[] {
    return [...this.#resources.values()].map((r) => r.description);
  }

  #resource(name: string): Resource {
    const bare = name.startsWith(this.#prefix) ? name.slice(this.#prefix.length) : name;
    const resource = this.#resources.get(bare);
    if (!resource) throw new UnknownResourceError(name);
    return resource;
  }

  describe(resource: string): ResourceDescription {
    return this.#resource(resource).description;
  }

  #functionName(resource: Resource, method: string): string {
    return resource.config.contract ? `${resource.config.contract}:${method}` : method;
  }

  /** Checks a wallet-signed proposal targets this channel, the resource's chaincode and `method`. */
  #checkProposal(resource: Resource, signedHex: string, method?: string) {
    let signed: ReturnType<typeof decodeSignedProposal>;
    let proposal: ReturnType<typeof decodeProposal>;
    try {
      signed = decodeSignedProposal(fromHex(signedHex));
      proposal = decodeProposal(signed.proposalBytes);
    } catch (error) {
      throw new FabricRejectedError({
        grpcCode: 3,
        grpcStatus: 'INVALID_ARGUMENT',
        grpcMessage: `malformed signed proposal: ${(error as Error).message}`,
        errorDetails: [],
        method: 'Proposal',
      });
    }
    const mismatch =
      proposal.channel !== this.chain.channel
        ? `channel ${proposal.channel}`
        : proposal.chaincode !== resource.config.chaincode
          ? `chaincode ${proposal.chaincode}`
          : method !== undefined && proposal.fn !== this.#functionName(resource, method)
            ? `function ${proposal.fn}`
            : null;
    if (mismatch) {
      throw new FabricRejectedError({
        grpcCode: 3,
        grpcStatus: 'INVALID_ARGUMENT',
        grpcMessage: `signed proposal is for ${mismatch}, not ${resource.description.path}${method ? `.${method}` : ''}`,
        errorDetails: [],
        method: 'Proposal',
        txId: proposal.txId,
      });
    }
    return { signed, proposal };
  }

  /** gateway.ProposedTransaction bytes for `newSignedProposal`, from the chain-native SignedProposal. */
  #proposedTransaction(proposalBytes: Uint8Array, txId: string): Uint8Array {
    const signedProposal = new peer.SignedProposal();
    signedProposal.setProposalBytes(proposalBytes);
    const proposed = new gatewayProtos.ProposedTransaction();
    proposed.setTransactionId(txId);
    proposed.setProposal(signedProposal);
    return proposed.serializeBinary();
  }

  async info(): Promise<ChainInfo> {
    return { chain: this.chain, blockNumber: await this.blockNumber(), client: 'fabric-gateway' };
  }

  async call(request: CallRequest): Promise<CallResult> {
    const resource = this.#resource(request.resource);
    let payload: Uint8Array;
    let txId: string | undefined;
    try {
      if (request.signed) {
        const { signed, proposal } = this.#checkProposal(resource, request.signed, request.method);
        txId = proposal.txId;
        const bytes = this.#proposedTransaction(signed.proposalBytes, proposal.txId);
        payload = await this.gateway.newSignedProposal(bytes, signed.signature).evaluate();
      } else {
        // Unsigned reads run under the router's identity.
        const contract = this.network.getContract(resource.config.chaincode, resource.config.contract);
        payload = await contract.evaluate(request.method, { arguments: request.args.map(argToString) });
      }
    } catch (error) {
      throw toFabricError(error, 'Evaluate', txId);
    }
    return { values: [decodeChaincodeResult(payload)], raw: toHex(payload) };
  }

  async prepare(request: PrepareRequest): Promise<PreparedTransaction> {
    const resource = this.#resource(request.resource);
    const { signed, proposal } = this.#checkProposal(resource, request.signed);
    try {
      const bytes = this.#proposedTransaction(signed.proposalBytes, proposal.txId);
      const transaction = await this.gateway.newSignedProposal(bytes, signed.signature).endorse();
      const prepared = gatewayProtos.PreparedTransaction.deserializeBinary(transaction.getBytes());
      const envelope = prepared.getEnvelope();
      if (!envelope) throw new Error('Endorse returned no envelope');
      return {
        unsigned: toHex(envelope.serializeBinary()),
        // Not transaction.getDigest(): the router's gateway hashes inside its signer (hash = identity).
        digest: toHex(sha256(envelope.getPayload_asU8())),
        txId: transaction.getTransactionId(),
      };
    } catch (error) {
      throw toFabricError(error, 'Endorse', proposal.txId);
    }
  }

  async submit(request: SubmitRequest): Promise<TransactionReceipt> {
    const resource = this.#resource(request.resource);
    const envelopeBytes = fromHex(request.signed);
    let decoded: ReturnType<typeof decodeEnvelope>;
    try {
      decoded = decodeEnvelope(envelopeBytes);
    } catch (error) {
      throw new FabricRejectedError({
        grpcCode: 3,
        grpcStatus: 'INVALID_ARGUMENT',
        grpcMessage: `malformed transaction envelope: ${(error as Error).message}`,
        errorDetails: [],
        method: 'Submit',
      });
    }
    if (decoded.channel !== this.chain.channel || decoded.chaincode !== resource.config.chaincode) {
      throw new FabricRejectedError({
        grpcCode: 3,
        grpcStatus: 'INVALID_ARGUMENT',
        grpcMessage: `transaction is for ${decoded.channel}/${decoded.chaincode}, not ${resource.description.path}`,
        errorDetails: [],
        method: 'Submit',
        txId: decoded.txId,
      });
    }
    const unsignedEnvelope = new common.Envelope();
    unsignedEnvelope.setPayload(decoded.payloadBytes);
    const prepared = new gatewayProtos.PreparedTransaction();
    prepared.setTransactionId(decoded.txId);
    prepared.setEnvelope(unsignedEnvelope);
    let status: Status;
    try {
      const transaction = this.gateway.newSignedTransaction(prepared.serializeBinary(), decoded.signature);
      const submitted = await transaction.submit();
      const timeoutMs = request.timeoutMs ?? this.#commitTimeoutMs;
      status = await submitted.getStatus({ deadline: Date.now() + timeoutMs });
    } catch (error) {
      throw toFabricError(error, 'Submit', decoded.txId);
    }
    if (!status.successful) throw new FabricCommitError(status.code, decoded.txId, status.blockNumber);
    return {
      txId: decoded.txId,
      blockNumber: status.blockNumber,
      status: 'success',
      chainStatus: validationCodeName(status.code),
      output: toHex(decoded.response.payload),
      events: decoded.event ? [chaincodeEvent(decoded.event)] : [],
    };
  }

  /**
   * A write endorsed and signed by the router's own identity. Only for what is the router's own
   * business (finishing a transaction whose secret is already public, docs/ttm.md): a user's
   * writes always arrive signed by the user (`prepare`, `submit`).
   */
  async submitAsRouter(request: {
    resource: string;
    method: string;
    args: unknown[];
    timeoutMs?: number;
  }): Promise<TransactionReceipt> {
    const resource = this.#resource(request.resource);
    const contract = this.network.getContract(resource.config.chaincode, resource.config.contract);
    let txId: string | undefined;
    let status: Status;
    let output: Uint8Array;
    try {
      const submitted = await contract.submitAsync(request.method, {
        arguments: request.args.map(argToString),
      });
      txId = submitted.getTransactionId();
      output = submitted.getResult();
      status = await submitted.getStatus({
        deadline: Date.now() + (request.timeoutMs ?? this.#commitTimeoutMs),
      });
    } catch (error) {
      throw toFabricError(error, 'Submit', txId);
    }
    if (!status.successful)
      throw new FabricCommitError(status.code, status.transactionId, status.blockNumber);
    return {
      txId: status.transactionId,
      blockNumber: status.blockNumber,
      status: 'success',
      chainStatus: validationCodeName(status.code),
      output: toHex(output),
      events: [],
    };
  }

  /** Chaincode events of a resource from `startBlock` (default: next block), read as the router. */
  async *events(
    resource: string,
    options: { startBlock?: bigint; afterTxId?: string; signal?: AbortSignal } = {},
  ): AsyncGenerator<ResourceEventRecord> {
    const { config } = this.#resource(resource);
    const events = await this.network.getChaincodeEvents(config.chaincode, {
      ...(options.startBlock !== undefined ? { startBlock: options.startBlock } : {}),
      ...(options.afterTxId ? { afterTransactionId: options.afterTxId } : {}),
    });
    const onAbort = () => events.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const event of events) {
        yield {
          ...chaincodeEvent({
            chaincode: event.chaincodeName,
            name: event.eventName,
            payload: event.payload,
          }),
          blockNumber: event.blockNumber,
          txId: event.transactionId,
        };
      }
    } catch (error) {
      if (options.signal?.aborted) return;
      throw toFabricError(error, 'ChaincodeEvents');
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      events.close();
    }
  }

  async #qscc(fn: string, ...args: string[]): Promise<Uint8Array> {
    try {
      return await this.network.getContract('qscc').evaluateTransaction(fn, this.chain.channel, ...args);
    } catch (error) {
      throw toFabricError(error, 'Evaluate');
    }
  }

  async blockNumber(): Promise<bigint> {
    const info = common.BlockchainInfo.deserializeBinary(await this.#qscc('GetChainInfo'));
    return BigInt(info.getHeight()) - 1n;
  }

  async getBlock(number: bigint): Promise<ChainBlock | null> {
    let bytes: Uint8Array;
    try {
      bytes = await this.#qscc('GetBlockByNumber', number.toString());
    } catch (error) {
      if (
        error instanceof FabricRejectedError ||
        /Failed to get block number/.test((error as Error).message)
      ) {
        return null;
      }
      throw error;
    }
    const block = common.Block.deserializeBinary(bytes);
    const header = block.getHeader();
    const previousHash = header?.getPreviousHash_asU8() ?? new Uint8Array(0);
    const dataHash = header?.getDataHash_asU8() ?? new Uint8Array(0);
    const blockNum = BigInt(header?.getNumber() ?? 0);
    const filter = block.getMetadata()?.getMetadataList_asU8()[2] ?? new Uint8Array(0);
    const transactions = (block.getData()?.getDataList_asU8() ?? []).map((envelope, index) => {
      try {
        const tx = decodeEnvelope(envelope);
        return {
          txId: tx.txId,
          timestamp: tx.timestamp,
          validationCode: validationCodeName(filter[index] ?? 255),
        };
      } catch {
        return { txId: '', timestamp: 0, validationCode: validationCodeName(filter[index] ?? 255) };
      }
    });
    return {
      number: blockNum,
      hash: toHex(blockHeaderHash(blockNum, previousHash, dataHash)),
      parentHash: toHex(previousHash),
      timestamp: Math.max(0, ...transactions.map((t) => t.timestamp)),
      txIds: transactions.map((t) => t.txId).filter((id) => id !== ''),
      raw: { dataHash: toHex(dataHash), transactions },
    };
  }

  async getTransaction(txId: string): Promise<ChainTransaction | null> {
    let bytes: Uint8Array;
    try {
      bytes = await this.#qscc('GetTransactionByID', txId);
    } catch (error) {
      if (/no such transaction ID/.test(JSON.stringify((error as FabricRejectedError).details ?? {})))
        return null;
      if (error instanceof FabricRejectedError) return null;
      throw error;
    }
    const processed = peer.ProcessedTransaction.deserializeBinary(bytes);
    const envelope = processed.getTransactionenvelope()?.serializeBinary() ?? new Uint8Array(0);
    const tx = decodeEnvelope(envelope);
    const blockNumber = await this.#commitBlock(txId);
    return {
      txId,
      blockNumber,
      from: `${tx.creator.mspId}:${bytesToHex(sha256(pemToDer(tx.creator.certificate)))}`,
      to: tx.chaincode,
      input: toHex(
        new TextEncoder().encode(JSON.stringify([tx.fn, ...tx.args.map((a) => new TextDecoder().decode(a))])),
      ),
      raw: {
        validationCode: validationCodeName(processed.getValidationcode()),
        channel: tx.channel,
        chaincode: tx.chaincode,
        fn: tx.fn,
        timestamp: tx.timestamp,
      },
    };
  }

  /** Block number of a committed transaction, from CommitStatus signed by the router. */
  async #commitBlock(txId: string): Promise<bigint | null> {
    const request = new gatewayProtos.CommitStatusRequest();
    request.setChannelId(this.chain.channel);
    request.setTransactionId(txId);
    const identity = new msp.SerializedIdentity();
    identity.setMspid(this.#router.mspId);
    identity.setIdBytes(new TextEncoder().encode(this.#router.certificate));
    request.setIdentity(identity.serializeBinary());
    const signed = new gatewayProtos.SignedCommitStatusRequest();
    signed.setRequest(request.serializeBinary());
    try {
      const commit = this.gateway.newCommit(signed.serializeBinary());
      const status = await commit.getStatus({ deadline: Date.now() + this.#callTimeoutMs });
      return status.blockNumber;
    } catch {
      return null;
    }
  }

  /**
   * The channel's trust anchor: its latest config block exactly as the peer serves it, and the
   * endorsement policy of each chaincode this connector fronts. The router vouches for none of it.
   */
  async profile(): Promise<FabricChainProfile> {
    const head = await this.blockNumber();
    const newest = await this.#qscc('GetBlockByNumber', head.toString());
    const index = lastConfigIndex(newest);
    const configBytes = index === head ? newest : await this.#qscc('GetBlockByNumber', index.toString());
    const chaincodes: Record<string, EndorsementRequirement> = {};
    let majority: EndorsementRequirement | undefined;
    for (const { config } of this.#resources.values()) {
      if (config.endorsement) {
        chaincodes[config.chaincode] = {
          outOf: config.endorsement.outOf,
          orgs: [...config.endorsement.orgs],
        };
        continue;
      }
      if (!majority) {
        // Fabric's default: the channel's /Channel/Application/Endorsement, MAJORITY of the organisations.
        const orgs = readChannelConfig(decodeBlock(configBytes)).applicationOrgs;
        majority = { outOf: Math.floor(orgs.length / 2) + 1, orgs };
      }
      chaincodes[config.chaincode] ??= { outOf: majority.outOf, orgs: [...majority.orgs] };
    }
    return { type: 'fabric', channel: this.chain.channel, configBlock: toHex(configBytes), chaincodes };
  }

  /**
   * Endorses a wallet-signed qscc GetBlockByTxID proposal on a peer of each of `orgs` (Endorse,
   * not Evaluate: each peer signs the block it returns). Anything else is refused, so a router
   * never endorses a write for someone through this door.
   */
  async blockByTxId(signedHex: Hex, orgs: string[]): Promise<{ envelope: Hex }> {
    let signed: ReturnType<typeof decodeSignedProposal>;
    let proposal: ReturnType<typeof decodeProposal>;
    try {
      signed = decodeSignedProposal(fromHex(signedHex));
      proposal = decodeProposal(signed.proposalBytes);
    } catch (error) {
      throw new FabricBadQueryError(`malformed signed proposal: ${(error as Error).message}`);
    }
    const args = proposal.args.map((a) => new TextDecoder().decode(a));
    const problem =
      proposal.channel !== this.chain.channel
        ? `is for channel ${proposal.channel}, not ${this.chain.channel}`
        : proposal.chaincode !== 'qscc'
          ? `is for chaincode ${proposal.chaincode}, not qscc`
          : proposal.fn !== 'GetBlockByTxID'
            ? `calls ${proposal.fn}, not GetBlockByTxID`
            : args.length !== 2 || args[0] !== this.chain.channel || !args[1]
              ? `must pass [${this.chain.channel}, txId]`
              : null;
    if (problem) throw new FabricBadQueryError(`the signed proposal ${problem}`);
    try {
      const proposed = gatewayProtos.ProposedTransaction.deserializeBinary(
        this.#proposedTransaction(signed.proposalBytes, proposal.txId),
      );
      proposed.setEndorsingOrganizationsList(orgs);
      const transaction = await this.gateway
        .newSignedProposal(proposed.serializeBinary(), signed.signature)
        .endorse();
      const prepared = gatewayProtos.PreparedTransaction.deserializeBinary(transaction.getBytes());
      const envelope = prepared.getEnvelope();
      if (!envelope) throw new Error('Endorse returned no envelope');
      return { envelope: toHex(envelope.serializeBinary()) };
    } catch (error) {
      throw toFabricError(error, 'Endorse', proposal.txId);
    }
  }

  async close(): Promise<void> {
    this.gateway.close();
    if (this.#ownsClient) this.#client.close();
  }
}

/** A request for chain evidence that is not the query it must be (HIP BAD_REQUEST). */
export class FabricBadQueryError extends InvalidArgumentsError {
  override name = 'FabricBadQueryError';
  constructor(reason: string) {
    super('GetBlockByTxID', reason);
  }
}

/**
 * The number of the config block a block points at: OrdererBlockMetadata.last_config in
 * metadata[SIGNATURES] (Fabric 2.x), else the older metadata[LAST_CONFIG]; a block with neither
 * (the genesis block) is its own config block.
 */
function lastConfigIndex(blockBytes: Uint8Array): bigint {
  const block = decodeBlock(blockBytes);
  try {
    const signatures = block.metadata[SIGNATURES];
    if (signatures && signatures.length > 0) {
      const value = decodeFields(bytesField(decodeFields(signatures), 1));
      if (value.has(1)) return varintField(messageField(value, 1), 1);
    }
    const legacy = block.metadata[LAST_CONFIG];
    if (legacy && legacy.length > 0) return varintField(decodeFields(bytesField(decodeFields(legacy), 1)), 1);
  } catch (error) {
    if (!(error instanceof ProtobufDecodeError)) throw error;
    throw new FabricRejectedError({
      grpcCode: 13,
      grpcStatus: 'INTERNAL',
      grpcMessage: `block ${block.number}: unreadable LAST_CONFIG: ${error.message}`,
      errorDetails: [],
      method: 'Evaluate',
    });
  }
  return block.number;
}
