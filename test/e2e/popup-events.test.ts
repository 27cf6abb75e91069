/**
 * The popup follows the wallet without polling: it sends the worker nothing while it stays
 * open, yet shows a request a page makes, the session the user approves, an auto-lock that
 * fires on its own, and, after the worker restarts under it, the status and the changes that
 * come after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type ExtensionBrowser,
  launchExtension,
  nextApprovalWindow,
  onboard,
  openPopup,
  type PageServer,
  pageRequest,
  servePages,
  stopServiceWorkers,
  TEST_PASSWORD,
} from './harness.ts';

/** What the popup sent, counted by an init script that wraps `chrome.runtime` before the popup runs. */
interface PopupTraffic {
  messages: string[];
  ports: string[];
}

interface WorkerGlobals {
  chrome: { alarms: { create(name: string, info: { when: number }): void } };
}

describe('the popup hears the wallet instead of polling it', { timeout: 120_000 }, () => {
  let browser: ExtensionBrowser;
  let server: PageServer;
  let page: Page;
  let popup: Page;

  const traffic = () =>
    popup.evaluate(() => (globalThis as unknown as { __weftTraffic: PopupTraffic }).__weftTraffic);

  before(async () => {
    browser = await launchExtension();
    await (await onboard(browser)).close();
    await browser.context.addInitScript(() => {
      const runtime = (globalThis as unknown as { chrome?: { runtime?: Record<string, unknown> } }).chrome
        ?.runtime;
      if (!runtime?.id) return;
      const seen: PopupTraffic = { messages: [], ports: [] };
      (globalThis as unknown as { __weftTraffic: PopupTraffic }).__weftTraffic = seen;
      const sendMessage = runtime.sendMessage as (...args: unknown[]) => unknown;
      const connect = runtime.connect as (...args: unknown[]) => unknown;
      runtime.sendMessage = (...args: unknown[]) => {
        seen.messages.push(String((args[0] as { type?: unknown })?.type));
        return sendMessage.apply(runtime, args);
      };
      runtime.connect = (...args: unknown[]) => {
        seen.ports.push(String((args[0] as { name?: unknown })?.name));
        return connect.apply(runtime, args);
      };
    });
    server = await servePages({ '/': '<!doctype html><title>dapp</title>' });
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    popup = await openPopup(browser, 900);
    await popup.getByTestId('account-0').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a request a page makes appears in the open popup; approving it shows the session; nothing polls', async () => {
    assert.deepEqual(await traffic(), { messages: [], ports: ['weft-popup'] });
    const window = nextApprovalWindow(browser);
    const asked = pageRequest(page, {
      method: 'weft_requestSession',
      params: [{ resources: ['payment.bcos.asset'] }],
    });
    await popup.getByTestId('approval').waitFor({ timeout: 5_000 });
    assert.equal(await popup.getByTestId('approval-origin').textContent(), server.origin);
    await popup.getByRole('button', { name: 'Approve' }).click();
    const outcome = await asked;
    assert.ok('result' in outcome, JSON.stringify(outcome));
    await popup.getByTestId(`session-${server.origin}`).waitFor({ timeout: 5_000 });
    // The approval window the request opened shows the same queue, now empty.
    await (await window).getByTestId('account-0').waitFor({ timeout: 5_000 });
    await (await window).close();

    // Idle: no request at all, where the popup used to ask for the whole status every second.
    await popup.waitForTimeout(2_500);
    assert.deepEqual(await traffic(), { messages: ['decide'], ports: ['weft-popup'] });
  });

  test('auto-lock firing in the worker locks the open popup', async () => {
    const worker = await browser.worker();
    await worker.evaluate(() =>
      (globalThis as unknown as WorkerGlobals).chrome.alarms.create('weft:auto-lock', {
        when: Date.now() + 100,
      }),
    );
    await popup.getByTestId('unlock').waitFor({ timeout: 10_000 });
    assert.deepEqual((await traffic()).messages, ['decide']);
  });

  test('after a worker restart the popup reconnects, reads the status again and hears what follows', async () => {
    await stopServiceWorkers(browser);
    await popup.waitForFunction(
      () => (globalThis as unknown as { __weftTraffic: PopupTraffic }).__weftTraffic.ports.length === 2,
      undefined,
      { timeout: 10_000 },
    );
    await popup.getByTestId('unlock').waitFor();
    await popup.locator('input[name="password"]').fill(TEST_PASSWORD);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByTestId('account-0').waitFor({ timeout: 10_000 });

    const asked = pageRequest(page, {
      method: 'weft_requestSession',
      params: [{ resources: ['trade.fab.asset'] }],
    });
    await popup.getByTestId('approval').waitFor({ timeout: 10_000 });
    await popup.getByRole('button', { name: 'Reject' }).click();
    const outcome = await asked;
    assert.ok('error' in outcome && outcome.error.code === 4001, JSON.stringify(outcome));
    await popup.getByTestId('account-0').waitFor();
    assert.deepEqual(await traffic(), {
      messages: ['decide', 'unlock', 'decide'],
      ports: ['weft-popup', 'weft-popup'],
    });
  });
});
