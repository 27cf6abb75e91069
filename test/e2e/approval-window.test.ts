/**
 * The approval window in the browser: closing it rejects what it showed, and a request that
 * came as it closed (the worker hears of the close a moment later, and flags the window meanwhile)
 * is not rejected with it but shown in a window of its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type ExtensionBrowser,
  launchExtension,
  nextApprovalWindow,
  onboard,
  type PageServer,
  pageRequest,
  servePages,
} from './harness.ts';

const ASK = { method: 'weft_requestSession', params: [{ resources: ['payment.bcos.asset'] }] };

describe('the approval window', { timeout: 180_000 }, () => {
  let browser: ExtensionBrowser;
  let server: PageServer;
  let page: Page;

  before(async () => {
    browser = await launchExtension();
    await (await onboard(browser)).close();
    server = await servePages({ '/': '<!doctype html><title>dapp</title>' });
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('closing it unanswered rejects the request it showed with 4001', async () => {
    const opened = nextApprovalWindow(browser);
    const asked = pageRequest(page, ASK);
    const window = await opened;
    await window.getByTestId('approval').waitFor();
    await window.close();
    const outcome = await asked;
    assert.ok('error' in outcome, JSON.stringify(outcome));
    assert.equal(outcome.error.code, 4001);
  });

  test('a request that came as the window closed, never on its screen, is shown in a new window', async () => {
    const opened = nextApprovalWindow(browser);
    const first = pageRequest(page, ASK);
    const window = await opened;
    await window.getByTestId('approval').waitFor();
    await window.getByRole('button', { name: 'Approve' }).click();
    assert.ok('result' in (await first));
    // The window's page stops running scripts (paused in the debugger), as one the user has just
    // closed does: the next request only flags the window, which cannot show it, and then it closes.
    const cdp = await browser.context.newCDPSession(window);
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.pause');
    const next = nextApprovalWindow(browser);
    const second = pageRequest(page, { ...ASK, params: [{ resources: ['trade.fab.asset'] }] });
    await page.waitForTimeout(500);
    await window.close();
    const another = await next;
    await another.getByTestId('approval').waitFor({ timeout: 10_000 });
    assert.match((await another.getByTestId('approval').textContent()) ?? '', /trade\.fab\.asset/);
    await another.getByRole('button', { name: 'Approve' }).click();
    const outcome = await second;
    assert.ok('result' in outcome, JSON.stringify(outcome));
    await another.close();
  });
});
