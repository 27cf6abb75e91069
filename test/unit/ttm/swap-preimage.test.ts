/**
 * A swap participant learns the secret from its own lock once the initiator claims it. That
 * answer comes through routers: a preimage that does not open the hash lock must be ignored,
 * and no claim is ever signed with one. Drives the real swap driver on the in-memory chains
 * (fake-asset-chain.ts) with the shared fake context, a router lying about the participant's lock.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AssetChain, HtlcOnChain } from '../../../background/ttm/asset-chain.ts';
import { driveSwap } from '../../../background/ttm/drive-swap.ts';
import { drawSecret, opensHashLock, randomId } from '../../../background/ttm/secret.ts';
import type { Hex, SwapRecord } from '../../../background/ttm/types.ts';
import { FakeClock, FakeLedger } from './fake-asset-chain.ts';
import { ADDRESSES, FakeLog, fakeContext, sealedInClear } from './fake-drive-context.ts';

const [ALICE, BOB] = ADDRESSES;

/**
 * Alice (initiator) locked 5 on FISCO BCOS for Bob; Bob (participant, Fabric identity user2)
 * locked 7 from user2 to user1 on Fabric. The router in front of Fabric answers Bob's first
 * `htlcState` reads with `lies` (then the truth, unless `lieForever`); every claim Bob sends is kept.
 */
async function participantSwap(lies: Partial<HtlcOnChain>[], options: { lieForever?: boolean } = {}) {
  const clock = new FakeClock();
  const payment = new FakeLedger({
    path: 'payment.bcos.asset',
    dialect: 'fisco-bcos',
    clock,
    balances: { [ALICE]: 5 },
  });
  const trade = new FakeLedger({
    path: 'trade.fab.asset',
    dialect: 'fabric',
    clock,
    balances: { user1: 0, user2: 7 },
    owners: { user1: 'user1', user2: 'user2' },
  });
  const { secret, hashLock } = drawSecret();
  const id = randomId();
  const t0 = clock.seconds();
  const record: SwapRecord = {
    kind: 'swap',
    role: 'participant',
    id,
    origin: 'https://dapp.example',
    createdAt: clock.now(),
    updatedAt: clock.now(),
    hashLock,
    signer: { account: 1, fabricIdentity: 'user2' },
    state: 'locked',
    ours: 'locked',
    theirs: 'locked',
    timeline: [],
    proposal: {
      weftSwap: 1,
      id,
      hashLock,
      initiatorLock: {
        path: 'payment.bcos.asset',
        chain: 'fisco-bcos',
        from: ALICE,
        to: BOB,
        amount: '5',
        timelock: t0 + 600,
      },
      participantLock: {
        path: 'trade.fab.asset',
        chain: 'fabric',
        from: 'user2',
        to: 'user1',
        amount: '7',
        timelock: t0 + 300,
      },
    },
  };
  await payment.as(ALICE).htlcLock(id, { from: ALICE, to: BOB, amount: '5', hashLock, timelock: t0 + 600 });
  await trade
    .as('user2')
    .htlcLock(id, { from: 'user2', to: 'user1', amount: '7', hashLock, timelock: t0 + 300 });
  const claims: Hex[] = [];
  const sealed: Hex[] = [];
  let reads = 0;
  const log = new FakeLog();
  log.put(record);
  const violations: string[] = [];
  const fake = fakeContext({
    clock,
    ledgers: [payment, trade],
    log,
    violations,
    wrap: (chain, ledger): AssetChain => ({
      ...chain,
      htlcState: async (htlc) => {
        const truth = await chain.htlcState(htlc);
        if (ledger !== trade) return truth;
        const lie = lies[Math.min(reads++, options.lieForever ? lies.length - 1 : lies.length)];
        return lie ? { ...truth, ...lie } : truth;
      },
      htlcClaim: async (htlc, preimage) => {
        claims.push(preimage);
        return chain.htlcClaim(htlc, preimage);
      },
    }),
  });
  const context = {
    ...fake.context,
    sealSecret: async (r: Parameters<typeof fake.context.sealSecret>[0], s: Hex) => {
      sealed.push(s);
      await fake.context.sealSecret(r, s);
    },
  };
  /** Drives to the end: the clock runs until the driver returns. */
  const drive = async () => {
    let done = false;
    const driving = driveSwap(record, context, () => {}).finally(() => {
      done = true;
    });
    await clock.run(() => done);
    await driving;
    assert.deepEqual(violations, [], 'sent a write the log had not announced');
  };
  return { record, secret, clock, payment, trade, log, claims, sealed, drive, reads: () => reads };
}

describe('swap preimages are checked against the hash lock', { timeout: 20_000 }, () => {
  test('a participant ignores a wrong preimage reported for its lock, then claims with the real one', async () => {
    const swap = await participantSwap([
      { state: 'claimed', preimage: randomId() },
      { state: 'claimed', preimage: randomId() },
      { state: 'claimed', preimage: '0x1234' as Hex },
    ]);
    // The initiator claims (revealing the secret) ten seconds in.
    swap.clock.timer(10_000, () => void swap.trade.as('user1').htlcClaim(swap.record.id, swap.secret));
    await swap.drive();
    assert.deepEqual(swap.sealed, [swap.secret], 'only the preimage that opens the lock is kept');
    assert.deepEqual(swap.claims, [swap.secret], 'no claim signed with a wrong preimage');
    assert.equal(swap.record.state, 'completed');
    assert.equal(swap.payment.htlcStateOf(swap.record.id), 'claimed');
    assert.ok(
      swap.record.timeline.some((t) => /does not open the hash lock/.test(t.event)),
      JSON.stringify(swap.record.timeline),
    );
  });

  test('a participant never claims while only wrong preimages are reported, and refunds after its timelock', async () => {
    const swap = await participantSwap([{ state: 'claimed', preimage: randomId() }], { lieForever: true });
    await swap.drive();
    assert.ok(swap.reads() > 100, `${swap.reads()} reads`);
    assert.deepEqual(swap.sealed, []);
    assert.deepEqual(swap.claims, []);
    assert.equal(swap.record.state, 'refunded');
    assert.equal(swap.trade.htlcStateOf(swap.record.id), 'refunded');
    assert.equal(swap.trade.balance('user2'), 7n);
  });

  test('a held secret that does not open the hash lock is never signed into a claim', async () => {
    // A record from before this check, holding a secret a router made up: forgotten, and the
    // refund path finds the real claim of ours and reads the real secret from it.
    const swap = await participantSwap([]);
    await swap.trade.as('user1').htlcClaim(swap.record.id, swap.secret);
    swap.record.state = 'claiming';
    swap.record.ours = 'claimed';
    const wrong = randomId();
    swap.record.secret = sealedInClear(wrong);
    swap.log.put(swap.record);
    await swap.drive();
    assert.ok(!swap.claims.includes(wrong), 'the wrong secret was signed into a claim');
    assert.deepEqual(swap.claims, [swap.secret]);
    assert.equal(swap.record.state, 'completed');
    assert.equal(swap.payment.balance(BOB), 5n);
  });

  test('opensHashLock takes only 32 bytes of hex whose sha256 is the lock', () => {
    const { secret, hashLock } = drawSecret();
    assert.equal(opensHashLock(secret, hashLock), true);
    assert.equal(
      opensHashLock(secret.toUpperCase().replace('0X', '0x'), hashLock.toUpperCase() as Hex),
      true,
    );
    for (const bad of [randomId(), secret.slice(0, 64), `${secret}00`, '0xzz', 42, undefined]) {
      assert.equal(opensHashLock(bad, hashLock), false, String(bad));
    }
  });
});
