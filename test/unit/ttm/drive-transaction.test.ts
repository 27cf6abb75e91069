/**
 * The cross-chain transaction driver (background/ttm/drive-transaction.ts) alone, on two
 * in-memory asset chains (a FISCO BCOS one and a Fabric one) and a fake clock: each scenario
 * runs once as it is, then once per checkpoint with the worker dying there (after the log write
 * landed, and instead of it) and starting again from the last saved record, then with the
 * worker dying at every checkpoint in turn. After each run: the record is final and says what
 * the chains say, the transaction committed on every chain or on none (the one documented
 * exception: a chain that stalls past its deadline after another committed), balances moved
 * exactly as the steps say or not at all, every chain's balances plus escrow equal its supply,
 * and the wallet sent nothing its log did not announce first.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { driveTransaction } from '../../../background/ttm/drive-transaction.ts';
import { drawSecret, randomId } from '../../../background/ttm/secret.ts';
import type { Hex, TransactionRecord } from '../../../background/ttm/types.ts';
import { CheckpointCoverage, saveSites } from './checkpoints.ts';
import {
  type FakeClock,
  type FakeLedger,
  FakeRouters,
  PAYMENT,
  TRADE,
  type TwoChains,
  twoChains,
} from './fake-asset-chain.ts';
import { ADDRESSES, type CrashSpec, FakeLog, runWallet, sealedInClear } from './fake-drive-context.ts';

const [ALICE, BOB, CAROL] = ADDRESSES;

/**
 * Every checkpoint of a transaction: the coordinator logs `preparing` before the driver starts;
 * the driver saves the rest (`<path>` is a leg's resource).
 */
const TRANSACTION_CHECKPOINTS = [
  'transaction:preparing',
  'transaction:prepared:<path>',
  'transaction:committing',
  'transaction:committed:<path>',
  'transaction:committed',
  'transaction:aborting',
  'transaction:aborted:<path>',
  'transaction:aborted',
  'transaction:refused:<path>',
] as const;

const coverage = new CheckpointCoverage(TRANSACTION_CHECKPOINTS, [PAYMENT, TRADE]);

type World = TwoChains;

interface Scenario {
  name: string;
  /** How a run without a crash ends: `split` is the documented exception (committed, except a stalled chain). */
  expect: 'committed' | 'aborted' | 'split';
  /** Seconds from the start to the first leg's deadline (the second is a stagger, 60 s, later). */
  firstDeadlineS?: number;
  balances?: { payment?: Record<string, number>; trade?: Record<string, number> };
  /** Faults, routers, other parties, installed before the wallet starts. */
  setup?: (world: World, id: Hex) => void;
  /** How long the worker stays dead after a crash. */
  downtimeMs?: number;
  /** A chain may end committed alone (the documented stall past a deadline). */
  mayEndSplit?: boolean;
  /** More about the run without a crash. */
  check?: (outcome: Outcome) => void;
  /** How a run with a crash must end, if the scenario says. */
  afterCrash?: (outcome: Outcome) => string;
}

/** Whether a commit landed anywhere before the worker first died. */
function committedBeforeCrash({ run, world: w }: Outcome): boolean {
  const at = run.crashedAt[0] ?? Number.POSITIVE_INFINITY;
  return w.ledgers.some((l) => l.landed.some((x) => x.op === 'commit' && x.changed && x.at <= at));
}

function world(scenario: Scenario): World {
  const chains = twoChains({
    payment: scenario.balances?.payment ?? { [ALICE]: 100, [BOB]: 0, [CAROL]: 50 },
    trade: scenario.balances?.trade ?? { user1: 100, user2: 0, user3: 40 },
  });
  return chains;
}

/** Alice pays Bob 30 and Carol 5 on FISCO BCOS, user1 pays user2 20 on Fabric: two legs, three steps. */
function transaction(clock: FakeClock, firstDeadlineS: number): TransactionRecord {
  const { secret, hashLock } = drawSecret();
  const id = randomId();
  const first = clock.seconds() + firstDeadlineS;
  return {
    kind: 'transaction',
    id,
    origin: 'https://dapp.example',
    createdAt: clock.now(),
    updatedAt: clock.now(),
    hashLock,
    secret: sealedInClear(secret),
    signer: { account: 0, fabricIdentity: 'user1' },
    steps: [
      { path: PAYMENT, chain: 'fisco-bcos', from: ALICE, to: BOB, amount: '30' },
      { path: TRADE, chain: 'fabric', from: 'user1', to: 'user2', amount: '20' },
      { path: PAYMENT, chain: 'fisco-bcos', from: ALICE, to: CAROL, amount: '5' },
    ],
    legs: [
      { path: PAYMENT, chain: 'fisco-bcos', steps: [0, 2], deadline: first, state: 'pending' },
      { path: TRADE, chain: 'fabric', steps: [1], deadline: first + 60, state: 'pending' },
    ],
    state: 'preparing',
    timeline: [],
  };
}

