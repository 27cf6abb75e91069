/**
 * Property-based fuzzing of the devnode's JSON-RPC over HTTP (issue 15). Each case POSTs a body:
 * garbage, JSON of the wrong shape, requests and batches with wrong versions, ids, methods,
 * parameter counts and types, wrong groups, and raw transactions that are random bytes or valid
 * signed transfers broken on purpose (bytes changed, fields swapped, re-signed for another chain,
 * group or block limit, high-S twins of their signatures).
 *
 * The oracle is libjson-rpc-cpp's (RpcProtocolServerV2, which a FISCO BCOS 2.x node answers with)
 * plus the node's method table: what must be JSON_PARSE_ERROR, INVALID_JSON_REQUEST,
 * METHOD_NOT_FOUND or INVALID_PARAMS is checked exactly; everything else gets a result or an error
 * with a FISCO BCOS code, and -32603 only as the C++ exception report a node gives (never a
 * JavaScript error leaking out). A refused request leaves the chain as it was (height, state root,
 * pending pool); an admitted transaction adds exactly itself to the pool. Blocks are sealed only
 * between properties, so the height is fixed while cases run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { RLP } from '@ethereumjs/rlp';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { recordFuzzCount } from '../../fuzz.ts';
import { checkProperty } from '../fuzz-check.ts';
import { assetArtifact, type Harness, startHarness } from './helpers.ts';

const abi = assetArtifact.abi as never;
/** Codes a FISCO BCOS 2.x node answers with over JSON-RPC (node-errors.ts). */
const NODE_CODES = new Set([-32700, -32600, -32601, -32602, -32603, -40001, -40003, -40004, -40006, -40008]);
/** The node's methods and their positional parameter types. */
const METHODS: Record<string, readonly ('integer' | 'string' | 'boolean' | 'object')[]> = {
  getClientVersion: [],
  getGroupList: [],
  getBlockNumber: ['integer'],
  getBlockByNumber: ['integer', 'string', 'boolean'],
  getBlockByHash: ['integer', 'string', 'boolean'],
  getBlockHashByNumber: ['integer', 'string'],
  getTransactionByHash: ['integer', 'string'],
  getTransactionReceipt: ['integer', 'string'],
  getTransactionByHashWithProof: ['integer', 'string'],
  getTransactionReceiptByHashWithProof: ['integer', 'string'],
  getBlockHeaderByNumber: ['integer', 'string', 'boolean'],
  getBlockHeaderByHash: ['integer', 'string', 'boolean'],
  sendRawTransaction: ['integer', 'string'],
  call: ['integer', 'object'],
  getCode: ['integer', 'string'],
  getPendingTxSize: ['integer'],
  getSealerList: ['integer'],
  getObserverList: ['integer'],
  getSystemConfigByKey: ['integer', 'string'],
  getTotalTransactionCount: ['integer'],
};
const N = secp256k1.Point.CURVE().n;

function show(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 8, maxStringLength: 200, breakLength: Infinity });
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

// ---- the oracle ----------------------------------------------------------------------------------

interface Expected {
  /** The error code this request must get, when the protocol layer decides it. */
  code?: number;
  /** Codes that are all acceptable (where real nodes' versions differ). */
  codes?: number[];
  id: unknown;
  method?: string;
  params?: unknown[];
}

/** What libjson-rpc-cpp's RpcProtocolServerV2 answers one request object with, before the method runs. */
function expectFor(request: unknown): Expected {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return { code: -32600, id: null };
  const r = request as Record<string, unknown>;
  const idOk = !('id' in r) || r.id === null || typeof r.id === 'string' || Number.isInteger(r.id);
  const id = idOk && r.id !== undefined ? r.id : null;
  if (typeof r.method !== 'string' || r.jsonrpc !== '2.0' || !idOk) return { code: -32600, id };
  const params = r.params ?? [];
  if (!Array.isArray(params)) {
    // Parameters by name: a valid request whose parameters no positional method accepts.
    return typeof params === 'object' ? { codes: [-32600, -32602], id } : { code: -32600, id };
  }
  if (!Object.hasOwn(METHODS, r.method)) return { code: -32601, id };
  const types = METHODS[r.method] ?? [];
  if (params.length !== types.length || !types.every((t, i) => isType(params[i], t)))
    return { code: -32602, id };
  return { id, method: r.method, params };
}

