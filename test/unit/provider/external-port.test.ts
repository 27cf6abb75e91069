/**
 * The CAIP-341 transport (`externally_connectable`): plain JSON-RPC on a port from a web page,
 * answered by the same methods; `wallet_notify` and `wallet_sessionChanged` as JSON-RPC
 * notifications. The browser's port is the stand-in; the worker's page events are wired to the
 * session store as background/index.ts wires them.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Runtime } from 'webextension-polyfill';
import { PageEvents } from '../../../background/provider/page-events.ts';
import { externalSenderOrigin, serveExternalPort } from '../../../background/provider/serve-external-port.ts';
import { ACCOUNT_0, ASSET, type CaipWallet, caipWallet, FISCO_CHAIN, ORIGIN } from './caip-wallet.ts';

type Message = {
  id?: unknown;
  jsonrpc: string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number };
};

class ExternalPort {
  readonly name = '';
  readonly sender: Runtime.MessageSender;
  readonly received: Message[] = [];
  disconnected = false;
  readonly #onMessage = new Set<(message: unknown) => void>();
  readonly #onDisconnect = new Set<() => void>();
  readonly onMessage = { addListener: (l: (message: unknown) => void) => this.#onMessage.add(l) };
  readonly onDisconnect = { addListener: (l: () => void) => this.#onDisconnect.add(l) };

  constructor(sender: Record<string, unknown>) {
    this.sender = sender as unknown as Runtime.MessageSender;
  }

  postMessage(message: unknown): void {
    this.received.push(JSON.parse(JSON.stringify(message)));
  }

  disconnect(): void {
    this.disconnected = true;
  }

  close(): void {
    for (const listener of this.#onDisconnect) listener();
  }

  send(message: unknown): void {
    for (const listener of this.#onMessage) listener(message);
  }

  async call(id: number | string, method: string, params?: unknown): Promise<Message> {
    this.send({ id, jsonrpc: '2.0', method, params });
    for (let i = 0; i < 400; i++) {
      const answer = this.received.find((m) => m.id === id);
      if (answer) return answer;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`no answer to ${method}`);
  }

  notifications(method: string): unknown[] {
    return this.received.filter((m) => m.id === undefined && m.method === method).map((m) => m.params);
  }
}

let wallet: CaipWallet | undefined;
afterEach(async () => {
  await wallet?.close();
  wallet = undefined;
});

const page = { origin: ORIGIN, url: `${ORIGIN}/app`, tab: { id: 7 } };

describe('externally_connectable ports (CAIP-341)', () => {
  test('only web pages: no extension id, a tab, an http(s) origin', () => {
    assert.equal(externalSenderOrigin(page as never), ORIGIN);
    assert.equal(
      externalSenderOrigin({ url: 'https://a.example/x', tab: { id: 1 } } as never),
      'https://a.example',
    );
    for (const sender of [
      { ...page, id: 'anotherextensionid' },
      { origin: ORIGIN, url: ORIGIN },
      { ...page, origin: 'chrome-extension://abc' },
      { ...page, origin: 'null' },
      { tab: { id: 1 }, url: 'not a url' },
      undefined,
    ]) {
      assert.equal(externalSenderOrigin(sender as never), null, JSON.stringify(sender));
    }
    const refused = new ExternalPort({ ...page, id: 'other' });
    serveExternalPort(refused as unknown as Runtime.Port, {}, new PageEvents());
    assert.equal(refused.disconnected, true);
  });

  test('a session, a read, a subscription and a revocation, in JSON-RPC on the port', async () => {
    wallet = await caipWallet();
    const events = new PageEvents();
    // As background/index.ts: pages hear their own session's changes.
    wallet.events.on('sessions:changed', ({ origin, session }) =>
      events.emit(origin, 'sessionChanged', session),
    );
    const port = new ExternalPort(page);
    serveExternalPort(port as unknown as Runtime.Port, wallet.methods, events);

    const created = await port.call(1, 'wallet_createSession', {
      requiredScopes: { [FISCO_CHAIN]: { methods: ['fisco_call', 'fisco_subscribe'], notifications: [] } },
      scopedProperties: { [FISCO_CHAIN]: { resources: [ASSET] } },
    });
    assert.equal(created.jsonrpc, '2.0');
    const scopes = (created.result as { sessionScopes: Record<string, { accounts: string[] }> })
      .sessionScopes;
    assert.deepEqual(scopes[FISCO_CHAIN]?.accounts, [`${FISCO_CHAIN}:${ACCOUNT_0}`]);
    const read = await port.call('r', 'wallet_invokeMethod', {
      scope: FISCO_CHAIN,
      request: { method: 'fisco_call', params: [{ path: ASSET, method: 'balanceOf', args: [ACCOUNT_0] }] },
    });
    assert.deepEqual((read.result as { values: string[] }).values, ['1000']);
    const unknown = await port.call(3, 'eth_accounts');
    assert.equal(unknown.error?.code, 4200);

    const sub = await port.call(4, 'wallet_invokeMethod', {
      scope: FISCO_CHAIN,
      request: { method: 'fisco_subscribe', params: [{ path: ASSET }] },
    });
    const id = sub.result as string;
    wallet.routers.emit(ASSET, { address: '0xa5', data: '0x', blockNumber: 9n, txId: '0x09' });
    const [notified] = port.notifications('wallet_notify') as {
      scope: string;
      notification: { method: string; params: { subscription: string; result: { blockNumber: string } } };
    }[];
    assert.equal(notified?.scope, FISCO_CHAIN);
    assert.equal(notified?.notification.method, 'fisco_subscription');
    assert.equal(notified?.notification.params.subscription, id);
    assert.equal(notified?.notification.params.result.blockNumber, '9');

    assert.equal((await port.call(5, 'wallet_revokeSession', {})).result, true);
    for (let i = 0; i < 200 && port.notifications('wallet_sessionChanged').length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const changes = port.notifications('wallet_sessionChanged') as { sessionScopes: object }[];
    assert.deepEqual(
      changes.map((c) => Object.keys(c.sessionScopes).sort()),
      [[FISCO_CHAIN, 'wallet'], []],
    );
    assert.equal(wallet.routers.subscriptions.size, 0, 'the revocation ended the subscription');
    // Nothing but the CAIP notifications: no EIP-1193 events on this transport.
    assert.deepEqual(
      port.received.filter((m) => m.id === undefined).map((m) => m.method),
      ['wallet_sessionChanged', 'wallet_notify', 'wallet_sessionChanged'],
    );
  });

  test("the port's close ends its subscriptions; requests without an id are not answered", async () => {
    wallet = await caipWallet();
    const port = new ExternalPort(page);
    serveExternalPort(port as unknown as Runtime.Port, wallet.methods, new PageEvents());
    await port.call(1, 'wallet_createSession', {
      requiredScopes: { [FISCO_CHAIN]: { methods: [], notifications: [] } },
    });
    await port.call(2, 'weft_subscribe', [{ path: ASSET }]);
    port.send({ jsonrpc: '2.0', method: 'wallet_getSession' });
    port.send({ id: { nested: true }, jsonrpc: '2.0', method: 'wallet_getSession' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(port.received.filter((m) => m.id !== undefined).length, 2);
    assert.equal(wallet.routers.subscriptions.size, 1);
    port.close();
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(wallet.routers.subscriptions.size, 0);
  });
});
