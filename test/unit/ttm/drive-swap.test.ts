/**
 * The swap driver (background/ttm/drive-swap.ts) alone, for both roles, on two in-memory
 * asset chains and a fake clock. Two wallets take part: the initiator locks 30 on FISCO BCOS for
 * the participant (timelock 600 s), the participant 20 on Fabric for the initiator (300 s), each
 * driven by the real driver with its own log. For each scenario and each role under test, the
 * swap runs once as it is, then once per checkpoint of that role with its worker dying there
 * (after the log write landed, and instead of it) and starting again from its last saved record,
 * then dying at the first checkpoint of many starts in turn; the other wallet does what the
 * scenario says. After each run: both records are final and say what the chains say; either both
 * locks were claimed or neither was (each refunded or never made), with balances moved exactly
 * or not at all; no one lost funds except in the documented `failed` case (the participant away
 * past the initiator's timelock after the initiator claimed); balances plus escrow equal the
 * supply on both chains; and neither wallet sent anything its log did not announce first.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { driveSwap } from '../../../background/ttm/drive-swap.ts';
import { drawSecret, randomId } from '../../../background/ttm/secret.ts';
import { ACCEPT_WINDOW_S } from '../../../background/ttm/timing.ts';
import type { SwapProposal, SwapRecord } from '../../../background/ttm/types.ts';
import { CheckpointCoverage, saveSites } from './checkpoints.ts';
import {
  type FakeLedger,
  FakeRouters,
  PAYMENT,
  TRADE,
  type TwoChains,
  twoChains,
} from './fake-asset-chain.ts';
import {
  ADDRESSES,
  type CrashSpec,
  FakeLog,
  runWallet,
  sealedInClear,
  type WalletRun,
} from './fake-drive-context.ts';

const [ALICE, BOB, CAROL] = ADDRESSES;
type Role = SwapRecord['role'];
const ROLES: Role[] = ['initiator', 'participant'];

/**
 * Every checkpoint of a swap side: the coordinator logs `locking` before the driver starts; the
 * driver saves the rest. `UNREACHABLE` says why a declared one cannot be reached here.
 */
const SWAP_CHECKPOINTS = ROLES.flatMap((role) =>
  [
    'locking',
    'locked',
    'cancelled',
    'claiming',
    'completed',
    'refunding',
    'refund-refused',
    'refunded',
    'failed',
  ].map((state) => `swap:${role}:${state}`),
);
const UNREACHABLE: Record<string, string> = {
  'swap:initiator:failed':
    "the initiator's lock can be claimed only with the secret, which only the initiator's own claim makes public",
};

const coverage = new CheckpointCoverage(SWAP_CHECKPOINTS, [PAYMENT, TRADE]);

const INITIATOR = { account: 0, fabricIdentity: 'user1' };
const PARTICIPANT = { account: 1, fabricIdentity: 'user2' };
const INITIATOR_TIMELOCK_S = 600;
const PARTICIPANT_TIMELOCK_S = 300;

interface World extends TwoChains {
  t0: number;
}

interface Scenario {
  name: string;
  /** How a run without a crash ends. */
  expect: 'swapped' | 'unwound';
  /** The roles whose worker dies at each checkpoint. */
  roles: Role[];
  balances?: { payment?: Record<string, number>; trade?: Record<string, number> };
  setup?: (world: World) => void;
  /** Seconds after the proposal that the participant accepts (default 5); null: never. */
  acceptAtS?: number | null;
  /** Where the other wallet (the one not under test) stops, and when it starts again. */
  away?: Partial<Record<Role, (world: World) => CrashSpec>>;
  /** How long the worker under test stays dead after a crash. */
  downtimeMs?: number;
  /** The documented `failed` end may happen (the participant away past the initiator's timelock). */
  mayFail?: boolean;
}

