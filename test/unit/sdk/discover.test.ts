/**
 * Discovery in a window of its own (an EventTarget): wallets that answer CAIP-294's prompt, one
 * that only has Weft's own announce event, one that serves other chains; the SDK prompts, collects,
 * prefers CAIP-294, falls back to the legacy event, and talks to a CAIP-294 wallet over its
 * `caip294:<uuid>` JSON-RPC channel.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  channelProvider,
  discover,
  findWallet,
  InvalidRequestError,
  UnauthorizedError,
  WeftWallet,
} from '../../../sdk/index.ts';
import type { WalletData } from '../../../sdk/types.ts';
import { FakeProvider, FISCO } from './fake-provider.ts';

const ICON = 'data:image/svg+xml,<svg/>';

interface FakeWallet {
  data: WalletData;
  /** Chains it serves: a prompt naming only others goes unanswered. */
  chains?: string[];
  /** Answers a prompt after this many ms (CAIP-294). Absent: it has no CAIP-294. */
  answerAfterMs?: number;
  /** Its provider object, handed over by `weft:announceProvider`. Absent: it has no such event. */
  legacy?: FakeProvider & { version?: string };
  /** Its JSON-RPC channel's answers, by method. */
  answers?: Record<string, (params: unknown) => { result: unknown } | { error: unknown }>;
}

/** Installs `wallets` in a new window; returns it and the prompts it received. */
function windowWith(...wallets: FakeWallet[]) {
  const win = new EventTarget();
  const prompts: unknown[] = [];
  const requests: unknown[] = [];
  win.addEventListener('caip294:wallet_prompt', (event) => prompts.push((event as CustomEvent).detail));
  for (const wallet of wallets) {
    if (wallet.answerAfterMs !== undefined) {
      win.addEventListener('caip294:wallet_prompt', (event) => {
        const asked = (event as CustomEvent).detail?.params?.chains as string[] | undefined;
        if (asked && !asked.some((c) => wallet.chains?.includes(c))) return;
        setTimeout(() => {
          const detail = { id: 1, jsonrpc: '2.0', method: 'wallet_announce', params: wallet.data };
          win.dispatchEvent(new CustomEvent('caip294:wallet_announce', { detail }));
        }, wallet.answerAfterMs);
      });
      const channel = `caip294:${wallet.data.uuid}`;
      win.addEventListener(channel, (event) => {
        const { id, method, params } = (event as CustomEvent).detail;
        if (typeof method !== 'string' || id === undefined) return;
        requests.push({ method, params });
        const answer = wallet.answers?.[method]?.(params) ?? {
          error: { code: 4200, message: `unsupported method: ${method}` },
        };
        setTimeout(() =>
          win.dispatchEvent(new CustomEvent(channel, { detail: { id, jsonrpc: '2.0', ...answer } })),
        );
      });
    }
    if (wallet.legacy) {
      const provider = wallet.legacy;
      win.addEventListener('weft:requestProvider', () =>
        win.dispatchEvent(
          new CustomEvent('weft:announceProvider', { detail: { info: wallet.data, provider } }),
        ),
      );
    }
  }
  return { win, prompts, requests };
}

const weft = (uuid: string): WalletData => ({ uuid, name: 'Weft', icon: ICON, rdns: 'dev.weft.wallet' });
const other = (uuid: string): WalletData => ({ uuid, name: 'Other', icon: ICON, rdns: 'com.example.wallet' });

test('discover prompts by CAIP-294 and collects every wallet that answers, both ways', async () => {
  const legacyOnly = Object.assign(new FakeProvider(), { version: '0.0.9' });
  const { win, prompts } = windowWith(
    {
      data: { ...weft('u-1'), scopes: { [FISCO]: { methods: ['fisco_call'], notifications: [] } } },
      answerAfterMs: 5,
    },
    { data: other('u-2'), answerAfterMs: 10 },
    { data: weft('u-3'), legacy: legacyOnly },
  );
  const wallets = await discover({ target: win, timeoutMs: 50 });
  assert.deepEqual(prompts, [{ id: 1, jsonrpc: '2.0', method: 'wallet_prompt', params: {} }]);
  assert.deepEqual(
    wallets.map((w) => [w.info.uuid, w.info.rdns, w.via]),
    [
      ['u-1', 'dev.weft.wallet', 'caip294'],
      ['u-2', 'com.example.wallet', 'caip294'],
      ['u-3', 'dev.weft.wallet', 'weft:announceProvider'],
    ],
  );
  assert.deepEqual(Object.keys(wallets[0]?.info.scopes ?? {}), [FISCO]);
  // The legacy-only wallet is used through the object it handed over.
  assert.equal(wallets[2]?.provider, legacyOnly);
  assert.equal(wallets[2]?.info.version, '0.0.9');
});

