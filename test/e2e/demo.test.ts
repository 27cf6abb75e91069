import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ExtensionBrowser, launchExtension, repoRoot } from './harness.ts';

/** Starts the demo server the way `npm start` does, on a free port, and returns its URL. */
async function startDemo(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const args = ['--port', '0', '--base-port', '0', '--data-dir', dataDir];
  const child = spawn(process.execPath, [join(repoRoot, 'scripts/start.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for await (const chunk of child.stdout ?? []) {
    output += String(chunk);
    const url = /Demo dapp:\s+(\S+)/.exec(output)?.[1];
    if (url) return { child, url };
  }
  throw new Error(`start.ts printed no demo URL:\n${output}`);
}

describe('demo dapp served by the main command', { timeout: 120_000 }, () => {
  let browser: ExtensionBrowser;
  let demo: { child: ChildProcess; url: string };
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

  test('finds the wallet through the announce event and shows a ping answer', async () => {
    const page = await browser.context.newPage();
    await page.goto(demo.url);
    await page.getByText('Found Weft (dev.weft.wallet)').waitFor({ timeout: 10_000 });
    await page.click('#ping');
    await page.getByText('"pong": true').waitFor({ timeout: 10_000 });
    assert.match((await page.textContent('#out')) ?? '', /"origin": "http:\/\/127\.0\.0\.1:\d+"/);
    await page.click('#unknown');
    await page.getByText('error 4200').waitFor({ timeout: 10_000 });
  });
});
