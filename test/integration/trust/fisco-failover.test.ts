/**
 * Failover against a real FISCO BCOS devnode (4 sealers): the wallet's router pool over two real
 * routers in front of it (A, the entry router, and B), A lying as a test says, and a silent peer
 * that takes streams and never answers. Where one router is honest the wallet now completes:
 *
 * - lies already tested alone (fisco-lying-router.test.ts): an invented receipt, evidence
 *   rewritten, a dropped TTM prepare reported done: each now completes through B, the signed
 *   bytes relayed again (one transaction on the chain), and A is demoted as a liar;
 * - attack 12 (slow loris): the entry router holds every stream and never answers: a read and a
 *   transfer complete through the other router within the bounded wait;
 * - attack 10: the entry router takes a TTM commit, and both HTLC claims of a swap, and withholds
 *   them until their deadline: sent through two routers, they land in time; all or nothing holds;
 * - attack 13: the entry router drops every event of the wallet's subscriptions: a cross-chain
 *   transaction and a swap still complete, from verified evidence, and the records (what the
 *   popup and the page show) say so.
 *
 * All or nothing is checked on the chain: the sum of every balance on both contracts is what it
 * was, and no leg moved alone.
 */
import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Interface, keccak256 } from 'ethers';
import { WalletEvents } from '../../../background/events.ts';
import { submitFiscoWrite } from '../../../background/signing/fisco-write.ts';
import type { ChainTrust } from '../../../background/trust/chain-trust.ts';
import { type AssetChain, assetChain } from '../../../background/ttm/asset-chain.ts';
import { TtmCoordinator } from '../../../background/ttm/coordinator.ts';
import type { DriveContext } from '../../../background/ttm/drive-context.ts';
import { driveTransaction } from '../../../background/ttm/drive-transaction.ts';
import { hashLockOf, randomId, sealSecret } from '../../../background/ttm/secret.ts';
import { COMMIT_MARGIN_S } from '../../../background/ttm/timing.ts';
import { TtmLog } from '../../../background/ttm/ttm-log.ts';
import {
  type Hex,
  isFinal,
  type SwapRecord,
  type TransactionRecord,
  type TtmRecord,
} from '../../../background/ttm/types.ts';
import type { Vault } from '../../../background/vault/vault.ts';
import type { FiscoTxEvidence } from '../../../p2p/chains/chain-profile.ts';
import { decodeResult, encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { DEFAULT_READ_TIMEOUT_MS, type RouterPool } from '../../../p2p/client/router-pool.ts';
import type { ResourceEvent } from '../../../p2p/protocol/messages.ts';
import { newVault } from '../asset-chain/wallet.ts';
import { assetArtifact, type Harness, startHarness } from '../fisco-bcos/helpers.ts';
import { copy, freshTrust } from './lying-client.ts';
import {
  connectionOver,
  holdUntil,
  Liars,
  lyingPool,
  startRouters,
  startSilentRouter,
  type TestRouter,
} from './lying-routers.ts';

const PATH = 'payment.bcos.asset';
const PATH2 = 'payment.bcos.asset2';
const abi = assetArtifact.abi as never;
const assetInterface = new Interface(assetArtifact.abi as never);
const selector = (name: string) => assetInterface.getFunction(name)?.selector.slice(2) as string;
const PREPARE = selector('prepare');
const COMMIT = selector('commit');
const CLAIM = selector('htlcClaim');

let h: Harness;
let asset: string;
let asset2: string;
let A: TestRouter;
let B: TestRouter;
let closeRouters: () => Promise<void>;
let vault: Vault;
let alice: { index: number; address: string };
let bob: { index: number; address: string };
/** Lets go of every write a lying router still holds back (so nothing outlives the file). */
let release!: () => void;
const released = new Promise<void>((resolve) => {
  release = resolve;
});

before(async () => {
  h = await startHarness({ blockIntervalMs: 5, sealerCount: 4 });
  asset = await h.deploy(assetArtifact, ['Weft Coin', 'WFC', 1_000_000n]);
  asset2 = await h.deploy(assetArtifact, ['Other Coin', 'OTC', 1_000_000n]);
  const connect = () =>
    new FiscoBcosConnector({
      url: h.node.url,
      chainId: h.node.chainId,
      groupId: h.node.groupId,
      zone: 'payment',
      chainName: 'bcos',
      resources: [
        { name: 'asset', address: asset, abi },
        { name: 'asset2', address: asset2, abi },
      ],
    });
  let routers: TestRouter[];
  ({ routers, close: closeRouters } = await startRouters('payment', connect, 2));
  [A, B] = routers as [TestRouter, TestRouter];
  vault = await newVault();
  for (const name of ['alice', 'bob']) {
    const account = await vault.addAccount(name);
    const who = { index: account.index, address: account.address.toLowerCase() };
    if (name === 'alice') alice = who;
    else bob = who;
    for (const contract of [asset, asset2]) {
      const receipt = await h.send(
        await h.sign({ to: contract, data: encodeCall(abi, 'transfer', [who.address, 1_000n]) }),
      );
      assert.equal(receipt.status, '0x0');
    }
  }
});

after(async () => {
  release();
  await closeRouters?.();
  await h?.node.close();
});

async function view(contract: string, method: string, args: unknown[]): Promise<unknown> {
  const output = await h.client.callChecked({ to: contract, data: encodeCall(abi, method, args) });
  return decodeResult(abi, method, output)[0];
}
const balance = (account: string, contract = asset) =>
  view(contract, 'balanceOf', [account]) as Promise<bigint>;

/** Every holder the tests touch, on both contracts, plus what open locks hold (the contract's own balance). */
async function holdings(): Promise<{ alice: bigint[]; bob: bigint[]; sum: bigint }> {
  const of = async (who: string) => [await balance(who), await balance(who, asset2)];
  const a = await of(alice.address);
  const b = await of(bob.address);
  const escrow = [await balance(asset), await balance(asset2, asset2)];
  return { alice: a, bob: b, sum: [...a, ...b, ...escrow].reduce((x, y) => x + y) };
}

function transfer(to: string, amount: bigint) {
  return { path: PATH, to: asset, data: encodeCall(abi, 'transfer', [to, amount]), abi };
}

/** A fresh pool over A then B (A is the entry router: the main link dials it first). */
function walletPool(t: { after(fn: () => Promise<void>): void }, liars: Liars): RouterPool {
  const pool = lyingPool([A, B], liars);
  t.after(() => pool.stop());
  return pool;
}

/** The receipt a router invents for a transaction it never relays. */
const invented = (signed: string) => ({
  txId: keccak256(signed),
  blockNumber: 1n,
  status: 'success' as const,
  chainStatus: '0x0',
  output: '0x' as Hex,
  events: [],
});

test('control: two honest routers; the transfer goes through the entry router, nobody is demoted', async (t) => {
  const liars = new Liars();
  const pool = walletPool(t, liars);
  const before = await balance(bob.address);
  const receipt = await submitFiscoWrite(
    pool,
    vault,
    freshTrust(pool),
    alice.index,
    transfer(bob.address, 1n),
  );
  assert.equal(receipt.status, 'success');
  assert.equal(await balance(bob.address), before + 1n);
  assert.ok(liars.opsOf(A).includes('submit'));
  assert.ok(!liars.opsOf(B).includes('submit'));
  assert.deepEqual(pool.health.list(), []);
  assert.deepEqual(
    pool.links().map((l) => [l.router, l.main]),
    [[A.id, true]],
  );
});

test('lie 1 fails over: a receipt invented for a transfer never relayed; the same bytes land through B, once', async (t) => {
  const liars = new Liars();
  const pool = walletPool(t, liars);
  let lied = 0;
  liars.lie(A, 'submit', async (body) => {
    lied++;
    return invented(body.signed);
  });
  const before = [await balance(alice.address), await balance(bob.address)];
  const receipt = await submitFiscoWrite(
    pool,
    vault,
    freshTrust(pool),
    alice.index,
    transfer(bob.address, 5n),
  );
  assert.equal(receipt.status, 'success');
  assert.match(receipt.verified.by, /^sealed by [34] of 4 sealers/);
  assert.equal(lied, 1);
  assert.deepEqual(
    liars.opsOf(B).filter((op) => op === 'submit'),
    ['submit'],
  );
  assert.deepEqual(
    [await balance(alice.address), await balance(bob.address)],
    [(before[0] as bigint) - 5n, (before[1] as bigint) + 5n],
  );
  const demoted = pool.health.demotion(A.id);
  assert.equal(demoted?.kind, 'lie');
  assert.match(demoted?.reason ?? '', /shows no receipt/);
  // The next request goes to B first: A lied.
  assert.equal(pool.candidates(PATH)[0], B.id);
});

/** Evidence lies of fisco-lying-router.test.ts, each rewriting A's txEvidence answers. */
const evidenceLies: [string, (forged: FiscoTxEvidence, old: FiscoTxEvidence) => void][] = [
  [
    'lie 2 (a success receipt flipped to reverted)',
    (e) => {
      e.receipt.transactionReceipt.status = '0x16';
    },
  ],
  [
    'lie 7 (a header with its seals dropped below quorum, 2 of 4)',
    (e) => {
      e.header.signatureList = e.header.signatureList?.slice(0, 2) ?? [];
    },
  ],
  [
    'lie 6 (an old receipt and block replayed)',
    (e, old) => {
      Object.assign(e, copy(old));
    },
  ],
];

for (const [name, rewrite] of evidenceLies) {
  test(`${name} fails over: A's evidence is refused, B's verifies; the same bytes, moved once`, async (t) => {
    // Evidence of an earlier honest transfer, for the replay.
    const warmup = new Liars();
    const honestPool = walletPool(t, warmup);
    const earlier = await submitFiscoWrite(
      honestPool,
      vault,
      freshTrust(honestPool),
      alice.index,
      transfer(bob.address, 1n),
    );
    const old = await honestPool.request({ op: 'txEvidence', path: PATH, txId: earlier.txId as Hex });
    assert.ok(old);

    const liars = new Liars();
    const pool = walletPool(t, liars);
    let rewritten = 0;
    liars.lie(A, 'txEvidence', async (_body, honest) => {
      const evidence = await honest();
      if (!evidence) return evidence;
      const forged: FiscoTxEvidence = copy(evidence);
      rewrite(forged, old);
      rewritten++;
      return forged;
    });
    const before = await balance(bob.address);
    const receipt = await submitFiscoWrite(
      pool,
      vault,
      freshTrust(pool),
      alice.index,
      transfer(bob.address, 2n),
    );
    assert.equal(receipt.status, 'success');
    assert.notEqual(receipt.txId, earlier.txId);
    assert.ok(rewritten >= 1);
    // A relayed it; B was handed the same signed bytes (one hash: the chain kept one transaction).
    assert.ok(liars.opsOf(A).includes('submit'));
    assert.ok(liars.opsOf(B).includes('submit'));
    assert.equal(await balance(bob.address), before + 2n);
    assert.equal(pool.health.demotion(A.id)?.kind, 'lie');
  });
}

/** A context for driveTransaction over `pool` and `trust`, as the coordinator makes it. */
function driveContext(pool: RouterPool, trust: ChainTrust, secret: Hex): DriveContext {
  const chains = new Map<string, Promise<AssetChain>>();
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 200)));
  return {
    chain: (path) => {
      let chain = chains.get(path);
      if (!chain) {
        chain = pool
          .describe(path)
          .then((entry) =>
            assetChain({ client: pool, vault, trust, entry, signer: { account: alice.index } }),
          );
        chains.set(path, chain);
      }
      return chain;
    },
    save: async () => {},
    openSecret: async () => secret,
    sealSecret: async () => {},
    watch: () => ({ next: sleep, close() {} }),
    stopped: () => false,
    now: () => Date.now(),
    sleep,
  };
}

