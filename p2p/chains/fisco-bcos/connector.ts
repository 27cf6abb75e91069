/**
 * `ChainConnector` for FISCO BCOS 2.x: what a router uses to front one group of one chain.
 * Reads go through `call`; writes arrive signed by the wallet and are only relayed.
 */
import { type Fragment, FunctionFragment, type Interface, type InterfaceAbi } from 'ethers';
import type { FiscoChainProfile, FiscoTxEvidence } from '../chain-profile.ts';
import type {
  CallRequest,
  CallResult,
  ChainBlock,
  ChainConnector,
  ChainEvent,
  ChainInfo,
  ChainRef,
  ChainTransaction,
  Hex,
  ResourceDescription,
  ResourceMethod,
  SubmitRequest,
  TransactionReceipt,
} from '../connector.ts';
import { InvalidArgumentsError, UnknownResourceError } from '../errors.ts';
import { contractInterface, decodeEvent, decodeResult, encodeCall } from './abi.ts';
import { blockHeaderHash } from './block-header.ts';
import { toHex } from './bytes.ts';
import { ecdsaScheme } from './ecdsa.ts';
import {
  FiscoProofError,
  FiscoRpcError,
  FiscoTransactionMismatchError,
  FiscoTransactionRefusedError,
} from './errors.ts';
import { contractEvents } from './events.ts';
import { receiptHasRemainGas } from './receipt.ts';
import { FiscoRpcClient, type HttpPost } from './rpc-client.ts';
import type { FiscoBlock, FiscoBlockHeaderJson, FiscoReceipt, FiscoTransaction } from './rpc-types.ts';
import { sm2Scheme } from './sm2.ts';
import { decodeTransaction } from './transaction.ts';
import { normaliseStatus, STATUS_OK } from './transaction-status.ts';

/** AlreadyKnown (pending) and AlreadyInChain (committed). */
const ALREADY_SUBMITTED = new Set(['0x2710', '0x2711']);

/** RPCExceptionType::BlockNumberT: "BlockNumber does not exist". */
const BLOCK_NUMBER_DOES_NOT_EXIST = -40004;

export interface FiscoResourceConfig {
  /** Bare resource name; its path is `zone.chain.name`. */
  name: string;
  address: string;
  abi: InterfaceAbi;
}

export interface FiscoBcosConnectorOptions {
  url: string;
  chainId: number;
  groupId: number;
  /** Used to build resource paths `zone.chain.resource`. */
  zone: string;
  chainName: string;
  resources: FiscoResourceConfig[];
  receiptTimeoutMs?: number;
  fetch?: typeof fetch;
  /** How RPC requests travel (see `FiscoRpcClientOptions.post`); defaults to `fetch`. */
  post?: HttpPost;
}

interface Resource {
  description: ResourceDescription;
  iface: Interface;
}

export class FiscoBcosConnector implements ChainConnector {
  readonly chain: Extract<ChainRef, { type: 'fisco-bcos' }>;
  readonly client: FiscoRpcClient;
  readonly #resources = new Map<string, Resource>();
  readonly #prefix: string;
  readonly #receiptTimeoutMs: number;

