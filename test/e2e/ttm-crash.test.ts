/**
 * The TTM crash harness (issue 7): one cross-chain transaction (FISCO BCOS payment.bcos.asset +
 * Fabric trade.fab.asset) per crash point, through the wallet in Chromium, with a fault injected
 * exactly at a coordinator checkpoint (background/ttm/failpoints.ts):
 *
 * - worker:    the coordinator hangs there; the service worker is stopped through CDP; the
 *              page's next request starts it again and it resumes from its log;
 * - browser:   the coordinator hangs there; Chromium is closed and reopened on the same
 *              profile; the user unlocks in the popup and it resumes;
 * - router-r1, router-r2: the coordinator pauses there; the router fronting FISCO BCOS (r1), or
 *              the one fronting Fabric that is also the hop to r1 (r2), is stopped; released,
 *              the coordinator runs into the dead router until it comes back on the same ports;
 * - stall:     the coordinator pauses there; FISCO BCOS stops sealing; released, the
 *              coordinator runs on until its write is stuck in the pool; sealing resumes.
 *
 * Each checkpoint runs on the commit path and on the abort path (the Fabric step asks for more
 * than the balance). Three more points keep the fault on past a deadline after `committing` was
 * logged (the first chain can no longer commit in time, so every chain must abort), and a swap
 * subset stops either side's worker at each swap checkpoint on the way to completion.
 *
 * After recovery: both chains agree and are final (committed only past `committing`, and on the
 * commit path exactly when nothing outlasted a deadline), balances moved by exactly the committed
 * amounts or not at all, sums, escrow and supplies are conserved on both chains, no touched
 * account is still locked (and while away, a lock held until its deadline, not after), and the
 * wallet's log, the page's answer and the popup show that same final state. The count of crash
 * points exercised, per kind, goes to the test's diagnostics and test-output/ttm-crash.json.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import type { Page } from 'playwright-core';
import { FAILPOINT_ITEM } from '../../background/ttm/failpoints.ts';
import { COMMIT_MARGIN_S } from '../../background/ttm/timing.ts';
import {
  connectWallet,
  distDir,
  type ExtensionBrowser,
  importFabricIdentity,
  launchExtension,
  nextApprovalWindow,
  openPopup,
  type PageServer,
  pageRequest,
  type RequestOutcome,
  servePages,
  stopServiceWorkers,
  TEST_ACCOUNT_0,
  TEST_PASSWORD,
  testOutputDir,
} from './harness.ts';
import {
  BCOS,
  FAB,
  FAB_MERCHANT,
  FAB_USER,
  MERCHANT,
  startTtmChains,
  type TtmChains,
  until,
} from './ttm-fixture.ts';

const FINAL = new Set(['committed', 'aborted']);

type Outcome = 'committed' | 'aborted';
type CrashKind = 'worker' | 'browser' | 'router-r1' | 'router-r2' | 'stall';

interface CrashPoint {
  /** The checkpoint the fault is injected at. */
  at: string;
  /** Which way the transaction goes: every step can be made (commit) or Fabric refuses (abort). */
  path: 'commit' | 'abort';
  /** A first-leg deadline this many seconds after approval (default: the wallet's 120). */
  timeoutSeconds?: number;
  /**
   * The fault lasts (the wallet stays away, the chain stays stalled) until the first leg's
   * deadline has passed, or until commits may no longer start (the deadline less the margin).
   */
  away?: 'first-deadline' | 'commit-margin';
}

interface TtmView {
  id: string;
  state: string;
  reason?: string;
  steps: { path: string; amount: string }[];
  legs: { path: string; state: string; deadline: number; error?: string }[];
  timeline: { event: string }[];
}

const BCOS_AMOUNT = 2n;
const FAB_AMOUNT = 1n;
/** More than user1 holds on Fabric: its prepare is refused, so the transaction aborts. */
const FAB_TOO_MUCH = '999999999';

const COMMIT_POINTS = [
  'transaction:preparing',
  `transaction:prepared:${BCOS}`,
  `transaction:prepared:${FAB}`,
  'transaction:committing',
  `transaction:committed:${BCOS}`,
  `transaction:committed:${FAB}`,
  'transaction:committed',
];
const ABORT_POINTS = [
  'transaction:preparing',
  `transaction:prepared:${BCOS}`,
  'transaction:aborting',
  `transaction:aborted:${BCOS}`,
  `transaction:aborted:${FAB}`,
  'transaction:aborted',
];
const EVERY_POINT: CrashPoint[] = [
  ...COMMIT_POINTS.map((at) => ({ at, path: 'commit' as const })),
  ...ABORT_POINTS.map((at) => ({ at, path: 'abort' as const })),
];

