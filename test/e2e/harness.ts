/**
 * End-to-end harness: Debian's Chromium driven by playwright-core with the built
 * extension (dist/) loaded, plus a loopback HTTP server for test pages. Used by the
 * e2e tests and by the extension benchmarks.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright-core';

export const repoRoot = resolve(import.meta.dirname, '../..');
/** The production build (`vite build`); WEFT_DIST points at another copy of it. */
export const distDir = process.env.WEFT_DIST ?? join(repoRoot, 'dist');
/**
 * The test build (`vite build --mode test`): the same extension with the crash harness's
 * failpoints compiled in. Only tests that arm failpoints load it; WEFT_TEST_DIST overrides.
 */
export const testDistDir = process.env.WEFT_TEST_DIST ?? join(repoRoot, 'dist-test');
export const testOutputDir = join(repoRoot, 'test-output');

export interface ExtensionBrowser {
  context: BrowserContext;
  /** The build loaded: distDir, testDistDir or another copy. */
  extensionDir: string;
  extensionId: string;
  /** The extension's current service worker (waits for one if it is not running). */
  worker(): Promise<Worker>;
  close(): Promise<void>;
}

/**
 * Starts Chromium with the extension in `dist/` loaded, on a fresh profile (removed on close),
 * or on `profileDir` (kept on close, so a test can reopen the same wallet).
 */
