/**
 * CAIP-25 sessions over the wallet's own: `wallet_createSession` asks the user through the same
 * approval as `weft_requestSession` (the approval queue here is the real one; the stand-in user
 * answers it), the session stores resource paths with their pins, and its CAIP-25 scopes are
 * derived from the trust anchors: CAIP-2 ids from genesis hashes, CAIP-10 accounts of the signers.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import type { SessionApprovalDetails } from '../../../background/approvals/approval-kinds.ts';
import { CaipErrorCode } from '../../../content/caip-schema.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import {
  ACCOUNT_0,
  ASSET,
  type CaipWallet,
  caipWallet,
  errorOf,
  FAB,
  FABRIC_CHAIN,
  FISCO_CHAIN,
  KV,
  ORIGIN,
  resultOf,
} from './caip-wallet.ts';

/** A chain scope object asking for some of its namespace's methods (`fisco_call`, ...). */
const chainScope = (
  methods = ['fisco_call', 'fisco_sendTransaction'],
  notifications = ['fisco_subscription'],
) => ({ methods, notifications });
const fabricScope = () => chainScope(['fabric_call', 'fabric_sendTransaction'], ['fabric_subscription']);

let wallet: CaipWallet | undefined;
afterEach(async () => {
  await wallet?.close();
  wallet = undefined;
});

interface Answer {
  sessionScopes: Record<string, { methods: string[]; notifications: string[]; accounts: string[] }>;
  sessionProperties?: Record<string, unknown>;
  scopedProperties?: Record<string, { resources: string[] }>;
}

