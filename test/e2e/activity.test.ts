/**
 * The popup's activity list with 100 entries in the log: the newest is shown first, and every
 * entry is reachable a page at a time, in the log's order, none twice and none missing.
 * (How fast the list appears is the popup benchmark's business, not this test's.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { activityEntries, fillActivityLog } from './activity-fixture.ts';
import { type ExtensionBrowser, launchExtension, onboard, openPopup } from './harness.ts';

const COUNT = 100;

describe('activity list in the popup', { timeout: 120_000 }, () => {
  let browser: ExtensionBrowser;

  before(async () => {
    browser = await launchExtension();
    await (await onboard(browser)).close();
  });

  after(async () => {
    await browser?.close();
  });

  test(`shows the newest of ${COUNT} first, and all ${COUNT} in order through "older"`, async () => {
    const entries = activityEntries(COUNT);
    await fillActivityLog(browser, entries);
    const popup = await openPopup(browser);
    const list = popup.getByTestId('activity');
    const rows = list.locator('li');
    await rows.first().waitFor({ timeout: 10_000 });

    assert.equal(await rows.first().locator('code').textContent(), `payment.bcos.asset.transfer #${COUNT}`);
    const firstPage = await rows.count();
    assert.ok(firstPage < COUNT, `a first page, not the whole log (${firstPage} rows)`);

    const older = popup.getByTestId('activity-older');
    for (let clicks = 0; (await older.count()) > 0; clicks++) {
      assert.ok(clicks < COUNT, 'the "older" button never runs out');
      const before = await rows.count();
      await older.click();
      // Settled once more rows are there, or the last page took the button away; the assert says which.
      await popup
        .waitForFunction(
          (n) =>
            document.querySelectorAll('[data-testid=activity] li').length > n ||
            !document.querySelector('[data-testid=activity-older]'),
          before,
          { timeout: 5_000 },
        )
        .catch(() => {});
      assert.ok((await rows.count()) > before, `"older" showed nothing new after ${before} rows`);
    }

    const shown = await list.locator('li code').allTextContents();
    assert.deepEqual(
      shown,
      entries.map((e) => e.summary),
    );
    assert.equal(
      await popup.getByTestId('activity-count').textContent({ timeout: 2_000 }),
      `${COUNT} of ${COUNT}`,
    );
    await popup.close();
  });
});
