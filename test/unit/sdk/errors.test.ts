/**
 * The SDK's error classes from the errors the wallet really makes: each built by the worker's own
 * code (ProviderError, caipError, pinError, toProviderError, grantReadError), turned into the
 * `{ code, message, data }` a page receives, then into its class with its typed `data`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caipError } from '../../../background/provider/caip/errors.ts';
import { toProviderError } from '../../../background/provider/chain-errors.ts';
import { ProviderError } from '../../../background/provider/errors.ts';
import { grantReadError } from '../../../background/provider/grant-errors.ts';
import { pinError } from '../../../background/provider/methods/session-resource.ts';
import {
  DescriptionChangedError,
  DescriptionNotPinnedError,
} from '../../../background/sessions/resource-pin.ts';
import { EvidenceRefusedError } from '../../../background/trust/verification.ts';
import { CaipErrorCode } from '../../../content/caip-schema.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import { HipError, HipErrorCode } from '../../../p2p/protocol/errors.ts';
import {
  ChainDisconnectedError,
  ChainError,
  DisconnectedError,
  fromRpcError,
  InvalidParamsError,
  InvalidRequestError,
  LimitExceededError,
  RequestPendingError,
  SessionRequestError,
  UnauthorizedError,
  UnsupportedMethodError,
  UserRejectedError,
  WeftError,
} from '../../../sdk/errors.ts';

/** What a page receives: the worker's error as JSON-RPC carries it (cloned, as the channel does). */
const received = (error: ProviderError) => fromRpcError(structuredClone(error.toObject()));

test('an unverified receipt is a ChainError whose data.reason is UNVERIFIED, with path and detail', () => {
  const error = received(
    toProviderError(new EvidenceRefusedError('payment.bcos.asset', 'the chain shows no receipt for 0xab')),
  );
  assert.ok(error instanceof ChainError);
  assert.ok(error instanceof WeftError);
  assert.equal(error.code, -32000);
  assert.equal(error.name, 'ChainError');
  assert.match(error.message, /unverified answer for payment\.bcos\.asset/);
  if (error.data?.reason !== 'UNVERIFIED') assert.fail(`reason ${error.data?.reason}`);
  // Narrowed by the reason: path and detail are typed strings here.
  assert.equal(error.data.path, 'payment.bcos.asset');
  assert.equal(error.data.detail, 'the chain shows no receipt for 0xab');
  assert.equal(error.reason, 'UNVERIFIED');
});

test('a changed resource is an UnauthorizedError with DESCRIPTION_CHANGED and each change', () => {
  const changes = [{ field: 'address' as const, pinned: '0x5fbd', now: '0x7a2c' }];
  const error = received(pinError(new DescriptionChangedError('payment.bcos.asset', changes)));
  assert.ok(error instanceof UnauthorizedError);
  assert.equal(error.code, 4100);
  if (error.data?.reason !== 'DESCRIPTION_CHANGED') assert.fail(`reason ${error.data?.reason}`);
  assert.equal(error.data.path, 'payment.bcos.asset');
  assert.deepEqual(error.data.changes, changes);

  const unpinned = received(pinError(new DescriptionNotPinnedError('trade.fab.asset')));
  assert.ok(unpinned instanceof UnauthorizedError);
  assert.deepEqual(unpinned.data, { reason: 'NOT_PINNED', path: 'trade.fab.asset' });
});

test('every CAIP-25 code is a SessionRequestError with that code and what it is about', () => {
  for (const code of Object.values(CaipErrorCode)) {
    const error = received(caipError(code, 'fisco:1234', { scope: 'fisco:1234', methods: ['eth_call'] }));
    assert.ok(error instanceof SessionRequestError, String(code));
    assert.equal(error.code, code);
    assert.deepEqual(error.data, { scope: 'fisco:1234', methods: ['eth_call'] });
  }
  const unsupported = received(
    caipError(CaipErrorCode.unsupportedChains, 'eip155:1', { scopes: ['eip155:1'] }),
  );
  assert.match((unsupported as Error).message, /^Requested networks are not supported: eip155:1/);
});

test('the EIP-1193 and JSON-RPC codes each get their class', () => {
  const cases: [ProviderError, new (...args: never[]) => WeftError][] = [
    [new ProviderError(ErrorCode.userRejected, 'User rejected the request'), UserRejectedError],
    [new ProviderError(ErrorCode.unauthorized, 'no session'), UnauthorizedError],
    [new ProviderError(ErrorCode.unsupportedMethod, 'unsupported method: eth_call'), UnsupportedMethodError],
    [new ProviderError(ErrorCode.disconnected, 'the wallet stopped'), DisconnectedError],
    [toProviderError(new HipError(HipErrorCode.unreachable, 'gone')), ChainDisconnectedError],
    [
      new ProviderError(ErrorCode.requestPending, 'wait', { reason: 'TOO_MANY_PENDING', limit: 3 }),
      RequestPendingError,
    ],
    [new ProviderError(ErrorCode.invalidRequest, 'not a request'), InvalidRequestError],
    [new ProviderError(ErrorCode.invalidParams, 'a write', { reason: 'WRITE_METHOD' }), InvalidParamsError],
    [
      new ProviderError(-32005, 'too many', { reason: 'TOO_MANY_SUBSCRIPTIONS', limit: 32 }),
      LimitExceededError,
    ],
  ];
  for (const [original, kind] of cases) {
    const error = received(original) as WeftError;
    assert.ok(error instanceof kind, `${original.code} -> ${error.constructor.name}`);
    assert.equal(error.code, original.code);
    assert.equal(error.message, original.message);
    assert.deepEqual(error.data, original.data);
    assert.deepEqual(error.toJSON(), original.toObject());
  }
});

test('a grant refused by the router or the chain keeps its reason and who refused', () => {
  const router = received(
    grantReadError(
      new HipError(HipErrorCode.grantRejected, 'revoked', { reason: 'revoked', grantId: '0x01' }),
    ),
  );
  assert.ok(router instanceof ChainError);
  assert.deepEqual(router.data, { reason: 'revoked', grantId: '0x01', refusedBy: 'router' });
  const chain = received(
    grantReadError(
      new HipError(HipErrorCode.chainReverted, 'reverted', { chainMessage: 'Grant: not yet valid' }),
    ),
  );
  assert.ok(chain instanceof ChainError);
  assert.equal(chain.reason, 'not-yet-valid');
  assert.deepEqual(chain.data, {
    reason: 'not-yet-valid',
    refusedBy: 'chain',
    chainReason: 'Grant: not yet valid',
  });
});

test('a code no family has is a plain WeftError; what is no RPC error is left as it is', () => {
  const other = fromRpcError({ code: 4902, message: 'unrecognized chain', data: { x: 1 } });
  assert.ok(other instanceof WeftError);
  assert.equal(other.constructor, WeftError);
  assert.equal(other.code, 4902);
  assert.deepEqual(other.data, { x: 1 });

  const bug = new TypeError('x is not a function');
  assert.equal(fromRpcError(bug), bug);
  assert.equal(fromRpcError('boom'), 'boom');
  // An error already typed is not wrapped again.
  const typed = new UserRejectedError('no');
  assert.equal(fromRpcError(typed), typed);
});