describe('wallet_createSession', () => {
  test('asks the user for every resource of the chains asked for, then answers the session as scopes', async () => {
    wallet = await caipWallet();
    const answer = resultOf(
      await wallet.request('wallet_createSession', {
        requiredScopes: { [FISCO_CHAIN]: chainScope() },
        sessionProperties: { expiry: '2030-01-01T00:00:00Z' },
      }),
    ) as Answer;
    // One approval, the wallet's own session approval, listing the chain's resources.
    assert.equal(wallet.approvals.length, 1);
    assert.equal(wallet.approvals[0]?.kind, 'session');
    assert.deepEqual((wallet.approvals[0]?.details as SessionApprovalDetails | undefined)?.resources, [
      ASSET,
      KV,
    ]);
    const session = await wallet.sessions.get(ORIGIN);
    assert.deepEqual(session?.resources, [ASSET, KV]);
    assert.ok(session?.pins?.[ASSET], 'the resources are pinned as for weft_requestSession');
    assert.deepEqual(Object.keys(answer.sessionScopes).sort(), [FISCO_CHAIN, 'wallet']);
    const fisco = answer.sessionScopes[FISCO_CHAIN];
    assert.deepEqual(fisco?.accounts, [`${FISCO_CHAIN}:${ACCOUNT_0}`]);
    assert.ok(fisco?.methods.includes('fisco_call') && fisco.methods.includes('fisco_subscribe'));
    assert.deepEqual(fisco?.notifications, ['fisco_subscription']);
    assert.ok(answer.sessionScopes.wallet?.methods.includes('weft_sendCrossChainTransaction'));
    assert.deepEqual(answer.sessionProperties, {}, 'session properties are dropped, not kept');
    assert.deepEqual(answer.scopedProperties, { [FISCO_CHAIN]: { resources: [ASSET, KV] } });
    // wallet_getSession answers the same scopes, with no approval.
    const again = resultOf(await wallet.request('wallet_getSession', {})) as Answer;
    assert.deepEqual(again.sessionScopes, answer.sessionScopes);
    assert.equal(wallet.approvals.length, 1);
  });

  test('scopedProperties narrow a chain to the resources named; the user may untick more', async () => {
    wallet = await caipWallet();
    const answer = resultOf(
      await wallet.request('wallet_createSession', {
        optionalScopes: { [FISCO_CHAIN]: chainScope(), [FABRIC_CHAIN]: fabricScope() },
        scopedProperties: { [FISCO_CHAIN]: { resources: [ASSET] } },
      }),
    ) as Answer;
    assert.deepEqual((wallet.approvals[0]?.details as SessionApprovalDetails | undefined)?.resources, [
      ASSET,
      FAB,
    ]);
    assert.deepEqual(answer.scopedProperties, {
      [FABRIC_CHAIN]: { resources: [FAB] },
      [FISCO_CHAIN]: { resources: [ASSET] },
    });
    // Without a Fabric identity the session has no Fabric account (the scope is still held).
    assert.deepEqual(answer.sessionScopes[FABRIC_CHAIN]?.accounts, []);

    wallet.decide.next = () => ({ resources: [FAB] });
    const narrowed = resultOf(
      await wallet.request('wallet_createSession', {
        requiredScopes: { [FISCO_CHAIN]: chainScope(), [FABRIC_CHAIN]: fabricScope() },
      }),
    ) as Answer;
    // A new createSession replaces the session (CAIP-25 without a sessionId): the user granted
    // Fabric only now, and the FISCO BCOS resource of the earlier approval was asked for again, so it stays.
    assert.deepEqual(Object.keys(narrowed.sessionScopes).sort(), [FABRIC_CHAIN, FISCO_CHAIN, 'wallet']);
    assert.deepEqual((await wallet.sessions.get(ORIGIN))?.resources.sort(), [ASSET, FAB]);
  });

  test('a later createSession for fewer chains drops the others without asking', async () => {
    wallet = await caipWallet();
    resultOf(
      await wallet.request('wallet_createSession', {
        requiredScopes: { fisco: { references: [FISCO_CHAIN.slice(6)], ...chainScope() } },
        optionalScopes: { [FABRIC_CHAIN]: fabricScope() },
      }),
    );
    assert.deepEqual((await wallet.sessions.get(ORIGIN))?.resources, [ASSET, KV, FAB]);
    const changes: unknown[] = [];
    wallet.events.on('sessions:changed', ({ session }) => changes.push(session?.resources ?? null));
    const answer = resultOf(
      await wallet.request('wallet_createSession', { requiredScopes: { [FABRIC_CHAIN]: fabricScope() } }),
    ) as Answer;
    assert.equal(wallet.approvals.length, 1, 'narrowing needs no approval');
    assert.deepEqual(Object.keys(answer.sessionScopes).sort(), [FABRIC_CHAIN, 'wallet']);
    const session = await wallet.sessions.get(ORIGIN);
    assert.deepEqual(session?.resources, [FAB]);
    assert.deepEqual(Object.keys(session?.pins ?? {}), [FAB]);
    assert.deepEqual(changes, [[FAB]]);
  });

  test('answers a request in the 2025 shape (scopes, properties) in that shape', async () => {
    wallet = await caipWallet();
    const answer = resultOf(
      await wallet.request('wallet_createSession', {
        scopes: { [FABRIC_CHAIN]: fabricScope() },
        properties: {},
      }),
    ) as { scopes: Record<string, { capabilities?: { resources: string[] } }>; properties: object };
    assert.deepEqual(answer.properties, {});
    assert.deepEqual(answer.scopes[FABRIC_CHAIN]?.capabilities, { resources: [FAB] });
    assert.ok(answer.scopes.wallet);
  });

  test("a session with the wallet's Fabric identity has its CAIP-10 account: MSP id and certificate SHA-256", async () => {
    wallet = await caipWallet({ fabricIdentity: true });
    const answer = resultOf(
      await wallet.request('wallet_createSession', { requiredScopes: { [FABRIC_CHAIN]: fabricScope() } }),
    ) as Answer;
    const [identity] = await wallet.vault.fabricIdentities();
    assert.ok(identity);
    // node:crypto's fingerprint, an implementation independent of the wallet's.
    const fingerprint = new X509Certificate(identity.certificate).fingerprint256
      .replaceAll(':', '')
      .toLowerCase();
    assert.deepEqual(answer.sessionScopes[FABRIC_CHAIN]?.accounts, [
      `${FABRIC_CHAIN}:Org1MSP.${fingerprint}`,
    ]);
  });

  test('the user rejecting is 4001 and leaves no session', async () => {
    wallet = await caipWallet();
    wallet.decide.next = 'reject';
    const error = errorOf(
      await wallet.request('wallet_createSession', { requiredScopes: { [FISCO_CHAIN]: chainScope() } }),
    );
    assert.equal(error.code, ErrorCode.userRejected);
    assert.equal(await wallet.sessions.get(ORIGIN), null);
  });

  test('required scopes the wallet cannot serve fail with the CAIP-25 codes before any approval', async () => {
    wallet = await caipWallet();
    const unknownChain = `fisco:${'0'.repeat(32)}`;
    const cases: [unknown, number][] = [
      [{ requiredScopes: { 'eip155:1': chainScope([], []) } }, CaipErrorCode.unsupportedChains],
      [{ requiredScopes: { [unknownChain]: chainScope() } }, CaipErrorCode.unsupportedChains],
      [
        { requiredScopes: { [FISCO_CHAIN]: chainScope(['eth_sendTransaction']) } },
        CaipErrorCode.unknownMethods,
      ],
      [
        { requiredScopes: { [FISCO_CHAIN]: chainScope(['fisco_call'], ['chainChanged']) } },
        CaipErrorCode.unknownNotifications,
      ],
      [
        { requiredScopes: { [FISCO_CHAIN]: chainScope(['weft_proposeSwap']) } },
        CaipErrorCode.unsupportedMethods,
      ],
      [
        // Known, but in a fisco scope by its namespace's name (fisco_call), and fabric_ names are Fabric's.
        { requiredScopes: { [FISCO_CHAIN]: chainScope(['weft_call', 'fabric_call']) } },
        CaipErrorCode.unsupportedMethods,
      ],
      [
        {
          requiredScopes: { wallet: chainScope(['weft_sendCrossChainTransaction'], ['fisco_subscription']) },
        },
        CaipErrorCode.unsupportedNotifications,
      ],
      [
        {
          requiredScopes: {
            [FISCO_CHAIN]: chainScope(),
            fisco: { references: [FISCO_CHAIN.slice(6)], ...chainScope() },
          },
        },
        CaipErrorCode.chainDefinedTwice,
      ],
      [
        { requiredScopes: { [FISCO_CHAIN]: { ...chainScope(), resources: [ASSET] } } },
        CaipErrorCode.scopedPropertiesMisplaced,
      ],
      [
        {
          requiredScopes: { [FISCO_CHAIN]: chainScope() },
          scopedProperties: { [FISCO_CHAIN]: { resources: [FAB] } },
        },
        CaipErrorCode.invalidScopedProperties,
      ],
      [
        {
          requiredScopes: { [FISCO_CHAIN]: chainScope() },
          scopedProperties: { [FABRIC_CHAIN]: { resources: [FAB] } },
        },
        CaipErrorCode.invalidScopedProperties,
      ],
      [
        { requiredScopes: { [FISCO_CHAIN]: chainScope() }, sessionProperties: 'forever' },
        CaipErrorCode.invalidSessionProperties,
      ],
      [{ requiredScopes: { [FISCO_CHAIN]: 'all of it' } }, ErrorCode.invalidParams],
      [{ requiredScopes: {} }, ErrorCode.invalidParams],
      [{}, ErrorCode.invalidParams],
      [[], ErrorCode.invalidParams],
    ];
    for (const [params, code] of cases) {
      const error = errorOf(await wallet.request('wallet_createSession', params));
      assert.equal(error.code, code, `${JSON.stringify(params)}: ${error.message}`);
    }
    assert.equal(wallet.approvals.length, 0);
    // Optional scopes the wallet cannot serve are dropped; nothing left to approve is 5100.
    const dropped = errorOf(
      await wallet.request('wallet_createSession', {
        optionalScopes: { 'eip155:1': chainScope([], []), [unknownChain]: chainScope() },
      }),
    );
    assert.equal(dropped.code, CaipErrorCode.unsupportedChains);
    const kept = resultOf(
      await wallet.request('wallet_createSession', {
        optionalScopes: {
          'eip155:1': chainScope([], []),
          [FISCO_CHAIN]: chainScope(['fisco_call', 'weft_ttmList', 'weft_call']),
        },
      }),
    ) as Answer;
    assert.deepEqual(Object.keys(kept.sessionScopes).sort(), [FISCO_CHAIN, 'wallet']);
  });
});