/** Starts an outage on `ledger` at the first `op` it gets, for `forMs`. */
function stallAtFirst(ledger: FakeLedger, op: string, forMs: number): void {
  let stalled = false;
  ledger.onCall = (_caller, called) => {
    if (called !== op || stalled) return;
    stalled = true;
    const now = ledger.clock.now();
    ledger.faults.push({ kind: 'down', from: now, until: now + forMs });
  };
}

/** Someone other than the wallet aborts `id` wherever it is prepared and past its deadline (anyone may), at `atMs`. */
function abortLapsedAt(w: World, id: Hex, atMs: number): void {
  w.clock.timer(atMs - w.clock.now(), () => {
    for (const ledger of w.ledgers) {
      const t = ledger.txs.get(id);
      if (t?.state === 'prepared' && ledger.time() >= t.deadline)
        void ledger.as(ledger.dialect === 'fabric' ? 'user3' : CAROL).abort(id);
    }
  });
}

const SCENARIOS: Scenario[] = [
  { name: 'commit: every chain prepares, far from the deadlines', expect: 'committed' },
  {
    name: 'commit: every first reply is lost, though the write landed',
    expect: 'committed',
    setup: (w) => {
      w.payment.firstReplyLost = true;
      w.trade.firstReplyLost = true;
    },
  },
  {
    name: 'abort: Fabric refuses the prepare (insufficient funds)',
    expect: 'aborted',
    balances: { trade: { user1: 10, user2: 0, user3: 40 } },
  },
  {
    name: 'abort: FISCO BCOS refuses the prepare (an account is locked by another transaction)',
    expect: 'aborted',
    setup: (w) => {
      const other = drawSecret();
      void w.payment
        .as(CAROL)
        .prepare(randomId(), other.hashLock, w.clock.seconds() + 900, [
          { from: CAROL, to: BOB, amount: '1' },
        ]);
    },
  },
  {
    name: 'abort: Fabric is unreachable until commits may no longer start',
    expect: 'aborted',
    setup: (w) => w.trade.faults.push({ kind: 'down', from: 0, until: w.clock.now() + 200_000 }),
  },
  {
    name: 'deadline near: the first chain commits before the other',
    expect: 'committed',
    firstDeadlineS: 40,
  },
  {
    name: 'deadline near: the wallet comes back after commits may no longer start',
    expect: 'committed',
    downtimeMs: 115_000,
    // Back 5 s before the first deadline (commits start only 8 s before it): it aborts, unless a
    // commit was already public, which it then finishes.
    afterCrash: (outcome) =>
      !outcome.run.final ? 'never started' : committedBeforeCrash(outcome) ? 'committed' : 'aborted',
  },
  {
    name: 'refusal: the first chain stalls past its deadline, so it refuses the commit and all abort',
    expect: 'aborted',
    firstDeadlineS: 40,
    setup: (w) => stallAtFirst(w.payment, 'commit', 60_000),
  },
  {
    name: 'refusal (documented exception): Fabric stalls past its deadline after FISCO BCOS committed',
    expect: 'split',
    mayEndSplit: true,
    setup: (w) => stallAtFirst(w.trade, 'commit', 200_000),
    check: ({ run, record }) => {
      // The refusal is an answer: it is logged once and not asked again.
      const refusals = run.final?.timeline.filter((e) => e.event.startsWith(`commit refused on ${TRADE}`));
      assert.equal(refusals?.length, 1, JSON.stringify(run.final?.timeline));
      assert.equal(run.checkpoints.filter((c) => c === `transaction:refused:${TRADE}`).length, 1);
      assert.equal(run.final?.id, record.id);
    },
  },
  {
    name: 'already done: the routers commit the other chain as soon as one commit is public',
    expect: 'committed',
    downtimeMs: 5_000,
    setup: (w) => void new FakeRouters(w.ledgers, w.clock).start(),
  },
  {
    name: 'already done: the wallet is away past every deadline; routers finish commits, others abort what lapsed',
    expect: 'committed',
    downtimeMs: 400_000,
    setup: (w, id) => {
      new FakeRouters(w.ledgers, w.clock).start();
      abortLapsedAt(w, id, w.clock.now() + 300_000);
    },
  },
];

