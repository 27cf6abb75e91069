/**
 * What a page may not do to the wallet, in Chromium against the local network:
 * - keep it unlocked by polling: page requests never push the auto-lock alarm back, the
 *   user's actions in the popup do;
 * - bury the user in prompts: at most 3 approvals wait per origin (then -32002), and the
 *   approval window opens once, without being refocused for each later request;
 * - write through `weft_call`: a Fabric write method or a FISCO BCOS non-view function is
 *   refused (-32602) and no call reaches the routers fronting the chains.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../p2p/devnet/local-network.ts';
import {
  connectWallet,
  type ExtensionBrowser,
  importFabricIdentity,
  launchExtension,
  nextApprovalWindow,
  openPopup,
  type PageServer,
  pageRequest,
  servePages,
  TEST_ACCOUNT_0,
} from './harness.ts';

const ASSET = 'payment.bcos.asset';
const FAB = 'trade.fab.asset';

/** The bits of the worker's `chrome` global these tests use. */
interface WorkerGlobals {
  chrome: {
    alarms: { get(name: string): Promise<{ scheduledTime: number } | undefined> };
    windows: Record<'update' | 'create', (...args: unknown[]) => unknown>;
  };
  /** What the spy below records: every windows.update / windows.create the worker makes. */
  weftWindowCalls?: { fn: string; options: unknown }[];
}

