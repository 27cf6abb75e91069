/**
 * Extension budgets (DESIGN.md): page -> worker -> page round trip, worker cold
 * start to first answer (p95 against the budget), the popup's first screen a user
 * can act on (onboarding on a fresh install, unlock when locked, home with accounts
 * when unlocked), gzip size of each built entry.
 * Needs a built dist/ (scripts/bench.sh builds it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  distDir,
  launchExtension,
  onboard,
  openPopup,
  servePages,
  stopServiceWorkers,
} from '../test/e2e/harness.ts';
import { openAndTime, watchScreens } from './popup-timing.ts';
import { percentile, report } from './report.ts';

const ROUND_TRIPS = 500;
// Enough that the p95 is not simply the worst run.
const COLD_STARTS = 40;
const POPUP_OPENS = 20;

function gzipKb(files: string[]): number {
  return (
    files.reduce((sum, f) => sum + gzipSync(readFileSync(join(distDir, f)), { level: 9 }).length, 0) / 1024
  );
}

const browser = await launchExtension();
const SCREENS = {
  onboarding: '[data-testid=onboarding]',
  unlock: '[data-testid=unlock]',
  home: '[data-testid=account-0]',
};
await watchScreens(browser, SCREENS);
const server = await servePages({ '/': '<!doctype html><title>bench</title>' });
try {
  const page = await browser.context.newPage();
  await page.goto(`${server.origin}/`);

  // Round trip, measured inside the page as a dapp would see it.
  const samples = await page.evaluate(async (count) => {
    const weft = (window as unknown as { weft: { request(x: unknown): Promise<unknown> } }).weft;
    for (let i = 0; i < 50; i++) await weft.request({ method: 'weft_ping' });
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await weft.request({ method: 'weft_ping', params: [String(i)] });
      out.push(performance.now() - t);
    }
    return out;
  }, ROUND_TRIPS);
  report({
    name: `round trip page->worker->page p50 (n=${ROUND_TRIPS})`,
    value: percentile(samples, 50),
    unit: 'ms',
    budget: 5,
  });
  report({
    name: `round trip page->worker->page p99 (n=${ROUND_TRIPS})`,
    value: percentile(samples, 99),
    unit: 'ms',
  });

  // Cold start: stop the worker, then time the first request that wakes it.
  const cold: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    await stopServiceWorkers(browser);
    cold.push(
      await page.evaluate(async () => {
        const weft = (window as unknown as { weft: { request(x: unknown): Promise<unknown> } }).weft;
        const t = performance.now();
        await weft.request({ method: 'weft_ping' });
        return performance.now() - t;
      }),
    );
  }
  report({
    name: `worker cold start to first answer p50 (n=${COLD_STARTS})`,
    value: percentile(cold, 50),
    unit: 'ms',
  });
  report({
    name: `worker cold start to first answer p95 (n=${COLD_STARTS})`,
    value: percentile(cold, 95),
    unit: 'ms',
    budget: 300,
  });
  report({
    name: `worker cold start to first answer max (n=${COLD_STARTS})`,
    value: Math.max(...cold),
    unit: 'ms',
  });

  // Popup: navigation start to the first painted frame of the screen the wallet's state calls for.
  async function popupScreen(screen: keyof typeof SCREENS, what: string): Promise<void> {
    const times: number[] = [];
    for (let i = 0; i < POPUP_OPENS; i++) {
      const { page, ms } = await openAndTime(browser, screen);
      times.push(ms);
      await page.close();
    }
    report({
      name: `popup open -> ${what} screen painted p50 (n=${POPUP_OPENS})`,
      value: percentile(times, 50),
      unit: 'ms',
      budget: 150,
    });
    report({ name: `popup open -> ${what} screen painted p95`, value: percentile(times, 95), unit: 'ms' });
  }
  await popupScreen('onboarding', 'onboarding');
  await (await onboard(browser)).close();
  await popupScreen('home', 'home (unlocked)');
  const locker = await openPopup(browser);
  await locker.evaluate(() =>
    (
      globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }
    ).chrome.runtime.sendMessage({ type: 'lock' }),
  );
  await locker.close();
  await popupScreen('unlock', 'unlock');

  const assets = readdirSync(join(distDir, 'assets')).map((f) => `assets/${f}`);
  report({ name: 'gzip background.js', value: gzipKb(['background.js']), unit: 'kB', budget: 300 });
  report({ name: 'gzip content.js', value: gzipKb(['content.js']), unit: 'kB' });
  report({ name: 'gzip inpage.js', value: gzipKb(['inpage.js']), unit: 'kB' });
  report({ name: 'gzip popup (html, js, css)', value: gzipKb(['popup/index.html', ...assets]), unit: 'kB' });
} finally {
  await browser.close();
  await server.close();
}
