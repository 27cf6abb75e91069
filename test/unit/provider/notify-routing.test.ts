/**
 * Resource events reach the page that subscribed, and only it: `weft_subscribe` through the
 * worker's real port server (`servePort`) and real provider methods; the browser's ports are the
 * only stand-ins (with the router network, caip-wallet.ts). Subscriptions end when the page
 * unsubscribes, when its port closes, when the session stops covering the resource, and they
 * follow the wallet onto a new light client.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Runtime } from 'webextension-polyfill';
import { MAX_PER_PAGE } from '../../../background/provider/caip/subscriptions.ts';
import { PageEvents } from '../../../background/provider/page-events.ts';
import { servePort } from '../../../background/provider/serve-port.ts';
import type { NotifyParams } from '../../../content/caip-schema.ts';
import type { PortEvent, PortResponse } from '../../../content/provider-protocol.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import { ASSET, type CaipWallet, caipWallet, errorOf, FISCO_CHAIN, KV, ORIGIN } from './caip-wallet.ts';

const EXTENSION = 'abcdefghijklmnopabcdefghijklmnop';

/** A content relay's port as the worker sees it: what the browser would deliver, recorded. */
class FakePort {
  readonly name = 'weft:provider';
  readonly sender: Runtime.MessageSender;
  readonly received: unknown[] = [];
  readonly #onMessage = new Set<(message: unknown) => void>();
  readonly #onDisconnect = new Set<() => void>();
  #next = 0;
  #waiting = new Map<string, (response: PortResponse) => void>();

  constructor(origin: string, tab: number) {
    // Chromium fills `origin` too, which the polyfill's type does not name.
    this.sender = {
      id: EXTENSION,
      origin,
      url: `${origin}/`,
      tab: { id: tab },
    } as unknown as Runtime.MessageSender;
  }

