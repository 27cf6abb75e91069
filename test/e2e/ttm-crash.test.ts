/**
 * The TTM crash harness (issues 7 and 15): cross-chain transactions (FISCO BCOS
 * payment.bcos.asset + Fabric trade.fab.asset) and swaps between two wallets, through the test
 * build of the wallet (`testDistDir`, failpoints compiled in) in Chromium, with a fault injected
 * exactly at a coordinator checkpoint (background/ttm/failpoints.ts: the log write is done and
 * the coordinator hangs or pauses right after it).
 *
 * Every crash point declares its fault (kind) and what must touch that fault; the harness records
 * `faultHit` with the evidence and a point counts only if it is true:
 *
 * | kind                  | fault                                                   | what must touch it                                                                                                        |
 * | --------------------- | ------------------------------------------------------- | ------------------------------------------------------------------------------------------------------------------------- |
 * | worker                | hang there, the service worker stopped through CDP       | the hang consumed the failpoint item; a new worker started (a mark set in the old one is gone) and wrote the record on (a timeline entry after the stop), unless the record was final already |
 * | browser               | hang there, Chromium closed, reopened on its profile, unlocked | the hang consumed the item; the reopened wallet wrote the record on after the close, unless final already                  |
 * | router-r1, router-r2  | pause there, r1 (fronts FISCO BCOS) or r2 (fronts Fabric, the hop to r1) stopped, released | requests of the paused wallet failed at r3 (its entry) while the router was dead: r3's metrics, with no failure before the release; where the other swap wallet may still read, only writes count (`chainInfo` before a FISCO BCOS write, `prepare`, `submit`) |
 * | stall                 | pause there, FISCO BCOS stops sealing, released           | a transaction signed by the paused wallet was admitted to the pool while sealing was stopped, and sealed after it resumed |
 *
 * A point whose next step cannot touch its fault is not in the table (the harness never counts a
 * fault nothing touched):
 * - router and stall kinds at the final checkpoints (`transaction:committed`, `:aborted`, swap
 *   `completed`, `refunded`, `cancelled`, `failed`): nothing runs after them;
 * - router and stall kinds at `transaction:committed:*` and `transaction:aborted:*` when commits or
 *   aborts go to both chains at once: the other leg runs in parallel and may be done before the
 *   pause; `transaction:committed:payment.bcos.asset` is faulted with r2 on the sequential commit
 *   (first deadline under a minute away), where the Fabric commit is the next step;
 * - stall (FISCO BCOS only; the devpeer cannot stall) where the paused wallet's next step is on
 *   Fabric: swap `initiator:locked`, `initiator:claiming`, `participant:locking`, `participant:locked`,
 *   `participant:refunding`; router-r1 there too (Fabric is reached through r3 → r2 only);
 * - router-r2 where the next step touches only FISCO BCOS in a swap (`initiator:refunding`): for
 *   the wallet it is the same fault as r1 (the one route to FISCO BCOS is r3 → r2 → r1).
 *
 * Checkpoints no fault can reach (every `save(…, '<checkpoint>')` in background/ttm/drive-*.ts
 * and coordinator.ts is otherwise in the table):
 * - `transaction:refused:trade.fab.asset`: a commit refused on Fabric needs Fabric out of reach
 *   past its deadline after the secret is public (outside what 2PC guarantees: the chains would
 *   disagree), and an abort refused needs a committed Fabric leg while no chain committed;
 * - `swap:initiator:failed`: the initiator's lock is claimed only with the secret, which the
 *   initiator reveals only by claiming; if that claim was refused, nobody can claim its lock;
 * - `swap:participant:refund-refused`: the participant refunds on Fabric, whose refund is judged
 *   by the proposal's timestamp, the wallet's own clock, which the wallet waits past the timelock;
 * - `swap:initiator:refund-refused`: a FISCO BCOS refund refused while the lock is still there
 *   needs the chain's clock behind the wallet's past the timelock; the devnode stamps blocks with
 *   the clock the wallet shares.
 *
 * Which points (each checkpoint × each kind that can touch it at least once, to stay near ten
 * minutes): transactions fault every checkpoint on the commit path or the abort path (the Fabric
 * step asks for more than the balance); `preparing` and `prepared:payment.bcos.asset`, which both
 * paths pass, once per kind, on the commit path for worker, router-r1 and stall and on the abort
 * path for browser and router-r2; `transaction:refused:payment.bcos.asset` under FISCO BCOS stalled from `committing`
 * past the first deadline (its commit reverts, every chain aborts); two faults that outlast a
 * deadline after `committing` (the worker past the last moment commits may start; the browser
 * past the first deadline, Fabric's leg first). Swaps (A proposes, giving FISCO BCOS asset; B
 * accepts, giving Fabric asset) run in scenarios, each carrying at most one point per wallet at a
 * time (two points in a run never fault the same thing at once): both complete (every swap
 * checkpoint on the way × every kind that touches it, paired A/B), A's lock refused (cancelled),
 * B's lock refused (cancelled, then A refunds), B never accepts (A refunds), A away past B's
 * timelock (B refunds, then A), and B coming back too late while every router is away (failed).
 *
 * After every point, on both chains: the record is final in the wallet(s) and on the chain as
 * expected, balances moved by exactly what the outcome says, the sum of every known balance plus
 * escrow (FISCO BCOS: the asset contract's balance; Fabric: what the run's open transactions and
 * HTLCs hold) is unchanged and equals the supply, and no known account is still locked; while a
 * fault outlasts a deadline, the first chain's lock lapsed at its deadline and the other's holds.
 * The harness asserts that exactly the planned points ran, every one with its fault hit, and
 * fails on an unknown `WEFT_CRASH_KINDS`. Totals go to test-output/ttm-crash.json.
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
  testDistDir,
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

// ---- the plan -----------------------------------------------------------------------------

const KINDS = ['worker', 'browser', 'router-r1', 'router-r2', 'stall'] as const;
type Kind = (typeof KINDS)[number];
const hangs = (kind: Kind) => kind === 'worker' || kind === 'browser';

/** What must touch each kind of fault (the evidence `faultHit` stands for). */
const TOUCH: Record<Kind, string> = {
  worker: 'hung there (item consumed); a new worker wrote the record on from the log',
  browser: 'hung there (item consumed); the reopened, unlocked wallet wrote the record on from the log',
  'router-r1': "the paused wallet's requests failed at r3 while r1 was dead",
  'router-r2': "the paused wallet's requests failed at r3 while r2 was dead",
  stall: 'a transaction the paused wallet signed sat in the stalled FISCO BCOS pool',
};

