/**
 * A dapp that knows only the ChainAgnostic standards, against the real local network through the
 * wallet in Chromium (the page and steps are caip-dapp.ts's, shared with caip-firefox.test.ts):
 * it finds Weft by CAIP-294, opens a CAIP-25 session the user approves in the popup, reads and
 * writes on FISCO BCOS and on Fabric with CAIP-27 `wallet_invokeMethod`, gets each write's event
 * by CAIP-319 `wallet_notify` on a subscription, keeps getting events under its subscription's id
 * after the browser stopped the wallet's worker, follows the session with `wallet_sessionChanged`,
 * and revokes it. The page's script uses no `weft_` name and not `window.weft`: it talks on the
 * `caip294:<uuid>` event channel, and (CAIP-341, Chromium only) on a port it opens with
 * `chrome.runtime.connect(<the announced extension id>)` from an origin the manifest lists.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { EcdsaSigner } from '../../p2p/chains/fisco-bcos/ecdsa.ts';
import {
  type Announced,
  type Approve,
  ASSET,
  CAIP_DAPP,
  CaipDapp,
  type CaipNetwork,
  type CaipRun,
  createSession,
  discoverWallet,
  fabricWriteAndEvent,
  fiscoWriteAndEvent,
  type Notification,
  type NotifyParams,
  readBothChains,
  resultOf,
  revokeSession,
  type Scopes,
  startCaipNetwork,
} from './caip-dapp.ts';
import {
  connectWallet,
  type ExtensionBrowser,
  importFabricIdentity,
  launchExtension,
  nextApprovalWindow,
  type PageServer,
  servePages,
  stopServiceWorkers,
  TEST_ACCOUNT_0,
} from './harness.ts';

/** Whether `n` is a FISCO BCOS Transfer event to `recipient` under `subscription`, as wallet_notify. */
function transferTo(n: Notification, recipient: string, subscription: string): boolean {
  if (n.method !== 'wallet_notify') return false;
  const params = (n.params as Partial<NotifyParams>).notification?.params;
  const to = params?.result?.args?.to;
  return (
    params?.subscription === subscription &&
    params.result?.name === 'Transfer' &&
    typeof to === 'string' &&
    to.toLowerCase() === recipient.toLowerCase()
  );
}