  readonly onMessage = { addListener: (l: (message: unknown) => void) => this.#onMessage.add(l) };
  readonly onDisconnect = { addListener: (l: () => void) => this.#onDisconnect.add(l) };

  postMessage(message: unknown): void {
    const copy = JSON.parse(JSON.stringify(message)) as PortResponse & PortEvent;
    this.received.push(copy);
    if ('id' in copy) this.#waiting.get(copy.id)?.(copy);
  }

  disconnect(): void {}

  /** The relay closing (the page navigated away). */
  close(): void {
    for (const listener of this.#onDisconnect) listener();
  }

  request(method: string, params?: unknown): Promise<PortResponse> {
    const id = `req-${++this.#next}`;
    const answered = new Promise<PortResponse>((resolve) => this.#waiting.set(id, resolve));
    for (const listener of this.#onMessage) listener({ id, request: { method, params } });
    return answered;
  }

  /** The `wallet_notify` events this page got. */
  notifications(): NotifyParams[] {
    return this.received
      .filter((m): m is PortEvent => (m as PortEvent).event === 'wallet_notify')
      .map((m) => m.data as NotifyParams);
  }
}

let wallet: CaipWallet | undefined;
afterEach(async () => {
  await wallet?.close();
  wallet = undefined;
});

async function setUp() {
  wallet = await caipWallet();
  const events = new PageEvents();
  const open = (origin: string, tab: number) => {
    const port = new FakePort(origin, tab);
    servePort(port as unknown as Runtime.Port, EXTENSION, wallet?.methods ?? {}, events);
    return port;
  };
  const a = open(ORIGIN, 1);
  const b = open(ORIGIN, 2);
  const other = open('https://other.example', 3);
  const created = await a.request('wallet_createSession', {
    requiredScopes: {
      [FISCO_CHAIN]: { methods: ['fisco_subscribe'], notifications: ['fisco_subscription'] },
    },
  });
  assert.ok('result' in created, JSON.stringify(created));
  return { w: wallet, a, b, other };
}

const event = (n: number) => ({
  address: `0x${'a5'.repeat(20)}`,
  name: 'Transfer',
  args: { to: `0x${'3'.repeat(40)}`, amount: `${n}` },
  data: '0x' as const,
  blockNumber: BigInt(n),
  txId: `0x${n.toString(16).padStart(64, '0')}`,
});

const resultOf = (response: PortResponse) => {
  assert.ok('result' in response, JSON.stringify(response));
  return response.result;
};

describe('wallet_notify routing', () => {
  test('an event goes to the subscribing page only, tagged with its scope and subscription', async () => {
    const { w, a, b, other } = await setUp();
    const id = resultOf(await a.request('weft_subscribe', [{ path: ASSET }])) as string;
    assert.match(id, /^0x[0-9a-f]{32}$/);
    assert.equal(w.routers.emit(ASSET, event(42)), 1);
    assert.deepEqual(a.notifications(), [
      {
        scope: FISCO_CHAIN,
        notification: {
          method: 'fisco_subscription',
          params: {
            subscription: id,
            result: { ...event(42), blockNumber: '42', path: ASSET },
          },
        },
      },
    ]);
    assert.deepEqual(b.notifications(), [], 'another page of the same site');
    assert.deepEqual(other.notifications(), [], 'another site');

    // The second page subscribes through CAIP-27: its own subscription, its own events.
    const second = resultOf(
      await b.request('wallet_invokeMethod', {
        scope: FISCO_CHAIN,
        request: { method: 'fisco_subscribe', params: [{ path: ASSET }] },
      }),
    ) as string;
    assert.notEqual(second, id);
    w.routers.emit(ASSET, event(43));
    assert.deepEqual(
      a.notifications().map((n) => n.notification.params.subscription),
      [id, id],
    );
    assert.deepEqual(
      b
        .notifications()
        .map((n) => [n.notification.params.subscription, n.notification.params.result.blockNumber]),
      [[second, '43']],
    );
    // A page cannot end another page's subscription.
    assert.equal(resultOf(await b.request('weft_unsubscribe', [{ subscription: id }])), false);
    assert.equal(resultOf(await b.request('weft_unsubscribe', [{ subscription: second }])), true);
    assert.equal(resultOf(await b.request('weft_unsubscribe', [{ subscription: second }])), false);
    w.routers.emit(ASSET, event(44));
    assert.equal(b.notifications().length, 1);
    assert.equal(a.notifications().length, 3);
  });

  test("closing a page's port ends its subscriptions at the routers", async () => {
    const { w, a, b } = await setUp();
    resultOf(await a.request('weft_subscribe', [{ path: ASSET }]));
    resultOf(await a.request('weft_subscribe', [{ path: KV }]));
    resultOf(await b.request('weft_subscribe', [{ path: ASSET }]));
    assert.equal(w.routers.subscriptions.size, 3);
    a.close();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(w.routers.subscriptions.size, 1);
    assert.equal(w.routers.emit(ASSET, event(1)), 1);
    assert.equal(b.notifications().length, 1);
  });

  test('revoking the session (by the site or in the popup) ends its pages’ subscriptions', async () => {
    const { w, a, b } = await setUp();
    resultOf(await a.request('weft_subscribe', [{ path: ASSET }]));
    resultOf(await b.request('weft_subscribe', [{ path: KV }]));
    // The popup's revoke is the session store's, as here.
    await w.sessions.revoke(ORIGIN);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(w.routers.subscriptions.size, 0);
    assert.equal(w.routers.emit(ASSET, event(5)), 0);
    assert.deepEqual(a.notifications(), []);
  });

  test('a session narrowed by a later wallet_createSession ends subscriptions to what it dropped', async () => {
    const { w, a } = await setUp();
    resultOf(await a.request('weft_subscribe', [{ path: ASSET }]));
    resultOf(await a.request('weft_subscribe', [{ path: KV }]));
    resultOf(
      await a.request('wallet_createSession', {
        requiredScopes: { [FISCO_CHAIN]: { methods: [], notifications: [] } },
        scopedProperties: { [FISCO_CHAIN]: { resources: [KV] } },
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      [...w.routers.subscriptions.values()].map((s) => s.path),
      [KV],
    );
  });

  test('subscriptions move to a new light client when the router list changes', async () => {
    const { w, a } = await setUp();
    resultOf(await a.request('weft_subscribe', [{ path: ASSET }]));
    w.routers.replaceClient();
    w.events.emit('routers:link', { connected: true });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      w.routers.asked.filter((q) => q.includes('subscribe')),
      [
        `subscribe ${ASSET} on client 1`,
        `unsubscribe ${ASSET} on client 1`,
        `subscribe ${ASSET} on client 2`,
      ],
    );
    assert.equal(w.routers.emit(ASSET, event(7)), 1);
    assert.equal(a.notifications().length, 1);
  });

  test('a page may ask for its subscription id (the relay restoring it after a restart): ids are per page', async () => {
    const { w, a, b } = await setUp();
    const id = `0x${'5a'.repeat(16)}`;
    assert.equal(resultOf(await a.request('weft_subscribe', [{ path: ASSET, subscription: id }])), id);
    // Another page holds its own ids: the same one is no one else's.
    assert.equal(
      resultOf(
        await b.request('wallet_invokeMethod', {
          scope: FISCO_CHAIN,
          request: { method: 'fisco_subscribe', params: [{ path: KV, subscription: id }] },
        }),
      ),
      id,
    );
    w.routers.emit(ASSET, event(8));
    w.routers.emit(KV, event(9));
    assert.deepEqual(
      a.notifications().map((n) => [n.notification.params.subscription, n.notification.params.result.path]),
      [[id, ASSET]],
    );
    assert.deepEqual(
      b.notifications().map((n) => [n.notification.params.subscription, n.notification.params.result.path]),
      [[id, KV]],
    );
    // One page ending its subscription leaves the other's of the same id.
    assert.equal(resultOf(await a.request('weft_unsubscribe', [{ subscription: id }])), true);
    w.routers.emit(KV, event(10));
    assert.equal(b.notifications().length, 2);
    assert.deepEqual(
      [...w.routers.subscriptions.values()].map((s) => s.path),
      [KV],
    );
    // Ended, the id may be asked for again.
    assert.equal(resultOf(await a.request('weft_subscribe', [{ path: KV, subscription: id }])), id);
  });

  test('a requested id is refused when malformed or held by the page already, before anything is asked', async () => {
    const { w, a } = await setUp();
    const id = `0x${'0f'.repeat(16)}`;
    assert.equal(resultOf(await a.request('weft_subscribe', [{ path: ASSET, subscription: id }])), id);
    const held = errorOf(await a.request('weft_subscribe', [{ path: KV, subscription: id }]));
    assert.equal(held.code, ErrorCode.invalidParams);
    assert.deepEqual(held.data, { reason: 'SUBSCRIPTION_IN_USE', subscription: id });
    for (const bad of [
      id.toUpperCase().replace('0X', '0x'),
      `0x${'0f'.repeat(15)}`,
      `0x${'0f'.repeat(17)}`,
      `${'0f'.repeat(17)}`,
      ` ${id}`,
      '',
      42,
      null,
      [id],
    ]) {
      const asked = w.routers.asked.length;
      const refused = errorOf(await a.request('weft_subscribe', [{ path: KV, subscription: bad }]));
      assert.equal(refused.code, ErrorCode.invalidParams, JSON.stringify(bad));
      assert.match(refused.message, /subscription must be 0x and 32 lowercase hex digits/);
      assert.equal(w.routers.asked.length, asked, `nothing asked of the routers for ${JSON.stringify(bad)}`);
    }
    // Two subscribes asking for one id at once: one gets it, the other is refused.
    const other = `0x${'e1'.repeat(16)}`;
    const both = await Promise.all([
      a.request('weft_subscribe', [{ path: ASSET, subscription: other }]),
      a.request('weft_subscribe', [{ path: KV, subscription: other }]),
    ]);
    assert.deepEqual(
      both.map((r) => ('result' in r ? r.result : r.error.code)).sort(),
      [ErrorCode.invalidParams, other].sort(),
    );
    assert.equal(
      w.routers.subscriptions.size,
      2,
      'the first one and the winner: the refused one never reached the routers',
    );
  });

  test('refusals: no session, a resource outside it, no page channel, too many', async () => {
    const { w, a, other } = await setUp();
    assert.equal(
      errorOf(await other.request('weft_subscribe', [{ path: ASSET }])).code,
      ErrorCode.unauthorized,
    );
    assert.equal(
      errorOf(await a.request('weft_subscribe', [{ path: 'trade.fab.asset' }])).code,
      ErrorCode.unauthorized,
    );
    assert.equal(
      errorOf(await a.request('weft_subscribe', [{ path: 'nope' }])).code,
      ErrorCode.invalidParams,
    );
    assert.equal(
      errorOf(await a.request('weft_unsubscribe', [{ subscription: 'x' }])).code,
      ErrorCode.invalidParams,
    );
    // Called with no page behind it (a test's handleRequest): there is nowhere to send events.
    assert.equal(
      errorOf(await w.request('weft_subscribe', [{ path: ASSET }])).code,
      ErrorCode.unsupportedMethod,
    );
    for (let i = 0; i < MAX_PER_PAGE; i++) resultOf(await a.request('weft_subscribe', [{ path: ASSET }]));
    const over = errorOf(await a.request('weft_subscribe', [{ path: ASSET }]));
    assert.equal(over.code, -32005);
    assert.equal((over.data as { reason: string }).reason, 'TOO_MANY_SUBSCRIPTIONS');
  });
});