/**
 * Requests at r3 that are writes: a FISCO BCOS write asks `chainInfo` first, a Fabric one
 * `prepare`s. A wallet's first request on a path is a `describe` (a read), so a point whose next
 * step may be its first on that path counts any failure, and needs the other wallet idle.
 */
const WRITE_OPS = ['chainInfo', 'prepare', 'submit'] as const;

type TxScenario = 'commit' | 'abort' | 'sequential' | 'margin' | 'deadline' | 'refused';

interface TxPoint {
  kind: Kind;
  at: string;
  scenario: TxScenario;
}

const tx = (what: string) => `transaction:${what}`;
const COMMIT_EARLY = [tx('preparing'), tx(`prepared:${BCOS}`), tx(`prepared:${FAB}`), tx('committing')];
const ABORT_EARLY = [tx('preparing'), tx(`prepared:${BCOS}`), tx('aborting')];
const COMMIT_LATE = [tx(`committed:${BCOS}`), tx(`committed:${FAB}`), tx('committed')];
const ABORT_LATE = [tx(`aborted:${BCOS}`), tx(`aborted:${FAB}`), tx('aborted')];
const REFUSED = tx(`refused:${BCOS}`);

function txPoints(): TxPoint[] {
  const points: TxPoint[] = [];
  for (const kind of KINDS) {
    const add = (at: string, scenario: TxScenario) => points.push({ kind, at, scenario });
    // The checkpoints both paths have run once per kind, on the commit path for some kinds and
    // the abort path for the others (every checkpoint gets both paths across kinds).
    const early = kind === 'browser' || kind === 'router-r2' ? 'abort' : 'commit';
    for (const at of COMMIT_EARLY) if (early === 'commit' || !ABORT_EARLY.includes(at)) add(at, 'commit');
    for (const at of ABORT_EARLY) if (early === 'abort' || !COMMIT_EARLY.includes(at)) add(at, 'abort');
    if (hangs(kind)) {
      for (const at of COMMIT_LATE) add(at, 'commit');
      for (const at of ABORT_LATE) add(at, 'abort');
    }
    if (kind === 'router-r2') add(tx(`committed:${BCOS}`), 'sequential');
    add(REFUSED, 'refused');
    if (kind === 'worker') add(tx('committing'), 'margin');
    if (kind === 'browser') add(tx('committing'), 'deadline');
  }
  return points;
}

type Party = 'A' | 'B';
type SwapScenario =
  | 'complete'
  | 'initiator-refused'
  | 'participant-refused'
  | 'unaccepted'
  | 'unclaimed'
  | 'failed';

interface SwapPoint {
  party: Party;
  kind: Kind;
  /** The state after `swap:<role>:` */
  state: string;
  /** Router kinds: which failed requests at r3 count (writes, while the other wallet may read). */
  requests?: 'any' | 'writes';
}

interface SwapRun {
  scenario: SwapScenario;
  /** In the order they fire. */
  points: SwapPoint[];
}

interface Failpoint {
  at: string;
  mode: 'hang' | 'pause';
}
const failpointOf = (p: SwapPoint): Failpoint => ({
  at: checkpointOf(p),
  mode: hangs(p.kind) ? 'hang' : 'pause',
});
const checkpointOf = (p: SwapPoint) => `swap:${p.party === 'A' ? 'initiator' : 'participant'}:${p.state}`;
const sp = (party: Party, state: string, kind: Kind, requests?: 'any' | 'writes'): SwapPoint => ({
  party,
  kind,
  state,
  ...(requests ? { requests } : {}),
});

/**
 * Both complete: every checkpoint on the way × every kind its next step touches, one point per
 * wallet per run, paired so that at most one fault is global (router or stall).
 */
const SWAP_RUNS: SwapRun[] = [
  { scenario: 'complete', points: [sp('A', 'locking', 'router-r1'), sp('B', 'claiming', 'worker')] },
  { scenario: 'complete', points: [sp('A', 'locking', 'router-r2'), sp('B', 'claiming', 'browser')] },
  { scenario: 'complete', points: [sp('A', 'locking', 'stall'), sp('B', 'completed', 'worker')] },
  { scenario: 'complete', points: [sp('A', 'locked', 'router-r2'), sp('B', 'completed', 'browser')] },
  {
    scenario: 'complete',
    points: [sp('B', 'locking', 'worker'), sp('A', 'claiming', 'router-r2', 'writes')],
  },
  {
    scenario: 'complete',
    points: [sp('B', 'locking', 'router-r2', 'writes'), sp('A', 'completed', 'worker')],
  },
  { scenario: 'complete', points: [sp('A', 'claiming', 'worker'), sp('B', 'locked', 'router-r2', 'any')] },
  {
    scenario: 'complete',
    points: [sp('A', 'locked', 'worker'), sp('B', 'claiming', 'router-r1', 'any')],
  },
  {
    scenario: 'complete',
    points: [sp('A', 'locking', 'worker'), sp('B', 'claiming', 'router-r2', 'any')],
  },
  { scenario: 'complete', points: [sp('A', 'locking', 'browser'), sp('B', 'claiming', 'stall')] },
  { scenario: 'complete', points: [sp('A', 'locked', 'browser'), sp('B', 'locking', 'browser')] },
  { scenario: 'complete', points: [sp('B', 'locked', 'worker'), sp('A', 'claiming', 'browser')] },
  { scenario: 'complete', points: [sp('B', 'locked', 'browser'), sp('A', 'completed', 'browser')] },
  // A gives more than it has: its lock is refused.
  { scenario: 'initiator-refused', points: [sp('A', 'cancelled', 'worker')] },
  { scenario: 'initiator-refused', points: [sp('A', 'cancelled', 'browser')] },
  // B wants to give more than it has: its lock is refused; A refunds after its timelock.
  {
    scenario: 'participant-refused',
    points: [sp('B', 'cancelled', 'worker'), sp('A', 'refunding', 'worker'), sp('A', 'refunded', 'browser')],
  },
  {
    scenario: 'participant-refused',
    points: [sp('B', 'cancelled', 'browser'), sp('A', 'refunding', 'browser'), sp('A', 'refunded', 'worker')],
  },
  // B never accepts: A refunds after its timelock (the refund is the next step after refunding).
  { scenario: 'unaccepted', points: [sp('A', 'refunding', 'router-r1')] },
  { scenario: 'unaccepted', points: [sp('A', 'refunding', 'stall')] },
  // A hangs before its claim and stays away past B's timelock: B refunds, then A (claim refused).
  {
    scenario: 'unclaimed',
    points: [sp('A', 'claiming', 'worker'), sp('B', 'refunding', 'worker'), sp('B', 'refunded', 'browser')],
  },
  {
    scenario: 'unclaimed',
    points: [sp('A', 'claiming', 'browser'), sp('B', 'refunding', 'browser'), sp('B', 'refunded', 'worker')],
  },
  {
    scenario: 'unclaimed',
    points: [sp('A', 'claiming', 'worker'), sp('B', 'refunding', 'router-r2', 'writes')],
  },
  // A claims while r1 (and so every router that could claim for B) is away; A refunds its own
  // lock after its timelock; B then finds it refunded with its own lock claimed.
  { scenario: 'failed', points: [sp('B', 'failed', 'worker')] },
  { scenario: 'failed', points: [sp('B', 'failed', 'browser')] },
];