/** A two-leg transaction from alice to bob: `a` on asset, `b` on asset2, first deadline `firstS` from now. */
function transactionRecord(a: bigint, b: bigint, firstS: number, hashLock: Hex): TransactionRecord {
  const now = Math.floor(Date.now() / 1000);
  return {
    kind: 'transaction',
    id: randomId(),
    origin: 'https://dapp.example',
    createdAt: Date.now(),
    updatedAt: Date.now(),
    hashLock,
    signer: { account: alice.index },
    timeline: [],
    state: 'preparing',
    steps: [
      { path: PATH, chain: 'fisco-bcos', from: alice.address, to: bob.address, amount: String(a) },
      { path: PATH2, chain: 'fisco-bcos', from: alice.address, to: bob.address, amount: String(b) },
    ],
    legs: [
      { path: PATH, chain: 'fisco-bcos', steps: [0], deadline: now + firstS, state: 'pending' },
      { path: PATH2, chain: 'fisco-bcos', steps: [1], deadline: now + firstS + 2, state: 'pending' },
    ],
  };
}

/** Both legs moved exactly `a` and `b` from alice to bob, and nothing else changed hands. */
async function movedAll(before: Awaited<ReturnType<typeof holdings>>, a: bigint, b: bigint): Promise<void> {
  const now = await holdings();
  assert.deepEqual(now.alice, [(before.alice[0] as bigint) - a, (before.alice[1] as bigint) - b]);
  assert.deepEqual(now.bob, [(before.bob[0] as bigint) + a, (before.bob[1] as bigint) + b]);
  assert.equal(now.sum, before.sum);
  assert.equal(await view(asset, 'lockedBy', [alice.address]), `0x${'00'.repeat(32)}`);
  assert.equal(await view(asset2, 'lockedBy', [alice.address]), `0x${'00'.repeat(32)}`);
}

