/**
 * The SDK against Weft's real inpage provider (content/inpage.ts) in a window of its own, with a
 * stand-in for the relay and the worker: the SDK finds the wallet by CAIP-294, talks over its
 * `caip294:<uuid>` channel, and the worker sees exactly the CAIP-25 / CAIP-27 requests the SDK
 * means; errors, `wallet_notify` and `wallet_sessionChanged` come back typed and routed.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  ChainError,
  type DiscoveredWallet,
  findWallet,
  InvalidRequestError,
  WeftWallet,
} from '../../../sdk/index.ts';
import type { ResourceEventJson } from '../../../sdk/types.ts';
import { type Answer, messageOf, pageWindow } from '../content/page-window.ts';

const ORIGIN = 'https://dapp.example';
const FISCO = 'fisco:249f59e00beac8424a7821c4750fdd70';
const ADDRESS = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const SUBSCRIPTION = `0x${'5'.repeat(32)}`;

const { win, fromWorker } = pageWindow(ORIGIN);

/** What reached the worker, and how the stand-in worker answers each method. */
const asked: { method: string; params?: unknown }[] = [];
const answers = new Map<string, (params: unknown) => Answer>();

const sessionScopes = {
  [FISCO]: {
    methods: ['fisco_call', 'fisco_subscribe'],
    notifications: ['fisco_subscription'],
    accounts: [`${FISCO}:${ADDRESS}`],
  },
  wallet: { methods: ['weft_ttmList'], notifications: [], accounts: [] },
};
const scopedProperties = { [FISCO]: { resources: ['payment.bcos.asset'] } };

let found: DiscoveredWallet | null = null;

before(async () => {
  Object.assign(globalThis, { window: win, __WEFT_VERSION__: '0.0.0-test' });
  win.addEventListener('weft:inpageHello', () =>
    win.dispatchEvent(new CustomEvent('weft:relayHello', { detail: 'abcdefghijklmnopabcdefghijklmnop' })),
  );
  win.addEventListener('weft:page', (e) => {
    const data = messageOf(e) as {
      channel?: string;
      id: string;
      request: { method: string; params?: unknown };
    };
    if (data?.channel !== 'weft:page') return;
    asked.push(data.request);
    const answer = answers.get(data.request.method)?.(data.request.params) ?? {
      error: { code: 4200, message: `unsupported method: ${data.request.method}` },
    };
    fromWorker({ id: data.id, ...answer });
  });
  answers.set('weft_scopes', () => ({
    result: {
      [FISCO]: { methods: ['fisco_call'], notifications: ['fisco_subscription'] },
      wallet: { methods: [], notifications: [] },
    },
  }));
  await import('../../../content/inpage.ts');
  found = await findWallet({ target: win, timeoutMs: 3_000 });
});

const wallet = () => WeftWallet.from(found as DiscoveredWallet);

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('finds Weft by CAIP-294, with the chains its worker serves, and talks over its channel', async () => {
  assert.ok(found);
  assert.equal(found.via, 'caip294');
  assert.equal(found.info.name, 'Weft');
  assert.equal(found.info.version, '0.0.0-test', 'from the legacy event, same uuid');
  assert.deepEqual(Object.keys(found.info.scopes ?? {}), [FISCO, 'wallet']);
  assert.deepEqual(found.info.target, [{ type: 'caip341', value: 'abcdefghijklmnopabcdefghijklmnop' }]);
  answers.set('weft_ping', (params) => ({
    result: { pong: true, origin: ORIGIN, echo: (params as string[])[0] },
  }));
  assert.deepEqual(await wallet().ping('hi'), { pong: true, origin: ORIGIN, echo: 'hi' });
  assert.deepEqual(asked.at(-1), { method: 'weft_ping', params: ['hi'] });
});

