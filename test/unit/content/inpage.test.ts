/**
 * The inpage provider's CAIP side in a window of its own: CAIP-294 discovery (announce on load
 * with the extension id the relay hands over, answers to prompts with the chains the worker
 * names, a prompt for other chains left unanswered), the `caip294:<uuid>` JSON-RPC channel, and
 * the worker's events turned into `wallet_notify`, EIP-1193 `message` and `wallet_sessionChanged`.
 * Also the provider channel itself: only JSON string details are read, a forged answer to an id
 * the provider never sent is dropped, params that cannot be sent are refused as before, and a
 * page replacing what the channel uses after load breaks nothing. The window is an EventTarget;
 * the relay and the worker behind it are a script answering on the provider channel, at once.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { NotifyParams, WalletAnnounce } from '../../../content/caip-schema.ts';
import { type Answer, messageOf, pageWindow, withoutUncaught } from './page-window.ts';

const ORIGIN = 'https://dapp.example';
const EXTENSION_ID = 'abcdefghijklmnopabcdefghijklmnop';
const FISCO_CHAIN = 'fisco:249f59e00beac8424a7821c4750fdd70';

const { win, fromWorker } = pageWindow(ORIGIN);

/** What the relay forwarded to the worker, and how the stand-in worker answers each method. */
const asked: { method: string; params?: unknown }[] = [];
const answers = new Map<string, (params: unknown) => Answer | null>();
/** The ids of the requests the relay got, in order. */
const askedIds: string[] = [];
const announces: WalletAnnounce[] = [];
const legacyAnnounces: { info: { uuid: string } }[] = [];

before(async () => {
  Object.assign(globalThis, { window: win, __WEFT_VERSION__: '0.0.0-test' });
  win.addEventListener('caip294:wallet_announce', (e) => announces.push((e as CustomEvent).detail));
  win.addEventListener('weft:announceProvider', (e) => legacyAnnounces.push((e as CustomEvent).detail));
  // The relay: answers the inpage script's hello with the extension id, forwards requests.
  win.addEventListener('weft:inpageHello', () =>
    win.dispatchEvent(new CustomEvent('weft:relayHello', { detail: EXTENSION_ID })),
  );
  win.addEventListener('weft:page', (e) => {
    const data = messageOf(e) as {
      channel?: string;
      id: string;
      request: { method: string; params?: unknown };
    };
    if (data?.channel !== 'weft:page') return;
    asked.push(data.request);
    askedIds.push(data.id);
    const answer = answers.has(data.request.method)
      ? answers.get(data.request.method)?.(data.request.params)
      : { error: { code: 4200, message: `unsupported method: ${data.request.method}` } };
    // null: the worker answers later, if at all.
    if (answer) fromWorker({ id: data.id, ...answer });
  });
  await import('../../../content/inpage.ts');
});

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits (polling) until `done` holds; the machine may be busy, so no fixed delay is trusted. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await tick(5);
  }
}
const weft = () =>
  (
    win as unknown as {
      weft: { request(a: unknown): Promise<unknown>; on(n: string, l: (d: unknown) => void): void };
    }
  ).weft;
const uuid = () => (legacyAnnounces[0] as { info: { uuid: string } }).info.uuid;

