/**
 * Malformed `wallet_createSession` and `wallet_invokeMethod` params, generated: each one is
 * answered with a typed error carrying the code for what is wrong (never a result, never -32603,
 * never a throw), and nothing reaches the user or the routers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  CaipErrorCode,
  CHAIN_METHOD_SUFFIXES,
  chainScopeMethods,
  WALLET_SCOPE_METHODS,
} from '../../../content/caip-schema.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import { ASSET, type CaipWallet, caipWallet, FISCO_CHAIN } from './caip-wallet.ts';

const RUNS = 200;
const KNOWN = new Set<string>([
  ...chainScopeMethods('fisco'),
  ...chainScopeMethods('fabric'),
  ...CHAIN_METHOD_SUFFIXES.map((suffix) => `weft_${suffix}`),
  ...WALLET_SCOPE_METHODS,
  'fisco_subscription',
  'fabric_subscription',
]);
const CREATE_CODES = new Set<number>([ErrorCode.invalidParams, ...Object.values(CaipErrorCode)]);

let wallet: CaipWallet;
let sessionWallet: CaipWallet;
before(async () => {
  wallet = await caipWallet();
  sessionWallet = await caipWallet();
  const created = await sessionWallet.request('wallet_createSession', {
    requiredScopes: { [FISCO_CHAIN]: { methods: ['fisco_call'], notifications: [] } },
  });
  assert.ok('result' in created, JSON.stringify(created));
});
after(async () => {
  await wallet.close();
  await sessionWallet.close();
});

/** Runs a request and returns its error code; fails the property on a result or an internal error. */
async function codeOf(w: CaipWallet, method: string, params: unknown): Promise<number> {
  const outcome = await w.request(method, params);
  assert.ok('error' in outcome, `a result for ${JSON.stringify(params)}`);
  assert.notEqual(outcome.error.code, ErrorCode.internal, outcome.error.message);
  assert.equal(typeof outcome.error.message, 'string');
  return outcome.error.code;
}

const junk = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
);
const notAnObject = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat()),
);
const unknownName = fc.string({ minLength: 1, maxLength: 40 }).filter((n) => !KNOWN.has(n));
/** Strings that are neither a CAIP-2 id, nor a namespace, nor `wallet`. */
const badKey = fc
  .string({ minLength: 0, maxLength: 40 })
  .filter((k) => !/^[-a-z0-9]{3,8}(:[-_a-zA-Z0-9]{1,32})?$/.test(k));
const scope = { methods: ['fisco_call'], notifications: [] };

describe('wallet_createSession: malformed params', () => {
  test('any JSON at all: a typed error of CAIP-25 or -32602, no approval', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (params) => {
        const code = await codeOf(wallet, 'wallet_createSession', params);
        assert.ok(CREATE_CODES.has(code), `code ${code} for ${JSON.stringify(params)}`);
      }),
      { numRuns: RUNS },
    );
    assert.equal(wallet.approvals.length, 0);
  });

  test('each kind of mistake gets its own code', async () => {
    const cases: [string, fc.Arbitrary<unknown>, number][] = [
      ['scopes not an object', notAnObject.map((v) => ({ requiredScopes: v })), ErrorCode.invalidParams],
      [
        'a scope object not an object',
        junk.map((v) => ({ requiredScopes: { [FISCO_CHAIN]: v } })),
        ErrorCode.invalidParams,
      ],
      [
        'a malformed scope key',
        badKey.map((k) => ({ optionalScopes: { [k]: scope } })),
        ErrorCode.invalidParams,
      ],
      [
        'methods not a list of names',
        junk
          .filter(
            (v) => !(Array.isArray(v) && v.every((n) => typeof n === 'string' && n.length > 0)) && v !== null,
          )
          .map((v) => ({ requiredScopes: { [FISCO_CHAIN]: { methods: v, notifications: [] } } })),
        ErrorCode.invalidParams,
      ],
      [
        'an unknown method',
        unknownName.map((m) => ({ optionalScopes: { [FISCO_CHAIN]: { methods: [m], notifications: [] } } })),
        CaipErrorCode.unknownMethods,
      ],
      [
        'an unknown notification',
        unknownName.map((n) => ({ requiredScopes: { wallet: { methods: [], notifications: [n] } } })),
        CaipErrorCode.unknownNotifications,
      ],
      [
        'a required chain of another namespace',
        fc
          .stringMatching(/^[a-z0-9]{3,8}:[a-zA-Z0-9]{1,32}$/)
          .filter((k) => !k.startsWith('fisco:') && !k.startsWith('fabric:') && !k.startsWith('wallet:'))
          .map((k) => ({ requiredScopes: { [k]: scope } })),
        CaipErrorCode.unsupportedChains,
      ],
      [
        'a required reference that is no genesis hash',
        fc
          .stringMatching(/^[a-zA-Z0-9]{1,32}$/)
          .filter((r) => !/^[0-9a-f]{32}$/.test(r))
          .map((r) => ({ requiredScopes: { [`fisco:${r}`]: scope } })),
        CaipErrorCode.unsupportedChains,
      ],
      [
        'scopedProperties not an object',
        notAnObject.map((v) => ({ requiredScopes: { [FISCO_CHAIN]: scope }, scopedProperties: v })),
        CaipErrorCode.invalidScopedProperties,
      ],
      [
        'resources not a list of paths',
        junk
          .filter((v) => v !== null)
          .map((v) => ({
            requiredScopes: { [FISCO_CHAIN]: scope },
            scopedProperties: { [FISCO_CHAIN]: { resources: v } },
          })),
        CaipErrorCode.invalidScopedProperties,
      ],
      [
        'resources inside a scope object',
        junk.map((v) => ({ requiredScopes: { [FISCO_CHAIN]: { ...scope, resources: v } } })),
        CaipErrorCode.scopedPropertiesMisplaced,
      ],
      [
        'sessionProperties not an object',
        notAnObject.map((v) => ({ requiredScopes: { [FISCO_CHAIN]: scope }, sessionProperties: v })),
        CaipErrorCode.invalidSessionProperties,
      ],
    ];
    for (const [name, params, expected] of cases) {
      await fc.assert(
        fc.asyncProperty(params, async (p) => {
          assert.equal(
            await codeOf(wallet, 'wallet_createSession', p),
            expected,
            `${name}: ${JSON.stringify(p)}`,
          );
        }),
        { numRuns: 60 },
      );
    }
    assert.equal(wallet.approvals.length, 0);
  });
});

