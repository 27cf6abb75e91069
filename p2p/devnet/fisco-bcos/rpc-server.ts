/**
 * The FISCO BCOS 2.x JSON-RPC surface over HTTP: one POST endpoint, JSON-RPC 2.0 requests
 * (single or batched), `groupId` first. Parameter counts and types are checked before a method
 * runs, as libjson-rpc-cpp does in a real node; every failure is a JSON-RPC error object and the
 * server keeps serving.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JsonRpcResponse } from '../../chains/fisco-bcos/rpc-types.ts';
import type { Ledger } from './ledger.ts';
import {
  blockHashDoesNotExist,
  blockNumberDoesNotExist,
  callNeedsFrom,
  groupIdDoesNotExist,
  INTERNAL_ERROR,
  invalidParams,
  invalidRequest,
  invalidSystemConfig,
  methodNotFound,
  NodeError,
  parseError,
} from './node-errors.ts';

type ParamType = 'integer' | 'string' | 'boolean' | 'object';

interface Method {
  params: ParamType[];
  run(params: unknown[]): unknown;
}

export interface RpcServerOptions {
  ledger: Ledger;
  /** Larger request bodies are refused with HTTP 413 and INVALID_JSON_REQUEST. */
  maxRequestBytes: number;
  clientVersion: Record<string, string>;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX = /^0x([0-9a-fA-F]{2})*$/;

export function createRpcServer(options: RpcServerOptions): Server {
  const methods = rpcMethods(options);
  return createServer((req, res) => {
    readBody(req, options.maxRequestBytes)
      .then(async (body) => {
        if (body === undefined) return send(res, 413, errorResponse(null, invalidRequest(413)));
        let request: unknown;
        try {
          request = JSON.parse(body);
        } catch {
          return send(res, 200, errorResponse(null, parseError()));
        }
        if (Array.isArray(request)) {
          if (request.length === 0) return send(res, 200, errorResponse(null, invalidRequest()));
          const answers: JsonRpcResponse[] = [];
          for (const one of request) answers.push(await handle(methods, one));
          return send(res, 200, answers);
        }
        return send(res, 200, await handle(methods, request));
      })
      .catch(() => send(res, 500, errorResponse(null, new NodeError(INTERNAL_ERROR, 'INTERNAL_ERROR: '))));
  });
}

async function handle(methods: Map<string, Method>, request: unknown): Promise<JsonRpcResponse> {
  if (!request || typeof request !== 'object') return errorResponse(null, invalidRequest());
  const { jsonrpc, id = null, method, params = null } = request as Record<string, unknown>;
  // libjson-rpc-cpp's RpcProtocolServerV2::ValidateRequestFields: version "2.0", a method name,
  // an integral, string or null id (any other id is answered as null).
  const idValid = id === null || typeof id === 'string' || Number.isInteger(id);
  const answerId = idValid ? (id as number | string | null) : null;
  if (jsonrpc !== '2.0' || typeof method !== 'string' || !idValid)
    return errorResponse(answerId, invalidRequest());
  if (params !== null && !Array.isArray(params)) return errorResponse(answerId, invalidRequest());
  const positional = (params ?? []) as unknown[];
  const target = methods.get(method);
  if (!target) return errorResponse(answerId, methodNotFound());
  if (
    positional.length !== target.params.length ||
    !target.params.every((type, i) => isType(positional[i], type))
  ) {
    return errorResponse(answerId, invalidParams());
  }
  try {
    return { id: answerId, jsonrpc: '2.0', result: await target.run(positional) };
  } catch (error) {
    if (error instanceof NodeError) return errorResponse(answerId, error);
    return errorResponse(
      answerId,
      new NodeError(INTERNAL_ERROR, `INTERNAL_ERROR: ${(error as Error).message}`),
    );
  }
}