describe('CAIP-294 discovery', () => {
  test('announces once on load, with the extension id as its CAIP-341 target, and keeps the old event', async () => {
    await tick(50);
    assert.equal(announces.length, 1);
    const [announce] = announces;
    assert.ok(announce);
    assert.equal(announce.method, 'wallet_announce');
    assert.equal(announce.jsonrpc, '2.0');
    const { params } = announce;
    assert.equal(params.uuid, uuid(), 'one uuid for both events');
    assert.equal(params.name, 'Weft');
    assert.equal(params.rdns, 'dev.weft.wallet');
    assert.match(params.icon, /^data:image\/svg\+xml,/);
    assert.deepEqual(params.target, [{ type: 'caip341', value: EXTENSION_ID }]);
    assert.deepEqual(params.targets, params.target);
    assert.equal((params as unknown as { info: { uuid: string } }).info.uuid, uuid());
    // On load the wallet names its namespaces (it asks its worker nothing for a page that only loads).
    assert.deepEqual(Object.keys(params.scopes ?? {}), ['fisco', 'fabric', 'wallet']);
    assert.ok(params.scopes?.fisco?.methods.includes('fisco_call'));
    assert.deepEqual(params.scopes?.fabric?.notifications, ['fabric_subscription']);
    assert.ok(Object.isFrozen(params) && Object.isFrozen(params.target?.[0]));
    assert.deepEqual(asked, []);
    assert.equal(legacyAnnounces.length, 1);
  });

  test('a later relay hello (a page could send one) changes nothing', async () => {
    win.dispatchEvent(new CustomEvent('weft:relayHello', { detail: 'pppppppppppppppppppppppppppppppp' }));
    await tick();
    assert.equal(announces.length, 1);
  });

  test("a prompt is answered with the chains the worker serves; a prompt for other chains isn't", async () => {
    const prompt = (params: unknown) =>
      win.dispatchEvent(
        new CustomEvent('caip294:wallet_prompt', {
          detail: { id: 1, jsonrpc: '2.0', method: 'wallet_prompt', params },
        }),
      );
    // A worker that cannot name its chains yet: the answer names the namespaces, and is not kept.
    prompt({});
    await until(() => announces.length === 2, 'the answer to a prompt the worker failed');
    assert.ok(!(FISCO_CHAIN in (announces[1]?.params.scopes ?? {})), 'namespaces only');
    announces.splice(1);
    answers.set('weft_scopes', () => ({
      result: {
        [FISCO_CHAIN]: { methods: ['fisco_call'], notifications: ['fisco_subscription'] },
        wallet: { methods: ['weft_ttmList'], notifications: [] },
      },
    }));
    prompt({});
    await until(() => announces.length === 2, 'the answer to a prompt');
    assert.deepEqual(Object.keys(announces[1]?.params.scopes ?? {}), [FISCO_CHAIN, 'wallet']);
    assert.deepEqual(announces[1]?.params.target, [{ type: 'caip341', value: EXTENSION_ID }]);
    prompt({ chains: ['eip155:1'] });
    await tick(50);
    assert.equal(announces.length, 2, 'not for eip155:1');
    prompt({ chains: ['eip155:1', FISCO_CHAIN] });
    await until(() => announces.length === 3, 'the answer to a prompt for a served chain');
    // Asked again after the failure, then once: an answer naming chains is kept a while.
    assert.deepEqual(
      asked.map((a) => a.method),
      ['weft_scopes', 'weft_scopes'],
    );
  });
});

