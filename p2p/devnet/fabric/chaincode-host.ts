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
import { ledger as ledgerProtos, peer } from '@hyperledger/fabric-protos';
import type { TxSimulator } from './tx-simulator.ts';

const here = dirname(fileURLToPath(import.meta.url));

const Type = peer.ChaincodeMessage.Type;
type MessageType = (typeof Type)[keyof typeof Type];

export interface ChaincodeResult {
  response: { status: number; message: string; payload: Uint8Array };
  event: peer.ChaincodeEvent | undefined;
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
}

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
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (!output.includes('CHAINCODE_READY')) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        const addresses = new Map<string, string>();
        for (const match of output.matchAll(/CHAINCODE_ADDRESS ([^=\s]+)=(\S+)/g)) {
          if (match[1] && match[2]) addresses.set(match[1], match[2]);
        }
        resolve(new ChaincodeProcess(child, addresses));
      });
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
  readonly #stream: grpc.ClientDuplexStream<peer.ChaincodeMessage, peer.ChaincodeMessage>;
  readonly #client: peer.ChaincodeClient;
  readonly #running = new Map<string, RunningTx>();
  readonly #timeoutMs: number;

  private constructor(
    name: string,
    client: peer.ChaincodeClient,
    stream: grpc.ClientDuplexStream<peer.ChaincodeMessage, peer.ChaincodeMessage>,
    timeoutMs: number,
  ) {
    this.name = name;
    this.#client = client;
    this.#stream = stream;
    this.#timeoutMs = timeoutMs;
  }

  static async start(options: ChaincodeHostOptions): Promise<ChaincodeHost> {
    const client = new peer.ChaincodeClient(options.address, grpc.credentials.createInsecure());
    const stream = client.connect();
    const host = new ChaincodeHost(options.name, client, stream, options.executeTimeoutMs ?? 30_000);
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
      this.#stream.on('data', (message: peer.ChaincodeMessage) => {
        if (message.getType() === Type.REGISTER) {
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

  /** Runs one transaction (or query) with `simulator` collecting its reads and writes. */
  execute(
    channel: string,
    txId: string,
    signedProposal: peer.SignedProposal,
    input: Uint8Array,
    simulator: TxSimulator,
  ): Promise<ChaincodeResult> {
    const key = `${channel}\u0000${txId}`;
    if (this.#running.has(key)) {
      return Promise.reject(new Error(`txid: ${txId}(${channel}) exists`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#running.delete(key);
        reject(new Error(`timeout expired while executing transaction`));
      }, this.#timeoutMs);
      this.#running.set(key, { simulator, resolve, reject, timer });
      const message = new peer.ChaincodeMessage();
      message.setType(Type.TRANSACTION);
      message.setPayload(input);
      message.setTxid(txId);
      message.setChannelId(channel);
      message.setProposal(signedProposal);
      this.#stream.write(message);
    });
  }

  #send(type: MessageType, payload: Uint8Array, txId: string, channel: string): void {
    const message = new peer.ChaincodeMessage();
    message.setType(type);
    message.setPayload(payload);
    message.setTxid(txId);
    message.setChannelId(channel);
    this.#stream.write(message);
  }

  #finish(key: string): RunningTx | undefined {
    const tx = this.#running.get(key);
    if (tx) {
      clearTimeout(tx.timer);
      this.#running.delete(key);
    }
    return tx;
  }

  #onMessage(message: peer.ChaincodeMessage): void {
    const txId = message.getTxid();
    const channel = message.getChannelId();
    const key = `${channel}\u0000${txId}`;
    const type = message.getType();
    if (type === Type.COMPLETED) {
      const tx = this.#finish(key);
      const response = peer.Response.deserializeBinary(message.getPayload_asU8());
      tx?.resolve({
        response: {
          status: response.getStatus(),
          message: response.getMessage(),
          payload: response.getPayload_asU8(),
        },
        event: message.getChaincodeEvent(),
      });
      return;
    }
    if (type === Type.ERROR) {
      const tx = this.#finish(key);
      tx?.reject(
        new Error(`transaction returned with failure: ${Buffer.from(message.getPayload_asU8()).toString()}`),
      );
      return;
    }
    if (type === Type.KEEPALIVE) return;
    const tx = this.#running.get(key);
    if (!tx) {
      this.#send(Type.ERROR, Buffer.from(`[${txId}] No ledger context for ${type}`), txId, channel);
      return;
    }
    try {
      const payload = this.#serve(type, message.getPayload_asU8(), tx.simulator);
      this.#send(Type.RESPONSE, payload, txId, channel);
    } catch (error) {
      this.#send(Type.ERROR, Buffer.from((error as Error).message), txId, channel);
    }
  }

  /** Serves one ledger request of the chaincode; throws to answer ERROR. */
  #serve(type: MessageType, payload: Uint8Array, simulator: TxSimulator): Uint8Array {
    switch (type) {
      case Type.GET_STATE: {
        const request = peer.GetState.deserializeBinary(payload);
        if (request.getCollection()) throw new Error('private data is not supported by the devpeer');
        return simulator.getState(request.getKey());
      }
      case Type.PUT_STATE: {
        const request = peer.PutState.deserializeBinary(payload);
        if (request.getCollection()) throw new Error('private data is not supported by the devpeer');
        simulator.putState(request.getKey(), request.getValue_asU8());
        return new Uint8Array(0);
      }
      case Type.DEL_STATE: {
        const request = peer.DelState.deserializeBinary(payload);
        if (request.getCollection()) throw new Error('private data is not supported by the devpeer');
        simulator.deleteState(request.getKey());
        return new Uint8Array(0);
      }
      case Type.GET_STATE_BY_RANGE: {
        const request = peer.GetStateByRange.deserializeBinary(payload);
        if (request.getCollection()) throw new Error('private data is not supported by the devpeer');
        return this.#queryResponse(
          simulator,
          simulator.openRange(request.getStartkey(), request.getEndkey()),
        );
      }
      case Type.QUERY_STATE_NEXT: {
        const request = peer.QueryStateNext.deserializeBinary(payload);
        return this.#queryResponse(simulator, simulator.nextPage(request.getId()));
      }
      case Type.QUERY_STATE_CLOSE: {
        const request = peer.QueryStateClose.deserializeBinary(payload);
        simulator.closeIterator(request.getId());
        const response = new peer.QueryResponse();
        response.setId(request.getId());
        return response.serializeBinary();
      }
      case Type.GET_STATE_METADATA:
        return new peer.StateMetadataResult().serializeBinary();
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
    const response = new peer.QueryResponse();
    response.setId(page.id);
    response.setHasMore(page.hasMore);
    response.setResultsList(
      page.kvs.map(({ key, value }) => {
        const kv = new ledgerProtos.queryresult.KV();
        kv.setNamespace(simulator.namespace);
        kv.setKey(key);
        kv.setValue(value);
        const result = new peer.QueryResultBytes();
        result.setResultbytes(kv.serializeBinary());
        return result;
      }),
    );
    return response.serializeBinary();
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
