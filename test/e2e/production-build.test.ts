/**
 * What ships: the production build (dist/) carries no test hooks, and a page's content script
 * cannot reach the wallet's storage.local (where the test build reads its failpoints, and where
 * the vault, sessions and router list live).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FAILPOINT_ITEM } from '../../background/ttm/failpoints.ts';
import {
  distDir,
  type ExtensionBrowser,
  launchExtension,
  type PageServer,
  pageRequest,
  servePages,
  testDistDir,
} from './harness.ts';

/** Strings only the failpoint code holds: its storage item and its modes' handling. */
const FAILPOINT_MARKERS = [FAILPOINT_ITEM];

describe('production build', () => {
  test('dist/ holds no failpoint code; the test build (dist-test/) does', async () => {
    for (const file of ['background.js', 'content.js', 'inpage.js']) {
      const shipped = await readFile(join(distDir, file), 'utf8');
      for (const marker of FAILPOINT_MARKERS)
        assert.ok(!shipped.includes(marker), `${file} contains ${marker}`);
    }
    // The probe works: the same marker is found where failpoints are compiled in.
    const testBuild = await readFile(join(testDistDir, 'background.js'), 'utf8');
    for (const marker of FAILPOINT_MARKERS)
      assert.ok(testBuild.includes(marker), `dist-test lacks ${marker}`);
  });
});

describe("a page's content script and the wallet's storage", () => {
  let browser: ExtensionBrowser;
  let server: PageServer;

  before(async () => {
    browser = await launchExtension(distDir);
    server = await servePages({ '/': '<!doctype html><title>storage probe</title>' });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('storage.local is closed to content scripts, open to the worker', async () => {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    const contexts: { id: number; name: string; auxData?: { type?: string } }[] = [];
    cdp.on('Runtime.executionContextCreated', ({ context }) => contexts.push(context));
    await cdp.send('Runtime.enable');
    await page.goto(`${server.origin}/`);
    // The relay has connected once the provider answers.
    const ping = await pageRequest(page, { method: 'weft_ping' });
    assert.ok('result' in ping, JSON.stringify(ping));

    const isolated = contexts.find((c) => c.auxData?.type === 'isolated' && c.name === 'Weft');
    assert.ok(isolated, `no content-script world among ${JSON.stringify(contexts.map((c) => c.name))}`);
    const probe = async (expression: string) =>
      (
        await cdp.send('Runtime.evaluate', {
          expression,
          contextId: isolated.id,
          awaitPromise: true,
          returnByValue: true,
        })
      ).result.value as string;

    // Control: this is the extension's content-script world, with the extension APIs it gets.
    assert.equal(await probe('typeof chrome.runtime.connect'), 'function');
    const read = await probe(
      'chrome.storage.local.get(null).then((items) => "read " + Object.keys(items).length, (e) => "refused: " + e.message)',
    );
    assert.match(read, /^refused: /, read);
    const write = await probe(
      `chrome.storage.local.set({ ${JSON.stringify(FAILPOINT_ITEM)}: { at: "transaction:committing", mode: "pause" } }).then(() => "written", (e) => "refused: " + e.message)`,
    );
    assert.match(write, /^refused: /, write);

    const worker = await browser.worker();
    const inWorker = await worker.evaluate(async () => {
      const { chrome } = globalThis as unknown as {
        chrome: { storage: { local: { get(k: null): Promise<object> } } };
      };
      return Object.keys(await chrome.storage.local.get(null)).length >= 0;
    });
    assert.equal(inWorker, true);
    await page.close();
  });
});