describe('a CAIP-only dapp through the wallet in Chromium', { timeout: 300_000 }, () => {
  let dir: string;
  let chains: CaipNetwork;
  let browser: ExtensionBrowser;
  let server: PageServer;
  let page: Page;
  let run: CaipRun;
  let wallet: Announced;

  const approve: Approve = async (request, shows) => {
    const opened = nextApprovalWindow(browser);
    const pending = request();
    const popup = await opened;
    const approval = popup.getByTestId('approval');
    await approval
      .filter({ hasText: shows })
      .waitFor({ timeout: 20_000 })
      .catch(async (error: Error) => {
        const text = await approval.textContent().catch(() => null);
        throw new Error(`the approval never showed ${shows}: ${text ?? '(none)'} (${error.message})`);
      });
    const shown = (await approval.textContent()) ?? '';
    const origin = (await popup.getByTestId('approval-origin').textContent()) ?? '';
    await popup.getByRole('button', { name: 'Approve' }).click();
    const outcome = await pending;
    await popup.close().catch(() => {});
    return { outcome, shown, origin };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-caip-'));
    chains = await startCaipNetwork(dir);
    browser = await launchExtension();
    await connectWallet(browser, chains.r3, `${ASSET} (2 hops)`);
    // The Fabric write is signed by user1, the owner of the Fabric account `user1`.
    await importFabricIdentity(browser, chains.user1.mspDir, 'user1');
    server = await servePages({ '/': CAIP_DAPP });
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    run = { dapp: new CaipDapp((js) => page.evaluate(js)), chains, approve, origin: server.origin };
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await chains?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the dapp finds the wallet by CAIP-294, with its extension id as CAIP-341 target and the chains it serves', async () => {
    wallet = await discoverWallet(run);
    assert.deepEqual(wallet.target, [{ type: 'caip341', value: browser.extensionId }]);
  });

  test('wallet_createSession: the user approves both chains in the popup; the Fabric account is the identity', () =>
    createSession(run));

  test('reads through wallet_invokeMethod: FISCO BCOS and Fabric', () => readBothChains(run));

  test('FISCO BCOS: a transfer approved in the popup, read back, its event as wallet_notify', () =>
    fiscoWriteAndEvent(run));

  test('Fabric: a Transfer approved in the popup, signed by the identity, read back, its event as wallet_notify', () =>
    fabricWriteAndEvent(run));

  test('the worker stopped: the subscription is made again by itself, its events come under its id', async () => {
    const { dapp } = run;
    const subscription = resultOf(
      await dapp.invoke(chains.fiscoChain, 'fisco_subscribe', [{ path: ASSET }]),
    ) as string;
    await stopServiceWorkers(browser);
    // The page asks nothing: its content script reconnects and subscribes again under the same id.
    // Events until the routers have the subscription again are missed, so transfers (signed in
    // Node, no approval) go on until one comes.
    const recipient = EcdsaSigner.random().address;
    const deadline = Date.now() + 60_000;
    let notified: Notification | undefined;
    while (!notified) {
      assert.ok(Date.now() < deadline, 'no event under the original id within 60 s of the worker stopping');
      await chains.fiscoFund(recipient, 1n);
      notified = await dapp
        .notification(
          (n) => transferTo(n, recipient, subscription),
          'the transfer under the original id',
          3_000,
        )
        .catch(() => undefined);
    }
    const params = notified.params as NotifyParams;
    assert.equal(params.scope, chains.fiscoChain);
    assert.equal(params.notification.method, 'fisco_subscription');
    assert.equal(params.notification.params.result.path, ASSET);
    // Still the page's: it ends it as any other.
    assert.equal(
      resultOf(await dapp.invoke(chains.fiscoChain, 'fisco_unsubscribe', [{ subscription }])),
      true,
    );
  });

  test('wallet_revokeSession ends the session, its scopes and its subscriptions', () => revokeSession(run));

  test('CAIP-341: a listed origin connects by the announced id; the session and reads answer on the port', async () => {
    const { dapp } = run;
    // Chromium gives chrome.runtime.connect only to origins the manifest lists: 127.0.0.1 and
    // localhost (any port), not another loopback address.
    assert.equal(await dapp.canConnect(), true);
    const other = await browser.context.newPage();
    try {
      await other.goto(`http://localhost:${new URL(server.origin).port}/`);
      assert.equal(await other.evaluate('window.dapp.canConnect()'), true, 'localhost is listed');
      const unlisted = await serveOn('127.0.0.2', CAIP_DAPP);
      try {
        await other.goto(`${unlisted.origin}/`);
        assert.equal(await other.evaluate('window.dapp.canConnect()'), false, '127.0.0.2 is not listed');
      } finally {
        await unlisted.close();
      }
    } finally {
      await other.close();
    }

    const [target] = wallet.target ?? [];
    assert.ok(target);
    await dapp.connect(target.value);
    assert.deepEqual(await dapp.portCall('wallet_getSession', {}), {
      result: { sessionScopes: {} },
      jsonrpc: '2.0',
    });
    const { outcome, shown, origin } = await approve(
      () =>
        dapp.portCall('wallet_createSession', {
          requiredScopes: {
            [chains.fiscoChain]: {
              methods: ['fisco_call', 'fisco_subscribe'],
              notifications: ['fisco_subscription'],
            },
          },
          scopedProperties: { [chains.fiscoChain]: { resources: [ASSET] } },
        }),
      /payment\.bcos\.asset/,
    );
    assert.doesNotMatch(shown, /trade\.fab\.asset/);
    // The origin is the browser's word about the port's sender.
    assert.equal(origin, server.origin);
    const session = resultOf(outcome) as { sessionScopes: Scopes };
    assert.deepEqual(Object.keys(session.sessionScopes).sort(), [chains.fiscoChain, 'wallet'].sort());
    assert.deepEqual(session.sessionScopes[chains.fiscoChain]?.accounts, [
      `${chains.fiscoChain}:${TEST_ACCOUNT_0.toLowerCase()}`,
    ]);
    const read = resultOf(
      await dapp.portCall('wallet_invokeMethod', {
        scope: chains.fiscoChain,
        request: {
          method: 'fisco_call',
          params: [{ path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] }],
        },
      }),
    ) as { values: string[]; verified: { backing: string } };
    assert.deepEqual(read.values, [String(await chains.fiscoBalance(TEST_ACCOUNT_0))]);
    assert.equal(read.verified.backing, 'router');
    // CAIP-319 on the port: a subscription made there, its event as wallet_notify there.
    const subscription = resultOf(
      await dapp.portCall('wallet_invokeMethod', {
        scope: chains.fiscoChain,
        request: { method: 'fisco_subscribe', params: [{ path: ASSET }] },
      }),
    ) as string;
    assert.match(subscription, /^0x[0-9a-f]{32}$/);
    const recipient = EcdsaSigner.random().address;
    await chains.fiscoFund(recipient, 2n);
    const notified = await dapp.waitFor(
      () => dapp.portNotifications(),
      (n) => transferTo(n, recipient, subscription),
      'wallet_notify on the port',
      30_000,
    );
    const event = notified.params as NotifyParams;
    assert.equal(event.scope, chains.fiscoChain);
    assert.equal(event.notification.method, 'fisco_subscription');
    assert.equal(event.notification.params.result.path, ASSET);
    assert.deepEqual(
      (await dapp.notifications()).filter((n) => transferTo(n, recipient, subscription)),
      [],
      'to the port only, not to the event channel',
    );
    // The same session, seen on the event channel: one session per origin, whatever the transport.
    const seen = resultOf(await dapp.call('wallet_getSession', {})) as { sessionScopes: Scopes };
    assert.deepEqual(Object.keys(seen.sessionScopes).sort(), Object.keys(session.sessionScopes).sort());
    // CAIP-311 on the port, then revoked over it.
    await dapp.waitFor(
      () => dapp.portNotifications(),
      (n) =>
        n.method === 'wallet_sessionChanged' &&
        chains.fiscoChain in ((n.params as { sessionScopes?: object }).sessionScopes ?? {}),
      'wallet_sessionChanged on the port',
    );
    assert.equal(resultOf(await dapp.portCall('wallet_revokeSession', {})), true);
    await dapp.waitFor(
      () => dapp.portNotifications(),
      (n) =>
        n.method === 'wallet_sessionChanged' &&
        Object.keys((n.params as { sessionScopes?: object }).sessionScopes ?? { x: 1 }).length === 0,
      'wallet_sessionChanged with no scopes on the port',
    );
  });
});

/** Serves one page on `host` (another loopback address than servePages' 127.0.0.1). */
async function serveOn(host: string, html: string): Promise<PageServer> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  });
  await new Promise<void>((done) => server.listen(0, host, done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