interface ChainState {
  height: bigint;
  pending: number;
  stateRoot: string | undefined;
}

// ---- generators ----------------------------------------------------------------------------------

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '\u0000',
    'a'.repeat(5000),
  ),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, 2, -1, 0.5, 2 ** 31, 2 ** 53, 2 ** 64, 1e308),
);
const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'from', 'to', 'data')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;
const bytesHex = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => `0x${Buffer.from(b).toString('hex')}`);
const badHex = fc.constantFrom(
  '',
  '0x',
  '0x0',
  '0xabc',
  '0xzz',
  '0X00',
  '00',
  ' 0x00',
  '0x00 ',
  `0x${'f'.repeat(65)}`,
);

interface Context {
  groupId: number;
  asset: string;
  known: { hash: string; blockHash: string; address: string };
  /** A valid signed transfer from an account with no balance, and what signs more. */
  sign(overrides: {
    chainId?: number;
    groupId?: number;
    blockLimit?: bigint;
    extraData?: string;
    to?: string | null;
  }): string;
  height: bigint;
}

/** A transaction that must be refused, and why. */
interface Tx {
  raw: string;
  /** The node must refuse it (high-S, wrong chain or group, block limit out of range ...). */
  mustRefuse: boolean;
}

function txArb(ctx: Context): fc.Arbitrary<Tx> {
  const valid = fc.constant(null).map(() => ctx.sign({}));
  const refused = fc
    .oneof(
      fc
        .integer({ min: 0, max: 10 })
        .filter((n) => n !== 1)
        .map((chainId) => ctx.sign({ chainId })),
      fc
        .integer({ min: 0, max: 10 })
        .filter((n) => n !== ctx.groupId)
        .map((groupId) => ctx.sign({ groupId })),
      fc
        .constantFrom(0n, ctx.height, ctx.height + 1001n, ctx.height + 5000n, 2n ** 63n)
        .map((blockLimit) => ctx.sign({ blockLimit })),
      // The high-S twin of a valid signature: the same signer mathematically, refused by FISCO BCOS.
      valid.map((raw) => {
        const fields = RLP.decode(Buffer.from(raw.slice(2), 'hex')) as Uint8Array[];
        const s = BigInt(`0x${Buffer.from(fields[12] as Uint8Array).toString('hex')}`);
        const v = Number(BigInt(`0x${Buffer.from(fields[10] as Uint8Array).toString('hex') || '0'}`));
        fields[12] = Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex');
        fields[10] = Uint8Array.of(v === 27 ? 28 : 27);
        return `0x${Buffer.from(RLP.encode(fields)).toString('hex')}`;
      }),
    )
    .map((raw) => ({ raw, mustRefuse: true }));
  const mutated = fc
    .oneof(
      // Bytes changed, inserted or cut: bad RLP, a bad signature, or another sender.
      fc
        .tuple(
          valid,
          fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('set', 'insert', 'delete')), {
            minLength: 1,
            maxLength: 3,
          }),
        )
        .map(([raw, edits]) => {
          const bytes = [...Buffer.from(raw.slice(2), 'hex')];
          for (const [at, byte, how] of edits) {
            const i = at % (bytes.length + 1);
            if (how === 'set' && i < bytes.length) bytes[i] = byte;
            else if (how === 'insert') bytes.splice(i, 0, byte);
            else bytes.splice(i, 1);
          }
          return `0x${Buffer.from(bytes).toString('hex')}`;
        }),
      // One field of the RLP list replaced, dropped or doubled, the list re-encoded.
      fc
        .tuple(
          valid,
          fc.nat(12),
          fc.uint8Array({ maxLength: 40 }),
          fc.constantFrom('replace', 'drop', 'append', 'nest'),
        )
        .map(([raw, index, value, how]) => {
          const fields = RLP.decode(Buffer.from(raw.slice(2), 'hex')) as unknown[];
          if (how === 'replace') fields[index] = value;
          else if (how === 'drop') fields.splice(index, 1);
          else if (how === 'append') fields.push(value);
          else fields[index] = [value];
          return `0x${Buffer.from(RLP.encode(fields as Uint8Array[])).toString('hex')}`;
        }),
      fc.constantFrom(0, 1, 26, 29, 255).chain((v) =>
        valid.map((raw) => {
          const fields = RLP.decode(Buffer.from(raw.slice(2), 'hex')) as Uint8Array[];
          fields[10] = Uint8Array.of(v);
          return `0x${Buffer.from(RLP.encode(fields)).toString('hex')}`;
        }),
      ),
      bytesHex(0, 300),
      badHex,
      hostileString,
    )
    .map((raw) => ({ raw, mustRefuse: false }));
  return fc.oneof(
    { weight: 1, arbitrary: valid.map((raw) => ({ raw, mustRefuse: false })) },
    { weight: 4, arbitrary: refused },
    { weight: 8, arbitrary: mutated },
  );
}