test('lie 6 fails over: a TTM prepare dropped and reported done by A is relayed through B; the transaction commits on both chains', async (t) => {
  const liars = new Liars();
  const pool = walletPool(t, liars);
  let dropped = 0;
  liars.lie(A, 'submit', async (body, honest) => {
    if (body.path !== PATH2 || !body.signed.includes(PREPARE)) return honest();
    dropped++;
    return invented(body.signed);
  });
  const secret = randomId();
  const record = transactionRecord(5n, 7n, COMMIT_MARGIN_S + 20, hashLockOf(secret));
  const before = await holdings();
  await driveTransaction(record, driveContext(pool, freshTrust(pool), secret));
  assert.equal(dropped, 1);
  assert.equal(record.state, 'committed', record.reason);
  assert.deepEqual(
    record.legs.map((l) => l.state),
    ['committed', 'committed'],
  );
  assert.ok(
    record.timeline.some((e) => e.event === `prepared on ${PATH2}` && /sealed by/.test(e.verified ?? '')),
  );
  await movedAll(before, 5n, 7n);
});

test('attack 12: the entry router holds every stream and never answers; a read and a transfer complete through the other within the bounded wait', async (t) => {
  const silent = await startSilentRouter();
  t.after(() => silent.close());
  const liars = new Liars();
  const pool = lyingPool([silent, B], liars);
  t.after(() => pool.stop());
  await pool.connect();
  assert.equal(pool.status.router, silent.id, 'the silent peer is the entry router');

  // A read: bounded at the read wait (5 s), then B answers.
  let started = Date.now();
  const read = await pool.call({ path: PATH, method: 'balanceOf', args: [alice.address] });
  const readMs = Date.now() - started;
  assert.equal(BigInt(String(read.values[0])), await balance(alice.address));
  // The bounded wait (5 s), not the 30 s default of a request.
  assert.ok(readMs >= DEFAULT_READ_TIMEOUT_MS - 100 && readMs < 8_000, `read took ${readMs} ms`);
  assert.ok(silent.held() >= 1, 'the silent router held the stream');
  const demoted = pool.health.demotion(silent.id);
  assert.equal(demoted?.kind, 'stall');
  assert.match(demoted?.reason ?? '', /no answer/);

  // A transfer: B first now, so no further wait.
  started = Date.now();
  const before = await balance(bob.address);
  const receipt = await submitFiscoWrite(
    pool,
    vault,
    freshTrust(pool),
    alice.index,
    transfer(bob.address, 3n),
  );
  assert.equal(receipt.status, 'success');
  assert.equal(await balance(bob.address), before + 3n);
  assert.ok(Date.now() - started < 4_000, `the transfer took ${Date.now() - started} ms`);
  assert.ok(liars.opsOf(B).includes('submit'));
  // The main link left the silent router: subscriptions and later requests go to B.
  await waitFor(() => pool.status.router === B.id, 5_000);
});