function world(scenario: Scenario): World {
  const chains = twoChains({
    payment: scenario.balances?.payment ?? { [ALICE]: 100, [BOB]: 0, [CAROL]: 50 },
    trade: scenario.balances?.trade ?? { user1: 0, user2: 100, user3: 40 },
  });
  return { ...chains, t0: chains.clock.seconds() };
}

function initiatorSwap(w: World): SwapRecord {
  const { secret, hashLock } = drawSecret();
  const id = randomId();
  const proposal: SwapProposal = {
    weftSwap: 1,
    id,
    hashLock,
    initiatorLock: {
      path: PAYMENT,
      chain: 'fisco-bcos',
      from: ALICE,
      to: BOB,
      amount: '30',
      timelock: w.t0 + INITIATOR_TIMELOCK_S,
    },
    participantLock: {
      path: TRADE,
      chain: 'fabric',
      to: 'user1',
      amount: '20',
      timelock: w.t0 + PARTICIPANT_TIMELOCK_S,
    },
  };
  return {
    kind: 'swap',
    role: 'initiator',
    id,
    origin: 'https://dapp.example',
    createdAt: w.clock.now(),
    updatedAt: w.clock.now(),
    hashLock,
    secret: sealedInClear(secret),
    signer: INITIATOR,
    proposal,
    state: 'locking',
    ours: 'none',
    theirs: 'none',
    timeline: [],
  };
}

/** What accept-swap.ts builds from the proposal, once the initiator's lock is on the chain. */
function participantSwap(w: World, proposal: SwapProposal): SwapRecord {
  return {
    kind: 'swap',
    role: 'participant',
    id: proposal.id,
    origin: 'https://other.example',
    createdAt: w.clock.now(),
    updatedAt: w.clock.now(),
    hashLock: proposal.hashLock,
    signer: PARTICIPANT,
    proposal: {
      ...structuredClone(proposal),
      participantLock: { ...proposal.participantLock, from: 'user2' },
    },
    state: 'locking',
    ours: 'none',
    theirs: 'locked',
    timeline: [],
  };
}

/** The other wallet stops once `checkpoint` is logged and starts again at `atS` seconds from the start. */
const awayFrom =
  (checkpoint: string, atS: number) =>
  (w: World): CrashSpec => ({ checkpoint, mode: 'after-write', resumeAtMs: (w.t0 + atS) * 1000 });