describe('abuse limits: a page against the wallet', { timeout: 240_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let browser: ExtensionBrowser;
  let server: PageServer;
  let spammer: PageServer;
  let page: Page;

  const alarmAt = async () => {
    const worker = await browser.worker();
    return worker.evaluate(async () => {
      const { chrome } = globalThis as unknown as WorkerGlobals;
      return (await chrome.alarms.get('weft:auto-lock'))?.scheduledTime ?? null;
    });
  };

  /** `op="call"` requests a router handled (client or forwarded), whatever their outcome. */
  /** Reads a router handled: a Fabric read with the session's identity is an endorsed proposal (`endorse`). */
  const callsAt = async (name: string) => {
    const router = net.routers.find((r) => r.name === name)?.router;
    const metric = await router?.metrics.requests.get();
    return (metric?.values ?? [])
      .filter((v) => v.labels.op === 'call' || v.labels.op === 'endorse')
      .reduce((sum, v) => sum + v.value, 0);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-abuse-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 200 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      4,
    );
    browser = await launchExtension();
    await connectWallet(browser, net.routers[2]?.wsAddress as string, `${ASSET} (2 hops)`);
    const user1 = net.fabric.peer.identities.user1 as { mspDir: string };
    await importFabricIdentity(browser, user1.mspDir, 'user1');
    server = await servePages({ '/': '<!doctype html><title>dapp</title>' });
    spammer = await servePages({ '/': '<!doctype html><title>spam</title>' });
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    // One session with both chains, signed on Fabric by user1 (the default identity).
    const approval = nextApprovalWindow(browser);
    const pending = pageRequest(page, {
      method: 'weft_requestSession',
      params: [{ resources: [ASSET, FAB] }],
    });
    const window = await approval;
    await window.getByTestId('approval').waitFor();
    await window.getByRole('button', { name: 'Approve' }).click();
    const session = await pending;
    assert.ok('result' in session, JSON.stringify(session));
    assert.equal((session.result as { fabricIdentity?: string }).fabricIdentity !== undefined, true);
    await window.close().catch(() => {});
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await spammer?.close();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("a polling page does not push the auto-lock back; the user's actions in the popup do", async () => {
    const scheduled = await alarmAt();
    assert.ok(scheduled !== null, 'unlocked wallet without an auto-lock alarm');
    // Long enough that a re-created alarm would show a later time.
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < 5; i++) {
      const read = await pageRequest(page, {
        method: 'weft_call',
        params: [{ path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] }],
      });
      assert.ok('result' in read, JSON.stringify(read));
      await pageRequest(page, { method: 'weft_getSession' });
      await pageRequest(page, { method: 'weft_describe', params: [{ path: FAB }] });
      await pageRequest(page, { method: 'weft_ttmList' });
    }
    assert.equal(await alarmAt(), scheduled, 'page requests moved the auto-lock alarm');

    // The popup staying open (hearing the worker, keeping it awake) is not the user either; clicking in it is.
    const popup = await openPopup(browser);
    await popup.getByTestId('account-0').waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await alarmAt(), scheduled, 'the popup staying open moved the auto-lock alarm');
    await popup.getByRole('button', { name: 'Add account' }).click();
    await popup.getByTestId('account-1').waitFor();
    const pushed = await alarmAt();
    assert.ok(pushed !== null && pushed >= scheduled + 2500, `alarm ${scheduled} -> ${pushed}`);
    await popup.close();
  });

  test('at most 3 approvals wait per origin (then -32002), and the window is not refocused for each', async () => {
    const worker = await browser.worker();
    await worker.evaluate(() => {
      const g = globalThis as unknown as WorkerGlobals;
      const calls: { fn: string; options: unknown }[] = [];
      g.weftWindowCalls = calls;
      for (const fn of ['update', 'create'] as const) {
        const real = g.chrome.windows[fn].bind(g.chrome.windows);
        g.chrome.windows[fn] = (...args: unknown[]) => {
          calls.push({ fn, options: fn === 'update' ? args[1] : args[0] });
          return real(...args);
        };
      }
    });
    const spam = await browser.context.newPage();
    await spam.goto(`${spammer.origin}/`);
    const ask = () => pageRequest(spam, { method: 'weft_requestSession', params: [{ resources: [ASSET] }] });
    const opened = nextApprovalWindow(browser);
    const waiting = [ask()];
    const window = await opened;
    await window.getByTestId('approval').waitFor();
    waiting.push(ask(), ask());
    // The window lists the queue: the user finds every request there.
    await window.getByText('2 more waiting').waitFor({ timeout: 10_000 });
    // Answered at once, without waiting for the user (a queued request would wait for ever).
    const refused = await Promise.race([
      ask(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the 4th request was queued')), 5_000),
      ),
    ]);
    assert.ok('error' in refused, JSON.stringify(refused));
    assert.equal(refused.error.code, -32002);
    assert.deepEqual(refused.error.data, { reason: 'TOO_MANY_PENDING', limit: 3 });
    // Another origin is not blocked by this one's queue.
    const other = pageRequest(page, {
      method: 'weft_requestSession',
      params: [{ resources: ['payment.bcos.kv'] }],
    });
    await window.getByText('3 more waiting').waitFor({ timeout: 10_000 });

    const calls = await worker.evaluate(() => (globalThis as unknown as WorkerGlobals).weftWindowCalls ?? []);
    assert.equal(calls.filter((c) => c.fn === 'create').length, 1, JSON.stringify(calls));
    const focusing = calls.filter((c) => c.fn === 'update' && (c.options as { focused?: boolean }).focused);
    assert.deepEqual(focusing, [], 'a later request refocused the approval window');
    // Each later request (3: two from the spammer, one from the other site) only flags the window.
    const flagged = calls.filter(
      (c) => c.fn === 'update' && (c.options as { drawAttention?: boolean }).drawAttention,
    );
    assert.equal(flagged.length, 3, JSON.stringify(calls));

    // Closing the window answers everything waiting with 4001; the origin may ask again later.
    await window.close();
    for (const outcome of [...(await Promise.all(waiting)), await other]) {
      assert.ok('error' in outcome);
      assert.equal(outcome.error.code, 4001);
    }
    await spam.close();
  });

  test('weft_call refuses a Fabric write and a FISCO BCOS non-view function: nothing reaches the chains', async () => {
    const before = { fisco: await callsAt('r1'), fabric: await callsAt('r2') };
    const writes = [
      { path: FAB, method: 'Transfer', args: ['user1', 'merchant', '5'] },
      { path: FAB, method: 'Mint', args: ['user1', '1000000'] },
      { path: ASSET, method: 'transfer', args: ['0x00000000000000000000000000000000000000aa', '5'] },
    ];
    for (const write of writes) {
      const outcome = await pageRequest(page, { method: 'weft_call', params: [write] });
      assert.ok('error' in outcome, `${write.method}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.error.code, -32602);
      assert.deepEqual(outcome.error.data, { reason: 'WRITE_METHOD' });
    }
    assert.deepEqual({ fisco: await callsAt('r1'), fabric: await callsAt('r2') }, before);

    // The same counters do see reads (an endorsed read on Fabric), so they would have seen the writes.
    for (const read of [
      { path: FAB, method: 'BalanceOf', args: ['user1'] },
      { path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] },
    ]) {
      const outcome = await pageRequest(page, { method: 'weft_call', params: [read] });
      assert.ok('result' in outcome, JSON.stringify(outcome));
    }
    // r2 fronts Fabric and also relays the FISCO BCOS read on to r1.
    assert.deepEqual(
      { fisco: await callsAt('r1'), fabric: await callsAt('r2') },
      { fisco: before.fisco + 1, fabric: before.fabric + 2 },
    );
  });
});
