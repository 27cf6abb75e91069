/**
 * The light client inside the MV3 service worker: the popup saves a router address,
 * the worker dials it over WebSockets (noise, yamux) and lists what the network
 * reaches; after the worker is stopped it reconnects from the saved list.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../p2p/devnet/local-network.ts';
import {
  type ExtensionBrowser,
  launchExtension,
  onboard,
  openPopup,
  stopServiceWorkers,
  testOutputDir,
} from './harness.ts';

describe('routers from the service worker', { timeout: 120_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let browser: ExtensionBrowser;

  const popupPage = (): Promise<Page> => openPopup(browser);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-net-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 200 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      4,
    );
    browser = await launchExtension();
    await (await onboard(browser)).close();
  });

  after(async () => {
    await browser?.close();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the popup saves a router; the worker connects and lists resources with their hops', async () => {
    const popup = await popupPage();
    await popup.getByTestId('router-status').waitFor();
    assert.equal(await popup.getByTestId('router-status').textContent(), 'No routers configured');
    const r3 = net.routers.find((r) => r.name === 'r3');
    await popup.getByTestId('router-list').fill(r3?.wsAddress as string);
    await popup.getByRole('button', { name: 'Save' }).click();
    await popup.getByText(`Connected to ${r3?.router.peerId.slice(-8)}`).waitFor({ timeout: 15_000 });
    await popup.getByText('payment.bcos.asset (2 hops)').waitFor({ timeout: 10_000 });
    await popup.getByText('trade.fab.asset (1 hop)').waitFor();
    await mkdir(testOutputDir, { recursive: true });
    await popup.screenshot({ path: join(testOutputDir, 'popup-routers.png') });
    await popup.close();
  });

  test('a bad router address is refused with a clear message and nothing is saved', async () => {
    const popup = await popupPage();
    await popup
      .getByTestId('router-list')
      .fill('/ip4/192.0.2.7/tcp/4002/ws/p2p/12D3KooWCzb93UzFoLHbqHtpJ3FQKif7oo76f9SaDTT5WhaL9eaK');
    await popup.getByRole('button', { name: 'Save' }).click();
    await popup.getByText(/only allowed to a loopback host/).waitFor();
    await popup.close();
  });

  test('after the worker is stopped it reconnects from the saved list', async () => {
    await stopServiceWorkers(browser);
    const popup = await popupPage();
    const r3 = net.routers.find((r) => r.name === 'r3');
    await popup.getByText(`Connected to ${r3?.router.peerId.slice(-8)}`).waitFor({ timeout: 15_000 });
    await popup.getByText('payment.bcos.kv (2 hops)').waitFor({ timeout: 10_000 });
    await popup.close();
  });
});
