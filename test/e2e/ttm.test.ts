/**
 * Cross-chain transactions through the wallet in Chromium, against the local network: one
 * approval lists every step on both chains, the popup then follows the transaction live to
 * `committed`; balances move on FISCO BCOS and Fabric together, supplies are conserved and no
 * lock is left. A step a chain refuses aborts the whole transaction with its reason; two
 * transactions on the same account at once: one commits, the other gets a conflict error and
 * nothing is lost; a rejected approval answers 4001; malformed requests are -32602.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  answerApproval,
  connectWallet,
  type ExtensionBrowser,
  importFabricIdentity,
  launchExtension,
  nextApprovalWindow,
  type PageServer,
  pageRequest,
  servePages,
  stopServiceWorkers,
  TEST_ACCOUNT_0,
  testDistDir,
  testOutputDir,
} from './harness.ts';
import {
  armFailpoint,
  BCOS,
  FAB,
  FAB_MERCHANT,
  FAB_USER,
  MERCHANT,
  startTtmChains,
  type TtmChains,
  until,
} from './ttm-fixture.ts';

interface TtmView {
  id: string;
  state: string;
  reason?: string;
  steps: { amount: string }[];
  legs: { path: string; state: string; error?: string }[];
  timeline: { event: string }[];
}

describe('cross-chain transactions through the wallet', { timeout: 240_000 }, () => {
  let chains: TtmChains;
  let browser: ExtensionBrowser;
  let server: PageServer;
  let page: Page;

  const transfer = (bcosAmount: number, fabAmount: number | string, extra: Record<string, unknown> = {}) => ({
    method: 'weft_sendCrossChainTransaction',
    params: [
      {
        steps: [
          { path: BCOS, to: MERCHANT, amount: String(bcosAmount) },
          { path: FAB, from: FAB_USER, to: FAB_MERCHANT, amount: String(fabAmount) },
        ],
        ...extra,
      },
    ],
  });

  async function snapshot() {
    return {
      me: await chains.bcosBalance(TEST_ACCOUNT_0),
      merchant: await chains.bcosBalance(MERCHANT),
      fabMe: await chains.fabBalance(FAB_USER),
      fabMerchant: await chains.fabBalance(FAB_MERCHANT),
      bcosSupply: await chains.bcosSupply(),
      fabSupply: await chains.fabSupply(),
    };
  }

  async function assertNoLocks() {
    assert.equal(await chains.bcosLockedBy(TEST_ACCOUNT_0), null);
    assert.equal(await chains.fabLockedBy(FAB_USER), null);
  }

  before(async () => {
    chains = await startTtmChains();
    await chains.fundBcos(TEST_ACCOUNT_0, 1000n);
    await chains.openFabAccount(chains.net.fabric.user, FAB_MERCHANT);
    browser = await launchExtension(testDistDir);
    await connectWallet(browser, chains.entry, `${FAB} (1 hop)`);
    const user1 = chains.net.fabric.peer.identities.user1 as { mspDir: string };
    await importFabricIdentity(browser, user1.mspDir, 'user1');
    server = await servePages({ '/': '<!doctype html><title>ttm dapp</title>' });
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    const { outcome } = await answerApproval(browser, page, {
      method: 'weft_requestSession',
      params: [{ resources: [BCOS, FAB] }],
    });
    assert.ok('result' in outcome, JSON.stringify(outcome));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await chains?.stop();
  });

  test('one approval lists every step; the popup follows it to committed; both chains move', async () => {
    const before = await snapshot();
    const opened = nextApprovalWindow(browser);
    const pending = pageRequest(page, transfer(10, 5));
    const window = await opened;
    await window.getByTestId('approval').waitFor();
    assert.equal(await window.getByTestId('approval-origin').first().textContent(), server.origin);
    const steps = await window.getByTestId('ttm-step').allTextContents();
    assert.equal(steps.length, 2);
    assert.match(steps.join('\n'), new RegExp(`${BCOS}[\\s\\S]*10[\\s\\S]*${FAB}[\\s\\S]*5`));
    assert.match(steps.join('\n'), new RegExp(FAB_MERCHANT));
    assert.equal(await window.getByTestId('ttm-leg-deadline').count(), 2);
    await mkdir(testOutputDir, { recursive: true });
    await window.screenshot({ path: join(testOutputDir, 'popup-approve-cross-chain.png') });
    await window.getByRole('button', { name: 'Approve' }).click();
    await window.getByTestId('ttm-timeline').waitFor();
    await window
      .getByTestId('ttm-state')
      .filter({ hasText: /^committed$/ })
      .waitFor({ timeout: 20_000 });
    await window.screenshot({ path: join(testOutputDir, 'popup-cross-chain-timeline.png') });
    const outcome = await pending;
    assert.ok('result' in outcome, JSON.stringify(outcome));
    const view = outcome.result as TtmView;
    assert.equal(view.state, 'committed');
    assert.deepEqual(
      view.legs.map((l) => l.state),
      ['committed', 'committed'],
    );
    await window.close().catch(() => {});

    const now = await snapshot();
    assert.equal(now.me, before.me - 10n);
    assert.equal(now.merchant, before.merchant + 10n);
    assert.equal(now.fabMe, before.fabMe - 5n);
    assert.equal(now.fabMerchant, before.fabMerchant + 5n);
    assert.equal(now.bcosSupply, before.bcosSupply);
    assert.equal(now.fabSupply, before.fabSupply);
    assert.deepEqual(await chains.txStates(view.id), { bcos: 'committed', fab: 'committed' });
    await assertNoLocks();

    const status = await pageRequest(page, { method: 'weft_ttmStatus', params: [{ id: view.id }] });
    assert.ok('result' in status);
    assert.equal((status.result as TtmView).state, 'committed');
  });

  test('a step the chain refuses aborts every chain, with the reason; nothing moves', async () => {
    const before = await snapshot();
    const { outcome } = await answerApproval(browser, page, transfer(10, '999999999'));
    assert.ok('error' in outcome, JSON.stringify(outcome));
    assert.equal(outcome.error.code, -32000);
    const data = (outcome.error as { data?: { reason: string; transaction: TtmView } }).data;
    assert.equal(data?.reason, 'ABORTED');
    const view = data?.transaction as TtmView;
    assert.equal(view.state, 'aborted');
    assert.match(view.reason ?? '', /insufficient funds in account user1/);
    assert.deepEqual(await chains.txStates(view.id), { bcos: 'aborted', fab: 'aborted' });
    assert.deepEqual(await snapshot(), before);
    await assertNoLocks();
  });

  test('two transactions on the same account at once: one commits, the other is a conflict', async () => {
    const before = await snapshot();
    // Both prepares land in the same FISCO BCOS block: the second finds the account locked.
    chains.net.fisco.node.pauseSealing();
    const opened = nextApprovalWindow(browser);
    const first = pageRequest(page, transfer(3, 1));
    const second = pageRequest(page, transfer(4, 2));
    const window = await opened;
    for (let i = 0; i < 2; i++) {
      await window.getByTestId('approval').waitFor();
      await window.getByRole('button', { name: 'Approve' }).click();
      if (i === 0) await window.getByTestId('approval').waitFor();
    }
    await until(() => chains.net.fisco.node.ledger.pendingCount >= 2, 'both prepares to reach the pool');
    chains.net.fisco.node.resumeSealing();
    const outcomes = await Promise.all([first, second]);
    await window.close().catch(() => {});
    const won = outcomes.filter((o) => 'result' in o);
    const lost = outcomes.filter((o) => 'error' in o);
    assert.equal(won.length, 1, JSON.stringify(outcomes));
    assert.equal(lost.length, 1, JSON.stringify(outcomes));
    const error = (lost[0] as { error: { code: number; data?: { reason: string; conflict: boolean } } })
      .error;
    assert.equal(error.code, -32000);
    assert.equal(error.data?.reason, 'CONFLICT', JSON.stringify(error));
    assert.equal(error.data?.conflict, true);
    const winner = (won[0] as { result: TtmView }).result;
    const [bcosPaid, fabPaid] = winner.steps.map((s) => BigInt(s.amount));
    const now = await snapshot();
    assert.equal(now.me, before.me - (bcosPaid as bigint));
    assert.equal(now.fabMe, before.fabMe - (fabPaid as bigint));
    assert.equal(now.bcosSupply, before.bcosSupply);
    assert.equal(now.fabSupply, before.fabSupply);
    await assertNoLocks();
  });

  test('a worker stopped mid-transaction comes back by itself (alarm) and finishes it', async () => {
    const before = await snapshot();
    await armFailpoint(browser, 'transaction:committing');
    const opened = nextApprovalWindow(browser);
    const pending = pageRequest(page, transfer(2, 2));
    const window = await opened;
    await window.getByTestId('approval').waitFor();
    await window.getByRole('button', { name: 'Approve' }).click();
    // Logged `committing`, then hung: both chains prepared, nothing committed.
    let id = '';
    await until(async () => {
      const list = await pageRequest(page, { method: 'weft_ttmList' });
      id =
        'result' in list ? ((list.result as TtmView[]).find((v) => v.state === 'committing')?.id ?? '') : '';
      return id !== '';
    }, 'the transaction to log committing');
    await window.close().catch(() => {});
    await stopServiceWorkers(browser);
    assert.equal(((await pending) as { error?: { code: unknown } }).error?.code, 4900);
    // Nobody touches the wallet: the heartbeat alarm (every 30 s) restarts the worker.
    await until(
      async () => {
        const states = await chains.txStates(id);
        return states.bcos === 'committed' && states.fab === 'committed';
      },
      'the alarm to wake the worker and commit',
      60_000,
    );
    const now = await snapshot();
    assert.equal(now.me, before.me - 2n);
    assert.equal(now.fabMerchant, before.fabMerchant + 2n);
    assert.equal(now.bcosSupply, before.bcosSupply);
    assert.equal(now.fabSupply, before.fabSupply);
    await assertNoLocks();
  });

  test('a rejected approval answers 4001 and nothing is logged', async () => {
    const { outcome } = await answerApproval(browser, page, transfer(1, 1), 'Reject');
    assert.ok('error' in outcome);
    assert.equal(outcome.error.code, 4001);
  });

  test('malformed requests are -32602 naming the field; unknown ids are refused', async () => {
    const bad = [
      { steps: [] },
      { steps: [{ path: BCOS, to: 'not-an-address', amount: '1' }] },
      { steps: [{ path: BCOS, to: MERCHANT, amount: '-1' }] },
      { steps: [{ path: FAB, to: FAB_MERCHANT, amount: '1' }] },
      { steps: [{ path: BCOS, to: MERCHANT, amount: '1' }], timeoutSeconds: 1 },
    ];
    for (const params of bad) {
      const outcome = await pageRequest(page, { method: 'weft_sendCrossChainTransaction', params: [params] });
      assert.ok('error' in outcome, JSON.stringify(params));
      assert.equal(outcome.error.code, -32602, JSON.stringify(outcome));
    }
    const unknown = await pageRequest(page, {
      method: 'weft_ttmStatus',
      params: [{ id: `0x${'ab'.repeat(32)}` }],
    });
    assert.ok('error' in unknown);
    assert.equal(unknown.error.code, -32602);
  });
});