/**
 * The crash points each kind runs: every checkpoint on both paths, plus faults that outlast a
 * deadline after `committing` was logged (the shortest timeout the wallet allows), where the
 * first chain can no longer commit in time, so no chain may: they must all abort.
 */
const TABLE: Record<CrashKind, CrashPoint[]> = {
  worker: [
    ...EVERY_POINT,
    // Restarted within the commit margin: the wallet waits out the first deadline, then aborts.
    { at: 'transaction:committing', path: 'commit', timeoutSeconds: 20, away: 'commit-margin' },
  ],
  browser: [
    ...EVERY_POINT,
    // Reopened after the first deadline: nothing committed anywhere, so abort at once.
    { at: 'transaction:committing', path: 'commit', timeoutSeconds: 20, away: 'first-deadline' },
  ],
  'router-r1': EVERY_POINT,
  'router-r2': EVERY_POINT,
  stall: [
    ...EVERY_POINT,
    // The first chain's commit is stuck until past its deadline: the other must not commit.
    { at: 'transaction:committing', path: 'commit', timeoutSeconds: 20, away: 'first-deadline' },
  ],
};

/**
 * Swap checkpoints on the way to both sides completing (A initiates, giving FISCO BCOS asset;
 * B participates, giving Fabric asset): each stops the worker of the side that hangs there.
 * Refunds are not here: ttm-swap.test.ts waits out the timelocks for them.
 */
const SWAP_POINTS = (['initiator', 'participant'] as const).flatMap((role) =>
  ['locking', 'locked', 'claiming', 'completed'].map((state) => `swap:${role}:${state}`),
);
/** Wallet B's recovery phrase (another BIP-39 test vector) and its Fabric account (identity user2). */
const B_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const FAB_B = 'user2';
const SWAP_GIVE = 3n;
const SWAP_WANT = 2n;
const SWAP_TIMELOCK_S = 120;

/** `WEFT_CRASH_KINDS=worker,swap-worker` runs only those kinds (to debug one); CI runs them all. */
const chosen = (kind: string) =>
  !process.env.WEFT_CRASH_KINDS || process.env.WEFT_CRASH_KINDS.split(',').includes(kind);
const KINDS = (Object.keys(TABLE) as CrashKind[]).filter(chosen);
const SWAPS = chosen('swap-worker');

function expectedOutcome(point: CrashPoint): Outcome {
  return point.path === 'commit' && !point.away ? 'committed' : 'aborted';
}

/** Whether a view shows the write the checkpoint follows (the coordinator is there or past it). */
function passed(view: TtmView, at: string): boolean {
  const [, what, path] = at.split(':');
  if (path) return view.legs.find((l) => l.path === path)?.state === what;
  if (what === 'preparing') return true;
  return view.state === what;
}

interface SwapView {
  id: string;
  state: string;
  ours: string;
  theirs: string;
  proposal: unknown;
}

interface Wallet {
  browser: ExtensionBrowser;
  page: Page;
  profile: string;
  /** The FISCO BCOS address of the dapp's session. */
  address: string;
}

interface Exercised {
  kind: CrashKind | 'swap-worker';
  at: string;
  path: string;
  outcome: Outcome | 'completed';
  /** Router and stall kinds: whether the coordinator ran into the fault (or had nothing left there). */
  faultHit?: boolean;
  ms: number;
}