test('connect by scopes is one wallet_createSession, as CAIP-25 spells it', async () => {
  answers.set('wallet_createSession', () => ({
    result: { sessionScopes, scopedProperties, sessionProperties: {} },
  }));
  const session = await wallet().connect({
    scopes: { [FISCO]: { methods: ['fisco_call', 'fisco_subscribe'], resources: ['payment.bcos.asset'] } },
  });
  assert.deepEqual(asked.at(-1), {
    method: 'wallet_createSession',
    params: {
      requiredScopes: {
        [FISCO]: { methods: ['fisco_call', 'fisco_subscribe'], notifications: ['fisco_subscription'] },
      },
      scopedProperties: { [FISCO]: { resources: ['payment.bcos.asset'] } },
      sessionProperties: {},
    },
  });
  assert.equal(session.address, ADDRESS);
  assert.equal(session.scopeOf('payment.bcos.asset'), FISCO);
});

test('a read goes as fisco_call through wallet_invokeMethod; a refusal comes back typed', async () => {
  answers.set('wallet_getSession', () => ({ result: { sessionScopes, scopedProperties } }));
  answers.set('wallet_invokeMethod', (params) => {
    const { request } = params as { request: { params: [{ method: string }] } };
    return request.params[0].method === 'balanceOf'
      ? {
          result: {
            values: ['1000'],
            raw: '0x03e8',
            verified: { backing: 'router', by: 'the routers only' },
          },
        }
      : {
          error: {
            code: -32000,
            message: 'unverified answer for payment.bcos.asset: no receipt',
            data: { reason: 'UNVERIFIED', path: 'payment.bcos.asset', detail: 'no receipt' },
          },
        };
  });
  const session = await wallet().getSession();
  const read = await session.call({ path: 'payment.bcos.asset', method: 'balanceOf', args: [ADDRESS] });
  assert.deepEqual(read.values, ['1000']);
  assert.equal(read.verified.backing, 'router');
  assert.deepEqual(asked.at(-1), {
    method: 'wallet_invokeMethod',
    params: {
      scope: FISCO,
      request: {
        method: 'fisco_call',
        params: [{ path: 'payment.bcos.asset', method: 'balanceOf', args: [ADDRESS] }],
      },
    },
  });
  await assert.rejects(
    session.sendTransaction({ path: 'payment.bcos.asset', method: 'transfer', args: [ADDRESS, '7'] }),
    (error) => {
      assert.ok(error instanceof ChainError);
      assert.equal(error.data?.reason, 'UNVERIFIED');
      return true;
    },
  );
});

test("the worker's wallet_notify reaches the subscription's handler through the channel", async () => {
  answers.set('wallet_invokeMethod', () => ({ result: SUBSCRIPTION }));
  const session = await wallet().getSession();
  const got: ResourceEventJson[] = [];
  const subscription = await session.subscribe('payment.bcos.asset', (event) => got.push(event));
  assert.equal(subscription.id, SUBSCRIPTION);
  const result = {
    path: 'payment.bcos.asset',
    address: '0xa5',
    name: 'Transfer',
    data: '0x',
    blockNumber: '42',
    txId: '0x01',
  };
  fromWorker({
    event: 'wallet_notify',
    data: {
      scope: FISCO,
      notification: { method: 'fisco_subscription', params: { subscription: SUBSCRIPTION, result } },
    },
  });
  await until(() => got.length === 1, 'the event');
  assert.deepEqual(got, [result]);
});

test("the worker's sessionChanged reaches onSessionChanged as the new session, then as none", async () => {
  const sessions: { active: boolean; paths: string[] }[] = [];
  const stop = wallet().onSessionChanged((s) => sessions.push({ active: s.active, paths: s.paths }));
  fromWorker({ event: 'sessionChanged', data: { origin: ORIGIN, resources: ['payment.bcos.asset'] } });
  await until(() => sessions.length === 1, 'the change');
  fromWorker({ event: 'sessionChanged', data: null });
  await until(() => sessions.length === 2, 'the revocation');
  stop();
  assert.deepEqual(sessions, [
    { active: true, paths: ['payment.bcos.asset'] },
    { active: false, paths: [] },
  ]);
});

test('a request that is not one is refused -32600 and never reaches the worker', async () => {
  const before = asked.length;
  await assert.rejects(wallet().requestUnchecked({ method: 42 }), (error) => {
    assert.ok(error instanceof InvalidRequestError);
    assert.equal(error.code, -32600);
    return true;
  });
  assert.equal(asked.length, before);
});