/** Parameters for `method`: right-typed with hostile values mostly, wrong counts and types sometimes. */
function paramsArb(ctx: Context, method: string, tx: fc.Arbitrary<Tx>): fc.Arbitrary<unknown[]> {
  const group = fc.oneof(
    { weight: 6, arbitrary: fc.constant(ctx.groupId) },
    { weight: 1, arbitrary: hostileNumber },
    { weight: 1, arbitrary: anyJson },
  );
  const number = fc.oneof(
    fc.bigInt({ min: 0n, max: ctx.height + 2n }).map((n) => `0x${n.toString(16)}`),
    fc.bigInt({ min: 0n, max: ctx.height + 2n }).map(String),
    fc.constantFrom('0x', '-1', '0x-1', '1e3', ' 1', `0x${'f'.repeat(80)}`, '9'.repeat(400)),
    hostileString,
  );
  const hash = fc.oneof(
    fc.constantFrom(ctx.known.hash, ctx.known.blockHash, ctx.known.hash.toUpperCase().replace('0X', '0x')),
    bytesHex(32, 32),
    badHex,
    hostileString,
  );
  const address = fc.oneof(
    fc.constantFrom(ctx.asset, ctx.known.address),
    bytesHex(20, 20),
    badHex,
    hostileString,
  );
  const right: Record<string, fc.Arbitrary<unknown[]>> = {
    getBlockByNumber: fc.tuple(group, number, fc.boolean()),
    getBlockByHash: fc.tuple(group, hash, fc.boolean()),
    getBlockHashByNumber: fc.tuple(group, number),
    getTransactionByHash: fc.tuple(group, hash),
    getTransactionReceipt: fc.tuple(group, hash),
    sendRawTransaction: fc.tuple(
      group,
      tx.map((t) => t.raw),
    ),
    call: fc.tuple(
      group,
      fc.record(
        {
          from: address,
          to: address,
          data: fc.oneof(
            fc.constantFrom(
              encodeCall(abi, 'balanceOf', [ctx.known.address]),
              encodeCall(abi, 'transfer', [ctx.known.address, 1n]),
              encodeCall(abi, 'totalSupply', []),
            ),
            bytesHex(0, 100),
            badHex,
            hostileString,
          ),
          value: anyJson,
        },
        { requiredKeys: [] },
      ),
    ),
    getCode: fc.tuple(group, address),
    getSystemConfigByKey: fc.tuple(
      group,
      fc.oneof(
        fc.constantFrom(
          'tx_count_limit',
          'tx_gas_limit',
          'rpbft_epoch_sealer_num',
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
        ),
        hostileString,
      ),
    ),
  };
  const types = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
  const fallback = types
    ? fc.tuple(
        ...types.map((t) =>
          t === 'integer' ? group : t === 'boolean' ? fc.boolean() : t === 'object' ? anyJson : hostileString,
        ),
      )
    : fc.array(anyJson, { maxLength: 3 });
  return fc.oneof(
    {
      weight: 8,
      arbitrary: (Object.hasOwn(right, method) ? right[method] : fallback) as fc.Arbitrary<unknown[]>,
    },
    { weight: 1, arbitrary: fc.array(anyJson, { maxLength: 4 }) },
  );
}

