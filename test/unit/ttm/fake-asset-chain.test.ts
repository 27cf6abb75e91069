/**
 * The in-memory asset chain the driver tests run on behaves as docs/ttm.md says the FISCO BCOS
 * contract and the Fabric chaincode do: repeat-safe operations, contradictions refused in each
 * chain's words, locks that lapse at the deadline, escrow counted in the supply, and faults that
 * are passing errors, never refusals.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChainRefusedError } from '../../../background/ttm/asset-chain.ts';
import { drawSecret, randomId } from '../../../background/ttm/secret.ts';
import { type Dialect, FakeClock, FakeLedger } from './fake-asset-chain.ts';
import { ADDRESSES } from './fake-drive-context.ts';

const [ALICE, BOB, CAROL] = ADDRESSES;

function setup(dialect: Dialect) {
  const clock = new FakeClock();
  const fisco = dialect === 'fisco-bcos';
  const [a, b, c] = fisco ? [ALICE, BOB, CAROL] : ['user1', 'user2', 'user3'];
  const ledger = new FakeLedger({
    path: 'x.y.asset',
    dialect,
    clock,
    balances: { [a]: 100, [b]: 0, [c]: 50 },
    owners: { user1: 'user1', user2: 'user2', user3: 'user3' },
  });
  const as = (account: string) => ledger.as(account);
  return { clock, ledger, a, b, c, as };
}

/** The refusal's message, or fails if the call did not refuse. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ChainRefusedError, `not a refusal: ${error}`);
    return error.message;
  }
  assert.fail('not refused');
}

const words = {
  'fisco-bcos': {
    aborted: () => 'Asset: transaction aborted',
    committed: () => 'Asset: transaction committed',
    wrongPreimage: () => 'Asset: wrong preimage',
    deadlinePassed: () => 'Asset: deadline passed',
    notOwner: () => 'Asset: only the owner may abort before the deadline',
    locked: () => 'Asset: account locked by a cross-chain transaction',
    otherParameters: () => 'Asset: transaction id already used',
    insufficient: () => 'Asset: insufficient balance',
    htlcWrongPreimage: () => 'Asset: wrong preimage',
    htlcPassed: () => 'Asset: timelock passed',
    htlcNotReached: () => 'Asset: timelock not reached',
    htlcClaimed: () => 'Asset: HTLC claimed',
    htlcRefunded: () => 'Asset: HTLC refunded',
  },
  fabric: {
    aborted: (id: string) => `transaction ${id} is aborted`,
    committed: (id: string) => `transaction ${id} is committed`,
    wrongPreimage: (id: string) => `preimage does not match the hash lock of transaction ${id}`,
    deadlinePassed: (id: string) => `transaction ${id} passed its deadline`,
    notOwner: (id: string) => `only the owner may abort transaction ${id} before its deadline`,
    locked: (_id: string, account = 'user1') => `account ${account} is locked by a cross-chain transaction`,
    otherParameters: (id: string) => `transaction ${id} was prepared with other parameters`,
    insufficient: (_id: string, account = 'user1') => `insufficient funds in account ${account}`,
    htlcWrongPreimage: (id: string) => `preimage does not match the hash lock of htlc ${id}`,
    htlcPassed: (id: string) => `htlc ${id} passed its timelock`,
    htlcNotReached: (id: string) => `htlc ${id} cannot be refunded before its timelock`,
    htlcClaimed: (id: string) => `htlc ${id} is claimed`,
    htlcRefunded: (id: string) => `htlc ${id} is refunded`,
  },
} as const;

for (const dialect of ['fisco-bcos', 'fabric'] as const) {
  const say = words[dialect];
  describe(`the in-memory asset chain, ${dialect}`, { timeout: 20_000 }, () => {
    test('prepare, commit and abort are repeat-safe; contradictions are refused', async () => {
      const { clock, ledger, a, b, c, as } = setup(dialect);
      const { secret, hashLock } = drawSecret();
      const id = randomId();
      const deadline = clock.seconds() + 60;
      const steps = [{ from: a, to: b, amount: '30' }];
      await as(a).prepare(id, hashLock, deadline, steps);
      await as(a).prepare(id, hashLock, deadline, steps);
      assert.equal(ledger.balance(a), 70n);
      assert.equal(ledger.escrow(), 30n);
      assert.equal(await refusal(as(a).prepare(id, hashLock, deadline + 1, steps)), say.otherParameters(id));
      assert.equal(await refusal(as(a).commit(id, randomId())), say.wrongPreimage(id));
      // Locked until the deadline: another prepare over the same account is refused.
      const other = randomId();
      const otherSteps = [{ from: c, to: a, amount: '1' }];
      assert.equal(await refusal(as(c).prepare(other, hashLock, deadline, otherSteps)), say.locked(other, a));
      assert.equal(await refusal(as(c).abort(id)), say.notOwner(id));
      await as(c).commit(id, secret); // anyone holding the preimage
      await as(a).commit(id, secret);
      assert.equal(await refusal(as(a).commit(id, randomId())), say.wrongPreimage(id));
      assert.equal(await refusal(as(a).abort(id)), say.committed(id));
      assert.deepEqual(await as(b).txState(id), { state: 'committed', deadline, preimage: secret });
      assert.equal(ledger.balance(b), 30n);
      assert.equal(ledger.escrow(), 0n);
      // Unlocked by the commit.
      await as(c).prepare(other, hashLock, deadline, otherSteps);
      assert.deepEqual(ledger.violations, []);
    });

    test('an abort of a never-prepared id records it, so its prepare is refused', async () => {
      const { clock, as, a, b } = setup(dialect);
      const { hashLock } = drawSecret();
      const id = randomId();
      await as(a).abort(id);
      await as(a).abort(id);
      assert.equal((await as(a).txState(id)).state, 'aborted');
      const steps = [{ from: a, to: b, amount: '1' }];
      assert.equal(await refusal(as(a).prepare(id, hashLock, clock.seconds() + 60, steps)), say.aborted(id));
    });

    test('locks lapse at the deadline by the chain clock; then anyone may abort, no one commit', async () => {
      const { clock, ledger, as, a, b, c } = setup(dialect);
      const { secret, hashLock } = drawSecret();
      const id = randomId();
      await as(a).prepare(id, hashLock, clock.seconds() + 10, [{ from: a, to: b, amount: '30' }]);
      assert.equal(ledger.lockedBy(a), id.toLowerCase());
      await clock.advance(10_000);
      assert.equal(ledger.lockedBy(a), undefined);
      assert.equal(await refusal(as(a).commit(id, secret)), say.deadlinePassed(id));
      // Its accounts are free for another transaction, though the escrow waits for an abort.
      await as(a).prepare(randomId(), hashLock, clock.seconds() + 10, [{ from: a, to: c, amount: '10' }]);
      await as(c).abort(id);
      assert.equal(ledger.balance(a), 90n);
      assert.equal(await refusal(as(a).commit(id, secret)), say.aborted(id));
      assert.deepEqual(ledger.violations, []);
    });

    test('a prepare beyond the balance is refused and changes nothing', async () => {
      const { clock, ledger, as, a, b } = setup(dialect);
      const id = randomId();
      const steps = [{ from: a, to: b, amount: '101' }];
      assert.equal(
        await refusal(as(a).prepare(id, drawSecret().hashLock, clock.seconds() + 60, steps)),
        say.insufficient(id, a),
      );
      assert.equal((await as(a).txState(id)).state, 'none');
      assert.equal(ledger.balance(a), 100n);
    });

    test('HTLCs: lock, claim and refund are repeat-safe; the timelock rules hold', async () => {
      const { clock, ledger, as, a, b } = setup(dialect);
      const { secret, hashLock } = drawSecret();
      const id = randomId();
      const lock = { from: a, to: b, amount: '40', hashLock, timelock: clock.seconds() + 30 };
      await as(a).htlcLock(id, lock);
      await as(a).htlcLock(id, lock);
      assert.equal(ledger.balance(a), 60n);
      assert.equal(await refusal(as(b).htlcClaim(id, randomId())), say.htlcWrongPreimage(id));
      assert.equal(await refusal(as(a).htlcRefund(id)), say.htlcNotReached(id));
      await as(b).htlcClaim(id, secret);
      await as(b).htlcClaim(id, secret);
      const state = await as(a).htlcState(id);
      assert.equal(state.state, 'claimed');
      assert.equal(state.preimage, secret);
      assert.equal(ledger.balance(b), 40n);
      await clock.advance(30_000);
      assert.equal(await refusal(as(a).htlcRefund(id)), say.htlcClaimed(id));

      const late = randomId();
      await as(a).htlcLock(late, { ...lock, timelock: clock.seconds() + 5 });
      await clock.advance(5_000);
      assert.equal(await refusal(as(b).htlcClaim(late, secret)), say.htlcPassed(late));
      await as(b).htlcRefund(late); // anyone, from the timelock on
      await as(a).htlcRefund(late);
      assert.equal(await refusal(as(b).htlcClaim(late, secret)), say.htlcRefunded(late));
      assert.equal(ledger.balance(a), 60n);
      assert.equal(ledger.escrow(), 0n);
      assert.deepEqual(ledger.violations, []);
    });

    test('faults are passing errors: down lands nothing, a lost reply lands the write', async () => {
      const { clock, ledger, as, a, b } = setup(dialect);
      const { hashLock } = drawSecret();
      const first = randomId();
      const second = randomId();
      const steps = [{ from: a, to: b, amount: '1' }];
      ledger.faults.push({ kind: 'down', from: 0, until: clock.now() + 1_000 });
      await assert.rejects(
        as(a).prepare(first, hashLock, clock.seconds() + 60, steps),
        (e) => !(e instanceof ChainRefusedError),
      );
      assert.equal(ledger.txStateOf(first), 'none');
      ledger.faults = [{ kind: 'lost-replies', from: 0, until: clock.now() + 1_000 }];
      await assert.rejects(
        as(a).prepare(second, hashLock, clock.seconds() + 60, steps),
        (e) => !(e instanceof ChainRefusedError),
      );
      assert.equal(ledger.txStateOf(second), 'prepared');
      ledger.lagS = 100;
      assert.equal(ledger.time(), clock.seconds() - 100);
    });
  });
}