  constructor(options: FiscoBcosConnectorOptions) {
    this.chain = { type: 'fisco-bcos', chainId: options.chainId, groupId: options.groupId };
    this.client = new FiscoRpcClient({
      url: options.url,
      groupId: options.groupId,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.post ? { post: options.post } : {}),
    });
    this.#prefix = `${options.zone}.${options.chainName}.`;
    this.#receiptTimeoutMs = options.receiptTimeoutMs ?? 30_000;
    for (const r of options.resources) this.addResource(r);
  }

  addResource(config: FiscoResourceConfig): ResourceDescription {
    const iface = contractInterface(config.abi);
    const description: ResourceDescription = {
      path: `${this.#prefix}${config.name}`,
      chain: this.chain,
      address: config.address.toLowerCase(),
      methods: iface.fragments.filter(isFunction).map(toMethod),
      abi: JSON.parse(iface.formatJson()) as unknown,
    };
    this.#resources.set(config.name, { description, iface });
    return description;
  }

  resources(): ResourceDescription[] {
    return [...this.#resources.values()].map((r) => r.description);
  }

  describe(resource: string): ResourceDescription {
    return this.#resource(resource).description;
  }

  async info(): Promise<ChainInfo> {
    const [blockNumber, version] = await Promise.all([
      this.client.blockNumber(),
      this.client.getClientVersion(),
    ]);
    return { chain: this.chain, blockNumber, client: `FISCO-BCOS ${version['FISCO-BCOS Version']}` };
  }

  async call(request: CallRequest): Promise<CallResult> {
    const { description, iface } = this.#resource(request.resource);
    let data: Hex;
    try {
      data = encodeCall(iface, request.method, request.args);
    } catch (error) {
      throw new InvalidArgumentsError(request.method, (error as Error).message);
    }
    const raw = await this.client.callChecked({
      to: description.address,
      data,
      ...(request.from ? { from: request.from } : {}),
    });
    return { values: decodeResult(iface, request.method, raw), raw };
  }

  /** Relays the wallet's signed transaction after checking it targets this chain, group and resource. */
  async submit(request: SubmitRequest): Promise<TransactionReceipt> {
    const { description, iface } = this.#resource(request.resource);
    const tx = decodeTransaction(request.signed);
    const { chainId, groupId, to } = tx.fields;
    if (chainId !== BigInt(this.chain.chainId) || groupId !== BigInt(this.chain.groupId)) {
      throw new FiscoTransactionMismatchError(
        `transaction is for chain ${chainId} group ${groupId}, this connector fronts chain ${this.chain.chainId} group ${this.chain.groupId}`,
        { chainId: String(chainId), groupId: String(groupId) },
      );
    }
    if (to !== description.address) {
      throw new FiscoTransactionMismatchError(
        `transaction targets ${to ?? 'a deployment'}, not ${description.path}`,
        {
          to,
          resource: description.path,
        },
      );
    }
    const hash = await this.#send(request.signed, tx.hash);
    const receipt = await this.client.waitForReceipt(hash, {
      timeoutMs: request.timeoutMs ?? this.#receiptTimeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return toReceipt(receipt, iface);
  }

  blockNumber(): Promise<bigint> {
    return this.client.blockNumber();
  }

  /**
   * Sends, treating "already known" and "already in chain" as success: a wallet or router that
   * replays a write after a crash then just gets the receipt of the first submission.
   */
  async #send(raw: Hex, hash: Hex): Promise<string> {
    try {
      return await this.client.sendRawTransaction(raw);
    } catch (error) {
      if (error instanceof FiscoTransactionRefusedError && ALREADY_SUBMITTED.has(error.status)) return hash;
      throw error;
    }
  }

  async getBlock(number: bigint): Promise<ChainBlock | null> {
    let block: FiscoBlock;
    try {
      block = await this.client.getBlockByNumber(number);
    } catch (error) {
      if (error instanceof FiscoRpcError && error.rpcCode === BLOCK_NUMBER_DOES_NOT_EXIST) return null;
      throw error;
    }
    return {
      number: BigInt(block.number),
      hash: block.hash as Hex,
      parentHash: block.parentHash as Hex,
      timestamp: Number(BigInt(block.timestamp)),
      txIds: block.transactions.map((t) => (typeof t === 'string' ? t : t.hash)),
      raw: block,
    };
  }

  async getTransaction(txId: string): Promise<ChainTransaction | null> {
    const tx: FiscoTransaction | null = await this.client.getTransactionByHash(txId);
    if (!tx) return null;
    return {
      txId: tx.hash,
      blockNumber: tx.blockNumber === null ? null : BigInt(tx.blockNumber),
      from: tx.from,
      ...(tx.to ? { to: tx.to } : {}),
      input: tx.input as Hex,
      raw: tx,
    };
  }

  /**
   * The trust anchor as this node reports it; the router vouches for none of it (the wallet takes
   * it from routers that agree, or from the operators' profile file). The sealers are those the
   * header at the head lists, so `sealers` and `sealersAt` name one signed header.
   */
  async profile(): Promise<FiscoChainProfile> {
    const [genesis, head, version] = await Promise.all([
      this.client.getBlockHeaderByNumber(0, false),
      this.client.blockNumber().then((n) => this.client.getBlockHeaderByNumber(n, false)),
      this.client.getClientVersion(),
    ]);
    return {
      type: 'fisco-bcos',
      chainId: this.chain.chainId,
      groupId: this.chain.groupId,
      crypto: cryptoOf(genesis),
      genesisHash: genesis.hash.toLowerCase() as Hex,
      sealers: head.sealerList.map((id) => id.replace(/^0x/, '').toLowerCase()),
      sealersAt: Number(BigInt(head.number)),
      receiptsWithRemainGas: receiptHasRemainGas(version['FISCO-BCOS Version']),
    };
  }

  /** The transaction and receipt with their proofs and the header (signatures included) of their block. */
  async txEvidence(txId: string): Promise<FiscoTxEvidence | null> {
    const [transaction, receipt] = await Promise.all([
      this.client.getTransactionByHashWithProof(txId),
      this.client.getTransactionReceiptByHashWithProof(txId),
    ]);
    if (!transaction || !receipt?.transactionReceipt) return null;
    const header = await this.blockHeader(BigInt(receipt.transactionReceipt.blockNumber));
    if (!header) return null;
    return { transaction, receipt, header };
  }

  async blockHeader(number: bigint): Promise<FiscoBlockHeaderJson | null> {
    try {
      return await this.client.getBlockHeaderByNumber(number, true);
    } catch (error) {
      if (error instanceof FiscoRpcError && error.rpcCode === BLOCK_NUMBER_DOES_NOT_EXIST) return null;
      throw error;
    }
  }

  /** Events the resource's contract emits from the next block on (polled: see events.ts). */
  events(resource: string, options: { signal?: AbortSignal; pollMs?: number } = {}) {
    const { description, iface } = this.#resource(resource);
    return contractEvents({ client: this.client, address: description.address, iface, ...options });
  }

  async close(): Promise<void> {
    // HTTP needs no teardown; fetch keeps no connection we own.
  }

  #resource(name: string): Resource {
    const bare = name.startsWith(this.#prefix) ? name.slice(this.#prefix.length) : name;
    const resource = this.#resources.get(bare);
    if (!resource) throw new UnknownResourceError(name);
    return resource;
  }
}

function isFunction(fragment: Fragment): fragment is FunctionFragment {
  return FunctionFragment.isFragment(fragment);
}

function toMethod(f: FunctionFragment): ResourceMethod {
  return {
    name: f.name,
    kind: f.constant ? 'read' : 'write',
    inputs: f.inputs.map((p) => ({ name: p.name, type: p.type })),
    outputs: f.outputs.map((p) => ({ name: p.name, type: p.type })),
  };
}

/** Guomi chains hash headers with SM3, the others with keccak256: whichever reproduces block 0's hash. */
function cryptoOf(genesis: FiscoBlockHeaderJson): 'ecdsa' | 'sm' {
  const reported = genesis.hash.toLowerCase();
  if (toHex(blockHeaderHash(genesis, ecdsaScheme)) === reported) return 'ecdsa';
  if (toHex(blockHeaderHash(genesis, sm2Scheme)) === reported) return 'sm';
  throw new FiscoProofError(`block 0's hash ${reported} is neither its keccak256 nor its SM3 header hash`);
}

export function toReceipt(receipt: FiscoReceipt, iface?: Interface): TransactionReceipt {
  const status = normaliseStatus(receipt.status);
  const events: ChainEvent[] = receipt.logs.map((log) => {
    const decoded = iface ? decodeEvent(iface, log) : undefined;
    return {
      address: log.address,
      ...(decoded ? { name: decoded.name, args: decoded.args } : {}),
      topics: log.topics as Hex[],
      data: log.data as Hex,
    };
  });
  return {
    txId: receipt.transactionHash,
    blockNumber: BigInt(receipt.blockNumber),
    status: status === STATUS_OK ? 'success' : 'reverted',
    chainStatus: status,
    output: receipt.output as Hex,
    events,
  };
}
