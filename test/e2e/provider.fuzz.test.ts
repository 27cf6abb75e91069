/**
 * Property-based fuzzing of the provider through the real path: page (`window.weft.request`,
 * or raw `weft:page` events of any detail) -> content relay -> service worker, in Chromium with the
 * production build. Requests are generated in Node (fast-check), sent in batches through one
 * `page.evaluate` each, and every outcome is checked:
 *
 * - it settles within a timeout, with a result this method may give here, or a ProviderRpcError
 *   whose code is a documented one (never -32603, a wallet bug, nor 4900, a worker restart);
 * - codes fit the method: 4001/-32002 only where the user is asked, 4901/-32000 only where the
 *   routers are used, 4100/-32602/-32600 only before them while the page has no session;
 * - the worker is the same one after each batch and still answers weft_ping;
 * - no approval window opens except for a well-formed weft_requestSession, and whatever opens
 *   is closed at once (the user "rejects"): that request must fail with 4001;
 * - the wallet's state (storage.local, storage.session, the TTM log in IndexedDB) is unchanged
 *   after each batch, except the "rejected" activity entry such a closed session approval
 *   leaves, as it would for a user's real rejection.
 *
 * Run against a locked wallet without a session, then an unlocked one with a session for the
 * page, where validation goes deepest. No router is configured: a well-formed request that gets
 * past validation and the session check stops at the routers with 4901, and no result of a
 * chain method is expected. weft_revokeSession is only sent with params it must refuse while
 * the page has a session (a well-formed one would end it, a state change asked for).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Page } from 'playwright-core';
import { POPUP_PORT } from '../../background/popup-port.ts';
import { CHAIN_ERROR } from '../../background/provider/chain-errors.ts';
import { ErrorCode } from '../../content/provider-protocol.ts';
import { fuzzRuns, fuzzSeed, recordFuzzCount } from '../fuzz.ts';
import {
  answerApproval,
  type ExtensionBrowser,
  launchExtension,
  onboard,
  openPopup,
  type PageServer,
  servePages,
  TEST_ACCOUNT_0,
  TEST_PASSWORD,
} from './harness.ts';

/**
 * Cases in `npm test` (about 10 ms each): requests through window.weft (a third on the locked
 * wallet, the rest with a session), and raw relay frames. `npm run fuzz` sets WEFT_FUZZ_RUNS
 * (>= 10,000), which each of the three runs then uses.
 */
const CI_CASES = 3000;
const CI_FRAMES = 2000;
/** Requests per fast-check run: one page.evaluate each. */
const BATCH = 50;
/** Requests in flight at once in the page. */
const CONCURRENCY = 8;
/** A request not settled by then counts as a hang. */
const HANG_MS = 8_000;

const SESSION_PATHS = ['payment.bcos.asset', 'trade.fab.asset', 'trade.fab.records'];
const SESSION_METHODS = { 'trade.fab.records': ['Read', 'ReadWithGrant'] };

const METHODS = [
  'weft_ping',
  'weft_version',
  'weft_requestSession',
  'weft_getSession',
  'weft_revokeSession',
  'weft_resources',
  'weft_describe',
  'weft_call',
  'weft_getTransaction',
  'weft_sendTransaction',
  'weft_requestGrant',
  'weft_readWithGrant',
  'weft_putRecord',
  'weft_getRecord',
  'weft_sendCrossChainTransaction',
  'weft_proposeSwap',
  'weft_acceptSwap',
  'weft_ttmStatus',
  'weft_ttmList',
] as const;
type MethodName = (typeof METHODS)[number];
const KNOWN = new Set<string>(METHODS);
/** Methods that ask the user: the only ones that may answer 4001 or -32002 (too many waiting). */
const ASKS_USER = new Set<string>([
  'weft_requestSession',
  'weft_sendTransaction',
  'weft_requestGrant',
  'weft_putRecord',
  'weft_sendCrossChainTransaction',
  'weft_proposeSwap',
  'weft_acceptSwap',
]);
/** Methods answered from the wallet alone: never 4901 or -32000. */
const LOCAL = new Set<string>([
  'weft_ping',
  'weft_version',
  'weft_getSession',
  'weft_revokeSession',
  'weft_requestSession',
  'weft_ttmStatus',
  'weft_ttmList',
]);
/** Methods that check the session before any router: 4100 (or a params error) without one. */
const SESSION_FIRST = new Set<string>([
  'weft_resources',
  'weft_describe',
  'weft_call',
  'weft_getTransaction',
  'weft_sendTransaction',
  'weft_requestGrant',
  'weft_putRecord',
  'weft_getRecord',
  'weft_sendCrossChainTransaction',
  'weft_proposeSwap',
  'weft_acceptSwap',
]);
const REQUEST_CODES = new Set<number>([ErrorCode.invalidRequest, ErrorCode.invalidParams]);
/** Every documented code but -32603 (a wallet bug) and 4900 (the worker restarted). */
const ALLOWED_CODES = new Set<number>(
  [...Object.values(ErrorCode), CHAIN_ERROR].filter(
    (c) => c !== ErrorCode.internal && c !== ErrorCode.disconnected,
  ),
);

// ---------------------------------------------------------------------------------------------
// Values: generated in Node as plain values (with markers for what JSON cannot say), sent to the
// page as a tagged tree and rebuilt there, so -0, NaN, BigInt, own `__proto__` keys, functions,
// cycles and the like reach `window.weft.request` exactly.

const MARK = Symbol('fuzz-special');
type SpecialKind =
  | 'function'
  | 'symbol'
  | 'cycle'
  | 'date'
  | 'invalid-date'
  | 'map'
  | 'set'
  | 'regexp'
  | 'error'
  | 'bytes'
  | 'blob'
  | 'element'
  | 'window'
  | 'promise'
  | 'proxy'
  | 'throwing-getter'
  | 'null-prototype'
  | 'huge-64k'
  | 'huge-1m'
  | 'huge-17m'
  | 'deep-100'
  | 'deep-5000';
interface Special {
  [MARK]: SpecialKind;
}
const special = (kind: SpecialKind): Special => ({ [MARK]: kind });

/** The tagged tree the page rebuilds (see `rebuild` in runBatch). */
type Wire =
  | ['s', string]
  | ['n', number | 'NaN' | 'Infinity' | '-Infinity' | '-0']
  | ['b', boolean]
  | ['z']
  | ['u']
  | ['B', string]
  | ['a', Wire[]]
  | ['o', [string, Wire][]]
  | ['x', SpecialKind];

