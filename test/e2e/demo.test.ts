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

/** Wallet B's phrase in the swap (another BIP-39 test vector). */
const B_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/**
 * Starts the demo server the way `npm start` does, on a free port, and returns its URL. Its
 * extension build (with this network's routers as defaults) goes to `<dataDir>/dist`, not the
 * shared dist/ the other tests load.
 */
async function startDemo(dataDir: string): Promise<{ child: ChildProcess; url: string; r3: string }> {
  const args = ['--port', '0', '--base-port', '0', '--data-dir', dataDir];
  const child = spawn(process.execPath, [join(repoRoot, 'scripts/start.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WEFT_OUT_DIR: join(dataDir, 'dist') },
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
    // The build npm start made: the wallet knows the network's routers before anyone enters one.
    browser = await launchExtension(join(dataDir, 'dist'));
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
    // The window opens before it has read the approval from the worker: wait for it to render.
    await window.getByTestId('ttm-step').first().waitFor();
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

  test('shows a swap between two wallets: propose, hand over the text, accept, both complete', async () => {
    // Wallet B: another browser profile, another phrase, the local network's user2 on Fabric.
    const other = await launchExtension();
    try {
      await connectWallet(other, demo.r3, 'trade.fab.asset (1 hop)', B_MNEMONIC);
      await importFabricIdentity(other, join(dataDir, 'fabric', 'crypto', 'user2', 'msp'), 'user2');
      const pageB = await other.context.newPage();
      await pageB.goto(demo.url);
      const connectB = nextApprovalWindow(other);
      await pageB.click('#connect');
      await (await connectB).getByRole('button', { name: 'Approve' }).click();
      await pageB.getByText(/connected as 0x/).waitFor({ timeout: 10_000 });
      const addressB = ((await pageB.textContent('#session')) ?? '').replace('connected as ', '');

      for (const open of browser.context.pages().filter((p) => p.url().includes('popup/index.html'))) {
        await open.close();
      }
      const pageA = await browser.context.newPage();
      await pageA.goto(demo.url);
      await pageA.getByText(`connected as ${TEST_ACCOUNT_0}`).waitFor({ timeout: 10_000 });
      await pageA.fill('#swap-give-to', addressB);
      const proposeA = nextApprovalWindow(browser);
      await pageA.click('#swap-propose');
      const windowA = await proposeA;
      await windowA.getByTestId('swap-give').waitFor();
      await windowA.getByRole('button', { name: 'Approve' }).click();
      await pageA.waitForFunction(
        () => (document.getElementById('swap-proposal') as HTMLTextAreaElement).value !== '',
        null,
        {
          timeout: 30_000,
        },
      );
      const proposal = await pageA.inputValue('#swap-proposal');

      for (const open of other.context.pages().filter((p) => p.url().includes('popup/index.html'))) {
        await open.close();
      }
      await pageB.fill('#swap-proposal', proposal);
      await pageB.fill('#swap-from', 'user2');
      const acceptB = nextApprovalWindow(other);
      await pageB.click('#swap-accept');
      const windowB = await acceptB;
      await windowB.getByTestId('swap-get').waitFor();
      await windowB.getByRole('button', { name: 'Approve' }).click();
      await windowB
        .getByTestId('ttm-state')
        .filter({ hasText: /^completed$/ })
        .waitFor({ timeout: 30_000 });
      await windowA
        .getByTestId('ttm-state')
        .filter({ hasText: /^completed$/ })
        .waitFor({ timeout: 30_000 });
      for (const p of [pageA, pageB]) {
        await p.click('#swap-status');
        await p.waitForFunction(() => document.getElementById('swap-state')?.textContent === 'completed');
      }
      // A gave 5 on FISCO BCOS (990 after the transfer above) and got 5 into user1 on Fabric.
      await pageA.waitForFunction(
        () => document.getElementById('bcos-balance')?.textContent === '985',
        null,
        {
          timeout: 10_000,
        },
      );
      await pageB.fill('#fab-account', 'user2');
      await pageB.click('#fab-balance-read');
      await pageB.waitForFunction(() => document.getElementById('fab-balance')?.textContent === '995');
      await pageA.screenshot({ path: join(testOutputDir, 'demo-swap.png'), fullPage: true });
    } finally {
      await other.close();
    }
  });
});
