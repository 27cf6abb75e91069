/**
 * JSON-RPC 2.0 client for a FISCO BCOS 2.x node over HTTP, using only `fetch` so it runs in
 * Node and in an MV3 service worker. `groupId` is the first parameter of every group method.
 */
import { hexlify } from 'ethers';
import type { Hex } from '../connector.ts';
import { decodeRevertReason } from './abi.ts';
import {
  FiscoExecutionError,
  FiscoReceiptTimeoutError,
  FiscoRpcError,
  FiscoTransactionRefusedError,
  FiscoUnavailableError,
} from './errors.ts';
import type {
  FiscoBlock,
  FiscoBlockHeaderJson,
  FiscoCallResult,
  FiscoClientVersion,
  FiscoReceipt,
  FiscoReceiptWithProof,
  FiscoTransaction,
  FiscoTransactionWithProof,
  JsonRpcResponse,
} from './rpc-types.ts';
import { normaliseStatus, refusalStatus, STATUS_OK } from './transaction-status.ts';

/** JSON-RPC 2.0 standard: the server hit an internal error (a 2.x node's txpool refusals use it). */
const INTERNAL_ERROR = -32603;

/** One HTTP exchange: POST a JSON body, get back the status and the body as text. */
export type HttpPost = (
  url: string,
  body: string,
  options: { signal: AbortSignal },
) => Promise<{ status: number; text: string }>;

export interface FiscoRpcClientOptions {
  url: string;
  groupId: number;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * How requests travel; defaults to `fetch` (or the `fetch` option). A router in Node passes a
   * keep-alive `node:http` one (p2p/router/http-post.ts): per small JSON-RPC exchange, `fetch`
   * spends several times its CPU on WHATWG requests, headers and streams.
   */
  post?: HttpPost;
}

/** `HttpPost` over a `fetch` function. */
export function fetchPost(fetchFn: typeof fetch): HttpPost {
  return async (url, body, { signal }) => {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal,
    });
    return { status: response.status, text: await response.text() };
  };
}

export interface WaitOptions {
  timeoutMs?: number;
  /** First poll delay; later polls back off up to `maxPollMs`. */
  pollMs?: number;
  maxPollMs?: number;
  signal?: AbortSignal;
}

export interface CallParams {
  from?: string;
  to: string;
  data: string;
  value?: string;
}

export class FiscoRpcClient {
  readonly url: string;
  readonly groupId: number;
  readonly #requestTimeoutMs: number;
  readonly #post: HttpPost;
  #nextId = 1;

  constructor(options: FiscoRpcClientOptions) {
    this.url = options.url;
    this.groupId = options.groupId;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#post = options.post ?? fetchPost(options.fetch ?? ((input, init) => fetch(input, init)));
  }