/** One request object, usually well-formed, sometimes with a wrong version, id or parameter shape. */
function requestArb(ctx: Context, tx: fc.Arbitrary<Tx>): fc.Arbitrary<unknown> {
  const method = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...Object.keys(METHODS)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'eth_blockNumber',
        'getblocknumber',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
      ),
    },
    { weight: 1, arbitrary: hostileString },
  );
  return method.chain((m) =>
    fc
      .record(
        {
          jsonrpc: fc.oneof(
            { weight: 10, arbitrary: fc.constant('2.0') },
            fc.constantFrom('1.0', '2', '2.0 ', ''),
            fc.constant(2),
            anyJson,
          ),
          id: fc.oneof(
            { weight: 6, arbitrary: fc.nat() },
            fc.string(),
            fc.constant(null),
            hostileNumber,
            anyJson,
          ),
          method: fc.oneof({ weight: 20, arbitrary: fc.constant<unknown>(m) }, anyJson),
          params: fc.oneof(
            { weight: 20, arbitrary: paramsArb(ctx, m, tx) as fc.Arbitrary<unknown> },
            anyJson,
          ),
        },
        { requiredKeys: [] },
      )
      .map((r) =>
        r.method === undefined && r.jsonrpc === undefined ? { ...r, method: m, jsonrpc: '2.0' } : r,
      ),
  );
}

/** Every generated transaction the node must refuse (remembered as generated: the raw bytes name it). */
const mustRefuse = new Set<string>();