const txName = (p: TxPoint) => `${p.kind} at ${p.at} (${p.scenario})`;
const swapName = (p: SwapPoint, run: SwapRun) => `${p.kind} at ${checkpointOf(p)} (${run.scenario})`;

/** `WEFT_CRASH_KINDS=worker,stall` runs only points of those kinds (swap runs with any); CI runs all. */
const requested = (process.env.WEFT_CRASH_KINDS ?? '')
  .split(',')
  .map((k) => k.trim())
  .filter((k) => k !== '');
const unknownKinds = requested.filter((k) => !(KINDS as readonly string[]).includes(k));
const chosen = (kind: Kind) => requested.length === 0 || requested.includes(kind);
/** `WEFT_CRASH_ONLY=transactions|swaps` runs one half (to debug). */
const only = process.env.WEFT_CRASH_ONLY;
/** `WEFT_CRASH_SWAP_RUNS=4,5` runs only those swap runs (indices into SWAP_RUNS, to debug). */
const swapRuns = process.env.WEFT_CRASH_SWAP_RUNS?.split(',').map(Number);
const unknownOnly =
  (only !== undefined && only !== 'transactions' && only !== 'swaps') ||
  (swapRuns?.some((i) => !Number.isInteger(i) || !SWAP_RUNS[i]) ?? false);
const TX_PLAN =
  unknownKinds.length > 0 || unknownOnly || only === 'swaps' ? [] : txPoints().filter((p) => chosen(p.kind));
const SWAP_PLAN =
  unknownKinds.length > 0 || unknownOnly || only === 'transactions'
    ? []
    : SWAP_RUNS.filter(
        (run, i) => run.points.some((p) => chosen(p.kind)) && (!swapRuns || swapRuns.includes(i)),
      );
const PLANNED = [
  ...TX_PLAN.map(txName),
  ...SWAP_PLAN.flatMap((run) => run.points.map((p) => swapName(p, run))),
];

// ---- amounts ------------------------------------------------------------------------------

const BCOS_AMOUNT = 2n;
const FAB_AMOUNT = 1n;
/** More than user1 holds on Fabric: its prepare is refused, so the transaction aborts. */
const FAB_TOO_MUCH = '999999999';
/** Wallet B's recovery phrase (another BIP-39 test vector) and its Fabric account (identity user2). */
const B_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const FAB_B = 'user2';
/** Every Fabric account the local network opens: user1 (the minter), merchant, user2. */
const FAB_ACCOUNTS = [FAB_USER, FAB_MERCHANT, FAB_B];
const SWAP_GIVE = 3n;
const SWAP_WANT = 2n;
/** Longer than the whole swap: nothing times out on the way. */
const SWAP_TIMELOCK_S = 120;
/** Short enough to wait out: B's timelock is half, and B accepts only 10 s before it. */
const REFUND_TIMELOCK_S = 36;
const UNACCEPTED_TIMELOCK_S = 30;

interface TtmView {
  id: string;
  kind: 'transaction' | 'swap';
  state: string;
  reason?: string;
  steps: { path: string; amount: string }[];
  legs: { path: string; state: string; deadline: number; error?: string }[];
  timeline: { at: number; event: string }[];
  /** Swaps. */
  role?: 'initiator' | 'participant';
  ours?: string;
  theirs?: string;
  proposal?: {
    initiatorLock: { timelock: number };
    participantLock: { timelock: number };
  };
}

const TX_FINAL = new Set(['committed', 'aborted']);
const SWAP_FINAL = new Set(['completed', 'refunded', 'cancelled', 'failed']);
const isFinalView = (v: TtmView) => (v.kind === 'swap' ? SWAP_FINAL : TX_FINAL).has(v.state);

interface Wallet {
  name: Party;
  browser: ExtensionBrowser;
  page: Page;
  profile: string;
  /** The FISCO BCOS address of the dapp's session. */
  address: string;
}

interface Exercised {
  name: string;
  kind: Kind;
  at: string;
  scenario: string;
  party: Party;
  outcome: string;
  faultHit: boolean;
  evidence: string;
  ms: number;
}

/** Checks, once the run is over, whether the fault was touched (and says how). */
type Evidence = () => Promise<{ hit: boolean; evidence: string }>;