export async function launchExtension(
  extensionDir = distDir,
  profileDir?: string,
): Promise<ExtensionBrowser> {
  const profile = profileDir ?? (await mkdtemp(join(tmpdir(), 'weft-chromium-')));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Playwright disables extensions by default; this profile exists to run one.
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const worker = async (): Promise<Worker> => {
    const running = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
    return running ?? (await context.waitForEvent('serviceworker', { timeout: 10_000 }));
  };
  const first = await worker();
  const extensionId = new URL(first.url()).host;
  return {
    context,
    extensionDir,
    extensionId,
    worker,
    async close() {
      await context.close();
      if (!profileDir) await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Stops the extension's service worker through the DevTools protocol, as Chromium
 * does to an idle worker, and resolves once it is stopped. The next event (a port
 * connecting, a message) starts it again. The session must belong to an extension
 * page: a web page's session cannot stop the extension's worker.
 */
export async function stopServiceWorkers(browser: ExtensionBrowser): Promise<void> {
  const scriptURL = `chrome-extension://${browser.extensionId}/background.js`;
  const page = await browser.context.newPage();
  try {
    await page.goto(`chrome-extension://${browser.extensionId}/manifest.json`);
    const session = await browser.context.newCDPSession(page);
    const stopped = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('service worker did not stop within 10 s')), 10_000);
      session.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
        if (versions.some((v) => v.scriptURL === scriptURL && v.runningStatus === 'stopped')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await session.send('ServiceWorker.enable');
    await session.send('ServiceWorker.stopAllWorkers');
    await stopped;
    await session.detach();
  } finally {
    await page.close();
  }
}

export interface PageServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  close(): Promise<void>;
}

/** Serves fixed HTML pages on 127.0.0.1 (a free port), by path. */
export async function servePages(pages: Record<string, string>): Promise<PageServer> {
  const server = createServer((req, res) => {
    const body = pages[new URL(req.url ?? '/', 'http://x').pathname];
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** What a page sees from `window.weft.request(args)`: the result, or the error's code, message and data. */
export type RequestOutcome =
  | { result: unknown }
  | { error: { code: unknown; message: unknown; data?: unknown } };

/** Calls `window.weft.request(args)` in the page and reports the outcome without throwing. */
export function pageRequest(page: Page, args: unknown): Promise<RequestOutcome> {
  return page.evaluate(async (a) => {
    const weft = (window as unknown as { weft: { request(x: unknown): Promise<unknown> } }).weft;
    try {
      return { result: await weft.request(a) };
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown; data?: unknown };
      return {
        error: { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) },
      };
    }
  }, args);
}

/** The recovery phrase every test wallet imports (BIP-39 test vector; account 0 is below). */
export const TEST_MNEMONIC = 'test test test test test test test test test test test junk';
export const TEST_ACCOUNT_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
export const TEST_PASSWORD = 'correct horse battery';

/** Opens the popup in a tab of the given size. */
export async function openPopup(browser: ExtensionBrowser, height = 600): Promise<Page> {
  const popup = await browser.context.newPage();
  await popup.setViewportSize({ width: 360, height });
  await popup.goto(`chrome-extension://${browser.extensionId}/popup/index.html`);
  return popup;
}

/** Imports a recovery phrase (TEST_MNEMONIC unless given) through the popup's onboarding and leaves the popup open on the home screen. */
export async function onboard(browser: ExtensionBrowser, mnemonic = TEST_MNEMONIC): Promise<Page> {
  const popup = await openPopup(browser);
  await popup.getByRole('button', { name: 'Import a recovery phrase' }).click();
  await popup.locator('textarea[name="phrase"]').fill(mnemonic);
  await popup.locator('input[name="password"]').fill(TEST_PASSWORD);
  await popup.locator('input[name="confirm"]').fill(TEST_PASSWORD);
  await popup.getByRole('button', { name: 'Import' }).click();
  await popup.getByTestId('account-0').waitFor({ timeout: 15_000 });
  return popup;
}

/** Makes a provider request that needs approval, answers it in the window the wallet opens, returns both. */
export async function answerApproval(
  browser: ExtensionBrowser,
  page: Page,
  args: unknown,
  button: 'Approve' | 'Reject' = 'Approve',
): Promise<{ outcome: RequestOutcome; shown: string }> {
  const opened = nextApprovalWindow(browser);
  const pending = pageRequest(page, args);
  const window = await opened;
  await window.getByTestId('approval').waitFor();
  const shown = (await window.getByTestId('approval').textContent()) ?? '';
  await window.getByRole('button', { name: button }).click();
  const outcome = await pending;
  await window.close().catch(() => {});
  return { outcome, shown };
}

/** Resolves with the approval window the wallet opens next (call before the request that opens it). */
export function nextApprovalWindow(browser: ExtensionBrowser): Promise<Page> {
  return browser.context.waitForEvent('page', {
    predicate: (p) => p.url().includes('popup/index.html'),
    timeout: 15_000,
  });
}

/** Onboards a recovery phrase (TEST_MNEMONIC unless given) and points the wallet at `router`; resolves once the popup lists `reachable`. */
export async function connectWallet(
  browser: ExtensionBrowser,
  router: string,
  reachable: string,
  mnemonic = TEST_MNEMONIC,
): Promise<void> {
  const popup = await onboard(browser, mnemonic);
  await popup.getByTestId('router-list').fill(router);
  await popup.getByRole('button', { name: 'Save' }).click();
  await popup.getByText(reachable).waitFor({ timeout: 20_000 });
  await popup.close();
}

/**
 * Imports a Fabric identity through the popup's form, from an MSP directory
 * (`signcerts/cert.pem`, `keystore/key.pem`), e.g. one the devpeer's test CA wrote.
 */
export async function importFabricIdentity(
  browser: ExtensionBrowser,
  mspDir: string,
  name: string,
  mspId = 'Org1MSP',
): Promise<void> {
  const popup = await openPopup(browser, 900);
  await popup.getByRole('button', { name: 'Import a Fabric identity' }).click();
  const form = popup.getByTestId('fabric-import');
  await form.locator('input[name="name"]').fill(name);
  await form.locator('input[name="mspId"]').fill(mspId);
  await form
    .locator('textarea[name="certificate"]')
    .fill(await readFile(join(mspDir, 'signcerts', 'cert.pem'), 'utf8'));
  await form
    .locator('textarea[name="privateKeyPem"]')
    .fill(await readFile(join(mspDir, 'keystore', 'key.pem'), 'utf8'));
  await form.locator('input[name="password"]').fill(TEST_PASSWORD);
  await form.getByRole('button', { name: 'Import identity' }).click();
  await popup.getByTestId('fabric-identity').getByText(name).waitFor();
  await popup.close();
}
