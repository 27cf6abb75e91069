import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  connectWallet,
  type ExtensionBrowser,
  importFabricIdentity,
  launchExtension,
  nextApprovalWindow,
  repoRoot,
  TEST_ACCOUNT_0,
  testOutputDir,
} from './harness.ts';

/** Starts the demo server the way `npm start` does, on a free port, and returns its URL. */
async function startDemo(dataDir: string): Promise<{ child: ChildProcess; url: string; r3: string }> {
  const args = ['--port', '0', '--base-port', '0', '--data-dir', dataDir];
  const child = spawn(process.execPath, [join(repoRoot, 'scripts/start.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for await (const chunk of child.stdout ?? []) {
    output += String(chunk);
    const url = /Demo dapp:\s+(\S+)/.exec(output)?.[1];
    const r3 = /r3 \(zone trade\): (\S+)/.exec(output)?.[1];
    if (url && r3) return { child, url, r3 };
  }
  throw new Error(`start.ts printed no demo URL:\n${output}`);
}

describe('demo dapp served by the main command', { timeout: 120_000 }, () => {
  let browser: ExtensionBrowser;
  let demo: { child: ChildProcess; url: string; r3: string };
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'weft-demo-'));
    demo = await startDemo(dataDir);
    browser = await launchExtension();
  });

  after(async () => {
    await browser?.close();
    if (demo && demo.child.exitCode === null) {
      demo.child.kill('SIGINT');
      await once(demo.child, 'exit');
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  test('finds the wallet, answers ping and reports errors with their codes', async () => {
    const page = await browser.context.newPage();
    await page.goto(demo.url);
    await page.getByText('Found Weft (dev.weft.wallet)').waitFor({ timeout: 10_000 });
    await page.click('#ping');
    await page.getByText('"pong": true').waitFor({ timeout: 10_000 });
    assert.match((await page.textContent('#out')) ?? '', /"origin": "http:\/\/127\.0\.0\.1:\d+"/);
    await page.click('#unknown');
    await page.getByText('error 4200').waitFor({ timeout: 10_000 });
    await page.click('#fab-balance-read');
    await page.getByText('error 4100').waitFor({ timeout: 10_000 });
    await page.close();
  });

  test('connects to the local network that npm start runs and reads both chains', async () => {
    await connectWallet(browser, demo.r3, 'trade.fab.asset (1 hop)');

    const page = await browser.context.newPage();
    await page.goto(demo.url);
    const approval = nextApprovalWindow(browser);
    await page.click('#connect');
    const window = await approval;
    await window.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(`connected as ${TEST_ACCOUNT_0}`).waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.getElementById('bcos-balance')?.textContent === '0');
    await page.click('#fab-balance-read');
    await page.waitForFunction(() => document.getElementById('fab-balance')?.textContent === '1000000');
    await mkdir(testOutputDir, { recursive: true });
    await page.screenshot({ path: join(testOutputDir, 'demo-dapp.png'), fullPage: true });
    await page.close();
  });

  test('shows a cross-chain transfer: debit on FISCO BCOS, credit on Fabric, one approval', async () => {
    await importFabricIdentity(browser, join(dataDir, 'fabric', 'crypto', 'user1', 'msp'), 'user1');
    const page = await browser.context.newPage();
    await page.goto(demo.url);
    await page.getByText(`connected as ${TEST_ACCOUNT_0}`).waitFor({ timeout: 10_000 });
    await page.click('#faucet');
    await page.waitForFunction(() => document.getElementById('bcos-balance')?.textContent === '1000');
    await page.fill('#fab-account', 'merchant');
    await page.click('#fab-balance-read');
    await page.waitForFunction(() => document.getElementById('fab-balance')?.textContent === '0');

    // The session's approval window may still be open: start from a new one.
    for (const open of browser.context.pages().filter((p) => p.url().includes('popup/index.html'))) {
      await open.close();
    }
    const approval = nextApprovalWindow(browser);
    await page.click('#x-send');
    const window = await approval;
    assert.equal(await window.getByTestId('ttm-step').count(), 2);
    await window.getByRole('button', { name: 'Approve' }).click();
    await window
      .getByTestId('ttm-state')
      .filter({ hasText: /^committed$/ })
      .waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => document.getElementById('x-state')?.textContent === 'committed', null, {
      timeout: 30_000,
    });
    await page.waitForFunction(() => document.getElementById('bcos-balance')?.textContent === '990');
    await page.click('#fab-balance-read');
    await page.waitForFunction(() => document.getElementById('fab-balance')?.textContent === '10');
    await page.screenshot({ path: join(testOutputDir, 'demo-cross-chain.png'), fullPage: true });
    await window.close().catch(() => {});
    await page.close();
  });
});
