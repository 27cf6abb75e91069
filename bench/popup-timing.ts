/**
 * Popup timing from outside the product: an init script, which runs in every page before the
 * page's own scripts, watches the DOM and stamps, for each named selector, the animation frame
 * after it first matches (the frame that paints it), in ms since navigation start. The popup
 * itself carries no timing code.
 */
import type { Page } from 'playwright-core';
import { type ExtensionBrowser, openPopup } from '../test/e2e/harness.ts';

type Shown = Record<string, number>;

/** Call once per browser, before the popups it times are opened. */
export async function watchScreens(
  browser: ExtensionBrowser,
  screens: Record<string, string>,
): Promise<void> {
  await browser.context.addInitScript((selectors: Record<string, string>) => {
    const shown: Record<string, number> = {};
    (globalThis as unknown as { __weftShown: Record<string, number> }).__weftShown = shown;
    const pending = new Set(Object.keys(selectors));
    const observer = new MutationObserver(() => {
      for (const key of pending) {
        if (!document.querySelector(selectors[key] as string)) continue;
        pending.delete(key);
        requestAnimationFrame(() => {
          shown[key] = performance.now();
        });
      }
      if (pending.size === 0) observer.disconnect();
    });
    observer.observe(document, { childList: true, subtree: true });
  }, screens);
}

/** Opens the popup and resolves with the page and when `screen` was first painted. */
export async function openAndTime(
  browser: ExtensionBrowser,
  screen: string,
): Promise<{ page: Page; ms: number }> {
  const page = await openPopup(browser);
  const handle = await page.waitForFunction(
    (key) => (globalThis as unknown as { __weftShown?: Shown }).__weftShown?.[key],
    screen,
    { timeout: 10_000 },
  );
  return { page, ms: Number(await handle.jsonValue()) };
}