function bodyArb(ctx: Context): fc.Arbitrary<string> {
  const tx = txArb(ctx).map((t) => {
    if (t.mustRefuse) mustRefuse.add(t.raw);
    return t;
  });
  const request = requestArb(ctx, tx);
  const text = fc.oneof(
    { weight: 12, arbitrary: request.map((r) => JSON.stringify(r)) },
    { weight: 3, arbitrary: fc.array(request, { maxLength: 5 }).map((rs) => JSON.stringify(rs)) },
    { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.string() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '{',
        '[[]]',
        '[1,2]',
        '{"jsonrpc":"2.0","id":1,"method":"getBlockNumber","params":[1],"params":{}}',
        '{"jsonrpc":"2.0","id":1e999,"method":"getBlockNumber","params":[1]}',
        '{"jsonrpc":"2.0","id":1,"method":"getBlockNumber","params":[1e999]}',
        '{"__proto__":{"method":"getBlockNumber"},"jsonrpc":"2.0","id":1,"params":[1]}',
        '{"jsonrpc":"2.0","id":1,"method":"getBlockNumber","params":[1]}garbage',
        '\ufeff{"jsonrpc":"2.0","id":1,"method":"getBlockNumber","params":[1]}',
        `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      ),
    },
  );
  return text;
}

// ---- the property ---------------------------------------------------------------------------------

describe('devnode JSON-RPC fuzzing', { timeout: 3_600_000 }, () => {
  let h: Harness;
  let ctx: Context;
  let watched: { holder: string; balance: string };

  const chainState = (): ChainState => {
    const ledger = h.node.ledger;
    const height = ledger.blockNumber;
    return { height, pending: ledger.pendingCount, stateRoot: ledger.block(height)?.header.stateRoot };
  };
  const balance = () =>
    h.client.callChecked({
      to: ctx.asset,
      data: encodeCall(abi, 'balanceOf', [watched.holder]),
      from: watched.holder,
    });

  before(async () => {
    h = await startHarness({ blockIntervalMs: 0 });
    const asset = await h.deploy(assetArtifact, ['Weft Coin', 'WFC', 1000n]);
    const receipt = await h.send(
      await h.sign({ to: asset, data: encodeCall(abi, 'transfer', [`0x${'0b'.repeat(20)}`, 1n]) }),
    );
    const poor = EcdsaSigner.random();
    const height = h.node.ledger.blockNumber;
    ctx = {
      groupId: h.node.groupId,
      asset,
      known: { hash: receipt.transactionHash, blockHash: receipt.blockHash, address: h.signer.address },
      height,
      sign: ({ chainId = 1, groupId = h.node.groupId, blockLimit = height + 500n, extraData, to = asset }) =>
        signTransaction(
          transactionFields({
            to,
            data: encodeCall(abi, 'transfer', [h.signer.address, 1n]),
            chainId,
            groupId,
            blockLimit,
            ...(extraData === undefined ? {} : { extraData: extraData as `0x${string}` }),
          }),
          poor,
        ).raw,
    };
    watched = { holder: h.signer.address, balance: '' };
    watched.balance = await balance();
  });

  after(() => h?.node.close());

  /** Checks one answer against what the request must get; returns whether it was refused. */
  function checkAnswer(request: unknown, answer: unknown): 'refused' | 'admitted' | 'served' {
    const expected = expectFor(request);
    assert.ok(
      typeof answer === 'object' && answer !== null && !Array.isArray(answer),
      `an answer object, got ${show(answer)}`,
    );
    const a = answer as {
      jsonrpc?: unknown;
      id?: unknown;
      result?: unknown;
      error?: { code?: unknown; message?: unknown };
    };
    assert.equal(a.jsonrpc, '2.0');
    assert.deepEqual(a.id, expected.id, `the id echoed: ${show(answer)}`);
    assert.ok('result' in a !== 'error' in a, `a result or an error: ${show(answer)}`);
    if (a.error !== undefined) {
      const { code, message } = a.error;
      assert.ok(typeof code === 'number' && NODE_CODES.has(code), `a FISCO BCOS code: ${show(answer)}`);
      assert.equal(typeof message, 'string');
      if (expected.code !== undefined) assert.equal(code, expected.code, show(a.error));
      if (expected.codes !== undefined) assert.ok(expected.codes.includes(code), show(a.error));
      if (code === -32603) {
        // A node's C++ exception report, never a JavaScript error leaking out.
        assert.match(
          String(message),
          /^Dynamic exception type: boost::wrapexcept<dev::/,
          `an untyped error: ${show(a.error)}`,
        );
      }
      return 'refused';
    }
    assert.ok(
      expected.code === undefined && expected.codes === undefined,
      `a result where ${expected.code ?? expected.codes} was due: ${show(answer)}`,
    );
    if (expected.method === 'sendRawTransaction') {
      const raw = expected.params?.[1] as string;
      assert.ok(!mustRefuse.has(raw), `admitted a transaction the node must refuse: ${raw.slice(0, 80)}…`);
      assert.equal(
        a.result,
        `0x${Buffer.from(keccak_256(Buffer.from(raw.slice(2), 'hex'))).toString('hex')}`,
      );
      return 'admitted';
    }
    assert.notEqual(a.result, undefined);
    return 'served';
  }

  test('every request gets a JSON-RPC result or a FISCO BCOS error; refused ones change nothing', async () => {
    let cases = 0;
    let refused = 0;
    await checkProperty(
      fc.asyncProperty(bodyArb(ctx), async (body) => {
        cases++;
        const before = chainState();
        const response = await fetch(h.node.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body,
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        try {
          assert.equal(response.status, 200, text);
          const answer = JSON.parse(text) as unknown;
          let parsed: unknown;
          let parses = true;
          try {
            parsed = JSON.parse(body);
          } catch {
            parses = false;
          }
          let outcomes: string[];
          if (!parses) {
            assert.deepEqual(answer, {
              id: null,
              jsonrpc: '2.0',
              error: { code: -32700, message: 'JSON_PARSE_ERROR: The JSON-Object is not JSON-Valid' },
            });
            outcomes = ['refused'];
          } else if (Array.isArray(parsed) && parsed.length === 0) {
            assert.equal((answer as { error?: { code?: number } }).error?.code, -32600);
            outcomes = ['refused'];
          } else if (Array.isArray(parsed)) {
            assert.ok(
              Array.isArray(answer) && answer.length === parsed.length,
              `one answer per request: ${show(answer)}`,
            );
            outcomes = parsed.map((request, i) => checkAnswer(request, answer[i]));
          } else {
            outcomes = [checkAnswer(parsed, answer)];
          }
          const admitted = outcomes.filter((o) => o === 'admitted').length;
          const after = chainState();
          assert.deepEqual(
            after,
            { ...before, pending: before.pending + admitted },
            'the chain changed by more than the admitted transactions',
          );
          if (outcomes.every((o) => o === 'refused')) refused++;
        } catch (error) {
          throw new Error(
            `${(error as Error).message}\n  body: ${body.slice(0, 600)}\n  answer: ${text.slice(0, 600)}`,
            { cause: error },
          );
        }
      }),
      2500,
    );
    // The node still serves, and sealing what it admitted moves no balance: every admitted transfer
    // came from an account with nothing, or from nobody's key.
    while (h.node.ledger.pendingCount > 0) await h.node.sealNow();
    assert.equal(await balance(), watched.balance);
    assert.equal(h.node.ledger.pendingCount, 0);
    recordFuzzCount('fisco-bcos-json-rpc', { cases, refused });
  });
});