  /** Sends a request body as is and returns the parsed response; for diagnostics and tests. */
  async requestRaw(body: string): Promise<JsonRpcResponse> {
    let response: { status: number; text: string };
    // Not AbortSignal.timeout(): its timer cannot be cleared, so every request would still fire
    // it (and build a DOMException) seconds after the answer came.
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      this.#requestTimeoutMs,
    );
    try {
      response = await this.#post(this.url, body, { signal: deadline.signal });
    } catch (error) {
      const cause = (error as Error).cause as Error | undefined;
      const reason = cause?.message
        ? `${(error as Error).message} (${cause.message})`
        : (error as Error).message;
      throw new FiscoUnavailableError(`cannot reach FISCO BCOS node at ${this.url}: ${reason}`);
    } finally {
      clearTimeout(timer);
    }
    const { text } = response;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new FiscoUnavailableError(
        `node answered HTTP ${response.status} with non-JSON`,
        response.status,
        {
          body: text.slice(0, 200),
        },
      );
    }
    if (!parsed || typeof parsed !== 'object' || !('id' in parsed)) {
      throw new FiscoUnavailableError(
        `node answered HTTP ${response.status} with a non JSON-RPC body`,
        response.status,
      );
    }
    return parsed as JsonRpcResponse;
  }

  /** Calls any method; node errors become `FiscoRpcError` (or `FiscoTransactionRefusedError`). */
  async request<T>(method: string, params: unknown[]): Promise<T> {
    const id = this.#nextId++;
    const response = await this.requestRaw(JSON.stringify({ jsonrpc: '2.0', method, params, id }));
    if (response.error) throw toRpcError(response.error.code, response.error.message, response.error.data);
    return response.result as T;
  }

  getClientVersion(): Promise<FiscoClientVersion> {
    return this.request('getClientVersion', []);
  }

  getGroupList(): Promise<number[]> {
    return this.request('getGroupList', []);
  }

  /** The height as the node writes it (hex string). */
  getBlockNumber(): Promise<string> {
    return this.request('getBlockNumber', [this.groupId]);
  }

  /** The height as a bigint. */
  async blockNumber(): Promise<bigint> {
    return BigInt(await this.getBlockNumber());
  }

  getBlockByNumber(number: bigint | number, includeTransactions = false): Promise<FiscoBlock> {
    return this.request('getBlockByNumber', [this.groupId, toHex(number), includeTransactions]);
  }

  getBlockByHash(hash: string, includeTransactions = false): Promise<FiscoBlock> {
    return this.request('getBlockByHash', [this.groupId, hash, includeTransactions]);
  }

  call(params: CallParams): Promise<FiscoCallResult> {
    const from = params.from ?? '0x0000000000000000000000000000000000000000';
    return this.request('call', [
      this.groupId,
      { from, to: params.to, value: params.value ?? '0x0', data: params.data },
    ]);
  }

  /** `call`, throwing `FiscoExecutionError` (with the decoded revert reason) unless status is 0x0. */
  async callChecked(params: CallParams): Promise<Hex> {
    const result = await this.call(params);
    const status = normaliseStatus(result.status);
    if (status !== STATUS_OK)
      throw new FiscoExecutionError(status, result.output, decodeRevertReason(result.output));
    return result.output as Hex;
  }

  /** Returns the transaction hash the node computed. */
  sendRawTransaction(raw: Hex | Uint8Array): Promise<Hex> {
    return this.request('sendRawTransaction', [this.groupId, typeof raw === 'string' ? raw : hexlify(raw)]);
  }

  getTransactionByHash(hash: string): Promise<FiscoTransaction | null> {
    return this.request('getTransactionByHash', [this.groupId, hash]);
  }

  getTransactionReceipt(hash: string): Promise<FiscoReceipt | null> {
    return this.request('getTransactionReceipt', [this.groupId, hash]);
  }

  /** The transaction with its Merkle proof to its block's transactionsRoot; null for an unknown hash. */
  getTransactionByHashWithProof(hash: string): Promise<FiscoTransactionWithProof | null> {
    return this.request('getTransactionByHashWithProof', [this.groupId, hash]);
  }

  /** The receipt with its Merkle proof to its block's receiptsRoot; null for an unknown hash. */
  getTransactionReceiptByHashWithProof(hash: string): Promise<FiscoReceiptWithProof | null> {
    return this.request('getTransactionReceiptByHashWithProof', [this.groupId, hash]);
  }

  /** The header (no transactions), with the sealers' signatures when `includeSignatures`. */
  getBlockHeaderByNumber(number: bigint | number, includeSignatures = true): Promise<FiscoBlockHeaderJson> {
    return this.request('getBlockHeaderByNumber', [this.groupId, toHex(number), includeSignatures]);
  }

  getBlockHeaderByHash(hash: string, includeSignatures = true): Promise<FiscoBlockHeaderJson> {
    return this.request('getBlockHeaderByHash', [this.groupId, hash, includeSignatures]);
  }

  /** Node IDs of the sealers in force. */
  getSealerList(): Promise<string[]> {
    return this.request('getSealerList', [this.groupId]);
  }

  getObserverList(): Promise<string[]> {
    return this.request('getObserverList', [this.groupId]);
  }

  /**
   * Polls for the receipt, starting fast and backing off (a block interval is about 1 s on a
   * real chain), rides out brief unavailability, and throws `FiscoReceiptTimeoutError` when
   * `timeoutMs` passes.
   */
  async waitForReceipt(hash: string, options: WaitOptions = {}): Promise<FiscoReceipt> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const maxPollMs = options.maxPollMs ?? 500;
    let pollMs = options.pollMs ?? 20;
    const started = Date.now();
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        const receipt = await this.getTransactionReceipt(hash);
        if (receipt) return receipt;
      } catch (error) {
        // A node that restarts or drops a connection mid-wait is retried until the deadline.
        if (!(error instanceof FiscoUnavailableError)) throw error;
      }
      const waited = Date.now() - started;
      if (waited >= timeoutMs) throw new FiscoReceiptTimeoutError(hash, waited);
      await sleep(Math.min(pollMs, timeoutMs - waited));
      pollMs = Math.min(maxPollMs, Math.ceil(pollMs * 1.5));
    }
  }

  /** Sends, waits, and throws `FiscoExecutionError` for any status other than 0x0. */
  async sendAndConfirm(raw: Hex | Uint8Array, options?: WaitOptions): Promise<FiscoReceipt> {
    const hash = await this.sendRawTransaction(raw);
    return assertReceiptOk(await this.waitForReceipt(hash, options));
  }
}

export function assertReceiptOk(receipt: FiscoReceipt): FiscoReceipt {
  const status = normaliseStatus(receipt.status);
  if (status === STATUS_OK) return receipt;
  throw new FiscoExecutionError(
    status,
    receipt.output,
    decodeRevertReason(receipt.output),
    receipt.transactionHash,
  );
}

/** A 2.x node reports txpool refusals as -32603 naming the reason; give those their own type. */
export function toRpcError(code: number, message: string, data?: unknown): FiscoRpcError {
  if (code === INTERNAL_ERROR) {
    const status = refusalStatus(message);
    if (status !== undefined) return new FiscoTransactionRefusedError(code, message, status, data);
  }
  return new FiscoRpcError(code, message, data);
}

function toHex(n: bigint | number): string {
  return `0x${n.toString(16)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
