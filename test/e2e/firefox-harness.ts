/**
 * Firefox e2e harness: Debian's firefox-esr driven by puppeteer-core over WebDriver BiDi, with
 * the Firefox build (dist-firefox/) installed by BiDi's `webExtension.install`. No downloaded
 * browser or driver: puppeteer-core speaks BiDi to the Firefox on the machine.
 *
 * Two Firefox specifics shape it:
 * - An extension's moz-extension:// UUID is random per profile; the `extensions.webextensions.uuids`
 *   pref fixes it, so the popup's URL is known before the extension is installed.
 * - BiDi refuses to navigate to moz-extension:// unless Firefox runs with
 *   `--remote-allow-system-access`; and once a tab has moved into the extension process, BiDi
 *   sends no load event for it, so `page.goto` never settles. Pages are opened without waiting for
 *   the navigation and counted as loaded once the document itself says so.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { repoRoot, TEST_MNEMONIC, TEST_PASSWORD } from './harness.ts';

/** The Firefox build (`vite build` writes it beside dist/); WEFT_FIREFOX_DIST points at another copy. */
export const firefoxDistDir = process.env.WEFT_FIREFOX_DIST ?? join(repoRoot, 'dist-firefox');
/** browser_specific_settings.gecko.id in the Firefox manifest (vite.config.ts). */
export const GECKO_ID = 'wallet@weft.dev';
/** The internal UUID the profile's pref gives the extension (any fixed v4 UUID does). */
export const EXTENSION_UUID = '5f0c3a1e-7b2d-4c8e-9a61-2d4f8e0b7c35';
export const extensionOrigin = `moz-extension://${EXTENSION_UUID}`;
export const popupUrl = `${extensionOrigin}/popup/index.html`;

export interface FirefoxExtension {
  browser: Browser;
  /** What `webExtension.install` answered: the extension's id. */
  extensionId: string;
  close(): Promise<void>;
}

