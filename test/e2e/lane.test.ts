/**
 * The page lane in Chromium (background/provider/page-lanes.ts, content/relay-lane.ts): once the
 * worker offers it, the relay's requests and the worker's answers travel on a MessagePort between
 * the page's renderer and the worker, the frame that handed it over is gone, and the origin is
 * still the browser's word. The page plays the liar: it takes the port as it passes through its
 * window and listens on it (which is how the test sees the lane carry the answers), and it loads
 * the lane frame itself, with a nonce of its own and with the relay's after use: no port comes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type ExtensionBrowser,
  launchExtension,
  type PageServer,
  pageRequest,
  servePages,
  stopServiceWorkers,
} from './harness.ts';

/**
 * Runs first in the page: keeps every port that passes through the window (the lane's, on its way
 * from the frame to the relay) and what arrives on it, and the src of every lane frame added.
 */
const WATCH_LANE = `
  window.lanePorts = [];
  window.laneSaw = [];
  window.laneFrames = [];
  window.addEventListener('message', (event) => {
    const port = event.ports && event.ports[0];
    if (!port) return;
    window.lanePorts.push(port);
    port.addEventListener('message', (e) => window.laneSaw.push(e.data));
    port.start();
  }, true);
  new MutationObserver((records) => {
    for (const record of records)
      for (const node of record.addedNodes)
        if (node.tagName === 'IFRAME' && node.src.includes('/lane.html#')) window.laneFrames.push(node.src);
  }).observe(document, { childList: true, subtree: true });
`;

interface LaneView {
  ports: number;
  saw: unknown[];
  frames: string[];
  framesInDom: number;
}

function laneView(page: Page): Promise<LaneView> {
  return page.evaluate(() => {
    const w = window as unknown as { lanePorts: unknown[]; laneSaw: unknown[]; laneFrames: string[] };
    return {
      ports: w.lanePorts.length,
      saw: w.laneSaw,
      frames: w.laneFrames,
      framesInDom: document.querySelectorAll('iframe[src*="/lane.html#"]').length,
    };
  });
}

/** Every ping's echo differs: an answer seen on an earlier lane must not count for a later one. */
let pings = 0;

/** Pings until an answer to one shows up on the lane the page watches; returns that ping's echo. */
async function pingUntilOnLane(page: Page): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const echo = `lane-check-${++pings}`;
    const outcome = await pageRequest(page, { method: 'weft_ping', params: [echo] });
    assert.deepEqual(outcome, { result: { pong: true, origin: new URL(page.url()).origin, echo } });
    const { saw } = await laneView(page);
    if (saw.some((m) => typeof m === 'string' && m.includes(`"echo":"${echo}"`))) return echo;
    await page.waitForTimeout(50);
  }
  assert.fail('no answer came on the lane within 10 s');
}

describe('page lane (Chromium)', { timeout: 90_000 }, () => {
  let browser: ExtensionBrowser;
  let server: PageServer;

  before(async () => {
    browser = await launchExtension();
    server = await servePages({ '/': '<!doctype html><title>dapp</title><body>dapp</body>' });
    await browser.context.addInitScript(WATCH_LANE);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('answers come on the lane once it is up, with the browser-given origin; the frame is gone', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    await pingUntilOnLane(page);
    const view = await laneView(page);
    assert.equal(view.ports, 1, 'one port passed through the window');
    assert.equal(view.frames.length, 1, 'one lane frame was loaded');
    assert.match(
      view.frames[0] ?? '',
      new RegExp(`^chrome-extension://${browser.extensionId}/lane\\.html#[0-9a-f]{32}$`),
    );
    assert.equal(view.framesInDom, 0, 'the frame is removed once it handed over the port');
    // The lane's first message was the worker's "ready"; the answers are JSON text.
    assert.equal(view.saw[0], 'ready');
    // A request with a forged origin on the lane: the origin is still the browser's.
    const outcome = await pageRequest(page, { method: 'weft_ping', origin: 'https://evil.example' });
    assert.deepEqual(outcome, { result: { pong: true, origin: server.origin } });
    await page.close();
  });

  test("a lane frame the page loads itself, with its own nonce or the relay's used one, gets no port", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    await pingUntilOnLane(page);
    const [used] = (await laneView(page)).frames;
    assert.ok(used);
    const made = await page.evaluate(
      async ({ urls }) => {
        const before = (window as unknown as { lanePorts: unknown[] }).lanePorts.length;
        for (const url of urls) {
          const frame = document.createElement('iframe');
          frame.src = url;
          document.body.append(frame);
          await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
        }
        // The frames asked the worker at load; give any answer time to come.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return (window as unknown as { lanePorts: unknown[] }).lanePorts.length - before;
      },
      { urls: [`chrome-extension://${browser.extensionId}/lane.html#${'5a'.repeat(16)}`, used] },
    );
    assert.equal(made, 0, 'no port reached the page');
    // The relay's own lane still serves.
    await pingUntilOnLane(page);
    await page.close();
  });

  test('after the worker stops, the next request opens a new port and a new lane', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    await pingUntilOnLane(page);
    await stopServiceWorkers(browser);
    // The first request after the stop may meet the closing port (4900, retry) or a new one.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const outcome = await pageRequest(page, { method: 'weft_ping' });
      if ('result' in outcome) break;
      assert.equal((outcome.error as { code: number }).code, 4900);
    }
    await pingUntilOnLane(page);
    const view = await laneView(page);
    assert.equal(view.ports, 2, 'a second lane was handed over');
    assert.equal(view.frames.length, 2);
    assert.notEqual(view.frames[0], view.frames[1], 'each lane has its own nonce');
    await page.close();
  });
});