function toWire(value: unknown): Wire {
  if (value === null) return ['z'];
  switch (typeof value) {
    case 'undefined':
      return ['u'];
    case 'string':
      return ['s', value];
    case 'boolean':
      return ['b', value];
    case 'bigint':
      return ['B', value.toString()];
    case 'number':
      if (Number.isNaN(value)) return ['n', 'NaN'];
      if (value === Infinity) return ['n', 'Infinity'];
      if (value === -Infinity) return ['n', '-Infinity'];
      return ['n', Object.is(value, -0) ? '-0' : value];
    case 'object': {
      const kind = (value as Partial<Special>)[MARK];
      if (kind) return ['x', kind];
      if (Array.isArray(value)) return ['a', value.map(toWire)];
      // Own names, so an own `__proto__` key survives.
      const record = value as Record<string, unknown>;
      return ['o', Object.getOwnPropertyNames(record).map((k) => [k, toWire(record[k])])];
    }
    default:
      throw new TypeError(`cannot send ${typeof value}`);
  }
}

/** An object from entries, `__proto__` and all as own keys. */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return object;
}

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  NaN,
  Infinity,
  -Infinity,
  1e308,
  -1e308,
  5e-324,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  2 ** 31,
  -(2 ** 31),
];
const STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  '1e30',
  '0x',
  '0x0',
  '0xzz',
  `0x${'f'.repeat(64)}`,
  `0x${'F'.repeat(40)}`,
  '99999999999999999999999999999999999999',
  '１２３',
  '\u0000',
  '\ud800',
  '\u202e',
  '🦊',
  'a'.repeat(257),
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'weft_ping',
  'null',
  'undefined',
  '{"weftSwap":1}',
];
const key = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 8 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'method', 'params', 'path', 'then'),
  },
);
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...NUMBERS, ...STRINGS, true, false, null, undefined) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24, unit: 'binary' }) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.bigInt() },
  {
    weight: 1,
    arbitrary: fc.constantFrom<SpecialKind>(
      'function',
      'symbol',
      'date',
      'invalid-date',
      'map',
      'set',
      'regexp',
      'error',
      'bytes',
      'blob',
      'element',
      'window',
      'promise',
      'proxy',
      'throwing-getter',
      'null-prototype',
      'huge-64k',
      'deep-100',
      'deep-5000',
    ),
  },
);
/** Any JSON-ish value, nested, with the oddities above at the leaves. */
const junk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 5 }) },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map(objectOf),
    },
  ),
})).value;

// Fields shaped like the real ones: each a valid arbitrary and its near misses. A record starts
// valid and gets a few fields broken, so most requests fail one check deep inside, not the first.

interface Field {
  valid: fc.Arbitrary<unknown>;
  invalid: fc.Arbitrary<unknown>;
}
const field = (valid: fc.Arbitrary<unknown>, ...invalid: fc.Arbitrary<unknown>[]): Field => ({
  valid,
  invalid: fc.oneof(...invalid, junk),
});
const DROP = Symbol('drop');

/**
 * A valid record with up to two fields dropped or broken, and sometimes a stray key. A record
 * nested in another is more often left whole, so that one broken field deep inside is common.
 */
function mutated(fields: Record<string, Field>, nested = false): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(fields);
  const valid = fc.tuple(...keys.map((k) => (fields[k] as Field).valid));
  const breaks = fc.oneof(
    { weight: nested ? 6 : 2, arbitrary: fc.constant([] as [string, string][]) },
    {
      weight: nested ? 2 : 5,
      arbitrary: fc.array(fc.tuple(fc.constantFrom(...keys), fc.constantFrom('drop', 'invalid', 'invalid')), {
        minLength: 1,
        maxLength: 2,
      }),
    },
  );
  const extra = fc.oneof(
    { weight: 5, arbitrary: fc.constant([] as [string, unknown][]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(key, junk), { minLength: 1, maxLength: 2 }) },
  );
  return fc.tuple(valid, breaks, extra).chain(([values, broken, stray]) =>
    fc
      .tuple(...broken.map(([k, how]) => (how === 'drop' ? fc.constant(DROP) : (fields[k] as Field).invalid)))
      .map((replacements) => {
        const record = new Map<string, unknown>(keys.map((k, i) => [k, values[i]]));
        broken.forEach(([k], i) => {
          record.set(k, replacements[i]);
        });
        const entries = [...record].filter(([, v]) => v !== DROP && v !== undefined);
        return objectOf([...entries, ...stray.filter(([k]) => !record.has(k))]);
      }),
  );
}