interface Outcome {
  run: Awaited<ReturnType<typeof runWallet<TransactionRecord>>>;
  record: TransactionRecord;
  world: World;
  violations: string[];
  /** Balances before the wallet started. */
  opening: Map<FakeLedger, Map<string, bigint>>;
  /** Clock time the run took. */
  tookMs: number;
}

async function play(scenario: Scenario, crashes?: (incarnation: number) => CrashSpec | undefined) {
  const w = world(scenario);
  const record = transaction(w.clock, scenario.firstDeadlineS ?? 120);
  scenario.setup?.(w, record.id);
  await w.clock.run(() => true);
  const opening = new Map(w.ledgers.map((l) => [l, new Map(l.balances)]));
  const violations: string[] = [];
  const started = w.clock.now();
  let result: Outcome['run'] | undefined;
  const wallet = runWallet({
    clock: w.clock,
    ledgers: w.ledgers,
    log: new FakeLog(),
    record,
    startCheckpoint: 'transaction:preparing',
    drive: driveTransaction,
    crashes: (i) => {
      const crash = crashes?.(i);
      return crash && { downtimeMs: scenario.downtimeMs ?? 1_000, ...crash };
    },
    onSave: (name) => coverage.see(name),
    violations,
  }).then((r) => {
    result = r;
  });
  await w.clock.run(() => result !== undefined);
  await wallet;
  const run = result as Outcome['run'];
  return { run, record, world: w, violations, opening, tookMs: w.clock.now() - started } satisfies Outcome;
}

/** The end state: final, all or nothing (or the documented split), balances exact and conserved. */
function checkEnd(scenario: Scenario, { run, record, world: w, violations }: Outcome): string {
  const { id } = record;
  const ledgerOf = (path: string) => (path === PAYMENT ? w.payment : w.trade);
  assert.deepEqual(violations, [], 'the wallet sent a write its log had not announced');
  for (const ledger of w.ledgers)
    assert.deepEqual(ledger.violations, [], 'balances plus escrow left the supply');
  const final = run.final;
  if (!final) {
    // The worker died before the first log write: nothing may have reached a chain.
    for (const ledger of w.ledgers) assert.equal(ledger.txStateOf(id), 'none', ledger.path);
    return 'never started';
  }
  assert.ok(final.state === 'committed' || final.state === 'aborted', `ended ${final.state}`);
  const onChain = final.legs.map((leg) => ledgerOf(leg.path).txStateOf(id));
  const committed = final.legs.filter((_, i) => onChain[i] === 'committed');
  if (final.state === 'aborted') {
    assert.deepEqual(onChain, ['aborted', 'aborted'], 'aborted: every chain must say aborted');
    assert.deepEqual(
      final.legs.map((l) => l.state),
      ['aborted', 'aborted'],
    );
  } else if (committed.length === final.legs.length) {
    assert.deepEqual(
      final.legs.map((l) => l.state),
      ['committed', 'committed'],
    );
    assert.equal(final.reason, undefined);
  } else {
    // The documented exception: a chain stalled past its deadline after the secret was public.
    assert.ok(scenario.mayEndSplit, `committed on ${committed.map((l) => l.path)} only: ${onChain}`);
    const missed = final.legs.filter((l) => l.state !== 'committed');
    assert.equal(final.reason, `not committed on ${missed.map((l) => l.path).join(', ')}`);
    for (const leg of missed) {
      assert.equal(ledgerOf(leg.path).txStateOf(id), 'prepared');
      assert.ok(ledgerOf(leg.path).time() >= leg.deadline, 'a missed leg could still be committed');
      // Its escrow goes back to the owner: anyone may abort it now.
      void ledgerOf(leg.path).as('someone').abort(id);
    }
  }
  for (const [i, leg] of final.legs.entries())
    if (leg.state === 'committed' || leg.state === 'aborted') assert.equal(onChain[i], leg.state, leg.path);
  return final.state === 'committed' && committed.length < final.legs.length ? 'split' : final.state;
}