describe('the caip294:<uuid> channel and CAIP notifications', () => {
  const channel: unknown[] = [];

  test('a JSON-RPC request on the channel is answered on it, by id, results and errors', async () => {
    win.addEventListener(`caip294:${uuid()}`, (e) => channel.push((e as CustomEvent).detail));
    answers.set('wallet_getSession', () => ({
      result: { sessionScopes: { [FISCO_CHAIN]: { methods: [] } } },
    }));
    const send = (detail: unknown) => win.dispatchEvent(new CustomEvent(`caip294:${uuid()}`, { detail }));
    send({ id: 7, jsonrpc: '2.0', method: 'wallet_getSession', params: {} });
    send({ id: 'x', jsonrpc: '2.0', method: 'eth_accounts' });
    send({ jsonrpc: '2.0', method: 'no_id' }); // a notification from the page: not a request
    send(null);
    const replyCount = () =>
      channel.filter(
        (d) => (d !== null && 'result' in (d as object)) || (d !== null && 'error' in (d as object)),
      ).length;
    await until(() => replyCount() === 2, 'the two replies');
    const replies = channel.filter(
      (d) => d !== null && (d as { id?: unknown }).id !== undefined && !('method' in (d as object)),
    );
    assert.deepEqual(replies, [
      { id: 7, jsonrpc: '2.0', result: { sessionScopes: { [FISCO_CHAIN]: { methods: [] } } } },
      { id: 'x', jsonrpc: '2.0', error: { code: 4200, message: 'unsupported method: eth_accounts' } },
    ]);
    assert.deepEqual(asked.slice(-2), [
      { method: 'wallet_getSession', params: {} },
      { method: 'eth_accounts' },
    ]);
  });

  test('wallet_notify reaches weft.on listeners, the legacy message event and the channel', async () => {
    const notified: unknown[] = [];
    const messages: unknown[] = [];
    weft().on('wallet_notify', (d) => notified.push(d));
    weft().on('message', (d) => messages.push(d));
    const params: NotifyParams = {
      scope: FISCO_CHAIN,
      notification: {
        method: 'fisco_subscription',
        params: {
          subscription: `0x${'1'.repeat(32)}`,
          result: {
            path: 'payment.bcos.asset',
            address: '0xa5',
            data: '0x',
            blockNumber: '42',
            txId: '0x01',
          },
        },
      },
    };
    fromWorker({ event: 'wallet_notify', data: params });
    await until(() => notified.length === 1, 'the notification');
    assert.deepEqual(notified, [params]);
    assert.deepEqual(messages, [{ type: 'fisco_subscription', data: params.notification.params }]);
    assert.deepEqual(channel.at(-1), { jsonrpc: '2.0', method: 'wallet_notify', params });
  });

  test("the worker's sessionChanged becomes wallet_sessionChanged with the session's scopes", async () => {
    const changed: unknown[] = [];
    weft().on('wallet_sessionChanged', (d) => changed.push(d));
    const before = asked.length;
    fromWorker({ event: 'sessionChanged', data: { origin: ORIGIN, resources: ['payment.bcos.asset'] } });
    await until(() => changed.length === 1, 'the first wallet_sessionChanged');
    assert.deepEqual(asked.slice(before), [{ method: 'wallet_getSession' }]);
    fromWorker({ event: 'sessionChanged', data: null });
    await until(() => changed.length === 2, 'the second wallet_sessionChanged');
    assert.deepEqual(changed, [{ sessionScopes: { [FISCO_CHAIN]: { methods: [] } } }, { sessionScopes: {} }]);
    assert.deepEqual(channel.slice(-2), [
      { jsonrpc: '2.0', method: 'wallet_sessionChanged', params: changed[0] },
      { jsonrpc: '2.0', method: 'wallet_sessionChanged', params: { sessionScopes: {} } },
    ]);
  });
});