test('a wallet announcing both ways is one entry, spoken to over its CAIP-294 channel', async () => {
  const legacy = Object.assign(new FakeProvider(), { version: '0.1.0' });
  const { win, requests } = windowWith({
    data: weft('u-1'),
    answerAfterMs: 1,
    legacy,
    answers: {
      weft_ping: (params) => ({
        result: { pong: true, origin: 'https://dapp.example', echo: (params as string[])[0] },
      }),
    },
  });
  const [found, ...rest] = await discover({ target: win, timeoutMs: 30 });
  assert.equal(rest.length, 0);
  assert.equal(found?.via, 'caip294');
  assert.equal(found?.info.version, '0.1.0', 'the version the legacy event said');
  assert.notEqual(found?.provider, legacy);
  const pong = await WeftWallet.from(found as NonNullable<typeof found>).ping('hi');
  assert.deepEqual(pong, { pong: true, origin: 'https://dapp.example', echo: 'hi' });
  assert.deepEqual(requests, [{ method: 'weft_ping', params: ['hi'] }]);
  assert.equal(legacy.asked.length, 0, 'nothing went through the legacy object');
});

test('findWallet resolves as soon as Weft answers the prompt, without waiting out the timeout', async () => {
  const { win } = windowWith(
    { data: other('u-0'), answerAfterMs: 1 },
    { data: weft('u-1'), answerAfterMs: 5 },
  );
  const started = Date.now();
  const found = await findWallet({ target: win, timeoutMs: 5_000 });
  assert.equal(found?.info.uuid, 'u-1');
  assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
});

test('findWallet falls back to the legacy event once the timeout passed, and is null when none answers', async () => {
  const provider = new FakeProvider();
  const legacy = windowWith({ data: weft('u-9'), legacy: provider });
  const found = await findWallet({ target: legacy.win, timeoutMs: 20 });
  assert.equal(found?.via, 'weft:announceProvider');
  assert.equal(found?.provider, provider);

  const empty = windowWith({ data: other('u-2'), answerAfterMs: 1 });
  assert.equal(await findWallet({ target: empty.win, timeoutMs: 20 }), null);
  await assert.rejects(WeftWallet.find({ target: empty.win, timeoutMs: 20 }), {
    name: 'WalletNotFoundError',
  });
});

test('a prompt for some chains reaches only the wallets serving one of them', async () => {
  const { win, prompts } = windowWith(
    { data: weft('u-1'), answerAfterMs: 1, chains: [FISCO] },
    { data: other('u-2'), answerAfterMs: 1, chains: ['eip155:1'] },
  );
  const wallets = await discover({ target: win, timeoutMs: 30, chains: [FISCO] });
  assert.deepEqual((prompts[0] as { params: unknown }).params, { chains: [FISCO] });
  assert.deepEqual(
    wallets.map((w) => w.info.uuid),
    ['u-1'],
  );
});

test('announces that are not wallet data are ignored', async () => {
  const win = new EventTarget();
  win.addEventListener('caip294:wallet_prompt', () => {
    for (const params of [null, { uuid: 'x' }, { uuid: 1, name: 'n', icon: ICON, rdns: 'r' }]) {
      win.dispatchEvent(new CustomEvent('caip294:wallet_announce', { detail: { params } }));
    }
  });
  win.addEventListener('weft:requestProvider', () =>
    win.dispatchEvent(
      new CustomEvent('weft:announceProvider', { detail: { info: weft('u-1'), provider: {} } }),
    ),
  );
  assert.deepEqual(await discover({ target: win, timeoutMs: 10 }), []);
});

test('the channel: answers by id, typed errors, notifications, and no request without a method', async () => {
  const { win, requests } = windowWith({
    data: weft('u-1'),
    answerAfterMs: 1,
    answers: {
      weft_call: () => ({
        error: { code: 4100, message: 'no session', data: { reason: 'OUT_OF_SCOPE', scope: FISCO } },
      }),
      weft_version: () => ({ result: { name: 'Weft', version: '0.1.0', apiVersion: 2 } }),
    },
  });
  const provider = channelProvider('u-1', win);
  // Another script's answers on the same channel (ids it made) are none of this provider's business.
  win.dispatchEvent(
    new CustomEvent('caip294:u-1', { detail: { id: 'weft-sdk-other:1', jsonrpc: '2.0', result: 1 } }),
  );
  const [version, refused] = await Promise.allSettled([
    provider.request({ method: 'weft_version' }),
    provider.request({ method: 'weft_call', params: [{ path: 'payment.bcos.asset', method: 'x' }] }),
  ]);
  assert.deepEqual(version, {
    status: 'fulfilled',
    value: { name: 'Weft', version: '0.1.0', apiVersion: 2 },
  });
  assert.equal(refused?.status, 'rejected');
  const error = (refused as PromiseRejectedResult).reason;
  assert.ok(error instanceof UnauthorizedError);
  assert.deepEqual(error.data, { reason: 'OUT_OF_SCOPE', scope: FISCO });

  const notified: unknown[] = [];
  const listener = (params: unknown) => notified.push(params);
  provider.on('wallet_notify', listener);
  const detail = { jsonrpc: '2.0', method: 'wallet_notify', params: { scope: FISCO } };
  win.dispatchEvent(new CustomEvent('caip294:u-1', { detail }));
  provider.removeListener('wallet_notify', listener);
  win.dispatchEvent(new CustomEvent('caip294:u-1', { detail }));
  assert.deepEqual(notified, [{ scope: FISCO }]);

  const before = requests.length;
  await assert.rejects(provider.request({ method: 42 } as never), InvalidRequestError);
  await assert.rejects(provider.request(null as never), InvalidRequestError);
  assert.equal(requests.length, before, 'nothing went to the wallet');
});
