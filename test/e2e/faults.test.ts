/**
 * Faults seen from a dapp: a transaction the chain will revert (the approval's dry run
 * says so first), the worker stopped while an approval is pending, and routers that
 * cannot be reached.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { EcdsaSigner } from '../../p2p/chains/fisco-bcos/ecdsa.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../p2p/devnet/local-network.ts';
import {
  answerApproval,
  connectWallet,
  type ExtensionBrowser,
  launchExtension,
  nextApprovalWindow,
  openPopup,
  type PageServer,
  pageRequest,
  servePages,
  stopServiceWorkers,
  TEST_PASSWORD,
} from './harness.ts';

const ASSET = 'payment.bcos.asset';

describe('faults between a dapp, the wallet and the chains', { timeout: 180_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let browser: ExtensionBrowser;
  let server: PageServer;
  let page: Page;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-faults-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 200 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      4,
    );
    browser = await launchExtension();
    await connectWallet(browser, net.routers[2]?.wsAddress as string, 'payment.bcos.asset (2 hops)');
    server = await servePages({ '/': '<!doctype html><title>dapp</title>' });
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    const session = await answerApproval(browser, page, {
      method: 'weft_requestSession',
      params: [{ resources: [ASSET] }],
    });
    assert.ok('result' in session.outcome);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the dry run warns of a revert; approved anyway, the receipt says reverted with the chain status', async () => {
    // The wallet's account holds nothing on this fresh chain: any transfer reverts.
    const { outcome, shown } = await answerApproval(browser, page, {
      method: 'weft_sendTransaction',
      params: [{ path: ASSET, method: 'transfer', args: [EcdsaSigner.random().address, '1'] }],
    });
    assert.match(shown, /Dry run\s*would fail/);
    assert.ok('result' in outcome, JSON.stringify(outcome));
    const receipt = outcome.result as { status: string; chainStatus: string };
    assert.deepEqual([receipt.status, receipt.chainStatus], ['reverted', '0x16']);
  });

  test('a worker stopped while an approval waits: the page gets 4900, nothing stays pending, the next request works', async () => {
    const opened = nextApprovalWindow(browser);
    const pending = pageRequest(page, {
      method: 'weft_sendTransaction',
      params: [{ path: ASSET, method: 'transfer', args: [EcdsaSigner.random().address, '1'] }],
    });
    const window = await opened;
    await window.getByTestId('approval').waitFor();
    await stopServiceWorkers(browser);
    const outcome = await pending;
    assert.ok('error' in outcome);
    assert.equal(outcome.error.code, 4900);
    await window.close().catch(() => {});

    const popup = await openPopup(browser);
    await popup.getByTestId('account-0').waitFor({ timeout: 10_000 });
    assert.equal(await popup.getByTestId('approval').count(), 0);
    await popup.close();
    const read = await pageRequest(page, {
      method: 'weft_call',
      params: [{ path: ASSET, method: 'totalSupply' }],
    });
    assert.ok('result' in read, JSON.stringify(read));
  });

  test('a request while locked: the approval window asks for the password first, then the approval', async () => {
    const popup = await openPopup(browser);
    await popup.getByRole('button', { name: 'Lock' }).click();
    await popup.getByTestId('unlock').waitFor();
    await popup.close();
    const opened = nextApprovalWindow(browser);
    const pending = pageRequest(page, {
      method: 'weft_sendTransaction',
      params: [{ path: ASSET, method: 'transfer', args: [EcdsaSigner.random().address, '1'] }],
    });
    const window = await opened;
    await window.getByText('A site is waiting for your approval: unlock first.').waitFor();
    await window.locator('input[name="password"]').fill(TEST_PASSWORD);
    await window.getByRole('button', { name: 'Unlock' }).click();
    await window.getByTestId('approval').waitFor();
    await window.getByRole('button', { name: 'Approve' }).click();
    const outcome = await pending;
    assert.ok('result' in outcome, JSON.stringify(outcome));
    await window.close().catch(() => {});
  });

  test('a session scoped to some methods refuses the others with 4100', async () => {
    const scoped = await servePages({ '/': '<!doctype html><title>scoped</title>' });
    const other = await browser.context.newPage();
    try {
      await other.goto(`${scoped.origin}/`);
      const { outcome, shown } = await answerApproval(browser, other, {
        method: 'weft_requestSession',
        params: [{ resources: [ASSET], methods: { [ASSET]: ['balanceOf'] } }],
      });
      assert.match(shown, /only balanceOf/);
      assert.deepEqual((outcome as { result: { methods: unknown } }).result.methods, {
        [ASSET]: ['balanceOf'],
      });
      const allowed = await pageRequest(other, {
        method: 'weft_call',
        params: [{ path: ASSET, method: 'balanceOf', args: [EcdsaSigner.random().address] }],
      });
      assert.ok('result' in allowed, JSON.stringify(allowed));
      for (const args of [
        { method: 'weft_call', params: [{ path: ASSET, method: 'totalSupply' }] },
        {
          method: 'weft_sendTransaction',
          params: [{ path: ASSET, method: 'transfer', args: [EcdsaSigner.random().address, '1'] }],
        },
      ]) {
        const refused = await pageRequest(other, args);
        assert.ok('error' in refused);
        assert.equal(refused.error.code, 4100, JSON.stringify(args));
      }
      const badScope = await pageRequest(other, {
        method: 'weft_requestSession',
        params: [{ resources: [ASSET], methods: { 'payment.bcos.kv': ['get'] } }],
      });
      assert.ok('error' in badScope);
      assert.equal(badScope.error.code, -32602);
    } finally {
      await other.close();
      await scoped.close();
    }
  });

  test('routers that cannot be reached give 4901 with the reason', async () => {
    const popup = await openPopup(browser);
    const dead = `/ip4/127.0.0.1/tcp/1/ws/p2p/${net.routers[2]?.router.peerId}`;
    await popup.getByTestId('router-list').fill(dead);
    await popup.getByRole('button', { name: 'Save' }).click();
    await popup.getByText(/Not connected/).waitFor({ timeout: 15_000 });
    await popup.close();
    const outcome = await pageRequest(page, {
      method: 'weft_call',
      params: [{ path: ASSET, method: 'totalSupply' }],
    });
    assert.ok('error' in outcome);
    assert.equal(outcome.error.code, 4901);
  });
});