describe('wallet_invokeMethod: malformed params', () => {
  test('any JSON at all: -32602, 4100 or 4200, nothing sent', async () => {
    const asked = sessionWallet.routers.asked.length;
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (params) => {
        const code = await codeOf(sessionWallet, 'wallet_invokeMethod', params);
        assert.ok(
          [ErrorCode.invalidParams, ErrorCode.unauthorized, ErrorCode.unsupportedMethod].includes(
            code as never,
          ),
          `code ${code} for ${JSON.stringify(params)}`,
        );
      }),
      { numRuns: RUNS },
    );
    assert.deepEqual(sessionWallet.routers.asked.slice(asked), []);
  });

  test('each kind of mistake gets its own code', async () => {
    const read = { method: 'fisco_call', params: [{ path: ASSET, method: 'balanceOf', args: [] }] };
    const cases: [string, fc.Arbitrary<unknown>, number][] = [
      [
        'a malformed scope',
        badKey.filter((k) => k !== 'wallet').map((k) => ({ scope: k, request: read })),
        ErrorCode.invalidParams,
      ],
      [
        'request not an object',
        junk.map((r) => ({ scope: FISCO_CHAIN, request: r })),
        ErrorCode.invalidParams,
      ],
      [
        'request.method not a name',
        junk
          .filter((m) => typeof m !== 'string' || m === '')
          .map((m) => ({ scope: FISCO_CHAIN, request: { method: m } })),
        ErrorCode.invalidParams,
      ],
      [
        'an unknown method',
        unknownName.map((m) => ({ scope: FISCO_CHAIN, request: { method: m, params: [] } })),
        ErrorCode.unsupportedMethod,
      ],
      [
        'a chain the session does not hold',
        fc
          .stringMatching(/^[0-9a-f]{32}$/)
          .filter((r) => `fisco:${r}` !== FISCO_CHAIN)
          .map((r) => ({ scope: `fisco:${r}`, request: read })),
        ErrorCode.unauthorized,
      ],
      [
        'params of the inner method malformed',
        fc
          .oneof(fc.string(), fc.integer(), fc.boolean())
          .map((p) => ({ scope: FISCO_CHAIN, request: { method: 'fisco_call', params: p } })),
        ErrorCode.invalidParams,
      ],
    ];
    for (const [name, params, expected] of cases) {
      await fc.assert(
        fc.asyncProperty(params, async (p) => {
          assert.equal(
            await codeOf(sessionWallet, 'wallet_invokeMethod', p),
            expected,
            `${name}: ${JSON.stringify(p)}`,
          );
        }),
        { numRuns: 60 },
      );
    }
  });
});
