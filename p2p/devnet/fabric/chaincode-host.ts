/**
 * Runs real chaincode (fabric-contract-api classes) under fabric-shim in
 * chaincode-as-a-server mode (chaincode-server.ts, a child process) and speaks the
 * peer side of the chaincode protocol to it over gRPC (`protos.Chaincode/Connect`):
 * REGISTER -> REGISTERED, READY, then TRANSACTION messages answered with
 * GET_STATE / PUT_STATE / ... requests that this host serves from a
 * per-transaction simulator, until COMPLETED or ERROR.
 *
 * Server mode because it is how Fabric 2.x runs external chaincode and the
 * chaincode needs no peer address or environment: the devpeer dials it, and an
 * operator may point the devpeer at chaincode running anywhere else.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import {
  type ChaincodeMessage,
  decodeChaincodeMessage,
  decodeIteratorId,
  decodeKeyRequest,
  decodeRangeRequest,
  decodeResponse,
  encodeChaincodeMessage,
  encodeQueryResponse,
  MessageType as Type,
} from './chaincode-codec.ts';
import type { ChaincodeResponse } from './gateway-codec.ts';
import type { TxSimulator } from './tx-simulator.ts';

const here = dirname(fileURLToPath(import.meta.url));
const CONNECT = '/protos.Chaincode/Connect';

export interface ChaincodeResult {
  response: ChaincodeResponse;
  /** peer.ChaincodeEvent bytes, as the chaincode set it. */
  event: Uint8Array | undefined;
}

interface RunningTx {
  simulator: TxSimulator;
  resolve: (result: ChaincodeResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ChaincodeHostOptions {
  name: string;
  /** Where the chaincode server listens (see ChaincodeProcess, or chaincode run elsewhere). */
  address: string;
  executeTimeoutMs?: number;
  /** Transactions executing at once on this chaincode; more wait in arrival order. */
  maxConcurrent?: number;
}

/** Enough to keep the chaincode process busy while the devpeer serves the rest of a burst. */
const DEFAULT_MAX_CONCURRENT = 16;

export interface ChaincodeModule {
  /** Module exporting the contract class(es). */
  module: string;
  /** Export to use (default: every exported Contract subclass). */
  exportName?: string;
}

/** One chaincode-server.ts child serving several chaincodes, each on its own port. */
export class ChaincodeProcess {
  readonly addresses: Map<string, string>;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, addresses: Map<string, string>) {
    this.#child = child;
    this.addresses = addresses;
  }

  static start(chaincodes: Record<string, ChaincodeModule>): Promise<ChaincodeProcess> {
    // fabric-shim still calls grpc-js Server.start(), which only prints a deprecation warning.
    const args = ['--no-deprecation', join(here, 'chaincode-server.ts')];
    for (const [name, { module, exportName }] of Object.entries(chaincodes)) {
      args.push('--chaincode', `${name}=${module}${exportName ? `#${exportName}` : ''}`);
    }
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error('chaincode server did not start'));
      }, 30_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`chaincode server exited with ${code}`));
      });
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (!output.includes('CHAINCODE_READY')) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        // Later output (fabric-shim's error logs) is drained, not collected and rescanned.
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        const addresses = new Map<string, string>();
        for (const match of output.matchAll(/CHAINCODE_ADDRESS ([^=\s]+)=(\S+)/g)) {
          if (match[1] && match[2]) addresses.set(match[1], match[2]);
        }
        resolve(new ChaincodeProcess(child, addresses));
      };
      child.stdout?.on('data', onData);
    });
  }

  close(): void {
    this.#child.stdin?.end();
    this.#child.kill();
  }
}

export class ChaincodeHost {
  readonly name: string;
  readonly version = '1.0';
  readonly #stream: grpc.ClientDuplexStream<ChaincodeMessage, ChaincodeMessage>;
  readonly #client: grpc.Client;
  readonly #running = new Map<string, RunningTx>();
  /** Transactions running or waiting for a slot, by channel and txid. */
  readonly #admitted = new Set<string>();
  readonly #waiting: Array<() => void> = [];
  readonly #maxConcurrent: number;
  #active = 0;
  readonly #timeoutMs: number;

  private constructor(
    name: string,
    client: grpc.Client,
    stream: grpc.ClientDuplexStream<ChaincodeMessage, ChaincodeMessage>,
    timeoutMs: number,
    maxConcurrent: number,
  ) {
    this.name = name;
    this.#client = client;
    this.#stream = stream;
    this.#timeoutMs = timeoutMs;
    this.#maxConcurrent = maxConcurrent;
  }

  static async start(options: ChaincodeHostOptions): Promise<ChaincodeHost> {
    // One long-lived stream: nothing to retry (and no per-message retry buffer), no channelz.
    const client = new grpc.Client(options.address, grpc.credentials.createInsecure(), {
      'grpc.enable_retries': 0,
      'grpc.enable_channelz': 0,
    });
    const stream = client.makeBidiStreamRequest<ChaincodeMessage, ChaincodeMessage>(
      CONNECT,
      (message) => {
        const bytes = encodeChaincodeMessage(message);
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
      },
      decodeChaincodeMessage,
    );
    const host = new ChaincodeHost(
      options.name,
      client,
      stream,
      options.executeTimeoutMs ?? 30_000,
      options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
    );
    try {
      await host.#handshake();
    } catch (error) {
      host.close();
      throw error;
    }
    return host;
  }