describe('TTM crash harness: a fault at every checkpoint, then recovery', { timeout: 420_000 }, () => {
  let chains: TtmChains;
  let server: PageServer;
  const exercised: Exercised[] = [];
  const started = Date.now();

  before(async () => {
    chains = await startTtmChains({ blockIntervalMs: 200 });
    await chains.fundBcos(TEST_ACCOUNT_0, 1000n);
    await chains.openFabAccount(chains.net.fabric.user, FAB_MERCHANT);
    server = await servePages({ '/': '<!doctype html><title>ttm crash dapp</title>' });
  });

  after(async () => {
    await server?.close();
    await chains?.stop();
  });

  // ---- the wallet ---------------------------------------------------------------------

  async function dappPage(browser: ExtensionBrowser): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    return page;
  }

  /**
   * A wallet on its own profile: onboarded (TEST_MNEMONIC unless given), connected to r3, with a
   * Fabric identity (user1 unless given) and a session on both assets for the dapp.
   */
  async function openWallet(
    options: { mnemonic?: string; identity?: { mspDir: string; name: string } } = {},
  ): Promise<Wallet> {
    const profile = await mkdtemp(join(tmpdir(), 'weft-crash-'));
    const browser = await launchExtension(distDir, profile);
    await connectWallet(browser, chains.entry, `${FAB} (1 hop)`, options.mnemonic);
    const identity = options.identity ?? {
      mspDir: (chains.net.fabric.peer.identities.user1 as { mspDir: string }).mspDir,
      name: 'user1',
    };
    await importFabricIdentity(browser, identity.mspDir, identity.name);
    const page = await dappPage(browser);
    const opened = nextApprovalWindow(browser);
    const pending = pageRequest(page, {
      method: 'weft_requestSession',
      params: [{ resources: [BCOS, FAB] }],
    });
    const window = await opened;
    await window.getByRole('button', { name: 'Approve' }).click();
    const session = await pending;
    assert.ok('result' in session, JSON.stringify(session));
    await window.close().catch(() => {});
    return { browser, page, profile, address: (session.result as { address: string }).address };
  }

  async function closeWallet(wallet: Wallet | undefined) {
    if (!wallet) return;
    await wallet.browser.close().catch(() => {});
    await rm(wallet.profile, { recursive: true, force: true });
  }

  /** The user closes the browser and opens it again on the same profile, then unlocks. */
  async function reopen(
    wallet: Wallet,
    mark: (what: string) => void,
    whileClosed?: () => Promise<void>,
  ): Promise<void> {
    await wallet.browser.close();
    mark('closed');
    await whileClosed?.();
    wallet.browser = await launchExtension(distDir, wallet.profile);
    mark('launched');
    const popup = await openPopup(wallet.browser);
    await popup.getByTestId('unlock').waitFor({ timeout: 15_000 });
    mark('popup');
    await popup.locator('input[name="password"]').fill(TEST_PASSWORD);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByTestId('account-0').waitFor({ timeout: 15_000 });
    mark('unlocked');
    await popup.close();
    wallet.page = await dappPage(wallet.browser);
  }

  /** Writes (or with null removes) the failpoint item from the extension's service worker. */
  async function setFailpoint(wallet: Wallet, failpoint: { at: string; mode: 'hang' | 'pause' } | null) {
    await inWorker(
      wallet,
      async ([key, value]) => {
        const local = (globalThis as unknown as { chrome: ChromeStorage }).chrome.storage.local;
        if (value) await local.set({ [key]: value });
        else await local.remove(key);
        return true;
      },
      [FAILPOINT_ITEM, failpoint] as const,
    );
  }

  async function failpointArmed(wallet: Wallet): Promise<boolean> {
    return inWorker(
      wallet,
      async (key) => {
        const local = (globalThis as unknown as { chrome: ChromeStorage }).chrome.storage.local;
        return (await local.get(key))[key] !== undefined;
      },
      FAILPOINT_ITEM,
    );
  }

  /** Runs `fn` in the service worker; a worker that is not running is woken by a page request. */
  async function inWorker<A, T>(wallet: Wallet, fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        // Playwright's types cannot follow a generic argument through `evaluate`.
        return (await (await wallet.browser.worker()).evaluate(fn as never, arg)) as T;
      } catch (error) {
        if (attempt >= 3) throw error;
        await pageRequest(wallet.page, { method: 'weft_ttmList' });
      }
    }
  }

  async function ttmList(wallet: Wallet): Promise<TtmView[]> {
    const outcome = await pageRequest(wallet.page, { method: 'weft_ttmList' });
    assert.ok('result' in outcome, JSON.stringify(outcome));
    return outcome.result as TtmView[];
  }

  /** The wallet's record as the page sees it (a page request also wakes a stopped worker). */
  async function ttmStatus(wallet: Wallet, id: string): Promise<TtmView> {
    const outcome = await pageRequest(wallet.page, { method: 'weft_ttmStatus', params: [{ id }] });
    assert.ok('result' in outcome, JSON.stringify(outcome));
    return outcome.result as TtmView;
  }

  /**
   * Makes a request that needs approval, approves it, and resolves once the wallet has logged
   * the new record, with its id and the page's answer (which a crash may turn into an error).
   */
  async function requestApproved(
    wallet: Wallet,
    args: unknown,
  ): Promise<{ id: string; answer: Promise<RequestOutcome | { lost: string }> }> {
    const known = new Set((await ttmList(wallet)).map((v) => v.id));
    const opened = nextApprovalWindow(wallet.browser);
    const answer = pageRequest(wallet.page, args).catch((error: Error) => ({ lost: error.message }));
    const window = await opened;
    await window.getByTestId('approval').waitFor();
    await window.getByRole('button', { name: 'Approve' }).click();
    let id = '';
    await until(async () => {
      id = (await ttmList(wallet)).find((v) => !known.has(v.id))?.id ?? '';
      return id !== '';
    }, 'the approved request in the wallet log');
    await window.close().catch(() => {});
    return { id, answer };
  }

  // ---- the chains -----------------------------------------------------------------------

  async function snapshot() {
    return {
      me: await chains.bcosBalance(TEST_ACCOUNT_0),
      merchant: await chains.bcosBalance(MERCHANT),
      escrow: await chains.bcosBalance(chains.net.fisco.asset),
      fabMe: await chains.fabBalance(FAB_USER),
      fabMerchant: await chains.fabBalance(FAB_MERCHANT),
      bcosSupply: await chains.bcosSupply(),
      fabSupply: await chains.fabSupply(),
    };
  }

  /**
   * Waits, with the wallet away or the chain stalled, until `away` (the first leg's deadline, or
   * the last moment commits may start) has passed. Nothing may have committed meanwhile; a lock
   * holds while its deadline has not passed and lapses with it.
   */
  async function stayAway(id: string, view: TtmView, away: NonNullable<CrashPoint['away']>) {
    const firstDeadline = Math.min(...view.legs.map((l) => l.deadline));
    const end = away === 'first-deadline' ? firstDeadline + 1 : firstDeadline - COMMIT_MARGIN_S;
    assert.deepEqual(await chains.txStates(id), { bcos: 'prepared', fab: 'prepared' });
    assert.equal(await chains.bcosLockedBy(TEST_ACCOUNT_0), id, 'a live lock holds the payer');
    await until(() => Date.now() / 1000 >= end, `the ${away} to pass`, 60_000);
    assert.deepEqual(await chains.txStates(id), { bcos: 'prepared', fab: 'prepared' });
    if (away === 'first-deadline') {
      assert.equal(await chains.bcosLockedBy(TEST_ACCOUNT_0), null, 'no lock outlives its deadline');
      assert.equal(await chains.bcosLockedBy(MERCHANT), null, 'no lock outlives its deadline');
    }
    // The later leg's deadline is a minute later: its lock still holds.
    assert.equal(await chains.fabLockedBy(FAB_USER), id);
  }

  // ---- one crash point ------------------------------------------------------------------

  async function exercise(t: TestContext, wallet: Wallet, kind: CrashKind, point: CrashPoint) {
    const begun = Date.now();
    const phases: string[] = [];
    const mark = (what: string) => phases.push(`${what}=${Date.now() - begun}`);
    const expected = expectedOutcome(point);
    const before = await snapshot();
    const mode = kind === 'worker' || kind === 'browser' ? 'hang' : 'pause';
    await setFailpoint(wallet, { at: point.at, mode });

    const { id, answer } = await requestApproved(wallet, {
      method: 'weft_sendCrossChainTransaction',
      params: [
        {
          steps: [
            { path: BCOS, to: MERCHANT, amount: String(BCOS_AMOUNT) },
            {
              path: FAB,
              from: FAB_USER,
              to: FAB_MERCHANT,
              amount: point.path === 'commit' ? String(FAB_AMOUNT) : FAB_TOO_MUCH,
            },
          ],
          ...(point.timeoutSeconds ? { timeoutSeconds: point.timeoutSeconds } : {}),
        },
      ],
    });
    mark('approved');

    // Exactly at the checkpoint: its log write is visible; a hang has consumed the item.
    await until(
      async () =>
        passed(await ttmStatus(wallet, id), point.at) &&
        (mode === 'pause' || !(await failpointArmed(wallet))),
      `the coordinator to reach ${point.at}`,
    );

    mark('reached');
    let faultHit: boolean | undefined;
    switch (kind) {
      case 'worker': {
        const view = await ttmStatus(wallet, id);
        await stopServiceWorkers(wallet.browser);
        const outcome = await answer;
        assert.ok('error' in outcome, `the page must lose the worker: ${JSON.stringify(outcome)}`);
        assert.equal(outcome.error.code, 4900);
        // Nothing wakes the worker but the page's next request (made by ttmStatus below).
        if (point.away) await stayAway(id, view, point.away);
        break;
      }
      case 'browser': {
        const view = await ttmStatus(wallet, id);
        const away = point.away;
        await reopen(wallet, mark, away ? () => stayAway(id, view, away) : undefined);
        break;
      }
      case 'router-r1':
      case 'router-r2': {
        const name = kind === 'router-r1' ? 'r1' : 'r2';
        const failures = await chains.clientFailures('r3');
        await chains.stopRouter(name);
        await setFailpoint(wallet, null);
        // The coordinator runs into the dead router (r3 answers it with errors), unless it had
        // nothing left to do past this point.
        await until(async () => {
          faultHit = (await chains.clientFailures('r3')) > failures;
          return faultHit || FINAL.has((await ttmStatus(wallet, id)).state);
        }, `the coordinator to run into the stopped ${name}`);
        await chains.restartRouter(name);
        break;
      }
      case 'stall': {
        const node = chains.net.fisco.node;
        node.pauseSealing();
        try {
          await setFailpoint(wallet, null);
          await until(async () => {
            faultHit = node.ledger.pendingCount > 0;
            return faultHit || FINAL.has((await ttmStatus(wallet, id)).state);
          }, 'the coordinator to run into the stalled chain');
          if (point.away) {
            assert.ok(faultHit, 'a write must be stuck on the stalled chain');
            await stayAway(id, await ttmStatus(wallet, id), point.away);
          }
        } finally {
          node.resumeSealing();
        }
        break;
      }
    }

    mark('injected');
    // Recovery: the wallet (or a router) drives it to an end with no other action.
    let view = await ttmStatus(wallet, id);
    await until(
      async () => {
        view = await ttmStatus(wallet, id);
        return FINAL.has(view.state);
      },
      `${id} to become final in the wallet log`,
      60_000,
    );
    mark('final');
    const context = `${kind} at ${point.at} (${point.path}): ${JSON.stringify(view)}`;
    assert.equal(view.state, expected, context);
    assert.deepEqual(
      view.legs.map((l) => l.state),
      [expected, expected],
      context,
    );
    const tookCommitPath = view.timeline.some((e) => e.event.startsWith('committing'));
    if (expected === 'committed') assert.ok(tookCommitPath, `committed only past committing: ${context}`);
    if (point.path === 'abort') assert.ok(!tookCommitPath, `a refused step never commits: ${context}`);

    // Both chains agree with the log.
    assert.deepEqual(await chains.txStates(id), { bcos: expected, fab: expected }, context);

    // Funds: moved by exactly the committed amounts or not at all; sums, escrow, supplies kept.
    const now = await snapshot();
    const paid = expected === 'committed';
    assert.equal(now.me, before.me - (paid ? BCOS_AMOUNT : 0n), context);
    assert.equal(now.merchant, before.merchant + (paid ? BCOS_AMOUNT : 0n), context);
    assert.equal(now.fabMe, before.fabMe - (paid ? FAB_AMOUNT : 0n), context);
    assert.equal(now.fabMerchant, before.fabMerchant + (paid ? FAB_AMOUNT : 0n), context);
    assert.equal(now.me + now.merchant, before.me + before.merchant, context);
    assert.equal(now.fabMe + now.fabMerchant, before.fabMe + before.fabMerchant, context);
    assert.equal(now.escrow, before.escrow, `escrow returned on FISCO BCOS: ${context}`);
    assert.equal(now.bcosSupply, before.bcosSupply, context);
    assert.equal(now.fabSupply, before.fabSupply, context);

    // No lock left on any account the transaction touched.
    assert.equal(await chains.bcosLockedBy(TEST_ACCOUNT_0), null, context);
    assert.equal(await chains.bcosLockedBy(MERCHANT), null, context);
    assert.equal(await chains.fabLockedBy(FAB_USER), null, context);
    assert.equal(await chains.fabLockedBy(FAB_MERCHANT), null, context);

    // The user sees the true final state: the page's answer (when it outlived the fault) and the popup.
    if (kind !== 'worker' && kind !== 'browser') {
      const outcome = await answer;
      if (expected === 'committed') {
        assert.ok('result' in outcome, JSON.stringify(outcome));
        assert.equal((outcome.result as TtmView).state, 'committed');
      } else {
        assert.ok('error' in outcome, JSON.stringify(outcome));
        assert.equal(outcome.error.code, -32000);
        const data = outcome.error.data as { transaction: TtmView };
        assert.equal(data.transaction.state, 'aborted');
      }
    }
    mark('checked');
    const popup = await openPopup(wallet.browser);
    try {
      const row = popup.locator(`[data-testid="crosschain-item"][data-ttm-id="${id}"]`);
      await row.waitFor({ timeout: 10_000 });
      assert.equal(await row.getByTestId('crosschain-state').textContent(), expected);
    } finally {
      await popup.close();
    }

    const ms = Date.now() - begun;
    exercised.push({
      kind,
      at: point.at,
      path: point.path,
      outcome: expected,
      ...(faultHit === undefined ? {} : { faultHit }),
      ms,
    });
    t.diagnostic(
      `${kind} at ${point.at} (${point.path}) -> ${expected} in ${ms} ms ${phases.join(' ')} hit=${faultHit} ${view.reason ?? ''}`,
    );
  }

  for (const kind of KINDS) {
    test(`crash kind ${kind}: every checkpoint recovers to one agreed final state`, async (t) => {
      let wallet: Wallet | undefined;
      try {
        wallet = await openWallet();
        for (const point of TABLE[kind]) {
          const name = `${kind} at ${point.at} (${point.path}${point.away ? `, away past the ${point.away}` : ''})`;
          await t.test(name, (sub) => exercise(sub, wallet as Wallet, kind, point));
        }
      } finally {
        await closeWallet(wallet);
      }
    });
  }

  // ---- swaps --------------------------------------------------------------------------------

  async function swapStatus(wallet: Wallet, id: string): Promise<SwapView> {
    return (await ttmStatus(wallet, id)) as unknown as SwapView;
  }

  async function swapSnapshot(a: Wallet, b: Wallet) {
    return {
      aBcos: await chains.bcosBalance(a.address),
      bBcos: await chains.bcosBalance(b.address),
      escrow: await chains.bcosBalance(chains.net.fisco.asset),
      aFab: await chains.fabBalance(FAB_USER),
      bFab: await chains.fabBalance(FAB_B),
      bcosSupply: await chains.bcosSupply(),
      fabSupply: await chains.fabSupply(),
    };
  }

  async function exerciseSwap(t: TestContext, a: Wallet, b: Wallet, at: string) {
    const begun = Date.now();
    const [, role, state] = at.split(':');
    const crashed = role === 'initiator' ? a : b;
    /** The crashed side's page request is still waiting when its worker stops. */
    const beforeItsLock = state === 'locking' || state === 'locked';
    const before = await swapSnapshot(a, b);
    await setFailpoint(crashed, { at, mode: 'hang' });
    let crashedYet = false;
    const crash = async () => {
      await until(async () => !(await failpointArmed(crashed)), `the ${role} to reach ${at}`);
      await stopServiceWorkers(crashed.browser);
      crashedYet = true;
    };

    const proposing = await requestApproved(a, {
      method: 'weft_proposeSwap',
      params: [
        {
          give: { path: BCOS, amount: String(SWAP_GIVE), to: b.address },
          want: { path: FAB, amount: String(SWAP_WANT), to: FAB_USER },
          timelockSeconds: SWAP_TIMELOCK_S,
        },
      ],
    });
    const id = proposing.id;
    if (role === 'initiator' && beforeItsLock) await crash();
    // The proposal as A's log has it once A's lock is in place (the page may have lost the answer).
    let proposal: unknown;
    await until(
      async () => {
        const view = await swapStatus(a, id);
        proposal = view.proposal;
        return view.ours === 'locked';
      },
      'A to lock',
      30_000,
    );
    const accepting = await requestApproved(b, {
      method: 'weft_acceptSwap',
      params: [{ proposal, from: FAB_B }],
    });
    assert.equal(accepting.id, id);
    if (!crashedYet) await crash();

    // Both sides finish by themselves (the crashed one restarted by the page's next request).
    let views: SwapView[] = [];
    await until(
      async () => {
        views = [await swapStatus(a, id), await swapStatus(b, id)];
        return views.every((v) => v.state === 'completed');
      },
      'both sides to complete',
      60_000,
    );
    const context = `swap at ${at}: ${JSON.stringify(views)}`;
    assert.deepEqual(await chains.htlcStates(id), { bcos: 'claimed', fab: 'claimed' }, context);
    const now = await swapSnapshot(a, b);
    assert.equal(now.aBcos, before.aBcos - SWAP_GIVE, context);
    assert.equal(now.bBcos, before.bBcos + SWAP_GIVE, context);
    assert.equal(now.bFab, before.bFab - SWAP_WANT, context);
    assert.equal(now.aFab, before.aFab + SWAP_WANT, context);
    assert.equal(now.escrow, before.escrow, `escrow paid out on FISCO BCOS: ${context}`);
    assert.equal(now.bcosSupply, before.bcosSupply, context);
    assert.equal(now.fabSupply, before.fabSupply, context);

    // The pages: the crashed side lost its answer only if it was still waiting for its lock.
    for (const [side, pending] of [
      ['initiator', proposing.answer],
      ['participant', accepting.answer],
    ] as const) {
      const outcome = await pending;
      if (side === role && beforeItsLock) {
        assert.ok('error' in outcome && outcome.error.code === 4900, JSON.stringify(outcome));
      } else {
        assert.ok('result' in outcome, `${side}: ${JSON.stringify(outcome)}`);
      }
    }
    const popup = await openPopup(crashed.browser);
    try {
      const row = popup.locator(`[data-testid="crosschain-item"][data-ttm-id="${id}"]`);
      await row.waitFor({ timeout: 10_000 });
      assert.equal(await row.getByTestId('crosschain-state').textContent(), 'completed');
    } finally {
      await popup.close();
    }

    const ms = Date.now() - begun;
    exercised.push({ kind: 'swap-worker', at, path: 'swap', outcome: 'completed', ms });
    t.diagnostic(`swap-worker at ${at} -> completed in ${ms} ms`);
  }

  if (SWAPS) {
    test('swaps, crash kind worker: every checkpoint to completion recovers on both sides', async (t) => {
      let a: Wallet | undefined;
      let b: Wallet | undefined;
      try {
        const user2 = await chains.net.fabric.peer.issue('user2');
        await chains.openFabAccount(user2, FAB_B, 500n);
        [a, b] = await Promise.all([
          openWallet(),
          openWallet({ mnemonic: B_MNEMONIC, identity: { mspDir: user2.mspDir, name: 'user2' } }),
        ]);
        for (const at of SWAP_POINTS) {
          await t.test(`swap-worker at ${at}`, (sub) => exerciseSwap(sub, a as Wallet, b as Wallet, at));
        }
      } finally {
        await Promise.all([closeWallet(a), closeWallet(b)]);
      }
    });
  }

  test('every crash point in the table was exercised', async (t) => {
    const perKind = Object.fromEntries(
      [...KINDS, ...(SWAPS ? ['swap-worker' as const] : [])].map((kind) => [
        kind,
        exercised.filter((e) => e.kind === kind).length,
      ]),
    );
    const total = exercised.length;
    const planned =
      KINDS.reduce((sum, kind) => sum + TABLE[kind].length, 0) + (SWAPS ? SWAP_POINTS.length : 0);
    const summary = {
      total,
      planned,
      perKind,
      faultsHit: exercised.filter((e) => e.faultHit).length,
      seconds: Math.round((Date.now() - started) / 1000),
      points: exercised,
    };
    await mkdir(testOutputDir, { recursive: true });
    await writeFile(join(testOutputDir, 'ttm-crash.json'), `${JSON.stringify(summary, null, 2)}\n`);
    t.diagnostic(`crash points exercised: ${total} of ${planned} (${JSON.stringify(perKind)})`);
    console.log(`ttm crash harness: ${total} crash points exercised ${JSON.stringify(perKind)}`);
    assert.ok(total >= planned, `exercised ${total} of ${planned} crash points`);
  });
});

/** The part of `chrome.storage` the harness uses inside the service worker. */
interface ChromeStorage {
  storage: {
    local: {
      get(key: string): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
      remove(key: string): Promise<void>;
    };
  };
}