/** A coordinator of its own wallet (its own trust and log) over `pool`. */
function coordinatorOver(pool: RouterPool): { coordinator: TtmCoordinator; trust: ChainTrust } {
  const trust = freshTrust(pool, { evidenceWaitMs: 3_000 });
  const coordinator = new TtmCoordinator({
    log: new TtmLog(new WalletEvents(), `failover-${randomId()}`),
    vault,
    routers: connectionOver(pool),
    trust,
  });
  return { coordinator, trust };
}

async function waitFor(done: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Until the record is final in `coordinator`'s log (what the popup reads). */
async function finalRecord<R extends TtmRecord>(
  coordinator: TtmCoordinator,
  id: Hex,
  ms: number,
): Promise<R> {
  let record: TtmRecord | undefined;
  await waitFor(async () => {
    record = await coordinator.log.get(id);
    return record !== undefined && isFinal(record);
  }, ms);
  return record as R;
}

/**
 * A swap: alice (initiator) locks `give` on asset for bob, bob (participant, his own wallet)
 * locks `get` on asset2 for alice. Resolves with both records once both are final.
 */
async function swap(
  alicePool: RouterPool,
  bobPool: RouterPool,
  give: bigint,
  get: bigint,
): Promise<{ initiator: SwapRecord; participant: SwapRecord }> {
  const aliceSide = coordinatorOver(alicePool);
  const bobSide = coordinatorOver(bobPool);
  const secret = randomId();
  const id = randomId();
  const now = Math.floor(Date.now() / 1000);
  const hashLock = hashLockOf(secret);
  const initiator: SwapRecord = {
    kind: 'swap',
    role: 'initiator',
    id,
    origin: 'https://swap.example',
    createdAt: Date.now(),
    updatedAt: Date.now(),
    hashLock,
    secret: await sealSecret(secret, id, vault.ttmKey()),
    signer: { account: alice.index },
    proposal: {
      weftSwap: 1,
      id,
      hashLock,
      initiatorLock: {
        path: PATH,
        chain: 'fisco-bcos',
        from: alice.address,
        to: bob.address,
        amount: String(give),
        timelock: now + 90,
      },
      participantLock: {
        path: PATH2,
        chain: 'fisco-bcos',
        to: alice.address,
        amount: String(get),
        timelock: now + 45,
      },
    },
    state: 'locking',
    ours: 'none',
    theirs: 'none',
    timeline: [],
  };
  const locked = await aliceSide.coordinator.startSwap(initiator);
  assert.equal(locked.state, 'locked', locked.reason);
  const proposal = structuredClone(locked.proposal);
  const participant: SwapRecord = {
    kind: 'swap',
    role: 'participant',
    id,
    origin: 'https://swap.example',
    createdAt: Date.now(),
    updatedAt: Date.now(),
    hashLock,
    signer: { account: bob.index },
    proposal: { ...proposal, participantLock: { ...proposal.participantLock, from: bob.address } },
    state: 'locking',
    ours: 'none',
    theirs: 'locked',
    timeline: [],
  };
  const bobLocked = await bobSide.coordinator.startSwap(participant);
  assert.equal(bobLocked.state, 'locked', bobLocked.reason);
  const [i, p] = await Promise.all([
    finalRecord<SwapRecord>(aliceSide.coordinator, id, 60_000),
    finalRecord<SwapRecord>(bobSide.coordinator, id, 60_000),
  ]);
  aliceSide.coordinator.stop();
  bobSide.coordinator.stop();
  return { initiator: i, participant: p };
}

/** Both locks claimed: `give` went from alice to bob on asset, `get` from bob to alice on asset2. */
async function swapped(
  before: Awaited<ReturnType<typeof holdings>>,
  give: bigint,
  get: bigint,
): Promise<void> {
  const now = await holdings();
  assert.deepEqual(now.alice, [(before.alice[0] as bigint) - give, (before.alice[1] as bigint) + get]);
  assert.deepEqual(now.bob, [(before.bob[0] as bigint) + give, (before.bob[1] as bigint) - get]);
  assert.equal(now.sum, before.sum);
}

test('attack 10: the entry router withholds a TTM commit until the deadline; sent through B too, it lands in time; all or nothing holds', async (t) => {
  const liars = new Liars();
  const pool = walletPool(t, liars);
  const { coordinator } = coordinatorOver(pool);
  const secret = randomId();
  // Under the all-at-once margin: the first chain commits first, then the second.
  const record = transactionRecord(4n, 6n, COMMIT_MARGIN_S + 12, hashLockOf(secret));
  record.secret = await sealSecret(secret, record.id, vault.ttmKey());
  const deadlineMs = (Math.max(...record.legs.map((l) => l.deadline)) + 1) * 1000;
  let withheld = 0;
  liars.lie(A, 'submit', async (body, honest) => {
    if (!body.signed.includes(COMMIT)) return honest();
    withheld++;
    // Accepted, held back until the deadline has passed, then relayed (too late).
    await holdUntil(deadlineMs - Date.now(), released);
    return honest();
  });
  const before = await holdings();
  const final = await coordinator.runTransaction(record);
  coordinator.stop();
  assert.equal(final.state, 'committed', final.reason);
  assert.deepEqual(
    final.legs.map((l) => l.state),
    ['committed', 'committed'],
  );
  assert.equal(withheld, 2, 'the entry router was handed both commits');
  assert.equal(liars.opsOf(B).filter((op) => op === 'submit').length >= 2, true, 'and so was B');
  assert.ok(Date.now() < deadlineMs, 'done before the deadline');
  await movedAll(before, 4n, 6n);
  // The popup's record says the same.
  const logged = await coordinator.log.get(record.id);
  assert.equal(logged?.state, 'committed');
  assert.ok(
    logged?.timeline.some((e) => e.event === `committed on ${PATH2}` && /sealed by/.test(e.verified ?? '')),
  );
});

test('attack 10: the entry router withholds both HTLC claims of a swap until their timelocks; sent through B too, both land; the swap completes', async (t) => {
  const liars = new Liars();
  const alicePool = walletPool(t, liars);
  const bobPool = walletPool(t, liars);
  let withheld = 0;
  liars.lie(A, 'submit', async (body, honest) => {
    if (!body.signed.includes(CLAIM)) return honest();
    withheld++;
    await holdUntil(90_000, released);
    return honest();
  });
  const before = await holdings();
  const started = Date.now();
  const { initiator, participant } = await swap(alicePool, bobPool, 9n, 11n);
  assert.equal(initiator.state, 'completed', initiator.reason);
  assert.equal(participant.state, 'completed', participant.reason);
  assert.equal(withheld, 2, 'the entry router was handed both claims');
  assert.ok(Date.now() - started < 40_000, 'long before the participant’s timelock');
  await swapped(before, 9n, 11n);
  assert.ok(initiator.timeline.some((e) => e.event === `claimed 11 on ${PATH2}`));
  assert.ok(participant.timeline.some((e) => e.event === `claimed 9 on ${PATH}`));
});

test('attack 13: the entry router drops every subscription event; a cross-chain transaction and a swap still complete from verified evidence', async (t) => {
  const liars = new Liars();
  // Subscriptions answered but never fed: no event reaches the wallet.
  let subscriptions = 0;
  liars.lie(A, 'subscribe', async () => {
    subscriptions++;
    return { subscription: `dropped-${subscriptions}` };
  });
  const pool = walletPool(t, liars);
  const bobPool = walletPool(t, liars);
  const heard: ResourceEvent[] = [];
  await pool.subscribe(PATH2, (event) => heard.push(event));
  // Control: B streams the same resource's events honestly to a subscriber of its own.
  const truth: ResourceEvent[] = [];
  const honest = lyingPool([B], new Liars());
  t.after(() => honest.stop());
  await honest.subscribe(PATH2, (event) => truth.push(event));

  const { coordinator } = coordinatorOver(pool);
  const secret = randomId();
  const record = transactionRecord(2n, 3n, COMMIT_MARGIN_S + 20, hashLockOf(secret));
  record.secret = await sealSecret(secret, record.id, vault.ttmKey());
  let before = await holdings();
  const final = await coordinator.runTransaction(record);
  coordinator.stop();
  assert.equal(final.state, 'committed', final.reason);
  await movedAll(before, 2n, 3n);

  before = await holdings();
  const { initiator, participant } = await swap(pool, bobPool, 4n, 5n);
  assert.equal(initiator.state, 'completed', initiator.reason);
  assert.equal(participant.state, 'completed', participant.reason);
  await swapped(before, 4n, 5n);
  // What the user sees: each step verified, the other side's lock and claim seen on the chain.
  assert.ok(initiator.timeline.some((e) => e.event === `the other side locked 5 on ${PATH2}` && e.verified));
  assert.ok(
    participant.timeline.some(
      (e) => /the other side claimed on .*: the secret is public/.test(e.event) && e.verified,
    ),
  );

  assert.ok(subscriptions >= 2, 'the wallet subscribed through the entry router');
  assert.equal(heard.length, 0, 'and heard nothing');
  assert.ok(truth.length > 0, 'while the chain emitted events on the path');
});