  async #handshake(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chaincode ${this.name} did not register`)), 10_000);
      this.#stream.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
        this.#failAll(`chaincode stream terminated: ${error.message}`);
      });
      this.#stream.on('end', () => this.#failAll('chaincode stream terminated'));
      this.#stream.on('data', (message: ChaincodeMessage) => {
        if (message.type === Type.REGISTER) {
          this.#send(Type.REGISTERED, new Uint8Array(0), '', '');
          this.#send(Type.READY, new Uint8Array(0), '', '');
          clearTimeout(timer);
          resolve();
          return;
        }
        this.#onMessage(message);
      });
    });
  }

  /**
   * Runs one transaction (or query) with `simulator` collecting its reads and writes.
   * At most `maxConcurrent` run at once, the rest wait in arrival order: a burst of
   * proposals is then endorsed first come, first served instead of all finishing
   * together at the end of the burst (which would hold back every Submit of it).
   */
  async execute(
    channel: string,
    txId: string,
    signedProposal: Uint8Array,
    input: Uint8Array,
    simulator: TxSimulator,
  ): Promise<ChaincodeResult> {
    const key = `${channel}\u0000${txId}`;
    if (this.#admitted.has(key)) throw new Error(`txid: ${txId}(${channel}) exists`);
    this.#admitted.add(key);
    try {
      if (this.#active < this.#maxConcurrent) this.#active++;
      // A finishing execution hands its slot straight to the next in line.
      else await new Promise<void>((resolve) => this.#waiting.push(resolve));
      try {
        return await this.#run(key, channel, txId, signedProposal, input, simulator);
      } finally {
        const next = this.#waiting.shift();
        if (next) next();
        else this.#active--;
      }
    } finally {
      this.#admitted.delete(key);
    }
  }

  #run(
    key: string,
    channel: string,
    txId: string,
    signedProposal: Uint8Array,
    input: Uint8Array,
    simulator: TxSimulator,
  ): Promise<ChaincodeResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#running.delete(key);
        reject(new Error(`timeout expired while executing transaction`));
      }, this.#timeoutMs);
      this.#running.set(key, { simulator, resolve, reject, timer });
      this.#stream.write({
        type: Type.TRANSACTION,
        payload: input,
        txid: txId,
        channelId: channel,
        proposal: signedProposal,
      });
    });
  }

  #send(type: Type, payload: Uint8Array, txId: string, channel: string): void {
    this.#stream.write({ type, payload, txid: txId, channelId: channel });
  }

  #finish(key: string): RunningTx | undefined {
    const tx = this.#running.get(key);
    if (tx) {
      clearTimeout(tx.timer);
      this.#running.delete(key);
    }
    return tx;
  }

  #onMessage(message: ChaincodeMessage): void {
    const { txid: txId, channelId: channel, type } = message;
    const key = `${channel}\u0000${txId}`;
    if (type === Type.COMPLETED) {
      const tx = this.#finish(key);
      tx?.resolve({ response: decodeResponse(message.payload), event: message.chaincodeEvent });
      return;
    }
    if (type === Type.ERROR) {
      const tx = this.#finish(key);
      tx?.reject(new Error(`transaction returned with failure: ${Buffer.from(message.payload).toString()}`));
      return;
    }
    if (type === Type.KEEPALIVE) return;
    const tx = this.#running.get(key);
    if (!tx) {
      this.#send(Type.ERROR, Buffer.from(`[${txId}] No ledger context for ${type}`), txId, channel);
      return;
    }
    try {
      const payload = this.#serve(type, message.payload, tx.simulator);
      this.#send(Type.RESPONSE, payload, txId, channel);
    } catch (error) {
      this.#send(Type.ERROR, Buffer.from((error as Error).message), txId, channel);
    }
  }

  /** Serves one ledger request of the chaincode; throws to answer ERROR. */
  #serve(type: Type, payload: Uint8Array, simulator: TxSimulator): Uint8Array {
    switch (type) {
      case Type.GET_STATE:
      case Type.PUT_STATE:
      case Type.DEL_STATE: {
        const request = decodeKeyRequest(type, payload);
        if (request.collection) throw new Error('private data is not supported by the devpeer');
        if (type === Type.GET_STATE) return simulator.getState(request.key);
        if (type === Type.PUT_STATE) simulator.putState(request.key, request.value);
        else simulator.deleteState(request.key);
        return new Uint8Array(0);
      }
      case Type.GET_STATE_BY_RANGE: {
        const request = decodeRangeRequest(payload);
        if (request.collection) throw new Error('private data is not supported by the devpeer');
        return this.#queryResponse(simulator, simulator.openRange(request.startKey, request.endKey));
      }
      case Type.QUERY_STATE_NEXT:
        return this.#queryResponse(simulator, simulator.nextPage(decodeIteratorId(payload)));
      case Type.QUERY_STATE_CLOSE: {
        const id = decodeIteratorId(payload);
        simulator.closeIterator(id);
        return encodeQueryResponse(id, false, simulator.namespace, []);
      }
      case Type.GET_STATE_METADATA:
        // StateMetadataResult with no entries.
        return new Uint8Array(0);
      case Type.GET_QUERY_RESULT:
        // Same answer as a real peer on LevelDB state.
        throw new Error('ExecuteQuery not supported for leveldb');
      case Type.GET_HISTORY_FOR_KEY:
        throw new Error('history database not enabled');
      default:
        throw new Error(`devpeer does not support chaincode request ${type}`);
    }
  }

  #queryResponse(simulator: TxSimulator, page: ReturnType<TxSimulator['openRange']>): Uint8Array {
    return encodeQueryResponse(page.id, page.hasMore, simulator.namespace, page.kvs);
  }

  #failAll(reason: string): void {
    for (const key of [...this.#running.keys()]) this.#finish(key)?.reject(new Error(reason));
  }

  close(): void {
    this.#stream.removeAllListeners('end');
    this.#stream.cancel();
    this.#client.close();
  }
}