describe('wallet_getSession and wallet_revokeSession', () => {
  test('revoking ends the session; getSession then has no scopes; junk params revoke nothing', async () => {
    wallet = await caipWallet();
    resultOf(
      await wallet.request('wallet_createSession', { requiredScopes: { [FISCO_CHAIN]: chainScope() } }),
    );
    assert.equal(
      errorOf(await wallet.request('wallet_revokeSession', { scopes: [FISCO_CHAIN] })).code,
      -32602,
    );
    assert.equal(errorOf(await wallet.request('wallet_revokeSession', [1])).code, -32602);
    assert.ok(await wallet.sessions.get(ORIGIN));
    // A sessionId (this wallet issues none; some libraries send the announce's uuid) is ignored.
    assert.equal(resultOf(await wallet.request('wallet_revokeSession', { sessionId: 'x' })), true);
    assert.equal(await wallet.sessions.get(ORIGIN), null);
    assert.deepEqual(resultOf(await wallet.request('wallet_getSession')), { sessionScopes: {} });
    assert.equal(
      resultOf(await wallet.request('wallet_revokeSession')),
      true,
      'nothing to revoke is no error',
    );
  });

  test('another origin sees none of it', async () => {
    wallet = await caipWallet();
    resultOf(
      await wallet.request('wallet_createSession', { requiredScopes: { [FISCO_CHAIN]: chainScope() } }),
    );
    const other = { origin: 'https://other.example' };
    assert.deepEqual(resultOf(await wallet.request('wallet_getSession', undefined, other)), {
      sessionScopes: {},
    });
    assert.equal(resultOf(await wallet.request('wallet_revokeSession', undefined, other)), true);
    assert.ok(await wallet.sessions.get(ORIGIN), "the other origin's revoke is not this one's");
  });
});
