/**
 * A build with a default router list (what `npm start` makes: scripts/build-extension.ts with the
 * local network's routers): a fresh wallet, once onboarded, is connected and lists what the network
 * reaches without anyone entering a router; the user can still edit the list, their list wins
 * across a worker restart, and they can go back to the built-in one. The build goes to a temporary
 * folder (WEFT_OUT_DIR), so the shared dist/ is not touched.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../p2p/devnet/local-network.ts';
import { buildExtension } from '../../scripts/build-extension.ts';
import {
  type ExtensionBrowser,
  launchExtension,
  onboard,
  openPopup,
  stopServiceWorkers,
  testOutputDir,
} from './harness.ts';

describe('a build with default routers', { timeout: 150_000 }, () => {
  let netDir: string;
  let buildDir: string;
  let net: LocalNetwork;
  let browser: ExtensionBrowser;
  let defaults: string[];

  const router = (name: string) => {
    const found = net.routers.find((r) => r.name === name);
    assert.ok(found, `no router ${name}`);
    return found;
  };
  const suffix = (name: string) => router(name).router.peerId.slice(-8);
  const reachable = (popup: Page, line: string) =>
    popup.getByTestId('router-resources').getByText(line, { exact: true }).waitFor({ timeout: 15_000 });

  before(async () => {
    netDir = await mkdtemp(join(tmpdir(), 'weft-e2e-net-'));
    buildDir = await mkdtemp(join(tmpdir(), 'weft-e2e-build-'));
    net = await startLocalNetwork({ dataDir: netDir, blockIntervalMs: 200 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      4,
    );
    // As `npm start` orders them: r3 (fronts no chain) first.
    defaults = ['r3', 'r2', 'r1'].map((name) => router(name).wsAddress);
    await buildExtension({ defaultRouters: defaults, outDir: join(buildDir, 'dist') });
    browser = await launchExtension(join(buildDir, 'dist'));
  });

  after(async () => {
    await browser?.close();
    await net?.stop();
    await rm(netDir, { recursive: true, force: true });
    await rm(buildDir, { recursive: true, force: true });
  });

  test('the list is in the build, the Firefox copy included', async () => {
    for (const file of ['dist/background.js', 'dist-firefox/background.js']) {
      const code = await readFile(join(buildDir, file), 'utf8');
      for (const address of defaults) assert.ok(code.includes(address), `${file} lacks ${address}`);
    }
  });

  test('a fresh wallet, after onboarding, reaches the network with no router entered', async () => {
    const popup = await onboard(browser);
    await popup.getByText(`Connected to ${suffix('r3')}`).waitFor({ timeout: 15_000 });
    // Through r3, which fronts no chain: FISCO BCOS is two hops away, Fabric one.
    await reachable(popup, 'payment.bcos.asset (2 hops)');
    await reachable(popup, 'trade.fab.asset (1 hop)');
    assert.equal(
      await popup.getByTestId('router-source').textContent(),
      'Using the 3 routers this wallet was built with. Edit the list and save to use your own.',
    );
    assert.equal(await popup.getByTestId('router-list').inputValue(), defaults.join('\n'));
    assert.equal(await popup.getByTestId('router-defaults').count(), 0, 'already on the built-in list');
    await mkdir(testOutputDir, { recursive: true });
    await popup
      .locator('section.routers')
      .screenshot({ path: join(testOutputDir, 'popup-default-routers.png') });
    await popup.close();
  });

  test('the user edits the list: their list wins, also after the worker restarts', async () => {
    const popup = await openPopup(browser);
    await popup.getByTestId('router-list').fill(router('r2').wsAddress);
    await popup.getByRole('button', { name: 'Save' }).click();
    await popup.getByText(`Connected to ${suffix('r2')}`).waitFor({ timeout: 15_000 });
    // From r2, which fronts Fabric and neighbours r1.
    await reachable(popup, 'payment.bcos.asset (1 hop)');
    await reachable(popup, 'trade.fab.asset (0 hops)');
    assert.equal(await popup.getByTestId('router-source').textContent(), 'Using the list you saved.');
    await popup.close();

    await stopServiceWorkers(browser);
    const reopened = await openPopup(browser);
    await reopened.getByText(`Connected to ${suffix('r2')}`).waitFor({ timeout: 15_000 });
    assert.equal(await reopened.getByTestId('router-list').inputValue(), router('r2').wsAddress);
    assert.equal(await reopened.getByTestId('router-source').textContent(), 'Using the list you saved.');
    await reopened.close();
  });

  test('"Use the built-in routers" goes back to the default list', async () => {
    const popup = await openPopup(browser);
    await popup.getByTestId('router-defaults').click();
    await popup.getByText(`Connected to ${suffix('r3')}`).waitFor({ timeout: 15_000 });
    await reachable(popup, 'payment.bcos.asset (2 hops)');
    assert.equal(await popup.getByTestId('router-list').inputValue(), defaults.join('\n'));
    assert.match((await popup.getByTestId('router-source').textContent()) ?? '', /^Using the 3 routers/);
    assert.equal(await popup.getByTestId('router-defaults').count(), 0);
    await popup.close();
  });
});

describe('a build without default routers', { timeout: 90_000 }, () => {
  let buildDir: string;
  let browser: ExtensionBrowser;

  before(async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'weft-e2e-build-'));
    await buildExtension({ defaultRouters: [], outDir: join(buildDir, 'dist') });
    browser = await launchExtension(join(buildDir, 'dist'));
  });

  after(async () => {
    await browser?.close();
    await rm(buildDir, { recursive: true, force: true });
  });

  test('the popup says plainly that a router must be entered', async () => {
    const popup = await onboard(browser);
    assert.equal(await popup.getByTestId('router-status').textContent(), 'No routers configured');
    assert.match(
      (await popup.getByTestId('router-source').textContent()) ?? '',
      /^This wallet was built without routers: enter the WebSocket address of at least one router .* Until then no chain is reachable\.$/,
    );
    assert.equal(await popup.getByTestId('router-list').inputValue(), '');
    assert.equal(await popup.getByTestId('router-defaults').count(), 0);
    await mkdir(testOutputDir, { recursive: true });
    await popup.locator('section.routers').screenshot({ path: join(testOutputDir, 'popup-no-routers.png') });
    await popup.close();
  });
});