/** Stands for the page's own origin (unknown until the server runs); the page puts it in. */
const PAGE_ORIGIN = '\u0000page-origin';
const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`)).map((h) => `0x${h}`);
const ASSET_PATHS = ['payment.bcos.asset', 'trade.fab.asset'];
const path = field(
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...SESSION_PATHS, 'payment.bcos.kv') },
    {
      weight: 1,
      arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,10}\.[A-Za-z0-9_-]{1,10}\.[A-Za-z0-9_-]{1,10}$/),
    },
  ),
  fc.constantFrom(
    'a.b',
    'payment..asset',
    '.payment.bcos',
    'payment.bcos.asset.x',
    'payment.bcos.asset ',
    'pay ment.bcos.asset',
    '__proto__.constructor.prototype',
    `a.b.${'c'.repeat(250)}`,
    'payment/bcos/asset',
    '',
  ),
);
const address = field(
  fc.oneof(hex(40), fc.constantFrom(TEST_ACCOUNT_0, TEST_ACCOUNT_0.toLowerCase())),
  fc.constantFrom(
    TEST_ACCOUNT_0.replace('F', 'f'), // a broken checksum
    TEST_ACCOUNT_0.slice(2),
    `${TEST_ACCOUNT_0}00`,
    TEST_ACCOUNT_0.slice(0, 41),
    `0x${'g'.repeat(40)}`,
    `0X${'a'.repeat(40)}`,
  ),
);
const fabricAccount = field(
  fc.constantFrom('alice', 'bob', 'bob@org1', 'a'.repeat(64)),
  fc.constantFrom('a'.repeat(65), 'al ice', '', 'bob/1', 'ä'),
);
const amount = field(
  fc.oneof(
    fc.bigInt({ min: 1n, max: 10n ** 30n - 1n }).map(String),
    fc.integer({ min: 1, max: 10_000 }),
    fc.constant(Number.MAX_SAFE_INTEGER),
  ),
  fc.constantFrom<unknown>(
    '0',
    0,
    -1,
    '-1',
    '1.5',
    1.5,
    '1e3',
    ' 1',
    '0x10',
    '9'.repeat(31),
    2 ** 53,
    -0,
    NaN,
    '',
  ),
  fc.bigInt({ min: 10n ** 30n, max: 10n ** 80n }).map(String),
);
const seconds = (min: number, max: number) =>
  field(
    fc.integer({ min, max }),
    fc.constantFrom<unknown>(min - 1, max + 1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, String(min), -1),
  );
const hex32 = field(
  hex(64),
  hex(63),
  hex(66),
  fc.constantFrom(`0X${'a'.repeat(64)}`, `0x${'g'.repeat(64)}`, `${'a'.repeat(64)}`),
);
const names = field(
  fc.uniqueArray(
    fc.oneof(fc.constantFrom('name', 'dob', 'Read'), fc.string({ minLength: 1, maxLength: 6 })),
    {
      minLength: 1,
      maxLength: 4,
    },
  ),
  fc.constantFrom<unknown>(
    [],
    ['x', 'x'],
    [''],
    ['a'.repeat(201)],
    Array.from({ length: 65 }, (_, i) => `n${i}`),
  ),
  fc.array(fc.oneof(fc.integer(), fc.constant(null)), { minLength: 1, maxLength: 3 }),
);
const methodName = field(
  fc.constantFrom('balanceOf', 'transfer', 'prepare', 'Prepare', 'Read', 'ReadWithGrant', 'totalSupply'),
  fc.constantFrom('', 'x'.repeat(129)),
);
const args = field(
  fc.array(fc.oneof(hex(40), fc.integer({ min: 0, max: 1000 }).map(String), fc.string({ maxLength: 8 })), {
    maxLength: 4,
  }),
  fc.constant(Array.from({ length: 65 }, () => 1)),
  fc.constantFrom<unknown>('a', {}, 1),
);
const free = (arb: fc.Arbitrary<unknown>): Field => field(arb, junk);
/** secp256k1 public keys: compressed, uncompressed, and not on the curve or cut short. */
const publicKey = field(
  fc.constantFrom(
    '0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    '0x0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8',
  ),
  fc.constantFrom<unknown>(`0x02${'0'.repeat(64)}`, `0x05${'a'.repeat(64)}`, '0x02', TEST_ACCOUNT_0, ''),
  hex(66),
);
const recordId = field(
  fc.oneof(fc.constantFrom('kyc', 'lab'), fc.string({ minLength: 1, maxLength: 12 })),
  fc.constantFrom<unknown>('', 'x'.repeat(201), 7, null),
);
const recordFields = field(
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom('name', 'dob'), key), fc.string({ maxLength: 12 })), {
      minLength: 1,
      maxLength: 4,
    })
    .map(objectOf),
  fc.constantFrom<unknown>({}, { name: 1 }, { '': 'x' }, { name: 'x'.repeat(4097) }, []),
  fc.constant(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, 'v']))),
);

/** One side of a swap on `asset`, its chain and accounts agreeing (Fabric names, FISCO BCOS addresses). */
const swapSide = (asset: 'payment.bcos.asset' | 'trade.fab.asset') => {
  const chain = asset === 'trade.fab.asset' ? 'fabric' : 'fisco-bcos';
  const account = chain === 'fabric' ? fabricAccount : address;
  return mutated(
    {
      path: field(fc.constant(asset), path.invalid, fc.constant(ASSET_PATHS.find((p) => p !== asset))),
      chain: field(fc.constant(chain), fc.constantFrom('ethereum', 'Fabric', 1)),
      to: account,
      from: account,
      amount,
      timelock: seconds(1, 2 ** 40),
    },
    true,
  );
};
/** A swap proposal, its two locks on the two assets (either way round). */
const proposal = fc.boolean().chain((bcosFirst) => {
  const [first, second] = bcosFirst
    ? (['payment.bcos.asset', 'trade.fab.asset'] as const)
    : (['trade.fab.asset', 'payment.bcos.asset'] as const);
  return mutated(
    {
      weftSwap: field(fc.constant(1), fc.constantFrom(2, '1', true)),
      id: hex32,
      hashLock: hex32,
      initiatorLock: field(swapSide(first), fc.constant([])),
      participantLock: field(swapSide(second), fc.constant('x')),
    },
    true,
  );
});
const grant = mutated(
  {
    issuer: address,
    audienceOrigin: field(fc.constantFrom(PAGE_ORIGIN, 'https://other.example'), fc.constant('')),
    audienceKey: address,
    resource: path,
    records: names,
    fields: field(fc.constant([]), fc.constant([''])),
    actions: field(fc.constant(['read']), fc.constant([])),
    notBefore: seconds(0, 2 ** 40),
    expiry: seconds(0, 2 ** 40),
    nonce: hex32,
  },
  true,
);

/** The object param of each method: a valid one with a field or two broken. */
const OBJECT_PARAM: Partial<Record<MethodName, fc.Arbitrary<Record<string, unknown>>>> = {
  weft_requestSession: mutated({
    resources: field(
      fc.uniqueArray(path.valid, { minLength: 1, maxLength: 4 }),
      fc.constant([]),
      fc.constant(Array.from({ length: 33 }, (_, i) => `a.b.c${i}`)),
      fc.array(path.invalid, { minLength: 1, maxLength: 2 }),
    ),
    methods: field(
      fc.constant(undefined),
      fc.array(fc.tuple(fc.oneof(fc.constantFrom(...SESSION_PATHS), key), names.valid)).map(objectOf),
      fc.constantFrom<unknown>({ 'payment.bcos.asset': [] }, { 'payment.bcos.asset': [1] }),
    ),
  }),
  weft_describe: mutated({ path }),
  weft_call: mutated({ path, method: methodName, args }),
  weft_sendTransaction: mutated({ path, method: methodName, args }),
  weft_getTransaction: mutated({
    path,
    txId: field(hex(64), fc.constant(''), fc.constant('x'.repeat(201))),
  }),
  weft_requestGrant: mutated({
    resource: path,
    records: names,
    fields: names,
    durationSeconds: seconds(60, 365 * 86_400),
    reason: field(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom('', '   ', 'x'.repeat(501))),
    audiencePublicKey: publicKey,
  }),
  weft_putRecord: mutated({ path, record: recordId, fields: recordFields }),
  weft_getRecord: mutated({ path, record: recordId }),
  weft_readWithGrant: mutated({
    grant: field(grant, fc.constant({})),
    signature: field(hex(130), hex(128)),
    read: free(
      mutated({ grant: hex32, record: free(fc.string()), nonce: hex32, issuedAt: seconds(0, 2 ** 40) }, true),
    ),
    readSignature: field(hex(130), hex(132)),
  }),
  weft_sendCrossChainTransaction: mutated({
    steps: field(
      fc.array(
        fc.constantFrom(...ASSET_PATHS).chain((p) =>
          mutated(
            {
              path: field(fc.constant(p), path.invalid),
              from: p.startsWith('trade') ? fabricAccount : address,
              to: p.startsWith('trade') ? fabricAccount : address,
              amount,
            },
            true,
          ),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      fc.constant([]),
      fc.constant(Array.from({ length: 17 }, () => ({}))),
    ),
    timeoutSeconds: seconds(60, 86_400),
  }),
  weft_proposeSwap: mutated({
    give: free(mutated({ path, amount, to: address, from: fabricAccount }, true)),
    want: free(mutated({ path, amount, to: address }, true)),
    timelockSeconds: seconds(600, 86_400),
  }),
  weft_acceptSwap: mutated({
    proposal: field(
      fc.oneof(
        proposal,
        proposal.map((p) => JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? String(v) : v))),
      ),
      fc.constantFrom('{', ' '.repeat(10_001), 'null', '[]'),
    ),
    from: fabricAccount,
  }),
  weft_ttmStatus: mutated({ id: hex32 }),
};

/** `params` for a method: its real shape (as `[obj]` or bare), or none, or junk around it. */
function paramsFor(method: string, hasSession: boolean): fc.Arbitrary<unknown> {
  const obj = Object.hasOwn(OBJECT_PARAM, method) ? OBJECT_PARAM[method as MethodName] : undefined;
  const none = fc.constantFrom<unknown>(undefined, []);
  const noisy = fc.oneof(
    junk,
    fc.array(junk, { minLength: 1, maxLength: 3 }),
    fc.constantFrom<unknown>(null, 0, '', 'params', true),
  );
  if (method === 'weft_revokeSession' && hasSession) {
    // A well-formed one would end the session: only what it must refuse.
    return noisy.filter((p) => !(p === undefined || (Array.isArray(p) && p.length === 0)));
  }
  if (method === 'weft_ping') {
    return fc.oneof(none, fc.tuple(fc.string({ maxLength: 300 })), noisy);
  }
  if (!obj) return fc.oneof({ weight: 2, arbitrary: none }, { weight: 1, arbitrary: noisy });
  return fc.oneof(
    { weight: 5, arbitrary: obj.map((o) => [o]) },
    { weight: 1, arbitrary: obj },
    { weight: 1, arbitrary: fc.tuple(obj, junk) },
    { weight: 1, arbitrary: none },
    { weight: 1, arbitrary: noisy },
  );
}

/** One generated request and what the checks need to know about it. */
interface Case {
  /** The `method` a well-formed envelope carries, when it is a string. */
  method?: string;
  wire: Wire;
  /** The one code it must get (what cannot be sent at all is -32602). */
  expectCode?: number;
}

function requestCase(hasSession: boolean): fc.Arbitrary<Case> {
  const nearMiss = fc
    .tuple(fc.constantFrom(...METHODS), fc.constantFrom('upper', 'space', 'prefix', 'cut', 'case'))
    .map(([m, how]) =>
      how === 'upper'
        ? m.toUpperCase()
        : how === 'space'
          ? `${m} `
          : how === 'prefix'
            ? `eth_${m.slice(5)}`
            : how === 'cut'
              ? m.slice(0, -1)
              : m.replace('weft_', 'Weft_'),
    );
  const method = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom<string>(...METHODS) },
    { weight: 2, arbitrary: nearMiss },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'toString',
        '__proto__',
        'constructor',
        'hasOwnProperty',
        'eth_sendTransaction',
        '',
        'x'.repeat(129),
        'x'.repeat(128),
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  );
  const envelope = method.chain((m) =>
    fc
      .tuple(
        paramsFor(m, hasSession),
        fc.array(fc.tuple(fc.constantFrom('origin', 'id', 'jsonrpc', '__proto__', 'channel'), junk), {
          maxLength: 2,
        }),
        fc.boolean(),
      )
      .map(([params, extra, omitParams]): Case => {
        const entries: [string, unknown][] = [['method', m]];
        if (!(omitParams && params === undefined)) entries.push(['params', params]);
        return {
          method: m,
          wire: toWire(objectOf([...entries, ...extra])),
        };
      }),
  );
  const notAnObject = junk.map((v): Case => ({ wire: toWire(v) }));
  const oddEnvelope = fc
    .tuple(fc.oneof(junk, fc.constantFrom<unknown>(special('huge-64k'), special('null-prototype'))), junk)
    .map(
      ([m, params]): Case => ({
        // Junk can be a Weft method's name: then the envelope names that method.
        ...(typeof m === 'string' ? { method: m } : {}),
        wire: toWire(
          objectOf([
            ['method', m],
            ['params', params],
          ]),
        ),
      }),
    );
  const uncloneable = fc
    .tuple(
      fc.constantFrom<string>(...METHODS),
      fc.oneof(
        {
          weight: 20,
          arbitrary: fc.constantFrom<SpecialKind>(
            'function',
            'symbol',
            'cycle',
            'element',
            'window',
            'promise',
            'proxy',
            'throwing-getter',
          ),
        },
        // Big messages are slow on the port (1 MiB: ~0.3 s, over the relay's 16 MiB: ~1 s), so
        // rare here; provider.test.ts sends each size once.
        { weight: 1, arbitrary: fc.constantFrom<SpecialKind>('huge-1m', 'huge-17m') },
      ),
      fc.boolean(),
    )
    .map(
      ([m, kind, nested]): Case => ({
        method: m,
        // 1 MiB goes through (and is judged like any request); the rest cannot be sent.
        ...(kind === 'huge-1m' ? {} : { expectCode: ErrorCode.invalidParams }),
        wire: toWire({
          method: m,
          params: nested ? [{ path: 'payment.bcos.asset', x: special(kind) }] : special(kind),
        }),
      }),
    );
  return fc.oneof(
    { weight: 14, arbitrary: envelope },
    { weight: 1, arbitrary: notAnObject },
    { weight: 1, arbitrary: oddEnvelope },
    { weight: 1, arbitrary: uncloneable },
  );
}

// ---------------------------------------------------------------------------------------------
// In the page: rebuild the values and run them.

interface Outcome {
  kind: 'result' | 'error' | 'hang' | 'threw';
  value?: unknown;
  code?: unknown;
  message?: unknown;
  /** Whether the rejection was an Error (ProviderRpcError); undefined for raw frames. */
  isError?: boolean;
}

/** Runs in the page (serialised by Playwright): every helper it needs is inside. */
function pageSide() {
  const holder = window as unknown as { weftFuzz?: unknown };
  if (holder.weftFuzz) return;
  type W = [string, ...unknown[]];
  const rebuild = (w: W, parents: object[]): unknown => {
    switch (w[0]) {
      case 's':
        return w[1] === '\u0000page-origin' ? window.location.origin : w[1];
      case 'b':
        return w[1];
      case 'z':
        return null;
      case 'u':
        return undefined;
      case 'B':
        return BigInt(w[1] as string);
      case 'n':
        return w[1] === '-0' ? -0 : Number(w[1]);
      case 'a': {
        const array: unknown[] = [];
        parents.push(array);
        for (const item of w[1] as W[]) array.push(rebuild(item, parents));
        parents.pop();
        return array;
      }
      case 'o': {
        const object: Record<string, unknown> = {};
        parents.push(object);
        for (const [k, v] of w[1] as [string, W][]) {
          Object.defineProperty(object, k, {
            value: rebuild(v, parents),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        parents.pop();
        return object;
      }
      default:
        return specialValue(w[1] as string, parents);
    }
  };
  const nested = (depth: number) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };
  const specialValue = (kind: string, parents: object[]): unknown => {
    switch (kind) {
      case 'function':
        return () => 1;
      case 'symbol':
        return Symbol('fuzz');
      case 'cycle': {
        const self: unknown[] = [];
        self.push(self);
        return parents.at(-1) ?? self;
      }
      case 'date':
        return new Date(0);
      case 'invalid-date':
        return new Date(Number.NaN);
      case 'map':
        return new Map([['a', 1]]);
      case 'set':
        return new Set([1]);
      case 'regexp':
        return /fuzz/g;
      case 'error':
        return new Error('fuzz');
      case 'bytes':
        return new Uint8Array([1, 2, 3]);
      case 'blob':
        return new Blob(['fuzz']);
      case 'element':
        return document.body;
      case 'window':
        return window;
      case 'promise':
        return Promise.resolve(1);
      case 'proxy':
        return new Proxy({}, {});
      case 'throwing-getter':
        return Object.defineProperty({}, 'x', {
          enumerable: true,
          get() {
            throw new Error('getter');
          },
        });
      case 'null-prototype':
        return Object.assign(Object.create(null), { method: 'weft_ping', params: [] });
      case 'huge-64k':
        return 'x'.repeat(1 << 16);
      case 'huge-1m':
        return 'x'.repeat(1 << 20);
      case 'huge-17m':
        return 'y'.repeat(17 << 20);
      case 'deep-100':
        return nested(100);
      case 'deep-5000':
        return nested(5000);
      default:
        throw new Error(`unknown special ${kind}`);
    }
  };

  /** Runs `task` over `items` with `limit` at a time, in order of the results. */
  async function pool<T, R>(items: T[], limit: number, task: (item: T, i: number) => Promise<R>) {
    const results: R[] = new Array(items.length);
    let next = 0;
    const lane = async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i] as T, i);
      }
    };
    await Promise.all(Array.from({ length: limit }, lane));
    return results;
  }

  const timeout = <T>(promise: Promise<T>, ms: number, late: T) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      promise,
      new Promise<T>((resolve) => {
        timer = setTimeout(() => resolve(late), ms);
      }),
    ]).finally(() => clearTimeout(timer));
  };

  const weft = (window as unknown as { weft: { request(args: unknown): Promise<unknown> } }).weft;

  /** Each request through `window.weft.request`, and how it settled. */
  async function requests(batch: string, limit: number, hangMs: number) {
    return pool(JSON.parse(batch) as W[], limit, async (wire) => {
      const t0 = performance.now();
      try {
        return { ...(await one(wire)), ms: performance.now() - t0 };
      } catch (e) {
        return { kind: 'threw', message: String(e) };
      }
    });
    async function one(wire: W) {
      const args = rebuild(wire, []);
      let pending: Promise<unknown>;
      try {
        pending = weft.request(args);
      } catch (error) {
        return { kind: 'threw', message: String(error) };
      }
      return timeout<Record<string, unknown>>(
        pending.then(
          (value) => ({ kind: 'result', value }),
          (error: { code?: unknown; message?: unknown }) => ({
            kind: 'error',
            code: error?.code,
            message: error?.message,
            isError: error instanceof Error,
          }),
        ),
        hangMs,
        { kind: 'hang' },
      );
    }
  }

  /**
   * Raw frames dispatched as provider-channel events, all at once. Each is a frame (an envelope
   * around a request) under some event type, as some detail: its JSON (after a structured clone,
   * as the provider makes it; the frame itself when that fails), the frame object itself, its
   * JSON cut short, wrapped in an array, or as a JSON string of that JSON. Answers are collected
   * by id; a frame the relay must take (event `weft:page`, a detail that is a JSON string of an
   * object with channel `weft:page` and a string id of at most 128 characters) expects exactly
   * one, any other none.
   */
  async function frames(batch: string, prefix: string, hangMs: number) {
    const answers = new Map<string, unknown[]>();
    const stray: unknown[] = [];
    /** Set while this page dispatches a frame of its own on the answer channel. */
    let forging = false;
    const listen = (event: Event) => {
      if (forging) return;
      const detail = (event as CustomEvent).detail;
      let data: { id?: unknown } | null = null;
      try {
        data = typeof detail === 'string' ? JSON.parse(detail) : null;
      } catch {}
      if (data === null || typeof data !== 'object') {
        stray.push({ notJson: String(detail) });
        return;
      }
      if (!('id' in data)) return; // the worker's events
      const list = typeof data.id === 'string' ? answers.get(data.id) : undefined;
      if (list) list.push(data);
      else stray.push(data);
    };
    const jsonOf = (value: unknown): string | undefined => {
      try {
        return JSON.stringify(structuredClone(value));
      } catch {
        return undefined;
      }
    };
    const detailOf = (frame: unknown, encoding: string): unknown => {
      const json = jsonOf(frame);
      if (json === undefined) return frame;
      switch (encoding) {
        case 'object':
          return frame;
        case 'cut':
          return json.slice(0, -1);
        case 'array':
          return `[${json}]`;
        case 'string':
          return JSON.stringify(json);
        default:
          return json;
      }
    };
    const takes = (type: string, detail: unknown): boolean => {
      if (type !== 'weft:page' || typeof detail !== 'string') return false;
      try {
        const m = JSON.parse(detail) as { channel?: unknown; id?: unknown } | null;
        return (
          typeof m === 'object' &&
          m !== null &&
          m.channel === 'weft:page' &&
          typeof m.id === 'string' &&
          m.id.length <= 128
        );
      } catch {
        return false;
      }
    };
    window.addEventListener('weft:content', listen);
    const posted = (JSON.parse(batch) as [W, string, string][]).map(([wire, type, encoding], i) => {
      const frame = rebuild(wire, []) as { channel?: unknown; id?: unknown } | null;
      if (frame && typeof frame === 'object' && typeof frame.id === 'string') {
        frame.id = `${prefix}${i}:${frame.id}`;
      }
      const id = frame?.id;
      const detail = detailOf(frame, encoding);
      const expect = takes(type, detail);
      // Registered first: the relay may answer inside the dispatch.
      if (typeof id === 'string') answers.set(id, answers.get(id) ?? []);
      forging = type === 'weft:content';
      try {
        window.dispatchEvent(new CustomEvent(type, { detail }));
      } finally {
        forging = false;
      }
      return { expect, sent: true, id };
    });
    const started = performance.now();
    const waiting = () => posted.some((p) => p.expect && (answers.get(p.id as string)?.length ?? 0) === 0);
    while (waiting() && performance.now() - started < hangMs) await new Promise((r) => setTimeout(r, 10));
    // Time for an answer that should not come (a second one, or one to a frame the relay must drop).
    await new Promise((r) => setTimeout(r, 50));
    window.removeEventListener('weft:content', listen);
    return {
      frames: posted.map((p) => ({
        expect: p.expect,
        sent: p.sent,
        answers: typeof p.id === 'string' ? (answers.get(p.id) ?? []) : [],
      })),
      stray,
    };
  }

  holder.weftFuzz = { requests, frames };
}

// ---------------------------------------------------------------------------------------------
// Checks.

interface Phase {
  origin: string;
  /** The page's session (null: none), as weft_getSession must answer it. */
  session: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether `value` is a result `method` may give here (no routers: no chain method answers). */
function validResult(method: string, value: unknown, phase: Phase): boolean {
  switch (method) {
    case 'weft_ping':
      return (
        isObject(value) &&
        value.pong === true &&
        value.origin === phase.origin &&
        (value.echo === undefined || typeof value.echo === 'string') &&
        Object.keys(value).every((k) => ['pong', 'origin', 'echo'].includes(k))
      );
    case 'weft_version':
      return (
        isObject(value) &&
        value.name === 'Weft' &&
        value.apiVersion === 2 &&
        typeof value.version === 'string'
      );
    case 'weft_getSession':
      return isDeepEqual(value, phase.session);
    case 'weft_requestSession':
      // Only an existing session covering what was asked comes back without the user.
      return phase.session !== null && isDeepEqual(value, phase.session);
    case 'weft_revokeSession':
      return phase.session === null && isDeepEqual(value, { revoked: false });
    case 'weft_ttmList':
      return isDeepEqual(value, []);
    default:
      return false;
  }
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with one outcome, or null. */
function problem(c: Case, o: Outcome, phase: Phase): string | null {
  const m = c.method;
  const known = m !== undefined && KNOWN.has(m);
  if (o.kind === 'hang') return `no answer within ${HANG_MS} ms`;
  if (o.kind === 'threw') return `request threw synchronously: ${String(o.message)}`;
  if (o.kind === 'result') {
    if (!known) return 'a result for a request that names no Weft method';
    return validResult(m, o.value, phase) ? null : `unexpected result ${JSON.stringify(o.value)}`;
  }
  const { code, message } = o;
  if (o.isError === false) return 'rejected with something that is not an Error';
  if (typeof code !== 'number' || !ALLOWED_CODES.has(code)) return `code ${String(code)}`;
  if (typeof message !== 'string' || message.length === 0) return 'no message';
  if (c.expectCode !== undefined && code !== c.expectCode) return `code ${code}, not ${c.expectCode}`;
  if (!known && code !== ErrorCode.unsupportedMethod && !REQUEST_CODES.has(code)) {
    return `code ${code} for a request that names no Weft method`;
  }
  if (known && code === ErrorCode.unsupportedMethod) return `4200 for ${m}`;
  if ((code === ErrorCode.userRejected || code === ErrorCode.requestPending) && !ASKS_USER.has(m ?? '')) {
    return `code ${code} from a method that never asks the user`;
  }
  if ((code === ErrorCode.chainDisconnected || code === CHAIN_ERROR) && (!known || LOCAL.has(m))) {
    return `code ${code} from a method that never uses the routers`;
  }
  if (phase.session === null && SESSION_FIRST.has(m ?? '') && code !== ErrorCode.unauthorized) {
    if (!REQUEST_CODES.has(code)) return `code ${code} without a session (4100 first)`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The wallet around the page: its state, its worker, the approval windows.

interface WalletState {
  local: Record<string, unknown>;
  session: Record<string, unknown>;
  ttm: unknown[];
  marker: unknown;
}

/** storage.local, storage.session and the TTM log, read in the worker; `marker` tells a restart. */
async function walletState(browser: ExtensionBrowser): Promise<WalletState> {
  const worker = await browser.worker();
  return worker.evaluate(async () => {
    const g = globalThis as unknown as {
      chrome: { storage: Record<'local' | 'session', { get(k: null): Promise<Record<string, unknown>> }> };
      weftFuzzMarker?: unknown;
    };
    const local = await g.chrome.storage.local.get(null);
    const session = await g.chrome.storage.session.get(null);
    // Only open the log if it exists: opening creates it, without the wallet's schema.
    const exists = (await indexedDB.databases()).some((d) => d.name === 'weft-ttm');
    const ttm = !exists
      ? []
      : await new Promise<unknown[]>((resolve, reject) => {
          const open = indexedDB.open('weft-ttm');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains('records')) {
              db.close();
              resolve([]);
              return;
            }
            const all = db.transaction('records').objectStore('records').getAll();
            all.onsuccess = () => {
              db.close();
              resolve(all.result);
            };
            all.onerror = () => reject(all.error);
          };
        });
    return { local, session, ttm, marker: g.weftFuzzMarker ?? null };
  });
}

async function markWorker(browser: ExtensionBrowser, marker: string): Promise<void> {
  const worker = await browser.worker();
  await worker.evaluate((m) => {
    (globalThis as unknown as { weftFuzzMarker: string }).weftFuzzMarker = m;
  }, marker);
}

interface SeenApproval {
  id: string;
  kind: string;
  origin: string;
}

/**
 * Closes every approval window the wallet opens (the user "rejects"), after noting what it
 * asked. Returns a function that stops watching.
 */
function closeApprovalWindows(browser: ExtensionBrowser, seen: Map<string, SeenApproval>): () => void {
  const onPage = async (window: Page) => {
    if (!window.url().includes('popup/index.html')) return;
    try {
      await window.waitForLoadState('domcontentloaded');
      // What the popup itself hears first on its port: the whole status.
      const status = (await window.evaluate(
        (name) =>
          new Promise((resolve) => {
            const port = (
              globalThis as unknown as { chrome: { runtime: ChromeRuntime } }
            ).chrome.runtime.connect({ name });
            port.onMessage.addListener((message: { status?: unknown }) => {
              port.disconnect();
              resolve(message.status ?? {});
            });
            port.onDisconnect.addListener(() => resolve({}));
          }),
        POPUP_PORT,
      )) as { approvals?: SeenApproval[] };
      for (const { id, kind, origin } of status.approvals ?? []) seen.set(id, { id, kind, origin });
    } catch {
      // Closed meanwhile: its approvals are rejected all the same.
    }
    await window.close().catch(() => {});
  };
  browser.context.on('page', onPage);
  return () => browser.context.off('page', onPage);
}

/** Activity entries in `after` that `before` lacks (the list is newest first). */
function newActivity(before: WalletState, after: WalletState): Record<string, unknown>[] {
  const known = new Set(((before.local.activity as { id: string }[] | undefined) ?? []).map((e) => e.id));
  return ((after.local.activity as Record<string, unknown>[] | undefined) ?? []).filter(
    (e) => !known.has(e.id as string),
  );
}

/** Fails unless the state is as before, but for `allowed` new activity entries. */
function assertUnchanged(
  before: WalletState,
  after: WalletState,
  allowedNew: (e: Record<string, unknown>) => boolean,
) {
  const added = newActivity(before, after);
  const wrong = added.filter((e) => !allowedNew(e));
  assert.deepEqual(wrong, [], 'activity entries a refused request must not leave');
  const strip = (s: WalletState, drop: number) => ({
    ...s,
    local: {
      ...s.local,
      activity: ((s.local.activity as unknown[] | undefined) ?? []).slice(drop),
    },
  });
  const trimmed = strip(after, added.length);
  const kept = ((trimmed.local.activity as unknown[]) ?? []).length;
  assert.deepEqual(
    trimmed,
    {
      ...before,
      local: { ...before.local, activity: ((before.local.activity as unknown[]) ?? []).slice(0, kept) },
    },
    'the wallet state changed',
  );
}

// ---------------------------------------------------------------------------------------------
// The runs.

interface Tally {
  cases: number;
  refused: number;
  results: number;
  approvals: number;
  /** Answers by code (or "result"): how deep the cases got. */
  codes: Record<string, number>;
  ms: number;
}

function count(tally: Tally, key: string): void {
  tally.codes[key] = (tally.codes[key] ?? 0) + 1;
}

const PAGE = '<!doctype html><title>fuzzed dapp</title><body>fuzz</body>';

describe('provider fuzzing through page -> content relay -> worker', { timeout: 3_600_000 }, () => {
  let browser: ExtensionBrowser;
  let server: PageServer;
  let page: Page;
  const total = { requests: { cases: 0, refused: 0 }, frames: { cases: 0, refused: 0 } };

  before(async () => {
    browser = await launchExtension();
    server = await servePages({ '/': PAGE });
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    await page.evaluate(pageSide);
    const popup = await onboard(browser);
    await popup.getByRole('button', { name: 'Lock' }).click();
    await popup.getByTestId('unlock').waitFor();
    await popup.close();
  });

  after(async () => {
    recordFuzzCount('provider', total.requests);
    recordFuzzCount('provider-relay-frames', total.frames);
    await browser?.close();
    await server?.close();
  });

  /** After a batch: the same worker, still answering, no approval left waiting, state as before. */
  async function afterBatch(
    marker: string,
    before: WalletState,
    allowedNew: (e: Record<string, unknown>) => boolean,
  ) {
    const alive = await page.evaluate(() =>
      (window as unknown as { weft: { request(a: unknown): Promise<unknown> } }).weft.request({
        method: 'weft_ping',
        params: ['alive'],
      }),
    );
    assert.deepEqual(
      alive,
      { pong: true, origin: server.origin, echo: 'alive' },
      'weft_ping after the batch',
    );
    const now = await walletState(browser);
    assert.equal(now.marker, marker, 'the worker restarted during the batch');
    assertUnchanged(before, now, allowedNew);
  }

  /** fast-check over batches of generated requests, each batch through one page.evaluate. */
  async function fuzzRequests(phase: Phase, ciCases: number): Promise<Tally> {
    const cases = fuzzRuns(ciCases);
    const tally: Tally = { cases: 0, refused: 0, results: 0, approvals: 0, codes: {}, ms: 0 };
    const marker = crypto.randomUUID();
    await markWorker(browser, marker);
    const seen = new Map<string, SeenApproval>();
    const stop = closeApprovalWindows(browser, seen);
    const started = Date.now();
    const arb = fc.array(requestCase(phase.session !== null), { minLength: BATCH, maxLength: BATCH });
    try {
      await fc.assert(
        fc.asyncProperty(arb, async (batch) => {
          const before = await walletState(browser);
          seen.clear();
          const wires = JSON.stringify(batch.map((c) => c.wire));
          const outcomes = (await page.evaluate(
            ([b, limit, hang]) =>
              (
                window as unknown as {
                  weftFuzz: { requests(b: string, l: number, h: number): Promise<unknown[]> };
                }
              ).weftFuzz.requests(b, limit, hang),
            [wires, CONCURRENCY, HANG_MS] as const,
          )) as Outcome[];
          const failures = batch
            .map((c, i) => ({ c, o: outcomes[i] as Outcome }))
            .map(({ c, o }) => ({ c, o, why: problem(c, o, phase) }))
            .filter((f) => f.why !== null);
          assert.deepEqual(
            failures.map(({ c, o, why }) => ({ why, request: c.wire, outcome: o })),
            [],
            'requests answered wrongly',
          );
          // The user is asked only for a well-formed session request: without routers, nothing else gets that far.
          const asked = [...seen.values()];
          assert.deepEqual(
            asked.filter((a) => a.kind !== 'session' || a.origin !== phase.origin),
            [],
            'approval windows for something other than this page’s session request',
          );
          const rejected = batch.filter(
            (c, i) =>
              c.method === 'weft_requestSession' && (outcomes[i] as Outcome).code === ErrorCode.userRejected,
          ).length;
          if (asked.length > 0) assert.ok(rejected > 0, 'an approval window opened, yet no request got 4001');
          await afterBatch(
            marker,
            before,
            (e) => e.kind === 'session' && e.status === 'rejected' && e.origin === phase.origin,
          );
          const added = newActivity(before, await walletState(browser)).length;
          assert.ok(added <= rejected, `${added} activity entries for ${rejected} rejected session requests`);
          tally.cases += batch.length;
          tally.refused += outcomes.filter((o) => o.kind === 'error').length;
          tally.results += outcomes.filter((o) => o.kind === 'result').length;
          tally.approvals += asked.length;
          for (const o of outcomes) count(tally, o.kind === 'error' ? String(o.code) : o.kind);
        }),
        // No shrinking: each step is a browser batch, and the failure already names each wrong
        // answer with its request; WEFT_FUZZ_SEED replays the run.
        { numRuns: Math.ceil(cases / BATCH), seed: fuzzSeed(), endOnFailure: true },
      );
    } finally {
      stop();
    }
    tally.ms = Date.now() - started;
    total.requests.cases += tally.cases;
    total.requests.refused += tally.refused;
    return tally;
  }

  /**
   * fast-check over batches of raw frames dispatched on the relay's channel: forged envelopes
   * (other channels, missing, odd or overlong ids, a forged origin, result/error fields) around the
   * same requests, under other event types and in details that are no JSON string of an object
   * (the object itself, cut JSON, an array, a JSON string). The relay must pass on exactly the
   * frames it may take, each answered once.
   */
  async function fuzzFrames(phase: Phase, ciCases: number): Promise<Tally> {
    const cases = fuzzRuns(ciCases);
    const tally: Tally = { cases: 0, refused: 0, results: 0, approvals: 0, codes: {}, ms: 0 };
    const marker = crypto.randomUUID();
    await markWorker(browser, marker);
    const seen = new Map<string, SeenApproval>();
    const stop = closeApprovalWindows(browser, seen);
    const started = Date.now();
    let batchNo = 0;
    const frame = fc
      .tuple(
        fc.oneof(
          { weight: 8, arbitrary: fc.constant<unknown>('weft:page') },
          { weight: 1, arbitrary: fc.constantFrom<unknown>('weft:content', 'weft:Page', 'weft:page ', '') },
          { weight: 1, arbitrary: junk },
        ),
        fc.oneof(
          { weight: 8, arbitrary: fc.string({ maxLength: 40 }) },
          { weight: 1, arbitrary: fc.string({ minLength: 129, maxLength: 300 }) },
          { weight: 1, arbitrary: junk },
        ),
        fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        requestCase(phase.session !== null),
        fc.array(fc.tuple(fc.constantFrom('origin', 'result', 'error', 'event', 'data', 'tabId'), junk), {
          maxLength: 2,
        }),
        // The event it is dispatched as, and how its detail carries it (see `frames` in the page).
        fc.oneof(
          { weight: 12, arbitrary: fc.constant('weft:page') },
          { weight: 1, arbitrary: fc.constantFrom('weft:content', 'weft:Page', 'message') },
        ),
        fc.oneof(
          { weight: 12, arbitrary: fc.constant('json') },
          { weight: 1, arbitrary: fc.constantFrom('object', 'cut', 'array', 'string') },
        ),
      )
      .map(([channel, id, withId, request, extra, type, encoding]) => ({
        request,
        type,
        encoding,
        wire: [
          'o',
          [
            ['channel', toWire(channel)],
            ...(withId ? [['id', toWire(id)]] : []),
            ['request', request.wire],
            ...extra.map(([k, v]) => [k, toWire(v)]),
          ],
        ] as Wire,
      }));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
          const before = await walletState(browser);
          seen.clear();
          const prefix = `b${++batchNo}:`;
          const { frames, stray } = (await page.evaluate(
            ([b, p, hang]) =>
              (
                window as unknown as {
                  weftFuzz: { frames(b: string, p: string, h: number): Promise<unknown> };
                }
              ).weftFuzz.frames(b, p, hang),
            [JSON.stringify(batch.map((f) => [f.wire, f.type, f.encoding])), prefix, HANG_MS] as const,
          )) as {
            frames: { expect: boolean; sent: boolean; answers: Record<string, unknown>[] }[];
            stray: unknown[];
          };
          const failures = batch
            .map((f, i) => {
              const { expect, answers } = frames[i] as (typeof frames)[number];
              if (!expect)
                return answers.length === 0
                  ? null
                  : { f, why: 'an answer to a frame the relay must drop', answers };
              if (answers.length !== 1) return { f, why: `${answers.length} answers`, answers };
              const [answer] = answers as [Record<string, unknown>];
              const error = answer.error as { code?: unknown; message?: unknown } | undefined;
              const o: Outcome =
                'result' in answer
                  ? { kind: 'result', value: answer.result }
                  : { kind: 'error', code: error?.code, message: error?.message };
              const why = problem(f.request, o, phase);
              return why ? { f, why, answers } : null;
            })
            .filter((x) => x !== null);
          assert.deepEqual(failures, [], 'frames answered wrongly');
          assert.deepEqual(stray, [], 'answers to ids never posted');
          assert.deepEqual(
            [...seen.values()].filter((a) => a.kind !== 'session' || a.origin !== phase.origin),
            [],
            'approval windows for something other than this page’s session request',
          );
          await afterBatch(
            marker,
            before,
            (e) => e.kind === 'session' && e.status === 'rejected' && e.origin === phase.origin,
          );
          tally.cases += batch.length;
          const answered = frames.flatMap((f) => f.answers);
          tally.refused += answered.filter((a) => 'error' in a).length;
          tally.results += answered.filter((a) => 'result' in a).length;
          tally.approvals += seen.size;
          for (const a of answered)
            count(tally, 'error' in a ? String((a.error as { code: unknown }).code) : 'result');
        }),
        { numRuns: Math.ceil(cases / BATCH), seed: fuzzSeed(), endOnFailure: true },
      );
    } finally {
      stop();
    }
    tally.ms = Date.now() - started;
    total.frames.cases += tally.cases;
    total.frames.refused += tally.refused;
    return tally;
  }

  test('a locked wallet, no session: every request settles with a result or a typed error, nothing changes', async (t) => {
    const tally = await fuzzRequests({ origin: server.origin, session: null }, CI_CASES / 3);
    t.diagnostic(JSON.stringify(tally));
    assert.ok(tally.cases >= fuzzRuns(CI_CASES / 3));
  });

  let session: unknown = null;

  test('an unlocked wallet with a session for the page: the same, with validation at its deepest', async (t) => {
    const popup = await openPopup(browser);
    await popup.locator('input[name="password"]').fill(TEST_PASSWORD);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByTestId('account-0').waitFor({ timeout: 15_000 });
    await popup.close();
    const { outcome } = await answerApproval(browser, page, {
      method: 'weft_requestSession',
      params: [{ resources: SESSION_PATHS, methods: SESSION_METHODS }],
    });
    assert.ok('result' in outcome, JSON.stringify(outcome));
    session = outcome.result;
    const tally = await fuzzRequests({ origin: server.origin, session }, (CI_CASES * 2) / 3);
    t.diagnostic(JSON.stringify(tally));
    assert.ok(tally.cases >= fuzzRuns((CI_CASES * 2) / 3));
  });

  test('raw frames on the relay channel: exactly the frames it may take are answered, once, rightly', async (t) => {
    assert.ok(session, 'needs the session of the previous test');
    const tally = await fuzzFrames({ origin: server.origin, session }, CI_FRAMES);
    t.diagnostic(JSON.stringify(tally));
    assert.ok(tally.cases >= fuzzRuns(CI_FRAMES));
  });
});

/** The part of `chrome.runtime` a popup page uses to open its port. */
interface ChromeRuntime {
  connect(info: { name: string }): {
    onMessage: { addListener(listener: (message: { status?: unknown }) => void): void };
    onDisconnect: { addListener(listener: () => void): void };
    disconnect(): void;
  };
}
