import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type ExtensionBrowser,
  launchExtension,
  openPopup,
  type PageServer,
  pageRequest,
  servePages,
  stopServiceWorkers,
  testOutputDir,
} from './harness.ts';

// The first script of the page records what it can see before anything else runs.
const DAPP = `<!doctype html><html><head><script>
  window.firstScriptSaw = { weft: typeof window.weft, isWeft: window.weft && window.weft.isWeft === true, announced: null };
  window.addEventListener('weft:announceProvider', (e) => { window.firstScriptSaw.announced = e.detail.info.name; });
  window.dispatchEvent(new Event('weft:requestProvider'));
</script></head><body>dapp</body></html>`;

describe('extension in Chromium', { timeout: 60_000 }, () => {
  let browser: ExtensionBrowser;
  let server: PageServer;
  let page: Page;

  before(async () => {
    browser = await launchExtension();
    server = await servePages({ '/': DAPP });
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the service worker runs from background.js', async () => {
    const worker = await browser.worker();
    assert.equal(worker.url(), `chrome-extension://${browser.extensionId}/background.js`);
    const id = await worker.evaluate(
      () => (globalThis as unknown as { chrome: { runtime: { id: string } } }).chrome.runtime.id,
    );
    assert.equal(id, browser.extensionId);
  });

  test("the provider is present for the page's first inline script and announces itself", async () => {
    const saw = await page.evaluate(() => (window as unknown as { firstScriptSaw: unknown }).firstScriptSaw);
    assert.deepEqual(saw, { weft: 'object', isWeft: true, announced: 'Weft' });
  });

  test('weft_ping round-trips page -> worker -> page with the origin the browser reports', async () => {
    const outcome = await pageRequest(page, {
      method: 'weft_ping',
      params: ['hello'],
      origin: 'https://evil.example',
    });
    assert.deepEqual(outcome, { result: { pong: true, origin: server.origin, echo: 'hello' } });
  });

  test('a page cannot claim another origin by dispatching to the relay itself', async () => {
    const answer = await page.evaluate(
      () =>
        new Promise((resolve) => {
          window.addEventListener('weft:content', (e) => {
            const data = JSON.parse((e as CustomEvent).detail as string);
            if (data?.id === 'forged') resolve(data);
          });
          window.dispatchEvent(
            new CustomEvent('weft:page', {
              detail: JSON.stringify({
                channel: 'weft:page',
                id: 'forged',
                origin: 'https://bank.example',
                request: { method: 'weft_ping' },
              }),
            }),
          );
        }),
    );
    assert.deepEqual(answer, {
      channel: 'weft:content',
      id: 'forged',
      result: { pong: true, origin: server.origin },
    });
  });

  // Found by provider.fuzz.test.ts: the relay took ids the worker ignores, and answered some itself.
  test('the relay takes only frames the worker answers: ids of at most 128 characters', async () => {
    const answered = await page.evaluate(async () => {
      const seen: number[] = [];
      const listen = (e: Event) => {
        const data = JSON.parse((e as CustomEvent).detail as string);
        if (data?.channel === 'weft:content' && typeof data.id === 'string') seen.push(data.id.length);
      };
      window.addEventListener('weft:content', listen);
      for (const id of ['a'.repeat(128), 'b'.repeat(129)]) {
        // One the worker answers, one the relay refuses itself (over its 16 MiB).
        for (const params of [[], ['x'.repeat(16 * 1024 * 1024)]]) {
          const detail = JSON.stringify({
            channel: 'weft:page',
            id,
            request: { method: 'weft_ping', params },
          });
          window.dispatchEvent(new CustomEvent('weft:page', { detail }));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      window.removeEventListener('weft:content', listen);
      return seen;
    });
    assert.deepEqual(answered, [128, 128]);
  });

  test('details that are not a JSON string of a request get no answer and break nothing', async () => {
    const outcome = await page.evaluate(async () => {
      const seen: unknown[] = [];
      const listen = (e: Event) => seen.push((e as CustomEvent).detail);
      window.addEventListener('weft:content', listen);
      const request = { method: 'weft_ping', params: ['odd'] };
      const frame = { channel: 'weft:page', id: 'odd', request };
      for (const detail of [
        frame, // an object, not its JSON
        42,
        null,
        'not json',
        JSON.stringify(frame).slice(0, -1),
        JSON.stringify([frame]),
        JSON.stringify({ ...frame, channel: 'weft:content' }),
        JSON.stringify({ ...frame, id: 7 }),
      ]) {
        window.dispatchEvent(new CustomEvent('weft:page', { detail }));
      }
      window.dispatchEvent(new Event('weft:page'));
      // A forged answer on the answer channel: the provider sent no such id, and its own requests still work.
      window.dispatchEvent(
        new CustomEvent('weft:content', {
          detail: JSON.stringify({ channel: 'weft:content', id: 'odd', result: 'forged' }),
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      window.removeEventListener('weft:content', listen);
      const weft = (window as unknown as { weft: { request(x: unknown): Promise<unknown> } }).weft;
      return { seen, after: await weft.request(request) };
    });
    assert.deepEqual(outcome, {
      seen: [JSON.stringify({ channel: 'weft:content', id: 'odd', result: 'forged' })],
      after: { pong: true, origin: server.origin, echo: 'odd' },
    });
  });

  test('weft_version answers with the built version', async () => {
    const outcome = await pageRequest(page, { method: 'weft_version' });
    assert.ok('result' in outcome);
    const result = outcome.result as { name: string; version: string; apiVersion: number };
    assert.equal(result.name, 'Weft');
    assert.match(result.version, /^\d+\.\d+\.\d+/);
    assert.equal(result.apiVersion, 2);
  });

  test('unknown methods get 4200, malformed requests -32600 and bad params -32602, as error objects', async () => {
    const cases: [unknown, number][] = [
      [{ method: 'eth_sendTransaction' }, 4200],
      [{ method: 'toString' }, 4200],
      ['weft_ping', -32600],
      [null, -32600],
      [[], -32600],
      [{ params: [] }, -32600],
      [{ method: 42 }, -32600],
      [{ method: '' }, -32600],
      [{ method: 'weft_ping', params: 'not-a-list' }, -32602],
      [{ method: 'weft_ping', params: [1, 2] }, -32602],
      [{ method: 'weft_version', params: ['x'] }, -32602],
    ];
    for (const [args, code] of cases) {
      const outcome = await pageRequest(page, args);
      assert.ok('error' in outcome, `expected an error for ${JSON.stringify(args)}`);
      assert.equal(outcome.error.code, code, `code for ${JSON.stringify(args)}`);
      assert.equal(typeof outcome.error.message, 'string');
    }
    const fn = await page.evaluate(async () => {
      const weft = (window as unknown as { weft: { request(x: unknown): Promise<unknown> } }).weft;
      return weft.request({ method: 'weft_ping', params: [() => 1] }).catch((e: { code: number }) => e.code);
    });
    assert.equal(fn, -32602);
  });

  // Found by provider.fuzz.test.ts: these crossed postMessage but not the JSON port, and the
  // page used to wait forever for an answer. Now the provider refuses BigInt and cycles itself
  // (its detail is JSON), and the relay the size.
  test('params the port cannot carry (BigInt, a cycle, over 16 MiB) get -32602 at once, not silence', async () => {
    const codes = await page.evaluate(async () => {
      const weft = (window as unknown as { weft: { request(x: unknown): Promise<unknown> } }).weft;
      const cycle: unknown[] = [];
      cycle.push(cycle);
      const outcome = (params: unknown) =>
        Promise.race([
          weft.request({ method: 'weft_ping', params }).then(
            () => 'answered',
            (e: { code: number }) => e.code,
          ),
          new Promise((resolve) => setTimeout(() => resolve('no answer within 5 s'), 5_000)),
        ]);
      return [
        await outcome([1n]),
        await outcome({ id: 2n }),
        await outcome(cycle),
        // Over the port's own 64 MiB limit, which drops it without a word.
        await outcome(['x'.repeat(65 * 1024 * 1024)]),
        await outcome(['fine']),
      ];
    });
    assert.deepEqual(codes, [-32602, -32602, -32602, -32602, 'answered']);
  });

  test('the popup renders, starting with onboarding', async () => {
    const popup = await openPopup(browser, 480);
    await popup.getByTestId('onboarding').waitFor({ timeout: 10_000 });
    assert.match((await popup.getByTestId('onboarding').textContent()) ?? '', /Welcome to Weft/);
    await mkdir(testOutputDir, { recursive: true });
    await popup.screenshot({ path: join(testOutputDir, 'popup.png') });
    await popup.close();
  });

  test('after the worker is stopped, the next request still gets an answer', async () => {
    await stopServiceWorkers(browser);
    const outcome = await pageRequest(page, { method: 'weft_ping', params: ['after-restart'] });
    assert.deepEqual(outcome, { result: { pong: true, origin: server.origin, echo: 'after-restart' } });
    const worker = await browser.worker();
    assert.equal(worker.url(), `chrome-extension://${browser.extensionId}/background.js`);
  });
});
