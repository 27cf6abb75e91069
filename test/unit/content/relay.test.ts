/**
 * The content relay (content/relay.ts) in a page window of its own, with the browser's runtime
 * ports as the only stand-in: a scripted worker behind each port records what the relay sends
 * and answers as the test says. What is checked is the relay's bookkeeping of the page's
 * subscriptions across worker restarts: each live one made again under its id on a new port at
 * once, none of those requests answered to the page, requests in flight answered 4900, and a
 * subscription forgotten when the page unsubscribes, when the worker's session change ends it,
 * or when it cannot be made again (the page then told as on a session change).
 */
import assert from 'node:assert/strict';
import { afterEach, before, describe, test } from 'node:test';
import type { PortEvent, PortRequest, PortResponse } from '../../../content/provider-protocol.ts';
import { messageOf, pageWindow, withoutUncaught } from './page-window.ts';

const ORIGIN = 'https://dapp.example';
const EXTENSION_ID = 'abcdefghijklmnopabcdefghijklmnop';
const FISCO_CHAIN = 'fisco:249f59e00beac8424a7821c4750fdd70';
const ASSET = 'payment.bcos.asset';
const KV = 'payment.bcos.kv';
const FAB = 'trade.fab.asset';
const ADDRESS = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const ID_A = `0x${'a1'.repeat(16)}`;
const ID_B = `0x${'b2'.repeat(16)}`;
const ID_C = `0x${'c3'.repeat(16)}`;

const { win, toRelay } = pageWindow(ORIGIN);

type Request = { method: string; params?: unknown };

/** One port as the worker's end sees it: what the relay sent, and the worker's answers and events. */
class WorkerPort {
  readonly name: string;
  readonly sent: PortRequest[] = [];
  open = true;
  readonly #onMessage = new Set<(message: unknown) => void>();
  readonly #onDisconnect = new Set<() => void>();

  constructor(name: string) {
    this.name = name;
  }