describe('the provider channel (weft:page / weft:content events, JSON details)', () => {
  test('an answer to an id the provider never sent, or not a JSON string, is dropped without a throw', async () => {
    answers.set('weft_hold', () => null);
    answers.set('weft_next', () => ({ result: 'the real answer' }));
    let settled: unknown = 'pending';
    const held = weft()
      .request({ method: 'weft_hold' })
      .then(
        (v) => {
          settled = { result: v };
        },
        (e: unknown) => {
          settled = { error: e };
        },
      );
    const id = askedIds.at(-1) as string;
    const [prefix, counter] = [id.slice(0, id.lastIndexOf(':')), Number(id.slice(id.lastIndexOf(':') + 1))];
    const nextId = `${prefix}:${counter + 1}`;
    const content = (detail?: unknown) =>
      win.dispatchEvent(
        detail === undefined ? new Event('weft:content') : new CustomEvent('weft:content', { detail }),
      );
    await withoutUncaught(() => {
      // Ids it never sent: another, and the very next one it will send.
      fromWorker({ id: 'forged', result: 'forged' });
      fromWorker({ id: nextId, result: 'forged for the next id' });
      // The held id, but not as a JSON string of an answer on this channel.
      content();
      content({ channel: 'weft:content', id, result: 'an object, not JSON' });
      content(7);
      content(JSON.stringify({ channel: 'weft:content', id, result: 'cut' }).slice(0, -1));
      content(JSON.stringify([{ channel: 'weft:content', id, result: 'array' }]));
      content(JSON.stringify({ channel: 'weft:page', id, result: 'other channel' }));
      content(JSON.stringify({ channel: 'weft:content', id: counter, result: 'numeric id' }));
      content('null');
      content(JSON.stringify({ channel: 'weft:content', id, error: null }).slice(0, -1));
    });
    assert.equal(settled, 'pending', 'the held request is still waiting');
    fromWorker({ id, result: 'held' });
    await held;
    assert.deepEqual(settled, { result: 'held' });
    // The forged answer for the next id was not kept for it.
    assert.equal(await weft().request({ method: 'weft_next' }), 'the real answer');
    assert.equal(askedIds.at(-1), nextId);
  });

  test('events: only a JSON string detail of a known event reaches listeners', async () => {
    const seen: unknown[] = [];
    weft().on('accountsChanged', (d) => seen.push(d));
    const event = { channel: 'weft:content', event: 'accountsChanged', data: ['0xa'] };
    await withoutUncaught(() => {
      win.dispatchEvent(new CustomEvent('weft:content', { detail: event }));
      win.dispatchEvent(new CustomEvent('weft:content', { detail: `${JSON.stringify(event)},` }));
      win.dispatchEvent(
        new CustomEvent('weft:content', { detail: JSON.stringify({ ...event, event: 'chainChanged' }) }),
      );
      win.dispatchEvent(new Event('weft:content'));
      // A page may give an event of its own a `detail` that throws; the provider reads the real one.
      const odd = new CustomEvent('weft:content', { detail: JSON.stringify(event) });
      Object.defineProperty(odd, 'detail', {
        get() {
          throw new Error('detail');
        },
      });
      assert.equal(seen.length, 0);
      win.dispatchEvent(odd);
    });
    assert.deepEqual(seen, [['0xa']], 'only the well-formed one, its own detail read');
    fromWorker({ event: 'accountsChanged', data: ['0xb'] });
    assert.deepEqual(seen.at(-1), ['0xb'], 'delivered inside the dispatch');
  });

  test('params that cannot be sent are refused -32602 before the relay, as postMessage refused them', async () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    const before = asked.length;
    const refusal = async (params: unknown) =>
      weft()
        .request({ method: 'weft_ping', params })
        .then(
          () => assert.fail('answered'),
          (e: { code: number; message: string; name: string }) => [e.name, e.code, e.message],
        );
    const fn = await refusal([() => 1]);
    assert.deepEqual(fn.slice(0, 2), ['ProviderRpcError', -32602]);
    assert.match(fn[2] as string, /^params cannot be sent: .*could not be cloned/);
    assert.deepEqual(await refusal([1n]), [
      'ProviderRpcError',
      -32602,
      'params cannot be sent: Do not know how to serialize a BigInt',
    ]);
    const circular = await refusal(cycle);
    assert.deepEqual(circular.slice(0, 2), ['ProviderRpcError', -32602]);
    assert.match(circular[2] as string, /^params cannot be sent: Converting circular structure to JSON/);
    const getter = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    assert.deepEqual(await refusal(getter), ['ProviderRpcError', -32602, 'params cannot be sent: getter']);
    assert.equal(asked.length, before, 'none reached the relay');
    // What JSON changes quietly it changes as the port did: undefined dropped, NaN null, a Date its string.
    answers.set('weft_ping', (params) => ({ result: params }));
    assert.deepEqual(
      await weft().request({ method: 'weft_ping', params: [undefined, Number.NaN, new Date(0)] }),
      [null, null, '1970-01-01T00:00:00.000Z'],
    );
  });

  test('a page replacing dispatchEvent, CustomEvent, JSON or the detail getter after load breaks nothing', async () => {
    answers.set('weft_ping', (params) => ({ result: params }));
    const saved = {
      dispatchEvent: Object.getOwnPropertyDescriptor(win, 'dispatchEvent'),
      CustomEvent: globalThis.CustomEvent,
      stringify: JSON.stringify,
      parse: JSON.parse,
      structuredClone: globalThis.structuredClone,
      detail: Object.getOwnPropertyDescriptor(CustomEvent.prototype, 'detail') as PropertyDescriptor,
    };
    const broken = () => {
      throw new Error('replaced by the page');
    };
    try {
      win.dispatchEvent = broken;
      Object.assign(globalThis, { CustomEvent: broken, structuredClone: broken });
      JSON.stringify = broken;
      JSON.parse = broken;
      Object.defineProperty(saved.CustomEvent.prototype, 'detail', { get: broken, configurable: true });
      assert.deepEqual(await weft().request({ method: 'weft_ping', params: ['still'] }), ['still']);
    } finally {
      if (saved.dispatchEvent) Object.defineProperty(win, 'dispatchEvent', saved.dispatchEvent);
      else Reflect.deleteProperty(win, 'dispatchEvent');
      Object.assign(globalThis, { CustomEvent: saved.CustomEvent, structuredClone: saved.structuredClone });
      JSON.stringify = saved.stringify;
      JSON.parse = saved.parse;
      Object.defineProperty(saved.CustomEvent.prototype, 'detail', saved.detail);
    }
  });
});