const SCENARIOS: Scenario[] = [
  {
    name: 'commit: both lock, the initiator claims, the participant claims with the secret that revealed',
    expect: 'swapped',
    roles: ROLES,
  },
  {
    name: 'commit: every first reply is lost, though the write landed',
    expect: 'swapped',
    roles: ROLES,
    setup: (w) => {
      w.payment.firstReplyLost = true;
      w.trade.firstReplyLost = true;
    },
  },
  {
    name: 'abort: the participant never accepts; the initiator refunds after its timelock',
    expect: 'unwound',
    roles: ['initiator'],
    acceptAtS: null,
  },
  {
    name: 'abort: the initiator goes away once locked; both refund after their timelocks',
    expect: 'unwound',
    roles: ['participant'],
    away: { initiator: awayFrom('swap:initiator:locked', 700) },
  },
  {
    name: "refusal: the initiator's lock is refused (insufficient funds), so the swap is cancelled",
    expect: 'unwound',
    roles: ['initiator'],
    balances: { payment: { [ALICE]: 10, [BOB]: 0, [CAROL]: 50 } },
  },
  {
    name: "refusal: the participant's lock is refused (insufficient funds); the initiator refunds",
    expect: 'unwound',
    roles: ROLES,
    balances: { trade: { user1: 0, user2: 10, user3: 40 } },
  },
  {
    name: "refusal: FISCO BCOS's clock lags the wallet's by 3 s, so the initiator's first refund is refused",
    expect: 'unwound',
    roles: ['initiator'],
    acceptAtS: null,
    setup: (w) => {
      w.payment.lagS = 3;
    },
  },
  {
    name: "refusal: Fabric's clock lags the wallet's by 3 s, so the participant's first refund is refused",
    expect: 'unwound',
    roles: ['participant'],
    setup: (w) => {
      w.trade.lagS = 3;
    },
    away: { initiator: awayFrom('swap:initiator:locked', 700) },
  },
  {
    name: 'deadline near: the participant accepts at the last moment, the initiator claims just in time',
    expect: 'swapped',
    roles: ROLES,
    acceptAtS: PARTICIPANT_TIMELOCK_S - ACCEPT_WINDOW_S,
    downtimeMs: 8_000,
  },
  {
    name: "deadline near: the initiator comes back 3 s before the participant's timelock, too late to claim; both refund",
    expect: 'unwound',
    roles: ['participant'],
    away: { initiator: awayFrom('swap:initiator:locked', PARTICIPANT_TIMELOCK_S - 3) },
  },
  {
    name: "deadline near: the participant's lock lands, but every reply is lost until its timelock is near",
    expect: 'swapped',
    roles: ['participant'],
    setup: (w) => {
      w.trade.faults.push({ kind: 'lost-replies', from: 0, until: (w.t0 + PARTICIPANT_TIMELOCK_S) * 1000 });
    },
  },
  {
    name: "deadline near: the wallet comes back after the participant's timelock",
    expect: 'swapped',
    roles: ROLES,
    downtimeMs: 400_000,
  },
  {
    name: "failed (documented): the participant is away past the initiator's timelock after the claim",
    expect: 'swapped',
    roles: ['participant'],
    downtimeMs: 700_000,
    mayFail: true,
  },
  {
    name: "already done: routers claim the participant's side as soon as the secret is public",
    expect: 'swapped',
    roles: ROLES,
    downtimeMs: 700_000,
    setup: (w) => void new FakeRouters(w.ledgers, w.clock).start(),
  },
];

interface Outcome {
  world: World;
  swap: SwapRecord;
  runs: Partial<Record<Role, WalletRun<SwapRecord>>>;
  violations: string[];
  opening: Map<FakeLedger, Map<string, bigint>>;
}

async function play(
  scenario: Scenario,
  role: Role,
  crashes?: (incarnation: number) => CrashSpec | undefined,
): Promise<Outcome> {
  const w = world(scenario);
  const swap = initiatorSwap(w);
  scenario.setup?.(w);
  const opening = new Map(w.ledgers.map((l) => [l, new Map(l.balances)]));
  const violations: string[] = [];
  const runs: Outcome['runs'] = {};
  let running = 0;
  let failure: unknown;
  const start = (who: Role, record: SwapRecord) => {
    const away = scenario.away?.[who]?.(w);
    running++;
    runWallet({
      clock: w.clock,
      ledgers: w.ledgers,
      log: new FakeLog(),
      record,
      startCheckpoint: `swap:${who}:locking`,
      drive: (r, context) => driveSwap(r, context, () => {}),
      crashes: (i) => {
        if (who !== role) return i === 0 ? away : undefined;
        const crash = crashes?.(i);
        return crash && { downtimeMs: scenario.downtimeMs ?? 1_000, ...crash };
      },
      onSave: (name) => coverage.see(name),
      violations,
    }).then(
      (run) => {
        runs[who] = run;
        running--;
      },
      (error: unknown) => {
        failure ??= error;
        running--;
      },
    );
  };
  start('initiator', swap);
  // The participant accepts once the initiator's lock is on the chain as proposed, with time to lock.
  let accepting = scenario.acceptAtS !== null;
  if (accepting) {
    void (async () => {
      await w.clock.sleep((scenario.acceptAtS ?? 5) * 1000);
      const theirs = swap.proposal.participantLock;
      for (;;) {
        if (theirs.timelock - w.clock.seconds() < ACCEPT_WINDOW_S) break;
        const lock = w.payment.htlcs.get(swap.id.toLowerCase());
        if (lock?.state === 'locked' && lock.amount === 30n && lock.hashLock === swap.hashLock) {
          start('participant', participantSwap(w, swap.proposal));
          break;
        }
        await w.clock.sleep(1_000);
      }
      accepting = false;
    })();
  }
  await w.clock.run(() => failure !== undefined || (!accepting && running === 0));
  if (failure) throw failure;
  return { world: w, swap, runs, violations, opening };
}