async function checkBalances({ record, world: w, opening, violations }: Outcome): Promise<void> {
  await w.clock.run(() => true);
  const expected = new Map([...opening].map(([l, b]) => [l, new Map(b)]));
  for (const leg of record.legs) {
    const ledger = leg.path === PAYMENT ? w.payment : w.trade;
    if (ledger.txStateOf(record.id) !== 'committed') continue;
    const balances = expected.get(ledger) as Map<string, bigint>;
    for (const i of leg.steps) {
      const step = record.steps[i] as (typeof record.steps)[number];
      const [from, to] =
        ledger.dialect === 'fisco-bcos' ? [step.from.toLowerCase(), step.to] : [step.from, step.to];
      balances.set(from, (balances.get(from) ?? 0n) - BigInt(step.amount));
      balances.set(to, (balances.get(to) ?? 0n) + BigInt(step.amount));
    }
  }
  for (const ledger of w.ledgers) {
    assert.deepEqual(
      Object.fromEntries(ledger.balances),
      Object.fromEntries(expected.get(ledger) as Map<string, bigint>),
      `${ledger.path}: balances`,
    );
    assert.notEqual(ledger.txStateOf(record.id), 'prepared', `${ledger.path}: escrow left behind`);
    assert.deepEqual(ledger.violations, []);
  }
  assert.deepEqual(violations, []);
}

let cases = 0;
const started = performance.now();

describe('the transaction driver, crashed at every checkpoint', { timeout: 60_000 }, () => {
  for (const scenario of SCENARIOS) {
    test(scenario.name, async (t) => {
      const baseline = await play(scenario);
      cases++;
      assert.equal(checkEnd(scenario, baseline), scenario.expect);
      scenario.check?.(baseline);
      await checkBalances(baseline);
      assert.equal(baseline.run.crashes.length, 0);
      const points = baseline.run.checkpoints;
      for (const [i, checkpoint] of points.entries()) {
        for (const mode of ['after-write', 'before-write'] as const) {
          await t.test(
            `dies ${mode === 'after-write' ? 'after' : 'instead of'} save ${i + 1} (${checkpoint})`,
            async () => {
              const outcome = await play(scenario, (n) => (n === 0 ? { save: i + 1, mode } : undefined));
              cases++;
              assert.equal(outcome.run.crashes.length, 1, 'the crash point was not reached');
              const end = checkEnd(scenario, outcome);
              if (scenario.afterCrash) assert.equal(end, scenario.afterCrash(outcome));
              await checkBalances(outcome);
            },
          );
        }
      }
      await t.test('dies at the first checkpoint of every start, many times over', async () => {
        const outcome = await play(scenario, (n) =>
          n < points.length ? { save: 1, mode: 'after-write' } : undefined,
        );
        cases++;
        assert.ok(outcome.run.crashes.length > 1, `${outcome.run.crashes.length} crashes`);
        checkEnd(scenario, outcome);
        await checkBalances(outcome);
      });
    });
  }

  test('a record that already ended is left alone', async () => {
    for (const scenario of [SCENARIOS[0], SCENARIOS[2]] as Scenario[]) {
      const { record, world: w, run } = await play(scenario);
      cases++;
      const final = run.final as TransactionRecord;
      const landed = w.ledgers.map((l) => l.landed.length);
      const saves: string[] = [];
      await driveTransaction(structuredClone(final), {
        chain: async () => assert.fail('asked a chain'),
        save: async (_r, name) => {
          saves.push(name);
        },
        openSecret: async () => assert.fail('opened the secret'),
        sealSecret: async () => assert.fail('sealed a secret'),
        watch: () => assert.fail('watched a chain'),
        stopped: () => false,
        now: w.clock.now,
        sleep: w.clock.sleep,
      });
      assert.deepEqual(saves, [], record.id);
      assert.deepEqual(
        w.ledgers.map((l) => l.landed.length),
        landed,
      );
    }
  });

  test('every checkpoint in the driver is declared, and every declared one was reached', (t) => {
    const sites = saveSites(['drive-transaction.ts', 'coordinator.ts']).filter((s) =>
      s.written.startsWith('transaction:'),
    );
    assert.ok(sites.length > 0);
    for (const site of sites)
      assert.ok(
        TRANSACTION_CHECKPOINTS.some((name) => site.pattern.test(name)),
        `${site.file} saves at ${site.written}, which TRANSACTION_CHECKPOINTS does not name`,
      );
    assert.deepEqual(
      [...coverage.unknown],
      [],
      'checkpoints passed that TRANSACTION_CHECKPOINTS does not name',
    );
    assert.deepEqual(coverage.unreached(), [], 'declared checkpoints no case reached');
    t.diagnostic(`${cases} transaction runs in ${Math.round(performance.now() - started)} ms`);
  });
});
