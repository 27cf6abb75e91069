/**
 * CAIP-27 `wallet_invokeMethod` runs the `weft_*` method's own handler, after checking the
 * scope against the session: a read goes to the routers, a write to the user's approval (here
 * rejected by the stand-in user, which proves it reached the real handler's approval), wallet
 * methods in the `wallet` scope; everything out of scope is refused before any handler runs.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { TransactionApprovalDetails } from '../../../background/approvals/approval-kinds.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import {
  ACCOUNT_0,
  ADDRESS_0,
  ASSET,
  type CaipWallet,
  caipWallet,
  errorOf,
  FAB,
  FABRIC_CHAIN,
  FISCO_CHAIN,
  resultOf,
} from './caip-wallet.ts';

let wallet: CaipWallet | undefined;
afterEach(async () => {
  await wallet?.close();
  wallet = undefined;
});

const read = (path = ASSET) => ({
  method: 'fisco_call',
  params: [{ path, method: 'balanceOf', args: [ACCOUNT_0] }],
});

async function withSession(scopes: Record<string, unknown>): Promise<CaipWallet> {
  const w = await caipWallet();
  resultOf(await w.request('wallet_createSession', { requiredScopes: scopes }));
  return w;
}
const chain = { methods: ['fisco_call'], notifications: [] };
const fabric = { methods: ['fabric_call'], notifications: [] };

describe('wallet_invokeMethod', () => {
  test('fisco_call in a fisco scope is the weft_call handler, from the session account', async () => {
    wallet = await withSession({ [FISCO_CHAIN]: chain });
    const asked = wallet.routers.asked.length;
    const result = resultOf(
      await wallet.request('wallet_invokeMethod', { scope: FISCO_CHAIN, request: read() }),
    ) as {
      values: string[];
      verified: { backing: string };
    };
    assert.deepEqual(result.values, ['1000']);
    assert.equal(result.verified.backing, 'router');
    assert.deepEqual(wallet.routers.asked.slice(asked), [`call ${ASSET}.balanceOf from ${ADDRESS_0}`]);
    // CAIP-27's 2025 spelling (`chainId`) and params in an array are the same call.
    const again = resultOf(
      await wallet.request('wallet_invokeMethod', [{ chainId: FISCO_CHAIN, request: read() }]),
    );
    assert.deepEqual((again as { values: string[] }).values, ['1000']);
  });

  test('fisco_sendTransaction goes to the approval of weft_sendTransaction; the user rejecting is 4001', async () => {
    wallet = await withSession({ [FISCO_CHAIN]: chain });
    wallet.decide.next = 'reject';
    const error = errorOf(
      await wallet.request('wallet_invokeMethod', {
        scope: FISCO_CHAIN,
        request: {
          method: 'fisco_sendTransaction',
          params: [{ path: ASSET, method: 'transfer', args: [`0x${'3'.repeat(40)}`, '7'] }],
        },
      }),
    );
    assert.equal(error.code, ErrorCode.userRejected);
    const approval = wallet.approvals.at(-1);
    assert.equal(approval?.kind, 'transaction');
    assert.equal((approval?.details as TransactionApprovalDetails | undefined)?.path, ASSET);
  });

  test('wallet methods run in the wallet scope', async () => {
    wallet = await withSession({ [FISCO_CHAIN]: chain });
    const listed = resultOf(
      await wallet.request('wallet_invokeMethod', { scope: 'wallet', request: { method: 'weft_resources' } }),
    ) as { path: string }[];
    assert.deepEqual(
      listed.map((r) => r.path),
      [ASSET, 'payment.bcos.kv', FAB],
    );
  });

  test('out of scope, out of session, or not a method of the scope: refused before any handler', async () => {
    wallet = await withSession({ [FISCO_CHAIN]: chain, [FABRIC_CHAIN]: fabric });
    await wallet.request('wallet_createSession', {
      requiredScopes: { [FISCO_CHAIN]: chain, [FABRIC_CHAIN]: fabric },
      scopedProperties: { [FISCO_CHAIN]: { resources: [ASSET] } },
    });
    const before = wallet.routers.asked.length;
    const cases: [unknown, number, string?][] = [
      // A FISCO BCOS resource through the Fabric scope.
      [
        { scope: FABRIC_CHAIN, request: { ...read(ASSET), method: 'fabric_call' } },
        ErrorCode.unauthorized,
        'OUT_OF_SCOPE',
      ],
      // A resource of the chain that the session does not hold (narrowed to ASSET above).
      [{ scope: FISCO_CHAIN, request: read('payment.bcos.kv') }, ErrorCode.unauthorized],
      // A chain the session does not hold.
      [{ scope: `fisco:${'1'.repeat(32)}`, request: read() }, ErrorCode.unauthorized, 'SCOPE_NOT_AUTHORIZED'],
      // Methods of other scopes: another namespace's, the wallet's, a chain method under its weft_ name.
      [{ scope: FABRIC_CHAIN, request: read(FAB) }, ErrorCode.unauthorized, 'METHOD_NOT_IN_SCOPE'],
      [{ scope: 'eip155:1', request: read() }, ErrorCode.unauthorized, 'METHOD_NOT_IN_SCOPE'],
      [
        { scope: FISCO_CHAIN, request: { method: 'weft_ttmList' } },
        ErrorCode.unauthorized,
        'METHOD_NOT_IN_SCOPE',
      ],
      [
        { scope: FISCO_CHAIN, request: { ...read(), method: 'weft_call' } },
        ErrorCode.unauthorized,
        'METHOD_NOT_IN_SCOPE',
      ],
      [{ scope: 'wallet', request: read() }, ErrorCode.unauthorized, 'METHOD_NOT_IN_SCOPE'],
      // Not a method of any scope: the session methods themselves, other wallets' methods.
      [{ scope: FISCO_CHAIN, request: { method: 'wallet_revokeSession' } }, ErrorCode.unsupportedMethod],
      [
        { scope: FISCO_CHAIN, request: { method: 'eth_sendTransaction', params: [] } },
        ErrorCode.unsupportedMethod,
      ],
      [{ scope: FISCO_CHAIN, request: { method: 'fisco_drain', params: [] } }, ErrorCode.unsupportedMethod],
      [
        { scope: FISCO_CHAIN, request: { method: 'wallet_invokeMethod', params: {} } },
        ErrorCode.unsupportedMethod,
      ],
      // Malformed.
      [{ scope: 'not a chain', request: read() }, ErrorCode.invalidParams],
      [{ request: read() }, ErrorCode.invalidParams],
      [{ scope: FISCO_CHAIN }, ErrorCode.invalidParams],
      [{ scope: FISCO_CHAIN, request: { method: 'fisco_call', params: 5 } }, ErrorCode.invalidParams],
      [
        { scope: FISCO_CHAIN, request: { method: 'fisco_call', params: [{ path: 'x' }] } },
        ErrorCode.invalidParams,
      ],
    ];
    for (const [params, code, reason] of cases) {
      const error = errorOf(await wallet.request('wallet_invokeMethod', params));
      assert.equal(error.code, code, `${JSON.stringify(params)}: ${error.message}`);
      if (reason) assert.equal((error.data as { reason?: string }).reason, reason, JSON.stringify(params));
    }
    assert.deepEqual(wallet.routers.asked.slice(before), [], 'no refused call reached the routers');
  });

  test('without a session: 4100', async () => {
    wallet = await caipWallet();
    const error = errorOf(
      await wallet.request('wallet_invokeMethod', { scope: FISCO_CHAIN, request: read() }),
    );
    assert.equal(error.code, ErrorCode.unauthorized);
  });
});