type End = 'swapped' | 'unwound' | 'failed' | 'never started';

/** The end state: final records that match the chains, both claimed or neither, no one robbed. */
function checkEnd(scenario: Scenario, { world: w, swap, runs, violations }: Outcome): End {
  const { id } = swap;
  assert.deepEqual(violations, [], 'a wallet sent a write its log had not announced');
  for (const ledger of w.ledgers)
    assert.deepEqual(ledger.violations, [], 'balances plus escrow left the supply');
  const initiator = runs.initiator?.final;
  const participant = runs.participant?.final;
  const a = w.payment.htlcStateOf(id);
  const b = w.trade.htlcStateOf(id);
  const states = `initiator ${initiator?.state}, participant ${participant?.state}; on chain ${a} / ${b}`;
  if (!initiator) {
    assert.equal(a, 'none', 'locked with nothing in the log');
    assert.equal(participant, undefined);
    return 'never started';
  }
  for (const record of [initiator, participant])
    if (record) assert.ok(['completed', 'refunded', 'cancelled', 'failed'].includes(record.state), states);
  // Each record says what its chains say.
  const ourLock = { initiator: a, participant: b };
  const theirLock = { initiator: b, participant: a };
  for (const record of [initiator, participant]) {
    if (!record) continue;
    const ours = ourLock[record.role];
    if (record.state === 'completed')
      assert.equal(theirLock[record.role], 'claimed', `${record.role}: ${states}`);
    if (record.state === 'refunded') assert.equal(ours, 'refunded', `${record.role}: ${states}`);
    if (record.state === 'cancelled')
      assert.equal(ours, 'none', `${record.role} cancelled but locked: ${states}`);
  }
  if (a === 'claimed' && b === 'claimed') {
    assert.equal(initiator.state, 'completed', states);
    assert.equal(participant?.state, 'completed', states);
    return 'swapped';
  }
  assert.notEqual(a, 'claimed', `the initiator lost its lock without getting the other: ${states}`);
  if (b === 'claimed') {
    // The documented loss: the participant came back after the initiator's timelock.
    assert.ok(scenario.mayFail, `the participant lost its lock without getting the other: ${states}`);
    assert.equal(participant?.state, 'failed', states);
    assert.match(
      participant?.reason ?? '',
      /our lock was claimed, but the claim on payment\.bcos\.asset was refused/,
    );
    assert.ok(w.payment.time() >= swap.proposal.initiatorLock.timelock);
    return 'failed';
  }
  assert.ok(a === 'none' || a === 'refunded', `the initiator's lock left ${a}: ${states}`);
  assert.ok(b === 'none' || b === 'refunded', `the participant's lock left ${b}: ${states}`);
  return 'unwound';
}

async function checkBalances(end: End, { world: w, swap, opening }: Outcome): Promise<void> {
  if (end === 'failed') {
    // Anyone may refund the initiator's lapsed lock: its escrow goes back, the participant's 20 are gone.
    await w.payment.as('someone').htlcRefund(swap.id);
  }
  const expected = new Map([...opening].map(([l, b]) => [l, new Map(b)]));
  const move = (ledger: FakeLedger, from: string, to: string, amount: bigint) => {
    const balances = expected.get(ledger) as Map<string, bigint>;
    balances.set(from, (balances.get(from) ?? 0n) - amount);
    balances.set(to, (balances.get(to) ?? 0n) + amount);
  };
  if (w.payment.htlcStateOf(swap.id) === 'claimed') move(w.payment, ALICE, BOB, 30n);
  if (w.trade.htlcStateOf(swap.id) === 'claimed') move(w.trade, 'user2', 'user1', 20n);
  for (const ledger of w.ledgers) {
    assert.deepEqual(
      Object.fromEntries(ledger.balances),
      Object.fromEntries(expected.get(ledger) as Map<string, bigint>),
      `${ledger.path}: balances`,
    );
    assert.equal(ledger.escrow(), 0n, `${ledger.path}: escrow left behind`);
    assert.deepEqual(ledger.violations, []);
  }
}