function rpcMethods({ ledger, clientVersion }: RpcServerOptions): Map<string, Method> {
  const group = (groupId: unknown) => {
    if (groupId !== ledger.groupId) throw groupIdDoesNotExist();
  };
  const blockNumberParam = (value: unknown): bigint => {
    const text = value as string;
    if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) throw invalidParams();
    return BigInt(text);
  };
  const hashParam = (value: unknown): string => {
    if (!HASH.test(value as string)) throw invalidParams();
    return (value as string).toLowerCase();
  };
  const table: Record<string, Method> = {
    getClientVersion: { params: [], run: () => clientVersion },
    getGroupList: { params: [], run: () => [ledger.groupId] },
    getBlockNumber: {
      params: ['integer'],
      run: ([g]) => {
        group(g);
        return `0x${ledger.blockNumber.toString(16)}`;
      },
    },
    getBlockByNumber: {
      params: ['integer', 'string', 'boolean'],
      run: ([g, n, full]) => {
        group(g);
        const block = ledger.block(blockNumberParam(n));
        if (!block) throw blockNumberDoesNotExist();
        return ledger.blockJson(block, full as boolean);
      },
    },
    getBlockByHash: {
      params: ['integer', 'string', 'boolean'],
      run: ([g, h, full]) => {
        group(g);
        const block = ledger.blockByHash(hashParam(h));
        if (!block) throw blockHashDoesNotExist();
        return ledger.blockJson(block, full as boolean);
      },
    },
    getBlockHashByNumber: {
      params: ['integer', 'string'],
      run: ([g, n]) => {
        group(g);
        const block = ledger.block(blockNumberParam(n));
        if (!block) throw blockNumberDoesNotExist();
        return block.header.hash;
      },
    },
    getTransactionByHash: {
      params: ['integer', 'string'],
      run: ([g, h]) => {
        group(g);
        return ledger.transaction(hashParam(h));
      },
    },
    // 2.x answers a hash it does not know with a null result, not an error.
    getTransactionByHashWithProof: {
      params: ['integer', 'string'],
      run: ([g, h]) => {
        group(g);
        return ledger.transactionWithProof(hashParam(h));
      },
    },
    getTransactionReceiptByHashWithProof: {
      params: ['integer', 'string'],
      run: ([g, h]) => {
        group(g);
        return ledger.receiptWithProof(hashParam(h));
      },
    },
    getBlockHeaderByNumber: {
      params: ['integer', 'string', 'boolean'],
      run: ([g, n, withSignatures]) => {
        group(g);
        const block = ledger.block(blockNumberParam(n));
        if (!block) throw blockNumberDoesNotExist();
        return ledger.headerJson(block, withSignatures as boolean);
      },
    },
    getBlockHeaderByHash: {
      params: ['integer', 'string', 'boolean'],
      run: ([g, h, withSignatures]) => {
        group(g);
        const block = ledger.blockByHash(hashParam(h));
        if (!block) throw blockHashDoesNotExist();
        return ledger.headerJson(block, withSignatures as boolean);
      },
    },
    getTransactionReceipt: {
      params: ['integer', 'string'],
      run: ([g, h]) => {
        group(g);
        return ledger.receipt(hashParam(h));
      },
    },
    sendRawTransaction: {
      params: ['integer', 'string'],
      run: ([g, raw]) => {
        group(g);
        return ledger.submit(raw as string);
      },
    },
    call: {
      params: ['integer', 'object'],
      run: async ([g, request]) => {
        group(g);
        const { from, to, data } = request as { from?: unknown; to?: unknown; data?: unknown };
        if (from === undefined) throw callNeedsFrom();
        if (!ADDRESS.test(String(from)) || !ADDRESS.test(String(to)) || !HEX.test(String(data)))
          throw invalidParams();
        const result = await ledger.call(from as string, to as string, data as string);
        return { currentBlockNumber: `0x${ledger.blockNumber.toString(16)}`, ...result };
      },
    },
    getCode: {
      params: ['integer', 'string'],
      run: ([g, address]) => {
        group(g);
        if (!ADDRESS.test(address as string)) throw invalidParams();
        return ledger.getCode(address as string);
      },
    },
    getPendingTxSize: {
      params: ['integer'],
      run: ([g]) => {
        group(g);
        return `0x${ledger.pendingCount.toString(16)}`;
      },
    },
    getSealerList: {
      params: ['integer'],
      run: ([g]) => {
        group(g);
        return ledger.sealerList;
      },
    },
    getObserverList: {
      params: ['integer'],
      run: ([g]) => {
        group(g);
        return ledger.observerList;
      },
    },
    getSystemConfigByKey: {
      params: ['integer', 'string'],
      run: ([g, key]) => {
        group(g);
        // Own keys only: `toString` or `__proto__` would find the object's inherited members.
        if (!Object.hasOwn(ledger.systemConfig, key as string)) throw invalidSystemConfig();
        return ledger.systemConfig[key as string];
      },
    },
    getTotalTransactionCount: {
      params: ['integer'],
      run: ([g]) => {
        group(g);
        const { txSum, failedTxSum } = ledger.transactionCounts;
        const hex = (n: number | bigint) => `0x${n.toString(16)}`;
        return { blockNumber: hex(ledger.blockNumber), failedTxSum: hex(failedTxSum), txSum: hex(txSum) };
      },
    },
  };
  return new Map(Object.entries(table));
}

function isType(value: unknown, type: ParamType): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

function errorResponse(id: number | string | null, error: NodeError): JsonRpcResponse {
  return { id, jsonrpc: '2.0', error: { code: error.code, message: error.message } };
}

/** The body as text, or undefined once it passes `limit` bytes (the rest is not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  // A client that hung up mid-request must not take the node down with it.
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
