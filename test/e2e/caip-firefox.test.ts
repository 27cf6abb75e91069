/**
 * The CAIP-only dapp of caip.test.ts (the same page and steps, caip-dapp.ts) in Firefox: Debian's
 * firefox-esr with dist-firefox/ installed over WebDriver BiDi (firefox-harness.ts), against the
 * local network. The page finds Weft by CAIP-294, opens a CAIP-25 session approved in the
 * wallet's window, reads, writes and gets each write's event (`wallet_notify`) on FISCO BCOS and
 * on Fabric through CAIP-27 `wallet_invokeMethod`, and revokes the session, all on the
 * `caip294:<uuid>` event channel. Firefox has no `externally_connectable` for web pages, so the
 * wallet announces no CAIP-341 target there and the page gets no `chrome.runtime.connect`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import {
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
  readBothChains,
  revokeSession,
  startCaipNetwork,
} from './caip-dapp.ts';
import {
  clickWhenEnabled,
  type FirefoxExtension,
  firefoxDistDir,
  importFabricIdentityFirefox,
  launchFirefox,
  nextExtensionWindow,
  onboardFirefox,
  setRouter,
  testIdText,
  testIdTextMatching,
} from './firefox-harness.ts';
import { type PageServer, servePages } from './harness.ts';

describe('a CAIP-only dapp through the wallet in Firefox', { timeout: 300_000 }, () => {
  let dir: string;
  let chains: CaipNetwork;
  let fx: FirefoxExtension;
  let server: PageServer;
  let page: Page;
  let run: CaipRun;

  const approve: Approve = async (request, shows) => {
    const opened = nextExtensionWindow(fx);
    const pending = request();
    const window = await opened;
    const shown = await testIdTextMatching(window, 'approval', shows).catch(async (error: Error) => {
      const text = await testIdText(window, 'approval', 1_000).catch(() => null);
      throw new Error(`the approval never showed ${shows}: ${text ?? '(none)'} (${error.message})`);
    });
    const origin = await testIdText(window, 'approval-origin');
    await clickWhenEnabled(window, 'Approve');
    const outcome = await pending;
    await window.close().catch(() => {});
    return { outcome, shown, origin };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-caip-firefox-'));
    // Firefox starts while the network comes up: the two are independent until the router is set.
    const launching = launchFirefox();
    chains = await startCaipNetwork(dir).catch(async (error) => {
      await (await launching.catch(() => null))?.close();
      throw error;
    });
    fx = await launching;
    const popup = await onboardFirefox(fx);
    await setRouter(popup, chains.r3, `${ASSET} (2 hops)`);
    await popup.close();
    // The Fabric write is signed by user1, the owner of the Fabric account `user1`.
    await importFabricIdentityFirefox(fx, chains.user1.mspDir, 'user1');
    server = await servePages({ '/': CAIP_DAPP });
    page = await fx.browser.newPage();
    await page.goto(`${server.origin}/`);
    run = { dapp: new CaipDapp((js) => page.evaluate(js)), chains, approve, origin: server.origin };
  });

  after(async () => {
    await fx?.close();
    await server?.close();
    await chains?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the dapp finds the wallet by CAIP-294, with the chains it serves and no CAIP-341 target', async () => {
    const wallet = await discoverWallet(run);
    assert.equal(wallet.target, undefined);
    assert.equal(await run.dapp.canConnect(), false);
    const manifest = JSON.parse(await readFile(join(firefoxDistDir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.externally_connectable, undefined);
  });

  test('wallet_createSession: the user approves both chains in the wallet window; the Fabric account is the identity', () =>
    createSession(run));

  test('reads through wallet_invokeMethod: FISCO BCOS and Fabric', () => readBothChains(run));

  test('FISCO BCOS: a transfer approved in the wallet window, read back, its event as wallet_notify', () =>
    fiscoWriteAndEvent(run));

  test('Fabric: a Transfer approved in the wallet window, signed by the identity, read back, its event as wallet_notify', () =>
    fabricWriteAndEvent(run));

  test('wallet_revokeSession ends the session, its scopes and its subscriptions', () => revokeSession(run));
});