  readonly onMessage = { addListener: (l: (message: unknown) => void) => this.#onMessage.add(l) };
  readonly onDisconnect = { addListener: (l: () => void) => this.#onDisconnect.add(l) };

  /** The relay posting: a closed port throws, as Chromium's does. */
  postMessage(message: unknown): void {
    if (!this.open) throw new Error('Attempting to use a disconnected port object');
    this.sent.push(structuredClone(message) as PortRequest);
  }

  disconnect(): void {
    this.open = false;
  }

  /** What the relay asked on this port, in order. */
  requests(): Request[] {
    return this.sent.map((m) => m.request as Request);
  }

  answer(id: string, outcome: { result: unknown } | { error: { code: number; message: string } }): void {
    this.#deliver({ id, ...outcome } as PortResponse);
  }

  /** Answers the `index`th request sent on this port. */
  answerNth(
    index: number,
    outcome: { result: unknown } | { error: { code: number; message: string } },
  ): void {
    const request = this.sent[index];
    assert.ok(request, `request ${index} on the port`);
    this.answer(request.id, outcome);
  }

  event(event: PortEvent['event'], data: unknown): void {
    this.#deliver({ event, data });
  }

  /** The worker stopping: the port closes and the relay hears of it. */
  stop(): void {
    this.open = false;
    for (const listener of this.#onDisconnect) listener();
  }

  #deliver(message: unknown): void {
    assert.ok(this.open, 'a closed port delivers nothing');
    const copy = structuredClone(message);
    for (const listener of this.#onMessage) listener(copy);
  }
}

const ports: WorkerPort[] = [];
const current = () => {
  const port = ports.at(-1);
  assert.ok(port, 'a port was opened');
  return port;
};

/** What the page received from the relay on the provider channel. */
const received: Record<string, unknown>[] = [];
let nextId = 0;

before(async () => {
  const runtime = {
    id: EXTENSION_ID,
    getURL: (path: string) => `chrome-extension://${EXTENSION_ID}/${path}`,
    connect: ({ name }: { name: string }) => {
      const port = new WorkerPort(name);
      ports.push(port);
      return port;
    },
  };
  // The polyfill hands over `browser` as it is when the browser has one (as Firefox does).
  Object.assign(globalThis, { window: win, chrome: { runtime: { id: EXTENSION_ID } }, browser: { runtime } });
  win.addEventListener('weft:content', (e) => {
    const data = messageOf(e);
    if (data?.channel === 'weft:content') received.push(data);
  });
  await import('../../../content/relay.ts');
});

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(done: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await tick();
  }
}

/** The page posting a request on the provider channel; resolves with its id once the relay sent it. */
async function pageSends(request: Request): Promise<string> {
  const id = `page:${++nextId}`;
  const sentBefore = ports.reduce((n, p) => n + p.sent.length, 0);
  toRelay({ id, request });
  await until(
    () => ports.reduce((n, p) => n + p.sent.length, 0) > sentBefore || answerTo(id) !== undefined,
    `the relay taking ${request.method}`,
  );
  return id;
}

const answerTo = (id: string) => received.find((m) => m.id === id);
async function answered(id: string): Promise<Record<string, unknown>> {
  await until(() => answerTo(id) !== undefined, `the answer to ${id}`);
  return answerTo(id) as Record<string, unknown>;
}

/** A subscription the page makes and the worker grants as `id`, on the current port. */
async function subscribed(request: Request, id: string): Promise<void> {
  const pageId = await pageSends(request);
  const port = current();
  assert.deepEqual(port.sent.at(-1), { id: pageId, request });
  port.answer(pageId, { result: id });
  assert.deepEqual(await answered(pageId), { channel: 'weft:content', id: pageId, result: id });
}

const direct = (path: string, extra: object = {}): Request => ({
  method: 'weft_subscribe',
  params: [{ path, ...extra }],
});
const inScope = (method: string, param: object): Request => ({
  method: 'wallet_invokeMethod',
  params: { scope: FISCO_CHAIN, request: { method, params: [param] } },
});

afterEach(async () => {
  // Whatever a test left held is forgotten, as the worker's revocation makes it.
  const port = ports.at(-1);
  if (port?.open) port.event('sessionChanged', null);
  await tick(20);
  received.length = 0;
});

describe('the relay keeps the page subscriptions across worker restarts', () => {
  test('a stopped worker: each live subscription is made again at once under its id; the page keeps its ids', async () => {
    await subscribed(direct(ASSET), ID_A);
    await subscribed(inScope('fisco_subscribe', { path: KV }), ID_B);
    received.length = 0;
    const first = current();
    // A request in flight when the worker stops is answered 4900, as before.
    const pending = await pageSends({
      method: 'weft_call',
      params: [{ path: ASSET, method: 'totalSupply' }],
    });
    first.stop();

    const second = current();
    assert.notEqual(second, first, 'a new port, opened without the page asking anything');
    assert.deepEqual(second.requests(), [
      { method: 'weft_subscribe', params: [{ path: ASSET, subscription: ID_A }] },
      {
        method: 'wallet_invokeMethod',
        params: {
          scope: FISCO_CHAIN,
          request: { method: 'fisco_subscribe', params: [{ path: KV, subscription: ID_B }] },
        },
      },
    ]);
    assert.deepEqual(await answered(pending), {
      channel: 'weft:content',
      id: pending,
      error: { code: 4900, message: 'wallet restarted before answering; retry' },
    });
    second.answerNth(0, { result: ID_A });
    second.answerNth(1, { result: ID_B });
    const notify = {
      scope: FISCO_CHAIN,
      notification: { method: 'fisco_subscription', params: { subscription: ID_A } },
    };
    second.event('wallet_notify', notify);
    await until(() => received.some((m) => m.event === 'wallet_notify'), 'the event');
    await tick(20);
    // The page got the event under its id, and nothing of the relay's own requests.
    assert.deepEqual(received, [
      {
        channel: 'weft:content',
        id: pending,
        error: { code: 4900, message: 'wallet restarted before answering; retry' },
      },
      { channel: 'weft:content', event: 'wallet_notify', data: notify },
    ]);

    // Restored, they are live on the new port: a second restart restores them again.
    second.stop();
    assert.deepEqual(
      current()
        .requests()
        .map((r) => JSON.stringify(r).match(/0x[0-9a-f]{32}/)?.[0]),
      [ID_A, ID_B],
    );
    assert.equal(ports.length, 3);
  });

  test('forgotten when the page unsubscribes or the session stops covering it; none left, no reconnection', async () => {
    await subscribed(direct(ASSET), ID_A);
    await subscribed(direct(KV), ID_B);
    await subscribed(inScope('fisco_subscribe', { path: FAB }), ID_C);
    const port = current();
    // Unsubscribed by the page (in its scope's name), answered by the worker.
    const off = await pageSends(inScope('fisco_unsubscribe', { subscription: ID_C }));
    port.answer(off, { result: true });
    await answered(off);
    // A failed unsubscribe keeps it.
    const refused = await pageSends({ method: 'weft_unsubscribe', params: [{ subscription: ID_A }] });
    port.answer(refused, { error: { code: 4100, message: 'no' } });
    await answered(refused);
    // The worker's session change ends the subscription to KV (the session no longer lists it).
    port.event('sessionChanged', { origin: ORIGIN, resources: [ASSET, FAB], address: ADDRESS });
    await until(() => received.some((m) => m.event === 'sessionChanged'), 'the session change');
    port.stop();
    assert.deepEqual(current().requests(), [
      { method: 'weft_subscribe', params: [{ path: ASSET, subscription: ID_A }] },
    ]);
    current().answerNth(0, { result: ID_A });

    // Revoked: nothing held, so the next stop opens no port.
    current().event('sessionChanged', null);
    const count = ports.length;
    current().stop();
    await tick(20);
    assert.equal(ports.length, count);
  });

  test('a subscription refused again is dropped; the page is told as on a session change', async () => {
    await subscribed(direct(ASSET), ID_A);
    await subscribed(direct(KV), ID_B);
    received.length = 0;
    current().stop();
    const port = current();
    assert.equal(port.sent.length, 2);
    // The session was narrowed while the port was down: the worker refuses ASSET for good.
    port.answerNth(0, { error: { code: 4100, message: 'the session does not include payment.bcos.asset' } });
    port.answerNth(1, { result: ID_B });
    assert.deepEqual(port.requests()[2], { method: 'weft_getSession' });
    const session = { origin: ORIGIN, resources: [KV], address: ADDRESS, account: 0, createdAt: 1 };
    port.answerNth(2, { result: session });
    await until(() => received.some((m) => m.event === 'accountsChanged'), 'the notice');
    assert.deepEqual(
      received.map((m) => [m.event, m.data]),
      [
        ['sessionChanged', session],
        ['accountsChanged', [ADDRESS]],
      ],
    );
    // ASSET is forgotten; KV is live and restored on the next stop.
    port.stop();
    assert.deepEqual(current().requests(), [
      { method: 'weft_subscribe', params: [{ path: KV, subscription: ID_B }] },
    ]);
  });

  test('a worker not ready yet (its routers still connecting) is asked again a moment later', async () => {
    await subscribed(direct(ASSET), ID_A);
    received.length = 0;
    current().stop();
    const port = current();
    const stoppedAt = Date.now();
    port.answerNth(0, { error: { code: 4901, message: 'no routers configured' } });
    await until(() => port.sent.length === 2, 'the second attempt', 5_000);
    assert.ok(Date.now() - stoppedAt >= 900, 'after a second');
    assert.deepEqual(port.requests()[1], {
      method: 'weft_subscribe',
      params: [{ path: ASSET, subscription: ID_A }],
    });
    port.answerNth(1, { result: ID_A });
    await tick(20);
    assert.deepEqual(received, [], 'the page heard nothing of it');
    // The port stopping during an attempt: the attempt goes to the next port, after its back-off.
    port.stop();
    const third = current();
    assert.equal(third.sent.length, 1);
    third.stop();
    assert.equal(current(), third, 'not at once again');
    await until(() => current() !== third, 'the next port', 5_000);
    assert.deepEqual(current().requests(), [
      { method: 'weft_subscribe', params: [{ path: ASSET, subscription: ID_A }] },
    ]);
    current().answerNth(0, { result: ID_A });
  });

  test('unsubscribing one being made again: true at once, and the worker told to end it if it was made', async () => {
    await subscribed(inScope('fisco_subscribe', { path: ASSET }), ID_A);
    current().stop();
    const port = current();
    assert.equal(port.sent.length, 1);
    const off = await pageSends(inScope('fisco_unsubscribe', { subscription: ID_A }));
    assert.deepEqual(await answered(off), { channel: 'weft:content', id: off, result: true });
    assert.equal(port.sent.length, 1, 'the worker was not asked: it does not hold it yet');
    port.answerNth(0, { result: ID_A });
    assert.deepEqual(port.requests()[1], {
      method: 'wallet_invokeMethod',
      params: {
        scope: FISCO_CHAIN,
        request: { method: 'fisco_unsubscribe', params: [{ subscription: ID_A }] },
      },
    });
    port.answerNth(1, { result: true });
    const count = ports.length;
    port.stop();
    assert.equal(ports.length, count, 'nothing left to restore');
  });

  test("a refused subscribe, a malformed id, another method's answer: nothing is held", async () => {
    const refused = await pageSends(direct(ASSET));
    current().answer(refused, { error: { code: 4100, message: 'no session' } });
    await answered(refused);
    const odd = await pageSends(direct(KV));
    current().answer(odd, { result: 'not an id' });
    await answered(odd);
    const call = await pageSends({ method: 'weft_call', params: [{ path: ASSET, subscription: ID_A }] });
    current().answer(call, { result: ID_A });
    await answered(call);
    const count = ports.length;
    current().stop();
    assert.equal(ports.length, count);
  });
});

describe('the weft:page event: only a JSON string of a request is taken', () => {
  test('other details (none, not a string, not JSON, not a request, an overlong id) are dropped without a throw', async () => {
    const sentBefore = ports.reduce((n, p) => n + p.sent.length, 0);
    const request = { method: 'weft_ping', params: ['x'] };
    const page = (detail?: unknown) =>
      win.dispatchEvent(
        detail === undefined ? new Event('weft:page') : new CustomEvent('weft:page', { detail }),
      );
    await withoutUncaught(() => {
      page();
      page(null);
      page({ channel: 'weft:page', id: 'object', request }); // an object, not its JSON
      page(42);
      page('not json');
      page(JSON.stringify({ channel: 'weft:page', id: 'cut', request }).slice(0, -1));
      page(JSON.stringify([{ channel: 'weft:page', id: 'array', request }]));
      page('null');
      page('"weft:page"');
      page(JSON.stringify({ channel: 'weft:content', id: 'other-channel', request }));
      page(JSON.stringify({ id: 'no-channel', request }));
      page(JSON.stringify({ channel: 'weft:page', id: 7, request }));
      page(JSON.stringify({ channel: 'weft:page', request }));
      page(JSON.stringify({ channel: 'weft:page', id: 'x'.repeat(129), request }));
      // A detail whose getter throws, for the relay reads it first.
      const throwing = new CustomEvent('weft:page');
      Object.defineProperty(throwing, 'detail', {
        get() {
          throw new Error('detail');
        },
      });
      win.dispatchEvent(throwing);
    });
    assert.equal(
      ports.reduce((n, p) => n + p.sent.length, 0),
      sentBefore,
      'nothing reached the worker',
    );
    assert.deepEqual(received, [], 'and nothing was answered');

    // The same request as a JSON string is taken, at once (inside the dispatch), its id up to 128.
    const id = 'y'.repeat(128);
    toRelay({ id, request });
    assert.deepEqual(current().sent.at(-1), { id, request });
    current().answer(id, { result: 'pong' });
    assert.deepEqual(received, [{ channel: 'weft:content', id, result: 'pong' }], 'answered at once too');
  });
});
