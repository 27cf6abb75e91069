/**
 * The subscription keeper (content/kept-subscriptions.ts) on its own, with a scripted `ask` and
 * mocked timers: what relay.test.ts cannot reach in real time. Checked: which page requests it
 * follows, the restore back-off to the give-up after 8 attempts (the page then told with the
 * session as it is, or `disconnect` when the worker cannot be asked 3 times), and a restore the
 * worker makes under another id (ended there, dropped here).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { KeptSubscriptions, trackedOf } from '../../../content/kept-subscriptions.ts';
import type { PortResponse, ProviderEventName } from '../../../content/provider-protocol.ts';

const FISCO_CHAIN = 'fisco:249f59e00beac8424a7821c4750fdd70';
const ASSET = 'payment.bcos.asset';
const ID_A = `0x${'a1'.repeat(16)}`;
const ID_B = `0x${'b2'.repeat(16)}`;

type Outcome = { result: unknown } | { error: { code: number; message: string } };

/** The relay as the keeper sees it: its own requests, answered as the test says, and the page's events. */
function harness() {
  const asked: { request: unknown; answer: (response: PortResponse, on: object | null) => void }[] = [];
  const events: [ProviderEventName, unknown][] = [];
  const keeper = new KeptSubscriptions({
    ask: (request, answer) => asked.push({ request, answer }),
    toPage: (event, data) => events.push([event, data]),
  });
  const answer = (index: number, outcome: Outcome, on: object | null = link) => {
    const entry = asked[index];
    assert.ok(entry, `request ${index} was asked`);
    entry.answer({ id: `own:${index}`, ...outcome } as PortResponse, on);
  };
  return { keeper, asked, events, answer };
}

const link = { name: 'the first port' };
const restoreOf = (id: string, method = 'weft_subscribe') => ({
  method,
  params: [{ path: ASSET, subscription: id }],
});
const inScope = (request: unknown) => ({
  method: 'wallet_invokeMethod',
  params: { scope: FISCO_CHAIN, request },
});

describe('trackedOf: what of a page request the keeper follows', () => {
  test('subscribe and unsubscribe, directly or in a chain scope; anything else is not followed', () => {
    assert.deepEqual(trackedOf({ method: 'weft_subscribe', params: [{ path: ASSET }] }), {
      kind: 'subscribe',
      path: ASSET,
      scope: null,
      method: 'weft_subscribe',
    });
    assert.deepEqual(
      trackedOf({
        method: 'wallet_invokeMethod',
        params: { chainId: FISCO_CHAIN, request: { method: 'fisco_subscribe', params: { path: ASSET } } },
      }),
      { kind: 'subscribe', path: ASSET, scope: FISCO_CHAIN, method: 'fisco_subscribe' },
    );
    assert.deepEqual(
      trackedOf({
        method: 'wallet_invokeMethod',
        params: [
          { scope: FISCO_CHAIN, request: { method: 'fisco_unsubscribe', params: [{ subscription: ID_A }] } },
        ],
      }),
      { kind: 'unsubscribe', subscription: ID_A, scope: FISCO_CHAIN },
    );
    assert.equal(trackedOf({ method: 'weft_call', params: [{ path: ASSET }] }), null);
    assert.equal(trackedOf({ method: 'weft_subscribe', params: [{ path: 7 }] }), null);
    assert.equal(
      trackedOf({ method: 'wallet_invokeMethod', params: { request: { method: 'fisco_subscribe' } } }),
      null,
    );
    assert.equal(trackedOf('weft_subscribe'), null);
  });
});

describe('restoring a subscription', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  test('a worker not ready is asked after 1, 2, 4, 8, 16, 30, 30 s; after 8 attempts the page is told', () => {
    const { keeper, asked, events, answer } = harness();
    keeper.answered(trackedOf(restoreOf(ID_A)) ?? assert.fail(), { id: 'page:1', result: ID_A }, link);
    keeper.disconnected({ name: 'another port' });
    assert.equal(asked.length, 0, 'not held on that port');
    keeper.disconnected(link);
    assert.deepEqual(asked[0]?.request, restoreOf(ID_A));

    const waits: number[] = [];
    for (let attempt = 1; attempt < 8; attempt++) {
      answer(attempt - 1, { error: { code: 4901, message: 'no routers configured' } }, null);
      let waited = 0;
      while (asked.length === attempt) {
        assert.ok(waited < 60_000, `attempt ${attempt + 1} was made`);
        mock.timers.tick(500);
        waited += 500;
      }
      waits.push(waited);
      assert.deepEqual(asked[attempt]?.request, restoreOf(ID_A));
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);

    answer(7, { error: { code: 4901, message: 'no routers configured' } }, null);
    assert.deepEqual(asked[8]?.request, { method: 'weft_getSession' }, 'given up: the page is told');
    // The worker cannot be asked: twice more, a second apart, then `disconnect`.
    answer(8, { error: { code: 4900, message: 'the wallet cannot be reached' } }, null);
    mock.timers.tick(1_000);
    answer(9, { error: { code: 4900, message: 'the wallet cannot be reached' } }, null);
    mock.timers.tick(1_000);
    assert.deepEqual(events, []);
    answer(10, { error: { code: 4900, message: 'the wallet cannot be reached' } }, null);
    assert.deepEqual(events, [['disconnect', { code: 4900 }]]);
    assert.equal(asked.length, 11);

    // Forgotten: a later stop asks nothing.
    keeper.disconnected(link);
    mock.timers.tick(60_000);
    assert.equal(asked.length, 11);
  });

  test('made under another id: the worker is told to end that one, and the page of the drop', () => {
    const { keeper, asked, events, answer } = harness();
    const made = inScope({ method: 'fisco_subscribe', params: [{ path: ASSET }] });
    keeper.answered(trackedOf(made) ?? assert.fail(), { id: 'page:1', result: ID_A }, link);
    keeper.disconnected(link);
    assert.deepEqual(asked[0]?.request, inScope(restoreOf(ID_A, 'fisco_subscribe')));
    answer(0, { result: ID_B });
    assert.deepEqual(
      asked[1]?.request,
      inScope({ method: 'fisco_unsubscribe', params: [{ subscription: ID_B }] }),
    );
    assert.deepEqual(asked[2]?.request, { method: 'weft_getSession' });
    answer(2, { result: null });
    assert.deepEqual(events, [
      ['sessionChanged', null],
      ['accountsChanged', []],
    ]);
    assert.equal(asked.length, 3);
  });

  test('an unsubscribe from one being restored ends it here; a live one is left to the worker', () => {
    const { keeper, asked, answer } = harness();
    keeper.answered(trackedOf(restoreOf(ID_A)) ?? assert.fail(), { id: 'page:1', result: ID_A }, link);
    const off = trackedOf({ method: 'weft_unsubscribe', params: [{ subscription: ID_A }] });
    assert.equal(keeper.unsubscribedHere(off), false, 'live: the worker holds it');
    keeper.disconnected(link);
    const inOtherScope = trackedOf(
      inScope({ method: 'fisco_unsubscribe', params: [{ subscription: ID_A }] }),
    );
    assert.equal(keeper.unsubscribedHere(inOtherScope), false, 'not the scope it was made in');
    assert.equal(keeper.unsubscribedHere(off), true);
    // The restore, answered after: the worker is told to end it.
    answer(0, { result: ID_A });
    assert.deepEqual(asked[1]?.request, { method: 'weft_unsubscribe', params: [{ subscription: ID_A }] });
  });
});
