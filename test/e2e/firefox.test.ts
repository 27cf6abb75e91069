/**
 * The Firefox build in real Firefox: Debian's firefox-esr with dist-firefox/ installed over
 * WebDriver BiDi (firefox-harness.ts), against the local network. The provider is there for a
 * page's first script, a request round-trips, the popup renders and onboards a wallet, and a
 * session approval and a FISCO BCOS transfer approved in the wallet's window complete on chain.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import { assetArtifact } from '../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../p2p/devnet/local-network.ts';
import {
  button,
  type FirefoxExtension,
  firefoxDistDir,
  firefoxRequest,
  GECKO_ID,
  launchFirefox,
  nextExtensionWindow,
  onboardFirefox,
  popupUrl,
  setRouter,
  testIdText,
} from './firefox-harness.ts';
import { type PageServer, servePages, TEST_ACCOUNT_0 } from './harness.ts';

const ASSET = 'payment.bcos.asset';

// The first script of the page records what it can see before anything else runs.
const DAPP = `<!doctype html><html><head><script>
  window.firstScriptSaw = { weft: typeof window.weft, isWeft: !!(window.weft && window.weft.isWeft === true) };
</script></head><body>dapp</body></html>`;

describe('the Firefox build in Firefox', { timeout: 150_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let node: LightClient;
  let fx: FirefoxExtension;
  let server: PageServer;
  let page: Page;

  const balance = async (who: string) =>
    BigInt(String((await node.call({ path: ASSET, method: 'balanceOf', args: [who] })).values[0]));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-firefox-'));
    // Firefox starts while the network comes up: the two are independent until the router is set.
    const launching = launchFirefox();
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 200 });
    fx = await launching;
    await waitForDirectory(
      net.routers.map((r) => r.router),
      4,
    );
    const r3 = net.routers.find((r) => r.name === 'r3')?.wsAddress as string;
    node = new LightClient({ routers: [r3] });
    // Fund the wallet's account 0 from the asset's deployer, signed here in Node.
    const info = await node.chainInfo(ASSET);
    const fund = transactionFields({
      to: net.fisco.asset,
      data: encodeCall(assetArtifact.abi as never, 'transfer', [TEST_ACCOUNT_0, 1000n]),
      chainId: 1,
      groupId: 1,
      blockLimit: info.blockNumber + 500n,
    });
    await node.submit(ASSET, signTransaction(fund, net.fisco.deployer).raw);
    server = await servePages({ '/': DAPP });
  });

  after(async () => {
    await node?.stop();
    await fx?.close();
    await server?.close();
    await net?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('webExtension.install loads dist-firefox/ as its gecko id, running background scripts, not a worker', async () => {
    assert.equal(fx.extensionId, GECKO_ID);
    const manifest = JSON.parse(await readFile(join(firefoxDistDir, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.background, { scripts: ['background.js'], type: 'module' });
    assert.match(await fx.browser.version(), /^firefox\/1\d\d\./);
  });

  test('the popup renders onboarding, imports the recovery phrase and connects to the router', async () => {
    const popup = await onboardFirefox(fx);
    assert.equal(await popup.evaluate(() => location.href), popupUrl);
    assert.match(await testIdText(popup, 'account-0'), new RegExp(TEST_ACCOUNT_0, 'i'));
    const r3 = net.routers.find((r) => r.name === 'r3')?.wsAddress as string;
    await setRouter(popup, r3, `${ASSET} (2 hops)`);
    assert.match(await testIdText(popup, 'router-status'), /^Connected to /);
    await popup.close();
  });

  test("the provider is present for the page's first inline script", async () => {
    page = await fx.browser.newPage();
    await page.goto(`${server.origin}/`);
    const saw = await page.evaluate(() => (window as unknown as { firstScriptSaw: unknown }).firstScriptSaw);
    assert.deepEqual(saw, { weft: 'object', isWeft: true });
  });

  test('weft_ping round-trips page -> background -> page with the origin Firefox reports', async () => {
    const outcome = await firefoxRequest(page, {
      method: 'weft_ping',
      params: ['hello'],
      origin: 'https://evil.example',
    });
    assert.deepEqual(outcome, { result: { pong: true, origin: server.origin, echo: 'hello' } });
  });

  test('without a session the dapp gets 4100', async () => {
    const outcome = await firefoxRequest(page, {
      method: 'weft_call',
      params: [{ path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] }],
    });
    assert.ok('error' in outcome, JSON.stringify(outcome));
    assert.equal(outcome.error.code, 4100);
  });

  test('a session approved in the wallet window opens the resource to the site', async () => {
    const opened = nextExtensionWindow(fx);
    const pending = firefoxRequest(page, { method: 'weft_requestSession', params: [{ resources: [ASSET] }] });
    const window = await opened;
    assert.equal(await testIdText(window, 'approval-origin'), server.origin);
    assert.match(await testIdText(window, 'approval'), /payment\.bcos\.asset/);
    await (await button(window, 'Approve')).click();
    const outcome = await pending;
    assert.ok('result' in outcome, JSON.stringify(outcome));
    const session = outcome.result as { origin: string; resources: string[]; address: string };
    assert.equal(session.origin, server.origin);
    assert.deepEqual(session.resources, [ASSET]);
    assert.equal(session.address.toLowerCase(), TEST_ACCOUNT_0.toLowerCase());
    await window.close().catch(() => {});

    const read = await firefoxRequest(page, {
      method: 'weft_call',
      params: [{ path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] }],
    });
    assert.ok('result' in read, JSON.stringify(read));
    assert.deepEqual((read.result as { values: unknown[] }).values, ['1000']);
  });

  test('a FISCO BCOS transfer approved in the wallet window is signed by it and moves balances', async () => {
    const recipient = EcdsaSigner.random().address;
    const opened = nextExtensionWindow(fx);
    const pending = firefoxRequest(page, {
      method: 'weft_sendTransaction',
      params: [{ path: ASSET, method: 'transfer', args: [recipient, '7'] }],
    });
    const window = await opened;
    const call = await testIdText(window, 'approval-call');
    assert.match(call, /transfer\(/);
    assert.match(call, new RegExp(recipient.slice(2, 10), 'i'));
    assert.match(call, /"7"/);
    await (await button(window, 'Approve')).click();
    const outcome = await pending;
    assert.ok('result' in outcome, JSON.stringify(outcome));
    const receipt = outcome.result as { status: string; txId: string; verified: { by: string } };
    assert.equal(receipt.status, 'success');
    assert.match(receipt.verified.by, /^sealed by [34] of 4 sealers \(block \d+\)$/);
    assert.equal(await balance(recipient), 7n);
    assert.equal(await balance(TEST_ACCOUNT_0), 993n);
    await window.close().catch(() => {});
  });
});