async function poll(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** `WEFT_CRASH_TRACE=1` prints each step as it happens (the spec reporter prints at the end). */
const trace = (what: string) => {
  if (process.env.WEFT_CRASH_TRACE)
    console.error(`[crash ${new Date().toISOString().slice(11, 23)}] ${what}`);
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('TTM crash harness: a fault at every checkpoint, then recovery', { timeout: 1_200_000 }, () => {
  let chains: TtmChains;
  let server: PageServer;
  /** The transaction wallet, also the swaps' initiator A (TEST_MNEMONIC, identity user1). */
  let walletA: Wallet | undefined;
  let walletB: Wallet | undefined;
  const exercised: Exercised[] = [];
  /** Transactions and swaps of the current point, whose Fabric escrow counts. */
  const liveIds = new Set<string>();
  const started = Date.now();

  before(async () => {
    if (unknownKinds.length > 0 || unknownOnly || PLANNED.length === 0) return;
    chains = await startTtmChains({ blockIntervalMs: 200 });
    await chains.fundBcos(TEST_ACCOUNT_0, 1000n);
    server = await servePages({ '/': '<!doctype html><title>ttm crash dapp</title>' });
  });

  after(async () => {
    await closeWallet(walletA);
    await closeWallet(walletB);
    await server?.close();
    await chains?.stop();
  });

  test('WEFT_CRASH_KINDS and WEFT_CRASH_ONLY name known kinds and choose some points', () => {
    assert.deepEqual(unknownKinds, [], `unknown crash kinds; known: ${KINDS.join(', ')}`);
    assert.ok(
      !unknownOnly,
      'WEFT_CRASH_ONLY is transactions or swaps; WEFT_CRASH_SWAP_RUNS indices of SWAP_RUNS',
    );
    assert.ok(PLANNED.length > 0, 'no crash point chosen');
  });

  // ---- the wallets ---------------------------------------------------------------------

  async function dappPage(browser: ExtensionBrowser): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    return page;
  }

  /** A wallet of the test build on its own profile, connected to r3, with a session on both assets. */
  async function openWallet(name: Party): Promise<Wallet> {
    const profile = await mkdtemp(join(tmpdir(), 'weft-crash-'));
    const browser = await launchExtension(testDistDir, profile);
    let identity = {
      mspDir: (chains.net.fabric.peer.identities.user1 as { mspDir: string }).mspDir,
      name: 'user1',
    };
    if (name === 'B') {
      const user2 = chains.net.fabric.peer.identities.user2 as { mspDir: string };
      identity = { mspDir: user2.mspDir, name: 'user2' };
    }
    await connectWallet(browser, chains.entry, `${FAB} (1 hop)`, name === 'B' ? B_MNEMONIC : undefined);
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
    return { name, browser, page, profile, address: (session.result as { address: string }).address };
  }

  async function closeWallet(wallet: Wallet | undefined) {
    if (!wallet) return;
    await wallet.browser.close().catch(() => {});
    await rm(wallet.profile, { recursive: true, force: true });
  }

  /**
   * The user closes the browser, maybe stays away, opens it again on the same profile and
   * unlocks (records resume then).
   */
  async function reopen(wallet: Wallet, whileClosed?: () => Promise<void>): Promise<number> {
    await wallet.browser.close();
    const closedAt = Date.now();
    await whileClosed?.();
    wallet.browser = await launchExtension(testDistDir, wallet.profile);
    const popup = await openPopup(wallet.browser);
    await popup.getByTestId('unlock').waitFor({ timeout: 15_000 });
    await popup.locator('input[name="password"]').fill(TEST_PASSWORD);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByTestId('account-0').waitFor({ timeout: 15_000 });
    await popup.close();
    wallet.page = await dappPage(wallet.browser);
    return closedAt;
  }

  /** Writes (or with null removes) the failpoint item from the extension's service worker. */
  async function setFailpoint(wallet: Wallet, failpoint: Failpoint | null) {
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

  /** The failpoint item as the worker has it: gone once a hang consumed it, `paused` once a pause holds. */
  async function failpointItem(wallet: Wallet): Promise<{ at: string; paused?: boolean } | undefined> {
    return inWorker(
      wallet,
      async (key) => {
        const local = (globalThis as unknown as { chrome: ChromeStorage }).chrome.storage.local;
        return (await local.get(key))[key] as { at: string; paused?: boolean } | undefined;
      },
      FAILPOINT_ITEM,
    );
  }

  /** Runs `fn` in the service worker; a worker that is not running is woken by a page request. */
  async function inWorker<A, T>(wallet: Wallet, fn: (arg: A) => Promise<T> | T, arg: A): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        // Playwright's types cannot follow a generic argument through `evaluate`; a stopped
        // worker's evaluate may never settle.
        return (await Promise.race([
          wallet.browser.worker().then((w) => w.evaluate(fn as never, arg)),
          sleep(10_000).then(() => Promise.reject(new Error('the worker did not answer'))),
        ])) as T;
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

  async function untilFinal(wallet: Wallet, id: string, timeoutMs: number): Promise<TtmView> {
    let view: TtmView | undefined;
    await until(
      async () => {
        view = await ttmStatus(wallet, id);
        return isFinalView(view);
      },
      `${wallet.name}'s ${id.slice(0, 10)} to become final (last: ${view?.state} ${view?.reason ?? ''})`,
      timeoutMs,
    );
    return view as TtmView;
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
    liveIds.add(id);
    return { id, answer };
  }

  async function popupShows(wallet: Wallet, id: string, state: string) {
    const popup = await openPopup(wallet.browser);
    try {
      const row = popup.locator(`[data-testid="crosschain-item"][data-ttm-id="${id}"]`);
      await row.waitFor({ timeout: 10_000 });
      assert.equal(await row.getByTestId('crosschain-state').textContent(), state);
    } finally {
      await popup.close();
    }
  }

  // ---- the chains -----------------------------------------------------------------------

  function bcosAccounts(): string[] {
    return [
      chains.net.fisco.deployer.address,
      TEST_ACCOUNT_0,
      MERCHANT,
      ...(walletB ? [walletB.address] : []),
    ];
  }

  /**
   * Every known balance and escrow on each chain. FISCO BCOS escrow is the asset contract's own
   * balance; Fabric has no escrow account, so it is what the current point's open transactions
   * and HTLCs hold. `known` (balances plus escrow) must equal the supply: no holder unknown.
   */
  async function ledgers() {
    const accounts = bcosAccounts();
    const [bcos, bcosEscrow, bcosSupply, fab, fabEscrows, fabSupply] = await Promise.all([
      Promise.all(accounts.map((a) => chains.bcosBalance(a))),
      chains.bcosBalance(chains.net.fisco.asset),
      chains.bcosSupply(),
      Promise.all(FAB_ACCOUNTS.map((a) => chains.fabBalance(a))),
      Promise.all([...liveIds].map((id) => chains.fabEscrowOf(id))),
      chains.fabSupply(),
    ]);
    const fabEscrow = fabEscrows.reduce((sum, e) => sum + e.amount, 0n);
    const balances: Record<string, bigint> = {};
    accounts.forEach((a, i) => {
      balances[`bcos:${a.toLowerCase()}`] = bcos[i] as bigint;
    });
    FAB_ACCOUNTS.forEach((a, i) => {
      balances[`fab:${a}`] = fab[i] as bigint;
    });
    const bcosKnown = bcos.reduce((s, b) => s + b, 0n) + bcosEscrow;
    const fabKnown = fab.reduce((s, b) => s + b, 0n) + fabEscrow;
    assert.equal(bcosKnown, bcosSupply, 'FISCO BCOS: known balances plus escrow equal the supply');
    assert.equal(fabKnown, fabSupply, 'Fabric: known balances plus escrow equal the supply');
    return { balances, bcosEscrow, fabEscrow, bcosKnown, fabKnown };
  }
  type Ledgers = Awaited<ReturnType<typeof ledgers>>;

  /**
   * After recovery: each chain's known balances plus escrow as before, escrow as before, and each
   * balance moved by exactly `moved` (by key `bcos:<address>` / `fab:<account>`).
   */
  async function assertConserved(before: Ledgers, moved: Record<string, bigint>, context: string) {
    const now = await ledgers();
    assert.equal(now.bcosKnown, before.bcosKnown, `FISCO BCOS balances plus escrow conserved: ${context}`);
    assert.equal(now.fabKnown, before.fabKnown, `Fabric balances plus escrow conserved: ${context}`);
    assert.equal(now.bcosEscrow, before.bcosEscrow, `FISCO BCOS escrow released: ${context}`);
    assert.equal(now.fabEscrow, before.fabEscrow, `Fabric escrow released: ${context}`);
    const expected = { ...before.balances };
    for (const [key, delta] of Object.entries(moved)) {
      expected[key.toLowerCase()] = (expected[key.toLowerCase()] ?? 0n) + delta;
    }
    assert.deepEqual(now.balances, expected, `balances moved by exactly the outcome: ${context}`);
  }

  /** No lock outlives its deadline: after recovery no known account on either chain is locked. */
  async function assertNoLocks(context: string) {
    const [bcos, fab] = await Promise.all([
      Promise.all(bcosAccounts().map(async (a) => [a, await chains.bcosLockedBy(a)] as const)),
      Promise.all(FAB_ACCOUNTS.map(async (a) => [a, await chains.fabLockedBy(a)] as const)),
    ]);
    for (const [account, lock] of [...bcos, ...fab]) {
      assert.equal(lock, null, `${account} is still locked by ${lock}: ${context}`);
    }
  }

  // ---- faults ---------------------------------------------------------------------------

  /**
   * Waits until `wallet` hangs or pauses at `at`, injects the fault of `kind` there, keeps it on
   * through `away` (if given), ends it; resolves with the check of whether it was touched.
   */
  async function inject(
    kind: Kind,
    at: string,
    wallet: Wallet,
    id: string,
    options: {
      away?: () => Promise<void>;
      requests?: 'any' | 'writes';
      quiet?: boolean;
      timeoutMs?: number;
      /** The wallet's next point, armed before the coordinator can go on to it. */
      next?: Failpoint;
    } = {},
  ): Promise<Evidence> {
    const next = options.next ?? null;
    const mode = hangs(kind) ? 'hang' : 'pause';
    await until(
      async () => {
        const item = await failpointItem(wallet);
        return mode === 'hang' ? item === undefined : item?.at === at && item.paused === true;
      },
      `${wallet.name} to ${mode} at ${at}`,
      options.timeoutMs ?? 30_000,
    );
    trace(`${wallet.name} ${mode}s at ${at}: injecting ${kind}`);
    // A hang left the hung worker idle: the wallet's next point is armed now, in storage the
    // restarted worker (or browser) reads as it starts, before it can reach that point.
    if (mode === 'hang' && next) await setFailpoint(wallet, next);
    const atCrash = await ttmStatus(wallet, id);
    const wasFinal = isFinalView(atCrash);
    /** The record was written on after `since` (by a worker other than the hung one). */
    const resumedAfter = (since: number) => async () => {
      if (wasFinal) return true;
      const view = await ttmStatus(wallet, id);
      return view.timeline.some((e) => e.at > since);
    };

    switch (kind) {
      case 'worker': {
        // Resolves once CDP reports the worker stopped: whatever writes the record after this is
        // a new worker.
        await stopServiceWorkers(wallet.browser);
        const stoppedAt = Date.now();
        trace(`${wallet.name} worker stopped at ${at}`);
        await options.away?.();
        // The page's next request wakes a new worker.
        await ttmStatus(wallet, id);
        trace(`${wallet.name} worker woken`);
        const resumed = resumedAfter(stoppedAt);
        return async () => {
          const wroteOn = await resumed();
          return {
            hit: wroteOn,
            evidence: `item consumed; worker stopped; ${wasFinal ? 'final at the crash' : `a new worker wrote on after the stop ${wroteOn}`}`,
          };
        };
      }
      case 'browser': {
        const closedAt = await reopen(wallet, options.away);
        const resumed = resumedAfter(closedAt);
        return async () => {
          const wroteOn = await resumed();
          return {
            hit: wroteOn,
            evidence: `item consumed; browser reopened; ${wasFinal ? 'final at the close' : `wrote on after the close ${wroteOn}`}`,
          };
        };
      }
      case 'router-r1':
      case 'router-r2': {
        const name = kind === 'router-r1' ? 'r1' : 'r2';
        const ops = options.requests === 'writes' ? WRITE_OPS : undefined;
        await chains.stopRouter(name);
        const base = await chains.clientFailures('r3', ops);
        // Nothing else may reach through the dead router before the paused wallet goes on.
        let quiet = true;
        if (options.quiet) {
          await sleep(1_000);
          quiet = (await chains.clientFailures('r3', ops)) === base;
        }
        await setFailpoint(wallet, next);
        let failures = base;
        const reached = await poll(async () => {
          failures = await chains.clientFailures('r3', ops);
          return failures > base;
        }, 30_000);
        await options.away?.();
        trace(`${name} restarting; reached ${reached}`);
        if (process.env.WEFT_CRASH_TRACE && !reached) {
          const text = await chains.net.routers
            .find((r) => r.name === 'r3')
            ?.router.metrics.registry.getSingleMetricAsString('weft_router_requests_total');
          trace(`r3 requests:\n${text}`);
          trace(`${wallet.name}: ${JSON.stringify(await ttmStatus(wallet, id))}`);
        }
        await chains.restartRouter(name);
        return async () => ({
          hit: quiet && reached,
          evidence: `${failures - base} ${ops ? 'write ' : ''}request(s) failed at r3 while ${name} was dead${quiet ? '' : ', but others failed before the release'}`,
        });
      }
      case 'stall': {
        const node = chains.net.fisco.node;
        const address = wallet.address.toLowerCase();
        node.pauseSealing();
        const from = Date.now();
        const mine = () => chains.submissions.filter((s) => s.at >= from && s.from === address);
        let stuck = false;
        try {
          await setFailpoint(wallet, next);
          stuck = await poll(() => mine().length > 0, 30_000);
          await options.away?.();
          // Still nothing sealed: the transaction sat in the pool all along.
          stuck &&= mine().every((s) => !node.ledger.isCommitted(s.hash));
        } finally {
          node.resumeSealing();
        }
        return async () => {
          const sealed = mine().filter((s) => node.ledger.isCommitted(s.hash)).length;
          return {
            hit: stuck && sealed > 0,
            evidence: `${mine().length} transaction(s) from ${wallet.name} in the stalled pool, ${sealed} sealed after`,
          };
        };
      }
    }
  }

  async function record(
    t: TestContext,
    entry: Omit<Exercised, 'faultHit' | 'evidence'>,
    evidence: Evidence,
  ): Promise<void> {
    const { hit, evidence: text } = await evidence();
    exercised.push({ ...entry, faultHit: hit, evidence: text });
    t.diagnostic(`${entry.name} -> ${entry.outcome} in ${entry.ms} ms; fault hit ${hit}: ${text}`);
    assert.ok(hit, `${entry.name}: the fault was not hit (${TOUCH[entry.kind]}): ${text}`);
  }

  // ---- transactions ---------------------------------------------------------------------

  const expectedOutcome = (scenario: TxScenario) =>
    scenario === 'commit' || scenario === 'sequential' ? 'committed' : 'aborted';

  /**
   * While the fault lasts, waits until `end` (a second past the first deadline, or the last moment
   * commits may start): nothing commits meanwhile; the first chain's lock holds until its
   * deadline and lapses with it (though still prepared), the later chain's holds on.
   */
  async function outlast(id: string, view: TtmView, until_: 'first-deadline' | 'commit-margin') {
    const [first, second] = [...view.legs].sort((x, y) => x.deadline - y.deadline);
    assert.ok(first && second);
    const lockOf = (path: string) =>
      path === BCOS ? chains.bcosLockedBy(TEST_ACCOUNT_0) : chains.fabLockedBy(FAB_USER);
    const end = until_ === 'first-deadline' ? first.deadline + 1 : first.deadline - COMMIT_MARGIN_S;
    assert.deepEqual(await chains.txStates(id), { bcos: 'prepared', fab: 'prepared' });
    assert.equal(await lockOf(first.path), id, `a live lock holds the payer on ${first.path}`);
    await until(() => Date.now() / 1000 >= end, `the ${until_} to pass`, 60_000);
    assert.deepEqual(await chains.txStates(id), { bcos: 'prepared', fab: 'prepared' });
    if (until_ === 'first-deadline') {
      assert.equal(await lockOf(first.path), null, `no lock outlives its deadline on ${first.path}`);
      if (first.path === BCOS) assert.equal(await chains.bcosLockedBy(MERCHANT), null);
      else assert.equal(await chains.fabLockedBy(FAB_MERCHANT), null);
    }
    assert.equal(await lockOf(second.path), id, `the later deadline's lock holds on ${second.path}`);
  }

  async function exerciseTx(t: TestContext, wallet: Wallet, point: TxPoint) {
    const begun = Date.now();
    const expected = expectedOutcome(point.scenario);
    const before = await ledgers();
    const mode = hangs(point.kind) ? 'hang' : 'pause';
    const late = point.scenario === 'margin' || point.scenario === 'deadline' || point.scenario === 'refused';
    // Refused: FISCO BCOS stalls from `committing` on, so the point's failpoint comes later.
    await setFailpoint(
      wallet,
      point.scenario === 'refused' ? { at: tx('committing'), mode: 'pause' } : { at: point.at, mode },
    );
    const bcosStep = { path: BCOS, to: MERCHANT, amount: String(BCOS_AMOUNT) };
    const fabStep = {
      path: FAB,
      from: FAB_USER,
      to: FAB_MERCHANT,
      amount: point.scenario === 'abort' ? FAB_TOO_MUCH : String(FAB_AMOUNT),
    };
    const timeoutSeconds = late ? 20 : point.scenario === 'sequential' ? 50 : undefined;
    const { id, answer } = await requestApproved(wallet, {
      method: 'weft_sendCrossChainTransaction',
      params: [
        {
          steps: point.scenario === 'deadline' ? [fabStep, bcosStep] : [bcosStep, fabStep],
          ...(timeoutSeconds ? { timeoutSeconds } : {}),
        },
      ],
    });

    if (point.scenario === 'refused') {
      // The commit sent now sits in the stalled pool until after the first deadline, then reverts.
      await until(async () => (await failpointItem(wallet))?.paused === true, 'the pause at committing');
      const node = chains.net.fisco.node;
      node.pauseSealing();
      try {
        await setFailpoint(wallet, null);
        await setFailpoint(wallet, { at: point.at, mode });
        await outlast(id, await ttmStatus(wallet, id), 'first-deadline');
      } finally {
        node.resumeSealing();
      }
    }

    let away: (() => Promise<void>) | undefined;
    if (point.scenario === 'margin' || point.scenario === 'deadline') {
      const view = await ttmStatus(wallet, id);
      away = () => outlast(id, view, point.scenario === 'margin' ? 'commit-margin' : 'first-deadline');
    }
    const evidence = await inject(point.kind, point.at, wallet, id, {
      ...(away ? { away } : {}),
      timeoutMs: point.scenario === 'refused' ? 40_000 : 30_000,
    });
    if (point.kind === 'worker') {
      const outcome = await answer;
      assert.ok('error' in outcome, `the page must lose the worker: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.error.code, 4900);
    }

    // Recovery: the wallet (or a router) drives it to an end with no other action.
    const view = await untilFinal(wallet, id, 60_000);
    const context = `${txName(point)}: ${JSON.stringify(view)}`;
    assert.equal(view.state, expected, context);
    assert.deepEqual(
      view.legs.map((l) => l.state),
      [expected, expected],
      context,
    );
    const tookCommitPath = view.timeline.some((e) => e.event.startsWith('committing'));
    if (expected === 'committed') assert.ok(tookCommitPath, `committed only past committing: ${context}`);
    if (point.scenario === 'abort') assert.ok(!tookCommitPath, `a refused step never commits: ${context}`);
    if (point.scenario === 'refused') {
      assert.ok(
        view.timeline.some((e) => e.event.startsWith(`commit refused on ${BCOS}`)),
        `the stalled commit was refused: ${context}`,
      );
    }
    assert.deepEqual(await chains.txStates(id), { bcos: expected, fab: expected }, context);
    const paid = expected === 'committed';
    await assertConserved(
      before,
      paid
        ? {
            [`bcos:${TEST_ACCOUNT_0}`]: -BCOS_AMOUNT,
            [`bcos:${MERCHANT}`]: BCOS_AMOUNT,
            [`fab:${FAB_USER}`]: -FAB_AMOUNT,
            [`fab:${FAB_MERCHANT}`]: FAB_AMOUNT,
          }
        : {},
      context,
    );
    await assertNoLocks(context);

    // The user sees the true final state: the page's answer (when it outlived the fault) and the popup.
    if (!hangs(point.kind)) {
      const outcome = await answer;
      if (expected === 'committed') {
        assert.ok('result' in outcome, JSON.stringify(outcome));
        assert.equal((outcome.result as TtmView).state, 'committed');
      } else {
        assert.ok('error' in outcome, JSON.stringify(outcome));
        assert.equal(outcome.error.code, -32000);
        assert.equal((outcome.error.data as { transaction: TtmView }).transaction.state, 'aborted');
      }
    }
    await popupShows(wallet, id, expected);
    liveIds.clear();
    await record(
      t,
      {
        name: txName(point),
        kind: point.kind,
        at: point.at,
        scenario: point.scenario,
        party: 'A',
        outcome: expected,
        ms: Date.now() - begun,
      },
      evidence,
    );
  }

  if (TX_PLAN.length > 0) {
    test(`transactions: ${TX_PLAN.length} crash points, each recovers to one agreed final state`, async (t) => {
      walletA ??= await openWallet('A');
      for (const point of TX_PLAN) {
        await t.test(txName(point), { timeout: 150_000 }, (sub) => exerciseTx(sub, walletA as Wallet, point));
      }
    });
  }

  // ---- swaps ----------------------------------------------------------------------------

  interface SwapOutcome {
    a: string;
    b: string | null;
    htlc: { bcos: string; fab: string };
    /** Balance moves (ledger keys) once both sides ended. */
    moved: (a: Wallet, b: Wallet) => Record<string, bigint>;
  }

  const NOTHING_MOVES = () => ({});
  const SWAPPED = (a: Wallet, b: Wallet) => ({
    [`bcos:${a.address}`]: -SWAP_GIVE,
    [`bcos:${b.address}`]: SWAP_GIVE,
    [`fab:${FAB_USER}`]: SWAP_WANT,
    [`fab:${FAB_B}`]: -SWAP_WANT,
  });
  const OUTCOMES: Record<SwapScenario, SwapOutcome> = {
    complete: { a: 'completed', b: 'completed', htlc: { bcos: 'claimed', fab: 'claimed' }, moved: SWAPPED },
    'initiator-refused': {
      a: 'cancelled',
      b: null,
      htlc: { bcos: 'none', fab: 'none' },
      moved: NOTHING_MOVES,
    },
    'participant-refused': {
      a: 'refunded',
      b: 'cancelled',
      htlc: { bcos: 'refunded', fab: 'none' },
      moved: NOTHING_MOVES,
    },
    unaccepted: { a: 'refunded', b: null, htlc: { bcos: 'refunded', fab: 'none' }, moved: NOTHING_MOVES },
    unclaimed: {
      a: 'refunded',
      b: 'refunded',
      htlc: { bcos: 'refunded', fab: 'refunded' },
      moved: NOTHING_MOVES,
    },
    // B's Fabric lock went to A; A's FISCO BCOS lock came back to A.
    failed: {
      a: 'completed',
      b: 'failed',
      htlc: { bcos: 'refunded', fab: 'claimed' },
      moved: (_a, _b) => ({ [`fab:${FAB_USER}`]: SWAP_WANT, [`fab:${FAB_B}`]: -SWAP_WANT }),
    },
  };

  async function exerciseSwap(t: TestContext, a: Wallet, b: Wallet, run: SwapRun) {
    const begun = Date.now();
    const before = await ledgers();
    const wallets = { A: a, B: b };
    const pending = [...run.points];
    const evidences: { point: SwapPoint; evidence: Evidence; ms: number }[] = [];
    /** Arms the next point of `party` (one item per wallet at a time). */
    const armNext = async (party: Party) => {
      const next = pending.find((p) => p.party === party);
      if (next) await setFailpoint(wallets[party], failpointOf(next));
    };
    let id = '';
    /** Injects the next pending point (which must be `party`'s at `state`), then arms that wallet's next. */
    const fault = async (party: Party, options: { away?: () => Promise<void>; timeoutMs?: number } = {}) => {
      const point = pending.find((p) => p.party === party);
      assert.ok(point, `no pending point for ${party}`);
      pending.splice(pending.indexOf(point), 1);
      const following = pending.find((p) => p.party === party);
      const started = Date.now();
      const evidence = await inject(point.kind, checkpointOf(point), wallets[party], id, {
        ...options,
        ...(point.requests ? { requests: point.requests } : {}),
        ...(following ? { next: failpointOf(following) } : {}),
        // Two wallets share r3: a failure before the release would not be this one's.
        quiet: true,
      });
      evidences.push({ point, evidence, ms: Date.now() - started });
    };
    const has = (party: Party, ...states: string[]) =>
      pending.some((p) => p.party === party && states.includes(p.state));
    const viewOf = async (party: Party) => ttmStatus(wallets[party], id);
    const untilState = async (
      party: Party,
      test_: (v: TtmView) => boolean,
      what: string,
      timeoutMs = 30_000,
    ) => {
      let view: TtmView | undefined;
      await until(
        async () => {
          view = await viewOf(party);
          return test_(view);
        },
        `${party} ${what} (last: ${view?.state} ${view?.reason ?? ''})`,
        timeoutMs,
      );
      return view as TtmView;
    };

    await armNext('A');
    await armNext('B');
    const timelock =
      run.scenario === 'complete' || run.scenario === 'initiator-refused'
        ? SWAP_TIMELOCK_S
        : run.scenario === 'unaccepted'
          ? UNACCEPTED_TIMELOCK_S
          : REFUND_TIMELOCK_S;
    // The failed scenario keeps A from claiming until r1 (which would claim for B) is stopped.
    if (run.scenario === 'failed') await setFailpoint(a, { at: 'swap:initiator:claiming', mode: 'pause' });
    const proposing = await requestApproved(a, {
      method: 'weft_proposeSwap',
      params: [
        {
          give: {
            path: BCOS,
            amount: run.scenario === 'initiator-refused' ? '1000000000' : String(SWAP_GIVE),
            to: b.address,
          },
          want: {
            path: FAB,
            amount: run.scenario === 'participant-refused' ? FAB_TOO_MUCH : String(SWAP_WANT),
            to: FAB_USER,
          },
          timelockSeconds: timelock,
        },
      ],
    });
    id = proposing.id;
    if (has('A', 'locking', 'locked', 'cancelled')) await fault('A');
    const viewA = await untilState('A', (v) => v.ours === 'locked' || SWAP_FINAL.has(v.state), 'to lock');
    let accepting: { id: string; answer: Promise<RequestOutcome | { lost: string }> } | undefined;
    const accepts = run.scenario !== 'initiator-refused' && run.scenario !== 'unaccepted';
    if (accepts) {
      accepting = await requestApproved(b, {
        method: 'weft_acceptSwap',
        params: [{ proposal: viewA.proposal, from: FAB_B }],
      });
      assert.equal(accepting.id, id);
    }
    const initiatorTimelock = viewA.proposal?.initiatorLock.timelock ?? 0;
    const participantTimelock = viewA.proposal?.participantLock.timelock ?? 0;
    const untilPast = (seconds: number, what: string) =>
      until(() => Date.now() / 1000 >= seconds + 1, what, (seconds + 5) * 1000 - Date.now());

    switch (run.scenario) {
      case 'complete': {
        for (const point of [...pending]) {
          if (point.party === 'B' && point.state === 'locked' && !hangs(point.kind)) {
            // B paused after its lock: A claims meanwhile; fault B only once A is done.
            await untilState('A', (v) => v.state === 'completed', 'to complete');
          }
          await fault(point.party);
        }
        break;
      }
      case 'initiator-refused':
        break;
      case 'participant-refused':
      case 'unaccepted': {
        if (has('B', 'cancelled')) await fault('B');
        // A goes to refunding when B's lock cannot come in time; it refunds after its own timelock.
        if (has('A', 'refunding'))
          await fault('A', { timeoutMs: (participantTimelock + 10) * 1000 - Date.now() });
        if (has('A', 'refunded'))
          await fault('A', { timeoutMs: (initiatorTimelock + 20) * 1000 - Date.now() });
        break;
      }
      case 'unclaimed': {
        // A hangs before its claim and stays away until B refunded its own lock.
        await fault('A', {
          away: async () => {
            const timeoutMs = (participantTimelock + 20) * 1000 - Date.now();
            if (has('B', 'refunding')) await fault('B', { timeoutMs });
            if (has('B', 'refunded')) await fault('B', { timeoutMs });
            await untilState('B', (v) => v.state === 'refunded', 'to refund', timeoutMs);
          },
        });
        break;
      }
      case 'failed': {
        await until(async () => (await failpointItem(a))?.paused === true, 'A to pause before its claim');
        // With r1 away no router can claim for B: A's claim on Fabric reveals the secret to r2 only.
        await chains.stopRouter('r1');
        await setFailpoint(a, null);
        await untilState('A', (v) => v.state === 'completed', 'to complete');
        await untilState('B', (v) => v.state === 'claiming', 'to learn the secret');
        // B stays away past A's timelock (its claim cannot reach FISCO BCOS); A takes its lock back.
        await untilPast(initiatorTimelock, "A's timelock to pass");
        await chains.refundBcosHtlcDirect(id);
        await chains.restartRouter('r1');
        await fault('B');
        break;
      }
    }
    assert.deepEqual(
      pending.map((p) => swapName(p, run)),
      [],
      'every point of the run injected',
    );

    const outcome = OUTCOMES[run.scenario];
    const finalA = await untilFinal(a, id, (initiatorTimelock + 30) * 1000 - Date.now());
    const finalB = outcome.b ? await untilFinal(b, id, 60_000) : null;
    const context = `${run.scenario} ${run.points.map((p) => swapName(p, run)).join(', ')}: ${JSON.stringify([finalA, finalB])}`;
    assert.equal(finalA.state, outcome.a, context);
    assert.equal(finalB?.state ?? null, outcome.b, context);
    assert.deepEqual(await chains.htlcStates(id), outcome.htlc, context);
    await assertConserved(before, outcome.moved(a, b), context);
    await assertNoLocks(context);
    // The pages' answers all came (a crash turns them into errors); the popups show the ends.
    await Promise.all([proposing.answer, accepting?.answer]);
    for (const party of new Set(run.points.map((p) => p.party))) {
      const view = party === 'A' ? finalA : (finalB as TtmView);
      await popupShows(wallets[party], id, view.state);
    }
    liveIds.clear();
    const ms = Date.now() - begun;
    // In the order planned (a point injected while another wallet stays away ends first).
    evidences.sort((x, y) => run.points.indexOf(x.point) - run.points.indexOf(y.point));
    for (const { point, evidence, ms: faultMs } of evidences) {
      await record(
        t,
        {
          name: swapName(point, run),
          kind: point.kind,
          at: checkpointOf(point),
          scenario: run.scenario,
          party: point.party,
          outcome: point.party === 'A' ? finalA.state : (finalB?.state ?? ''),
          ms: faultMs,
        },
        evidence,
      );
    }
    t.diagnostic(`run took ${ms} ms`);
  }

  if (SWAP_PLAN.length > 0) {
    test(`swaps: ${SWAP_PLAN.length} runs, every side recovers to its end`, async (t) => {
      walletA ??= await openWallet('A');
      if (!walletB) {
        await chains.openFabAccount(
          chains.net.fabric.peer.identities.user2 as Parameters<TtmChains['openFabAccount']>[0],
          FAB_B,
          500n,
        );
        walletB = await openWallet('B');
      }
      for (const run of SWAP_PLAN) {
        const name = `${run.scenario}: ${run.points.map((p) => swapName(p, run)).join(' + ')}`;
        trace(`run ${name}`);
        await t.test(name, { timeout: 180_000 }, (sub) =>
          exerciseSwap(sub, walletA as Wallet, walletB as Wallet, run),
        );
      }
    });
  }

  test('exactly the planned crash points ran, each with its fault hit', async (t) => {
    const perKind = Object.fromEntries(KINDS.map((k) => [k, exercised.filter((e) => e.kind === k).length]));
    const faultsHit = exercised.filter((e) => e.faultHit).length;
    const summary = {
      planned: PLANNED.length,
      exercised: exercised.length,
      faultsHit,
      perKind,
      transactions: exercised.filter((e) => e.at.startsWith('transaction:')).length,
      swaps: exercised.filter((e) => e.at.startsWith('swap:')).length,
      checkpoints: [...new Set(exercised.map((e) => e.at))].sort(),
      seconds: Math.round((Date.now() - started) / 1000),
      points: exercised,
    };
    await mkdir(testOutputDir, { recursive: true });
    await writeFile(join(testOutputDir, 'ttm-crash.json'), `${JSON.stringify(summary, null, 2)}\n`);
    const line = `${exercised.length} of ${PLANNED.length} crash points, ${faultsHit} faults hit, ${summary.checkpoints.length} checkpoints (${JSON.stringify(perKind)}) in ${summary.seconds} s`;
    t.diagnostic(line);
    console.log(`ttm crash harness: ${line}`);
    assert.deepEqual(
      exercised.map((e) => e.name),
      PLANNED,
      'exactly the planned crash points, in order',
    );
    assert.equal(faultsHit, PLANNED.length, 'every fault was hit');
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