let cases = 0;
const started = performance.now();

describe('the swap driver, crashed at every checkpoint', { timeout: 60_000 }, () => {
  for (const scenario of SCENARIOS) {
    for (const role of scenario.roles) {
      test(`${role}: ${scenario.name}`, async (t) => {
        const baseline = await play(scenario, role);
        cases++;
        const end = checkEnd(scenario, baseline);
        assert.equal(end, scenario.expect);
        await checkBalances(end, baseline);
        const points = baseline.runs[role]?.checkpoints ?? [];
        assert.ok(points.length > 0, `the ${role} never started`);
        for (const [i, checkpoint] of points.entries()) {
          for (const mode of ['after-write', 'before-write'] as const) {
            const how = mode === 'after-write' ? 'after' : 'instead of';
            await t.test(`dies ${how} save ${i + 1} (${checkpoint})`, async () => {
              const outcome = await play(scenario, role, (n) =>
                n === 0 ? { save: i + 1, mode } : undefined,
              );
              cases++;
              assert.equal(outcome.runs[role]?.crashes.length ?? 1, 1, 'the crash point was not reached');
              await checkBalances(checkEnd(scenario, outcome), outcome);
            });
          }
        }
        await t.test('dies at the first checkpoint of every start, many times over', async () => {
          const outcome = await play(scenario, role, (n) =>
            n < points.length ? { save: 1, mode: 'after-write' } : undefined,
          );
          cases++;
          await checkBalances(checkEnd(scenario, outcome), outcome);
        });
      });
    }
  }

  test('a swap that already ended is left alone', async () => {
    const ends = new Set<string>();
    for (const scenario of SCENARIOS) {
      const { world: w, runs } = await play(scenario, 'initiator');
      cases++;
      for (const run of Object.values(runs)) {
        const final = run?.final;
        if (!final) continue;
        ends.add(final.state);
        const landed = w.ledgers.map((l) => l.landed.length);
        const saves: string[] = [];
        await driveSwap(
          structuredClone(final),
          {
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
          },
          () => {},
        );
        assert.deepEqual(saves, []);
        assert.deepEqual(
          w.ledgers.map((l) => l.landed.length),
          landed,
        );
      }
    }
    assert.deepEqual([...ends].sort(), ['cancelled', 'completed', 'refunded']);
  });

  test('every checkpoint in the driver is declared, and every declared one was reached', (t) => {
    const sites = saveSites(['drive-swap.ts', 'coordinator.ts']).filter((s) => s.written.startsWith('swap:'));
    assert.ok(sites.length > 0);
    for (const site of sites)
      assert.ok(
        SWAP_CHECKPOINTS.some((name) => site.pattern.test(name)),
        `${site.file} saves at ${site.written}, which SWAP_CHECKPOINTS does not name`,
      );
    assert.deepEqual([...coverage.unknown], [], 'checkpoints passed that SWAP_CHECKPOINTS does not name');
    assert.deepEqual(
      coverage.unreached().filter((name) => !UNREACHABLE[name]),
      [],
      'declared checkpoints no case reached',
    );
    for (const name of Object.keys(UNREACHABLE)) assert.ok(!coverage.seen.has(name), `${name} was reached`);
    t.diagnostic(`${cases} swap runs in ${Math.round(performance.now() - started)} ms`);
  });
});
