/**
 * HTLC swaps between two wallets (docs/ttm.md, "Swaps"): two Chromium profiles onboarded with
 * different recovery phrases, against the local network. Wallet A gives FISCO BCOS asset to B's
 * address; wallet B gives Fabric asset from its own account (`user2`, identity user2) to A's
 * (`user1`). Outcomes are judged on the chains (balances, supplies, HTLC states) and in both
 * wallets' logs (`weft_ttmStatus`):
 * - happy path: A proposes and locks, B checks A's lock on the chain and accepts, B locks, A
 *   claims on Fabric (revealing the secret), B claims on FISCO BCOS; both `completed`;
 * - bad input: malformed proposals are -32602; a proposal whose lock is not on the chain as
 *   proposed is refused before any approval; a proposal paying another address is -32602;
 * - the participant never accepts: A refunds after its timelock by itself, nothing lost;
 * - both refund: A's browser closes (failpoint) before it claims; B refunds after its timelock;
 *   A, reopened and unlocked, finds B's lock gone and refunds its own after its timelock.
 * Timings (A approval → A locked, B approval → both completed) go to test-output/.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
  openPopup,
  type PageServer,
  pageRequest,
  type RequestOutcome,
  servePages,
  TEST_ACCOUNT_0,
  TEST_PASSWORD,
  testDistDir,
  testOutputDir,
} from './harness.ts';
import {
  armFailpoint,
  BCOS,
  FAB,
  FAB_USER,
  MERCHANT,
  startTtmChains,
  type TtmChains,
  until,
} from './ttm-fixture.ts';

/** Wallet B's recovery phrase: another BIP-39 test vector, so B's FISCO BCOS address differs from A's. */
const B_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
/** A's Fabric account (identity user1) and B's (identity user2, issued by the devpeer's CA). */
const FAB_A = FAB_USER;
const FAB_B = 'user2';

interface SwapSideView {
  path: string;
  from?: string;
  to: string;
  amount: string;
  timelock: number;
}

interface Proposal {
  weftSwap: 1;
  id: string;
  hashLock: string;
  initiatorLock: SwapSideView & { from: string };
  participantLock: SwapSideView;
}

interface SwapView {
  id: string;
  role: 'initiator' | 'participant';
  state: string;
  ours: string;
  theirs: string;
  reason?: string;
  timeline: { at: number; event: string }[];
}

type RefusedOutcome = Extract<RequestOutcome, { error: unknown }>;

interface Wallet {
  browser: ExtensionBrowser;
  page: Page;
  /** The FISCO BCOS address of the dapp's session. */
  address: string;
}

