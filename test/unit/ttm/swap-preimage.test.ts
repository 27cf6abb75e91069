/**
 * A swap participant learns the secret from its own lock once the initiator claims it. That
 * answer comes through routers: a preimage that does not open the hash lock must be ignored,
 * and no claim is ever signed with one. Drives the real swap driver with a fake context.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AssetChain, ChainRefusedError, type HtlcOnChain } from '../../../background/ttm/asset-chain.ts';
import type { DriveContext } from '../../../background/ttm/drive-context.ts';
import { driveSwap } from '../../../background/ttm/drive-swap.ts';
import { drawSecret, opensHashLock, randomId } from '../../../background/ttm/secret.ts';
import type { Hex, SwapRecord } from '../../../background/ttm/types.ts';

const now = () => Math.floor(Date.now() / 1000);
const tick = () => new Promise((r) => setImmediate(r));

function participantSwap(hashLock: Hex, ownTimelock: number): SwapRecord {
  return {
    kind: 'swap',
    role: 'participant',
    id: randomId(),
    origin: 'https://dapp.example',
    createdAt: 0,
    updatedAt: 0,
    hashLock,
    signer: { account: 0, fabricIdentity: 'user2' },
    state: 'locked',
    ours: 'locked',
    theirs: 'locked',
    timeline: [],
    proposal: {
      weftSwap: 1,
      id: randomId(),
      hashLock,
      initiatorLock: {
        path: 'payment.bcos.asset',
        chain: 'fisco-bcos',
        from: '0x00000000000000000000000000000000000000a1',
        to: '0x00000000000000000000000000000000000000b2',
        amount: '5',
        timelock: now() + 600,
      },
      participantLock: {
        path: 'trade.fab.asset',
        chain: 'fabric',
        from: 'user2',
        to: 'user1',
        amount: '7',
        timelock: ownTimelock,
      },
    },
  };
}

/**
 * Our own lock (trade.fab.asset) reports `reports` in turn (the last one from then on); the
 * initiator's lock takes any claim. Secrets are "sealed" in the clear: the test reads them back.
 */
function fakeContext(reports: Partial<HtlcOnChain>[]) {
  const claims: Hex[] = [];
  const sealed: Hex[] = [];
  const refunds: number[] = [];
  let read = 0;
  const lock = (report: Partial<HtlcOnChain>): HtlcOnChain => ({
    state: 'locked',
    from: 'user2',
    to: 'user1',
    amount: '7',
    hashLock: '0x',
    timelock: 0,
    ...report,
  });
  const chain = (path: string) =>
    ({
      path,
      htlcState: async () => lock(reports[Math.min(read++, reports.length - 1)] ?? {}),
      htlcClaim: async (_id: Hex, preimage: Hex) => {
        claims.push(preimage);
      },
      htlcRefund: async () => {
        refunds.push(Date.now());
        throw new ChainRefusedError('HTLC: not locked');
      },
    }) as unknown as AssetChain;
  let stop = false;
  const context: DriveContext = {
    chain: async (path) => chain(path),
    save: async () => {},
    openSecret: async (record) => {
      if (!record.secret) throw new Error('no secret');
      return record.secret.ciphertext as Hex;
    },
    sealSecret: async (record, secret) => {
      sealed.push(secret);
      record.secret = { iv: '', ciphertext: secret };
    },
    // The next poll at once, but after pending timers: the test's own waits still run.
    watch: () => ({ next: () => new Promise((r) => setImmediate(r)), close: () => {} }),
    stopped: () => stop,
  };
  return { context, claims, sealed, refunds, stop: () => (stop = true), reads: () => read };
}

describe('swap preimages are checked against the hash lock', { timeout: 20_000 }, () => {
  test('a participant ignores a wrong preimage reported for its lock, then claims with the real one', async () => {
    const { secret, hashLock } = drawSecret();
    const wrong = randomId();
    const record = participantSwap(hashLock, now() + 300);
    const fake = fakeContext([
      { state: 'claimed', preimage: wrong },
      { state: 'claimed', preimage: wrong },
      { state: 'claimed', preimage: '0x1234' as Hex },
      { state: 'claimed', preimage: secret },
    ]);
    const driving = driveSwap(record, fake.context, () => {});
    // Ends completed; had it kept a wrong secret, it would be refunding (sleeping till its timelock).
    while (record.state !== 'completed' && record.state !== 'refunding') await tick();
    fake.stop();
    await driving;
    assert.deepEqual(fake.sealed, [secret], 'only the preimage that opens the lock is kept');
    assert.deepEqual(fake.claims, [secret], 'no claim signed with a wrong preimage');
    assert.equal(record.state, 'completed');
    assert.ok(
      record.timeline.some((t) => /does not open the hash lock/.test(t.event)),
      JSON.stringify(record.timeline),
    );
  });

  test('a participant never claims while only wrong preimages are reported', async () => {
    const { hashLock } = drawSecret();
    const record = participantSwap(hashLock, now() + 300);
    const fake = fakeContext([{ state: 'claimed', preimage: randomId() }]);
    const driving = driveSwap(record, fake.context, () => {});
    while (fake.reads() < 20) await tick();
    fake.stop();
    await driving;
    assert.deepEqual(fake.sealed, []);
    assert.deepEqual(fake.claims, []);
    assert.equal(record.state, 'locked');
    assert.equal(record.ours, 'locked');
  });

  test('a held secret that does not open the hash lock is never signed into a claim', async () => {
    // A record from before this check, holding a secret a router made up: forgotten, and the
    // refund path finds the real claim of ours and reads the real secret from it.
    const { secret, hashLock } = drawSecret();
    const record = participantSwap(hashLock, now() - 1);
    record.state = 'claiming';
    record.ours = 'claimed';
    const wrong = randomId();
    record.secret = { iv: '', ciphertext: wrong };
    const fake = fakeContext([{ state: 'claimed', preimage: secret }]);
    await driveSwap(record, fake.context, () => {});
    assert.ok(!fake.claims.includes(wrong), 'the wrong secret was signed into a claim');
    assert.deepEqual(fake.claims, [secret]);
    assert.equal(record.state, 'completed');
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
