/**
 * `session.subscribe(path, onEvent)` against a stand-in provider: it subscribes in the chain's
 * scope (`fisco_subscribe`, `fabric_subscribe`), each `wallet_notify` reaches only the handler
 * of its subscription, an event that overtakes the subscribe answer is still delivered, and
 * unsubscribing stops the events and tells the wallet in the same scope.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeftWallet } from '../../../sdk/index.ts';
import type { ResourceEventJson } from '../../../sdk/types.ts';
import { FABRIC, FakeProvider, FISCO, sessionAnswer } from './fake-provider.ts';

const SUB_A = `0x${'a'.repeat(32)}`;
const SUB_B = `0x${'b'.repeat(32)}`;

function event(path: string, blockNumber: string): ResourceEventJson {
  return { path, address: '0x5fbd', name: 'Transfer', args: {}, data: '0x', blockNumber, txId: '0x01' };
}

function notify(provider: FakeProvider, scope: string, subscription: string, result: ResourceEventJson) {
  const method = scope.startsWith('fabric:') ? 'fabric_subscription' : 'fisco_subscription';
  provider.emit('wallet_notify', { scope, notification: { method, params: { subscription, result } } });
}

async function setUp() {
  const ids = new Map([
    ['payment.bcos.asset', SUB_A],
    ['trade.fab.asset', SUB_B],
  ]);
  const provider = new FakeProvider()
    .answer('wallet_getSession', () => sessionAnswer())
    .answer('wallet_invokeMethod', (params) => {
      const { request } = params as { request: { method: string; params: [{ path?: string }] } };
      if (request.method.endsWith('_unsubscribe')) return true;
      return ids.get(request.params[0].path as string);
    });
  const session = await new WeftWallet(provider).getSession();
  provider.asked.length = 0;
  return { provider, session };
}

test('each event reaches the handler of its own subscription, with its scope', async () => {
  const { provider, session } = await setUp();
  const got: [string, string, string][] = [];
  const a = await session.subscribe('payment.bcos.asset', (e, meta) =>
    got.push(['a', e.blockNumber, meta.scope]),
  );
  const b = await session.subscribe('trade.fab.asset', (e, meta) =>
    got.push(['b', e.blockNumber, meta.scope]),
  );
  assert.equal(a.id, SUB_A);
  assert.equal(a.scope, FISCO);
  assert.equal(b.scope, FABRIC);
  assert.deepEqual(
    provider.asked.map((r) => r.params),
    [
      { scope: FISCO, request: { method: 'fisco_subscribe', params: [{ path: 'payment.bcos.asset' }] } },
      { scope: FABRIC, request: { method: 'fabric_subscribe', params: [{ path: 'trade.fab.asset' }] } },
    ],
  );
  notify(provider, FISCO, SUB_A, event('payment.bcos.asset', '7'));
  notify(provider, FABRIC, SUB_B, event('trade.fab.asset', '8'));
  notify(provider, FISCO, `0x${'c'.repeat(32)}`, event('payment.bcos.asset', '9')); // another page's
  notify(provider, FISCO, SUB_A, event('payment.bcos.asset', '10'));
  assert.deepEqual(got, [
    ['a', '7', FISCO],
    ['b', '8', FABRIC],
    ['a', '10', FISCO],
  ]);
  assert.equal(provider.listenerCount('wallet_notify'), 1, 'one listener serves every subscription');
});

test('an event that comes before the subscribe answer is delivered once the id is known', async () => {
  const provider = new FakeProvider()
    .answer('wallet_getSession', () => sessionAnswer())
    .answer('wallet_invokeMethod', () => {
      // The wallet's first event travels ahead of its answer.
      notify(provider, FISCO, SUB_A, event('payment.bcos.asset', '3'));
      return SUB_A;
    });
  const session = await new WeftWallet(provider).getSession();
  const got: string[] = [];
  await session.subscribe('payment.bcos.asset', (e) => got.push(e.blockNumber));
  notify(provider, FISCO, SUB_A, event('payment.bcos.asset', '4'));
  assert.deepEqual(got, ['3', '4']);
});

test('unsubscribe stops the events and ends the subscription in its scope', async () => {
  const { provider, session } = await setUp();
  const got: string[] = [];
  const sub = await session.subscribe('trade.fab.asset', (e) => got.push(e.blockNumber));
  notify(provider, FABRIC, SUB_B, event('trade.fab.asset', '1'));
  assert.equal(await sub.unsubscribe(), true);
  notify(provider, FABRIC, SUB_B, event('trade.fab.asset', '2'));
  assert.deepEqual(got, ['1']);
  assert.deepEqual(provider.asked.at(-1)?.params, {
    scope: FABRIC,
    request: { method: 'fabric_unsubscribe', params: [{ subscription: SUB_B }] },
  });
});

test('a handler that throws does not stop the others', async (t) => {
  const { provider, session } = await setUp();
  t.mock.method(console, 'error', () => {});
  const got: string[] = [];
  await session.subscribe('payment.bcos.asset', () => {
    throw new Error('a bug in the dapp');
  });
  await session.subscribe('trade.fab.asset', (e) => got.push(e.blockNumber));
  notify(provider, FISCO, SUB_A, event('payment.bcos.asset', '1'));
  notify(provider, FABRIC, SUB_B, event('trade.fab.asset', '2'));
  assert.deepEqual(got, ['2']);
});

test('a refused subscribe rejects typed and routes nothing', async () => {
  const provider = new FakeProvider()
    .answer('wallet_getSession', () => sessionAnswer())
    .answer('wallet_invokeMethod', () => {
      throw { code: -32005, message: 'too many', data: { reason: 'TOO_MANY_SUBSCRIPTIONS', limit: 32 } };
    });
  const wallet = new WeftWallet(provider);
  const session = await wallet.getSession();
  await assert.rejects(
    session.subscribe('payment.bcos.asset', () => {}),
    {
      name: 'LimitExceededError',
      code: -32005,
    },
  );
  assert.equal(wallet.notifications.size, 0);
});