describe('HTLC swaps between two wallets', { timeout: 300_000 }, () => {
  let chains: TtmChains;
  let server: PageServer;
  /** A's profile is kept on close, so case 3 can reopen the same wallet. */
  let profileA: string;
  let a: Wallet;
  let b: Wallet;
  const timings: Record<string, number> = {};

  /** Opens the dapp in `browser` and asks for a session on both assets; resolves with the wallet. */
  async function openDapp(browser: ExtensionBrowser): Promise<Wallet> {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    const { outcome } = await answerApproval(browser, page, {
      method: 'weft_requestSession',
      params: [{ resources: [BCOS, FAB] }],
    });
    assert.ok('result' in outcome, JSON.stringify(outcome));
    return { browser, page, address: (outcome.result as { address: string }).address };
  }

  async function snapshot() {
    return {
      aBcos: await chains.bcosBalance(a.address),
      bBcos: await chains.bcosBalance(b.address),
      merchantBcos: await chains.bcosBalance(MERCHANT),
      aFab: await chains.fabBalance(FAB_A),
      bFab: await chains.fabBalance(FAB_B),
      bcosSupply: await chains.bcosSupply(),
      fabSupply: await chains.fabSupply(),
    };
  }

  /** The swap's HTLC on each chain, read from Node through the routers. */

  async function status(wallet: Wallet, id: string): Promise<SwapView> {
    const outcome = await pageRequest(wallet.page, { method: 'weft_ttmStatus', params: [{ id }] });
    assert.ok('result' in outcome, JSON.stringify(outcome));
    return outcome.result as SwapView;
  }

  async function untilState(wallet: Wallet, id: string, state: string, timeoutMs: number): Promise<SwapView> {
    let last: SwapView | undefined;
    await until(
      async () => {
        last = await status(wallet, id);
        return last.state === state;
      },
      `${id.slice(0, 10)} to be ${state} (last: ${JSON.stringify(last?.state)} ${last?.reason ?? ''})`,
      timeoutMs,
    );
    return last as SwapView;
  }

  const proposeArgs = (give: string, want: string, timelockSeconds: number, to = b.address) => ({
    method: 'weft_proposeSwap',
    params: [
      {
        give: { path: BCOS, amount: give, to },
        want: { path: FAB, amount: want, to: FAB_A },
        timelockSeconds,
      },
    ],
  });

  const acceptArgs = (proposal: unknown) => ({
    method: 'weft_acceptSwap',
    params: [{ proposal, from: FAB_B }],
  });

  /** A proposes and approves; resolves with the locked proposal. */
  async function propose(give: string, want: string, timelockSeconds: number, to = b.address) {
    const { outcome } = await answerApproval(a.browser, a.page, proposeArgs(give, want, timelockSeconds, to));
    assert.ok('result' in outcome, JSON.stringify(outcome));
    const proposed = outcome.result as { id: string; proposal: Proposal; swap: SwapView };
    assert.equal(proposed.swap.state, 'locked');
    return proposed;
  }

  /** B accepts and approves; resolves with the locked swap. */
  async function accept(proposal: Proposal): Promise<SwapView> {
    const { outcome } = await answerApproval(b.browser, b.page, acceptArgs(proposal));
    assert.ok('result' in outcome, JSON.stringify(outcome));
    const accepted = (outcome.result as { swap: SwapView }).swap;
    assert.equal(accepted.state, 'locked');
    return accepted;
  }

  /** A request that must fail without the wallet opening any window. */
  async function refusedWithoutApproval(wallet: Wallet, args: unknown): Promise<RefusedOutcome> {
    const opened: string[] = [];
    // A window that opens anyway is closed (rejecting the approval) so the request ends and the test fails.
    const onPage = (p: Page) => {
      opened.push(p.url());
      void p.close().catch(() => {});
    };
    wallet.browser.context.on('page', onPage);
    const outcome = await pageRequest(wallet.page, args);
    wallet.browser.context.off('page', onPage);
    assert.ok('error' in outcome, JSON.stringify(outcome));
    assert.deepEqual(opened, [], 'no approval window may open');
    return outcome as RefusedOutcome;
  }

  before(async () => {
    chains = await startTtmChains();
    const user2 = await chains.net.fabric.peer.issue('user2');
    // B's Fabric account, opened by B's identity and funded by user1 (the minter).
    await chains.openFabAccount(user2, FAB_B, 500n);
    await chains.fundBcos(TEST_ACCOUNT_0, 1000n);
    server = await servePages({ '/': '<!doctype html><title>swap dapp</title>' });
    profileA = await mkdtemp(join(tmpdir(), 'weft-chromium-a-'));
    const [browserA, browserB] = await Promise.all([
      launchExtension(testDistDir, profileA),
      launchExtension(testDistDir),
    ]);
    await Promise.all([
      (async () => {
        await connectWallet(browserA, chains.entry, `${FAB} (1 hop)`);
        const user1 = chains.net.fabric.peer.identities.user1 as { mspDir: string };
        await importFabricIdentity(browserA, user1.mspDir, 'user1');
        a = await openDapp(browserA);
      })(),
      (async () => {
        await connectWallet(browserB, chains.entry, `${FAB} (1 hop)`, B_MNEMONIC);
        await importFabricIdentity(browserB, user2.mspDir, 'user2');
        b = await openDapp(browserB);
      })(),
    ]);
    assert.equal(a.address, TEST_ACCOUNT_0);
    assert.notEqual(b.address.toLowerCase(), a.address.toLowerCase());
  });

  after(async () => {
    await a?.browser.close();
    await b?.browser.close();
    await server?.close();
    await chains?.stop();
    if (profileA) await rm(profileA, { recursive: true, force: true });
    if (Object.keys(timings).length > 0) {
      await mkdir(testOutputDir, { recursive: true });
      await writeFile(join(testOutputDir, 'ttm-swap-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    }
  });

  test('A proposes, B accepts; A claims on Fabric, B on FISCO BCOS; both completed, both chains moved', async () => {
    const before = await snapshot();

    // A: one approval showing what A gives and gets, and both timelocks.
    const opened = nextApprovalWindow(a.browser);
    const proposing = pageRequest(a.page, proposeArgs('7', '3', 120));
    const windowA = await opened;
    await windowA.getByTestId('approval').waitFor();
    assert.equal(await windowA.getByTestId('approval-origin').first().textContent(), server.origin);
    // In the assets' units, once the wallet has them (the local network's WFA and TRD).
    await windowA.getByTestId('swap-get').filter({ hasText: 'TRD' }).waitFor();
    const give = (await windowA.getByTestId('swap-give').textContent()) ?? '';
    const get = (await windowA.getByTestId('swap-get').textContent()) ?? '';
    assert.match(give, new RegExp(`You give: 7 WFA on ${BCOS}[\\s\\S]*${b.address}`));
    assert.match(get, new RegExp(`You get: 3 TRD on ${FAB}`));
    // 120 s and 60 s from now, as the popup rounds them (a second may pass before it renders).
    assert.match(
      (await windowA.getByTestId('swap-give-timelock').textContent()) ?? '',
      /in (2 min|1 min|11\d s)/,
    );
    assert.match((await windowA.getByTestId('swap-get-timelock').textContent()) ?? '', /in (1 min|5\d s)/);
    await windowA.getByRole('button', { name: 'Approve' }).click();
    const approvedA = Date.now();
    await windowA.getByTestId('ttm-timeline').waitFor();
    const proposedOutcome = await proposing;
    const lockedA = Date.now();
    assert.ok('result' in proposedOutcome, JSON.stringify(proposedOutcome));
    const { id, proposal, swap } = proposedOutcome.result as {
      id: string;
      proposal: Proposal;
      swap: SwapView;
    };
    assert.equal(swap.state, 'locked');
    assert.equal(swap.ours, 'locked');
    assert.equal(proposal.id, id);
    assert.equal(proposal.initiatorLock.to, b.address);
    assert.equal(proposal.participantLock.to, FAB_A);
    // The participant's lock ends first, with time left for it to claim after A claims.
    assert.equal(proposal.initiatorLock.timelock - proposal.participantLock.timelock, 60);
    await windowA
      .getByTestId('ttm-state')
      .filter({ hasText: /^locked$/ })
      .waitFor();
    assert.deepEqual(await chains.htlcStates(id), { bcos: 'locked', fab: 'none' });
    assert.equal(await chains.bcosBalance(a.address), before.aBcos - 7n, 'A escrows 7 at once');

    // The user hands the proposal to B (as JSON text, the way it would travel).
    const openedB = nextApprovalWindow(b.browser);
    const accepting = pageRequest(b.page, acceptArgs(JSON.stringify(proposal)));
    const windowB = await openedB;
    await windowB.getByTestId('approval').waitFor();
    await windowB.getByTestId('swap-get').filter({ hasText: 'WFA' }).waitFor();
    assert.match(
      (await windowB.getByTestId('swap-give').textContent()) ?? '',
      new RegExp(`You give: 3 TRD on ${FAB}[\\s\\S]*${FAB_A}`),
    );
    assert.match(
      (await windowB.getByTestId('swap-get').textContent()) ?? '',
      new RegExp(`You get: 7 WFA on ${BCOS}`),
    );
    await windowB.getByRole('button', { name: 'Approve' }).click();
    const approvedB = Date.now();
    const acceptedOutcome = await accepting;
    assert.ok('result' in acceptedOutcome, JSON.stringify(acceptedOutcome));
    assert.equal((acceptedOutcome.result as { id: string }).id, id);

    // Both wallets carry on by themselves: A claims on Fabric, B then claims on FISCO BCOS.
    const done: Record<'a' | 'b', number> = { a: 0, b: 0 };
    await until(
      async () => {
        for (const [name, wallet] of [
          ['a', a],
          ['b', b],
        ] as const) {
          if (!done[name] && (await status(wallet, id)).state === 'completed') done[name] = Date.now();
        }
        return done.a > 0 && done.b > 0;
      },
      'both sides to complete',
      30_000,
    );
    await windowB
      .getByTestId('ttm-state')
      .filter({ hasText: /^completed$/ })
      .waitFor();
    await windowA.close().catch(() => {});
    await windowB.close().catch(() => {});

    const [viewA, viewB] = [await status(a, id), await status(b, id)];
    assert.deepEqual([viewA.role, viewA.ours, viewA.theirs], ['initiator', 'locked', 'claimed']);
    assert.deepEqual([viewB.role, viewB.ours, viewB.theirs], ['participant', 'claimed', 'claimed']);
    assert.deepEqual(await chains.htlcStates(id), { bcos: 'claimed', fab: 'claimed' });
    const now = await snapshot();
    assert.equal(now.aBcos, before.aBcos - 7n);
    assert.equal(now.bBcos, before.bBcos + 7n);
    assert.equal(now.bFab, before.bFab - 3n);
    assert.equal(now.aFab, before.aFab + 3n);
    assert.equal(now.bcosSupply, before.bcosSupply);
    assert.equal(now.fabSupply, before.fabSupply);

    // As the wallets saw it (their own timeline clocks) and as the pages saw it.
    const at = (view: SwapView, event: RegExp) =>
      view.timeline.find((e) => event.test(e.event))?.at ?? Number.NaN;
    Object.assign(timings, {
      pageAApprovalToLockedMs: lockedA - approvedA,
      walletAApprovalToLockedMs: at(viewA, /^locked /) - at(viewA, /^approved/),
      pageBApprovalToBothCompletedMs: Math.max(done.a, done.b) - approvedB,
      walletBApprovalToBothCompletedMs:
        Math.max(at(viewA, /^claimed /), at(viewB, /^claimed /)) - at(viewB, /^approved/),
      walletBApprovalToBLockedMs: at(viewB, /^locked /) - at(viewB, /^approved/),
      walletBLockedToAClaimedMs: at(viewA, /^claimed /) - at(viewB, /^locked /),
      walletAClaimedToBClaimedMs: at(viewB, /^claimed /) - at(viewA, /^claimed /),
    });
  });

  /** Left by the bad-input case for the next one: swaps A locked that nobody accepts. */
  const unaccepted: { ids: string[]; before?: Awaited<ReturnType<typeof snapshot>> } = { ids: [] };

  test('bad input: malformed proposals -32602; a lock not on the chain as proposed is refused before any approval; another receiver -32602', async () => {
    unaccepted.before = await snapshot();
    // Malformed, on both sides.
    for (const params of [
      { give: { path: BCOS, amount: '1', to: b.address }, want: { path: BCOS, amount: '1' } },
      { give: { path: BCOS, amount: '1', to: 'nobody' }, want: { path: FAB, amount: '1', to: FAB_A } },
      {
        give: { path: BCOS, amount: '1', to: b.address },
        want: { path: FAB, amount: '1', to: FAB_A },
        timelockSeconds: 5,
      },
      // A Fabric account A's identity does not own (B's): A would pay for nothing.
      { give: { path: BCOS, amount: '1', to: b.address }, want: { path: FAB, amount: '1', to: FAB_B } },
    ]) {
      const outcome = await refusedWithoutApproval(a, { method: 'weft_proposeSwap', params: [params] });
      assert.equal(outcome.error.code, -32602, JSON.stringify(outcome));
    }

    // A locks 4 for B (timelock 30 s); B never accepts it (the next case watches A refund it).
    const forB = await propose('4', '2', 30);
    unaccepted.ids.push(forB.id);
    const good = forB.proposal;
    const malformed: unknown[] = [
      'not json',
      { ...good, weftSwap: 2 },
      { ...good, id: '0x1234' },
      { ...good, initiatorLock: { ...good.initiatorLock, from: undefined } },
      { ...good, participantLock: { ...good.participantLock, to: 'no spaces allowed' } },
      { ...good, initiatorLock: { ...good.initiatorLock, amount: '-4' } },
      { ...good, participantLock: { ...good.participantLock, path: good.initiatorLock.path } },
    ];
    for (const proposal of malformed) {
      const outcome = await refusedWithoutApproval(b, acceptArgs(proposal));
      assert.equal(outcome.error.code, -32602, `${JSON.stringify(proposal)} → ${JSON.stringify(outcome)}`);
    }

    // Well-formed, but the lock they describe is not on the chain: tampered amount (either way) or id.
    const tampered: [Proposal, RegExp][] = [
      [{ ...good, initiatorLock: { ...good.initiatorLock, amount: '40' } }, /amount 4, not 40/],
      [{ ...good, initiatorLock: { ...good.initiatorLock, amount: '3' } }, /amount 4, not 3/],
      [{ ...good, id: `0x${'5a'.repeat(32)}` }, /there is no lock/],
      [{ ...good, hashLock: `0x${'00'.repeat(32)}` }, /another hash lock/],
    ];
    for (const [proposal, why] of tampered) {
      const outcome = await refusedWithoutApproval(b, acceptArgs(proposal));
      assert.equal(outcome.error.code, -32000, JSON.stringify(outcome));
      assert.match(String(outcome.error.message), /lock on payment\.bcos\.asset is not as proposed/);
      assert.match(String(outcome.error.message), why);
      assert.equal((outcome.error.data as { reason?: string }).reason, 'NOT_LOCKED');
    }

    // A lock paying someone else: B's wallet is not the receiver.
    const forMerchant = await propose('5', '2', 30, MERCHANT);
    unaccepted.ids.push(forMerchant.id);
    const notMine = await refusedWithoutApproval(b, acceptArgs(forMerchant.proposal));
    assert.equal(notMine.error.code, -32602, JSON.stringify(notMine));
    assert.match(String(notMine.error.message), new RegExp(`pays ${MERCHANT}, not this site's account`, 'i'));

    // B logged nothing and locked nothing; A's two locks are in place.
    for (const id of unaccepted.ids) {
      const unknown = await pageRequest(b.page, { method: 'weft_ttmStatus', params: [{ id }] });
      assert.ok('error' in unknown);
      assert.equal(unknown.error.code, -32602);
      assert.deepEqual(await chains.htlcStates(id), { bcos: 'locked', fab: 'none' });
    }
    assert.equal((await snapshot()).bFab, unaccepted.before.bFab);
  });

  test('the participant never accepts: A refunds after its timelock by itself; nothing lost', async () => {
    const before = unaccepted.before;
    assert.ok(before && unaccepted.ids.length === 2, 'runs after the bad-input case');
    for (const id of unaccepted.ids) {
      const view = await untilState(a, id, 'refunded', 45_000);
      assert.equal(view.ours, 'refunded');
      assert.match(view.reason ?? '', /no matching lock on trade\.fab\.asset in time/);
      assert.deepEqual(await chains.htlcStates(id), { bcos: 'refunded', fab: 'none' });
    }
    assert.deepEqual(await snapshot(), before);
  });

  test('both refund: A closes before it claims; B refunds after its timelock; A reopened refunds its own', async () => {
    const before = await snapshot();
    // A's wallet stops for good right after it logs `claiming` (before the claim leaves it).
    await armFailpoint(a.browser, 'swap:initiator:claiming');
    const { id, proposal } = await propose('6', '2', 40);
    await accept(proposal);
    await untilState(a, id, 'claiming', 15_000);
    await a.browser.close();
    assert.deepEqual(await chains.htlcStates(id), { bcos: 'locked', fab: 'locked' }, 'A never claimed');

    // B's wallet: no secret came, so after its (shorter) timelock it takes its lock back.
    const viewB = await untilState(
      b,
      id,
      'refunded',
      proposal.participantLock.timelock * 1000 - Date.now() + 20_000,
    );
    assert.equal(viewB.ours, 'refunded');
    assert.match(viewB.reason ?? '', /did not claim on trade\.fab\.asset in time/);
    assert.deepEqual(await chains.htlcStates(id), { bcos: 'locked', fab: 'refunded' });

    // A reopened on the same profile: locked until the user unlocks, then it resumes the swap.
    const browserA = await launchExtension(testDistDir, profileA);
    const popup = await openPopup(browserA);
    await popup.getByTestId('unlock').locator('input[name="password"]').fill(TEST_PASSWORD);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByTestId('account-0').waitFor({ timeout: 15_000 });
    await popup.close();
    const page = await browserA.context.newPage();
    await page.goto(`${server.origin}/`);
    a = { browser: browserA, page, address: a.address };
    const viewA = await untilState(
      a,
      id,
      'refunded',
      proposal.initiatorLock.timelock * 1000 - Date.now() + 20_000,
    );
    assert.equal(viewA.ours, 'refunded');
    assert.equal(viewA.theirs, 'refunded');
    assert.match(viewA.reason ?? '', /claim refused on trade\.fab\.asset: .*htlc 0x[0-9a-f]+ is refunded/);
    assert.deepEqual(await chains.htlcStates(id), { bcos: 'refunded', fab: 'refunded' });
    assert.deepEqual(await snapshot(), before);
  });
});
