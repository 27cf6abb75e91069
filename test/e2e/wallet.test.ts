/**
 * The vault through the popup, in Chromium with the built extension: create with the
 * phrase shown once and confirmed, lock / unlock / wrong password, survival of a
 * worker restart while unlocked (and staying locked when locked), accounts, auto-lock,
 * import. Screenshots of each screen go to test-output/.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HDNodeWallet } from 'ethers';
import type { Page } from 'playwright-core';
import {
  type ExtensionBrowser,
  launchExtension,
  onboard,
  openPopup,
  stopServiceWorkers,
  TEST_ACCOUNT_0,
  testOutputDir,
} from './harness.ts';

const PASSWORD = 'a long enough password';

/** The bits of the worker's `chrome` global these tests read. */
interface WorkerGlobals {
  chrome: {
    storage: { local: { get(keys: null): Promise<Record<string, unknown>> } };
    alarms: { get(name: string): Promise<{ scheduledTime: number } | undefined> };
  };
}

async function shot(page: Page, name: string) {
  await mkdir(testOutputDir, { recursive: true });
  await page.screenshot({ path: join(testOutputDir, `popup-${name}.png`) });
}

describe('wallet vault in the popup', { timeout: 120_000 }, () => {
  let browser: ExtensionBrowser;
  let phrase: string[] = [];

  before(async () => {
    browser = await launchExtension();
  });

  after(async () => {
    await browser?.close();
  });

  test('create: a weak password is refused; the phrase is shown once and must be confirmed', async () => {
    const popup = await openPopup(browser);
    await shot(popup, 'onboarding');
    await popup.getByRole('button', { name: 'Create a new wallet' }).click();
    await popup.locator('input[name="password"]').fill('short12');
    await popup.locator('input[name="confirm"]').fill('short12');
    // The browser's own minLength check would stop the form; remove it to reach the wallet's check.
    await popup.evaluate(() => {
      for (const input of document.querySelectorAll('input')) input.removeAttribute('minlength');
    });
    await popup.getByRole('button', { name: 'Create' }).click();
    await popup.locator('.error', { hasText: 'at least 8' }).waitFor();

    await popup.locator('input[name="password"]').fill(PASSWORD);
    await popup.locator('input[name="confirm"]').fill(PASSWORD);
    await popup.getByRole('button', { name: 'Create' }).click();
    await popup.getByTestId('recovery-phrase').waitFor();
    phrase = (await popup.locator('.phrase li').allTextContents()).map((w) => w.trim());
    assert.equal(phrase.length, 12);
    await shot(popup, 'recovery-phrase');
    await popup.getByRole('button', { name: 'I wrote them down' }).click();

    const first = popup.getByTestId('confirm-first');
    const second = popup.getByTestId('confirm-second');
    const a = Number(await first.getAttribute('data-index'));
    const b = Number(await second.getAttribute('data-index'));
    await first.fill('wrong');
    await second.fill(phrase[b] as string);
    await popup.getByRole('button', { name: 'Confirm' }).click();
    await popup.getByText('Those words do not match your phrase.').waitFor();
    await shot(popup, 'confirm-phrase');
    await first.fill(phrase[a] as string);
    await popup.getByRole('button', { name: 'Confirm' }).click();
    await popup.getByTestId('account-0').waitFor();
    const expected = HDNodeWallet.fromPhrase(phrase.join(' ')).address;
    assert.match((await popup.getByTestId('account-0').textContent()) ?? '', new RegExp(expected, 'i'));
    await shot(popup, 'home');
    await popup.close();
  });

  test('nothing secret is stored in the clear; the key derivation is PBKDF2 with at least 600,000 iterations', async () => {
    const worker = await browser.worker();
    const stored = await worker.evaluate(async () => {
      const chromeApi = (globalThis as unknown as WorkerGlobals).chrome;
      return JSON.stringify(await chromeApi.storage.local.get(null));
    });
    assert.ok(!stored.includes(phrase.slice(0, 3).join(' ')), 'the phrase must not be stored in clear');
    const vault = JSON.parse(stored)['weft.vault'];
    assert.ok(vault, 'the encrypted vault is stored');
    const record = JSON.stringify(vault);
    assert.match(record, /"PBKDF2"/);
    assert.ok(Number(/"iterations":(\d+)/.exec(record)?.[1]) >= 600_000);
  });

  test('lock, a wrong password changes nothing, the right one unlocks', async () => {
    const popup = await openPopup(browser);
    await popup.getByRole('button', { name: 'Lock' }).click();
    await popup.getByTestId('unlock').waitFor();
    await shot(popup, 'unlock');
    await popup.locator('input[name="password"]').fill('not my password');
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByText('Wrong password.').waitFor();
    await popup.locator('input[name="password"]').fill(PASSWORD);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByTestId('account-0').waitFor();
    await popup.close();
  });

  test('accounts: add and rename; the auto-lock setting schedules the alarm', async () => {
    const popup = await openPopup(browser);
    await popup.getByRole('button', { name: 'Add account' }).click();
    await popup.getByTestId('account-1').waitFor();
    await popup.getByTestId('account-1').getByRole('button', { name: 'rename' }).click();
    await popup.getByLabel('Account name').fill('Savings');
    await popup.getByTestId('account-1').getByRole('button', { name: 'Save' }).click();
    await popup.getByTestId('account-1').getByText('Savings').waitFor();
    // The default signer for new sites, per chain: account 0 until the user picks another.
    await popup.getByTestId('account-0').getByText('default for new sites').waitFor();
    await popup.getByTestId('account-1').getByRole('button', { name: 'make default' }).click();
    await popup.getByTestId('account-1').getByText('default for new sites').waitFor();
    await popup.getByTestId('account-0').getByRole('button', { name: 'make default' }).waitFor();
    await popup.getByTestId('auto-lock').selectOption('5');
    // The worker sends the saved setting back (settings:changed): it must show the choice, not undo it.
    await popup.waitForTimeout(1200);
    assert.equal(await popup.getByTestId('auto-lock').inputValue(), '5');
    await popup.close();

    const worker = await browser.worker();
    const alarm = await worker.evaluate(async () => {
      const chromeApi = (globalThis as unknown as WorkerGlobals).chrome;
      const a = await chromeApi.alarms.get('weft:auto-lock');
      return a ? a.scheduledTime - Date.now() : null;
    });
    assert.ok(alarm !== null && alarm > 4 * 60_000 && alarm <= 5 * 60_000 + 1000, `alarm in ${alarm} ms`);
    const again = await openPopup(browser);
    await again.getByTestId('account-1').getByText('Savings').waitFor();
    assert.equal(await again.getByTestId('auto-lock').inputValue(), '5');
    await again.close();
  });

  test('a worker restart keeps the wallet unlocked, and a locked wallet locked', async () => {
    await stopServiceWorkers(browser);
    const popup = await openPopup(browser);
    await popup.getByTestId('account-0').waitFor({ timeout: 10_000 });
    await popup.getByRole('button', { name: 'Lock' }).click();
    await popup.getByTestId('unlock').waitFor();
    await popup.close();
    await stopServiceWorkers(browser);
    const after = await openPopup(browser);
    await after.getByTestId('unlock').waitFor({ timeout: 10_000 });
    await after.close();
  });

  test('auto-lock: after the idle time the alarm locks the wallet', { timeout: 150_000 }, async () => {
    const popup = await openPopup(browser);
    await popup.locator('input[name="password"]').fill(PASSWORD);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByTestId('auto-lock').selectOption('1');
    await popup.waitForTimeout(1200);
    assert.equal(await popup.getByTestId('auto-lock').inputValue(), '1');
    await popup.close();
    // Nothing touches the wallet now; Chromium fires the one-minute alarm and the vault locks.
    await new Promise((r) => setTimeout(r, 62_000));
    const after = await openPopup(browser);
    await after.getByTestId('unlock').waitFor({ timeout: 20_000 });
    await after.close();
  });

  test('import: a known recovery phrase gives its known first account', async () => {
    const other = await launchExtension();
    try {
      const popup = await onboard(other);
      assert.match(
        (await popup.getByTestId('account-0').textContent()) ?? '',
        new RegExp(TEST_ACCOUNT_0, 'i'),
      );
      await popup.close();
    } finally {
      await other.close();
    }
  });
});