/** Starts firefox-esr headless on a fresh profile (puppeteer removes it on close) with dist-firefox/ installed. */
export async function launchFirefox(extensionDir = firefoxDistDir): Promise<FirefoxExtension> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.WEFT_FIREFOX ?? '/usr/bin/firefox-esr',
    protocol: 'webDriverBiDi',
    headless: true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: EXTENSION_UUID }),
    },
  });
  try {
    const extensionId = await browser.installExtension(extensionDir);
    return { browser, extensionId, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Waits until `page`'s document is `url` (a prefix of its address) and fully loaded. */
async function loaded(page: Page, url: string, timeout = 15_000): Promise<Page> {
  await page.waitForFunction(
    (prefix: string) => location.href.startsWith(prefix) && document.readyState === 'complete',
    { timeout, polling: 50 },
    url,
  );
  return page;
}

/** Opens an extension page (the popup unless given) in a new tab. */
export async function openExtensionPage(fx: FirefoxExtension, url = popupUrl): Promise<Page> {
  const page = await fx.browser.newPage();
  // Never settles for moz-extension:// (see the header); the document is awaited instead.
  page.goto(url).catch(() => {});
  return loaded(page, url);
}

/** Resolves with the next window the wallet opens on its popup page (call before the request that opens it). */
export function nextExtensionWindow(fx: FirefoxExtension, timeout = 15_000): Promise<Page> {
  return new Promise<Page>((resolve, reject) => {
    const timer = setTimeout(() => {
      fx.browser.off('targetcreated', onTarget);
      reject(new Error(`no window on ${popupUrl} within ${timeout} ms`));
    }, timeout);
    // The target appears as about:blank; it is the wallet's once its document is the popup.
    const onTarget = async (target: { page(): Promise<Page | null> }) => {
      const page = await target.page().catch(() => null);
      if (!page) return;
      const ours = await loaded(page, popupUrl, timeout).catch(() => null);
      if (!ours) return;
      clearTimeout(timer);
      fx.browser.off('targetcreated', onTarget);
      resolve(ours);
    };
    fx.browser.on('targetcreated', onTarget);
  });
}

/** The enabled-or-not button whose text is exactly `name`, once the page shows one. */
export async function button(page: Page, name: string, timeout = 15_000): Promise<ElementHandle<Element>> {
  const handle = await page.waitForFunction(
    (text: string) =>
      [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === text) ?? false,
    { timeout, polling: 50 },
    name,
  );
  const element = handle.asElement();
  if (!element) throw new Error(`no button "${name}"`);
  return element as ElementHandle<Element>;
}

/** Resolves once the page's text contains `text`. */
export async function waitForText(page: Page, text: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    (t: string) => document.body?.textContent.includes(t) ?? false,
    { timeout },
    text,
  );
}

/** The text of the element with `data-testid=id`, once it is there. */
export async function testIdText(page: Page, id: string, timeout = 15_000): Promise<string> {
  const element = await page.waitForSelector(`[data-testid="${id}"]`, { timeout });
  return (await element?.evaluate((e) => e.textContent)) ?? '';
}

/** Imports TEST_MNEMONIC through the popup's onboarding; leaves the popup open on the home screen. */
export async function onboardFirefox(fx: FirefoxExtension, mnemonic = TEST_MNEMONIC): Promise<Page> {
  const popup = await openExtensionPage(fx);
  await (await button(popup, 'Import a recovery phrase')).click();
  await popup.locator('textarea[name="phrase"]').fill(mnemonic);
  await popup.locator('input[name="password"]').fill(TEST_PASSWORD);
  await popup.locator('input[name="confirm"]').fill(TEST_PASSWORD);
  await (await button(popup, 'Import')).click();
  await popup.waitForSelector('[data-testid="account-0"]', { timeout: 15_000 });
  return popup;
}

/** Points the wallet at `router` in the popup's router form; resolves once the popup lists `reachable`. */
export async function setRouter(popup: Page, router: string, reachable: string): Promise<void> {
  await popup.locator('[data-testid="router-list"]').fill(router);
  const save = await popup.waitForSelector('form:has([data-testid="router-list"]) button[type="submit"]');
  await save?.click();
  await waitForText(popup, reachable, 20_000);
}

/** What a page sees from `window.weft.request(args)`: the result, or the error's code and message. */
export type FirefoxOutcome = { result: unknown } | { error: { code: unknown; message: unknown } };

/** Calls `window.weft.request(args)` in the page and reports the outcome without throwing. */
export function firefoxRequest(page: Page, args: unknown): Promise<FirefoxOutcome> {
  return page.evaluate(async (a: unknown) => {
    const weft = (window as unknown as { weft: { request(x: unknown): Promise<unknown> } }).weft;
    try {
      return { result: await weft.request(a) };
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      return { error: { code: e.code, message: e.message } };
    }
  }, args);
}

/** The text of the element with `data-testid=id`, once it matches `pattern`. */
export async function testIdTextMatching(
  page: Page,
  id: string,
  pattern: RegExp,
  timeout = 20_000,
): Promise<string> {
  const handle = await page.waitForFunction(
    (testId: string, source: string, flags: string) => {
      const text = document.querySelector(`[data-testid="${testId}"]`)?.textContent ?? '';
      return new RegExp(source, flags).test(text) ? text : false;
    },
    { timeout, polling: 100 },
    id,
    pattern.source,
    pattern.flags,
  );
  return (await handle.jsonValue()) as string;
}

/** Clicks the button whose text is exactly `name` once it is enabled (the approval's waits on the wallet). */
export async function clickWhenEnabled(page: Page, name: string, timeout = 15_000): Promise<void> {
  const handle = await page.waitForFunction(
    (text: string) =>
      [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === text && !b.disabled) ??
      false,
    { timeout, polling: 50 },
    name,
  );
  const element = handle.asElement();
  if (!element) throw new Error(`no enabled button "${name}"`);
  await (element as ElementHandle<Element>).click();
}

/**
 * Imports a Fabric identity through the popup's form from an MSP directory (`signcerts/cert.pem`,
 * `keystore/key.pem`), as harness.ts's importFabricIdentity does in Chromium.
 */
export async function importFabricIdentityFirefox(
  fx: FirefoxExtension,
  mspDir: string,
  name: string,
  mspId = 'Org1MSP',
): Promise<void> {
  const popup = await openExtensionPage(fx);
  await (await button(popup, 'Import a Fabric identity')).click();
  const form = '[data-testid="fabric-import"]';
  await popup.waitForSelector(form);
  await popup.locator(`${form} input[name="name"]`).fill(name);
  await popup.locator(`${form} input[name="mspId"]`).fill(mspId);
  // The PEMs are set rather than typed key by key over BiDi; the form reads its fields on submit.
  const certificate = await readFile(join(mspDir, 'signcerts', 'cert.pem'), 'utf8');
  const privateKeyPem = await readFile(join(mspDir, 'keystore', 'key.pem'), 'utf8');
  await popup.evaluate(
    (selector: string, values: Record<string, string>) => {
      for (const [field, value] of Object.entries(values)) {
        const area = document.querySelector<HTMLTextAreaElement>(`${selector} textarea[name="${field}"]`);
        if (!area) throw new Error(`no textarea ${field}`);
        area.value = value;
        area.dispatchEvent(new Event('input', { bubbles: true }));
      }
    },
    form,
    { certificate, privateKeyPem },
  );
  await popup.locator(`${form} input[name="password"]`).fill(TEST_PASSWORD);
  await (await button(popup, 'Import identity')).click();
  await popup.waitForFunction(
    (identity: string) =>
      [...document.querySelectorAll('[data-testid="fabric-identity"]')].some((e) =>
        e.textContent?.includes(identity),
      ),
    { timeout: 15_000, polling: 100 },
    name,
  );
  await popup.close();
}
