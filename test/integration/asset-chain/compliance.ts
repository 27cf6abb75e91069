/**
 * One compliance suite for every asset chain (docs/ttm.md, "Contracts and chaincode"): what the
 * wallet's TTM drivers rely on, written once against the AssetChain interface they use
 * (background/ttm/asset-chain.ts), and run by each chain type's test file with its own `setup`
 * (a real devnode or devpeer behind a router, wallet-signed writes from a real vault).
 *
 * Covered: hash-locked two-phase commit (prepare escrows and locks every account it touches,
 * anyone commits with the preimage, the owner aborts, anyone from the deadline on), HTLCs
 * (lock, claim revealing the preimage, refund from the timelock on) and a swap; every repeat is
 * a no-op that emits nothing, every contradiction a ChainRefusedError in the chain's own words
 * (`Reasons`). After every test, the balances of every account plus what open transactions and
 * HTLCs hold make up the supply.
 *
 * Deadlines are real (both chains judge them by the wall clock): the objects with a short
 * deadline are set up by the first test, the clock runs while the other tests do, and the tests
 * past the deadline come last, so that the suite hardly ever sits waiting.
 *
 * What is specific to one chain (event payloads, owners, malformed arguments, Fabric's MVCC and
 * proposal time, FISCO BCOS's revert status and block time) stays in that chain's own file.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { type AssetChain, ChainRefusedError, type Transfer } from '../../../background/ttm/asset-chain.ts';
import type { Hex } from '../../../background/ttm/types.ts';

/** Someone with their own key or identity, holding one account. */

/** A state as the wallet reads it, which must say what verified it (then left out of comparisons). */
async function verifiedState<T extends { verified?: string }>(
  pending: Promise<T>,
): Promise<Omit<T, 'verified'>> {
  const { verified, ...state } = await pending;
  assert.ok(verified, 'the state says what verified it');
  return state;
}
export interface Party {
  /** For failure messages. */
  name: string;
  /** The account its writes debit: FISCO BCOS its address; Fabric an account its identity owns. */
  account: string;
  /** The asset resource signed as this party, built as the wallet builds it. */
  chain: AssetChain;
}

/** A TTM event of a write, in the suite's words: the name and the fields both chains carry. */
export type TtmEvent =
  | ['TxPrepared', { txId: Hex; hashLock: Hex; deadline: number; steps: [string, string][] }]
  | ['TxCommitted', { txId: Hex; preimage: Hex }]
  | ['TxAborted', { txId: Hex }]
  | ['HtlcLocked', { id: Hex; from: string; to: string; amount: string; hashLock: Hex; timelock: number }]
  | ['HtlcClaimed', { id: Hex; preimage: Hex }]
  | ['HtlcRefunded', { id: Hex }];

/** Each refusal in the chain's own words, as the ChainRefusedError carries it. */
export interface Reasons {
  /** `account` is held by a live lock of a prepared transaction. */
  locked(account: string): string;
  insufficient(account: string): string;
  deadlineInPast: string;
  /** A prepare under a used id with other parameters (or by another owner). */
  txUsed(txId: Hex): string;
  txAborted(txId: Hex): string;
  /** An abort after the commit. */
  txCommitted(txId: Hex): string;
  /** A commit of an id never prepared. */
  txUnknown(txId: Hex): string;
  txWrongPreimage(txId: Hex): string;
  /** An abort by someone other than the owner before the deadline. */
  notOwner(txId: Hex): string;
  /** A commit from the deadline on. */
  deadlinePassed(txId: Hex): string;
  timelockInPast: string;
  htlcUsed(id: Hex): string;
  htlcWrongPreimage(id: Hex): string;
  /** A refund before the timelock. */
  htlcEarly(id: Hex): string;
  /** A claim from the timelock on. */
  htlcExpired(id: Hex): string;
  htlcClaimed(id: Hex): string;
  htlcRefunded(id: Hex): string;
  htlcUnknown(id: Hex): string;
  /**
   * The same lock again once refunded: null where that is a no-op (FISCO BCOS), the refusal
   * where the chain refuses it (Fabric). Either way nothing moves.
   */
  relockRefunded(id: Hex): string | null;
}

/** A running asset chain, reached through a router as the wallet reaches it. */
export interface AssetChainSetup {
  /** A new party with its own key or identity and one account holding `funds` (0: just opened). */
  party(name: string, funds?: bigint): Promise<Party>;
  balance(account: string): Promise<bigint>;
  /** A plain transfer signed by `by`; a refusal is a ChainRefusedError. */
  transfer(by: Party, to: string, amount: bigint): Promise<void>;
  /** The prepared transaction whose live lock holds `account`, or null. */
  lockedBy(account: string): Promise<Hex | null>;
  /** Every account that ever held some, the issuer's included. */
  accounts(): string[];
  /** The chain's total supply, and what the setup issued. */
  supply(): Promise<bigint>;
  issued(): bigint;
  /** Where the chain keeps escrow as a balance (FISCO BCOS: the contract's own), that balance. */
  escrow?(): Promise<bigint>;
  /** The TTM events of the writes relayed since the last call. */
  takeEvents(): TtmEvent[];
  reasons: Reasons;
  close(): Promise<void>;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const far = () => nowSeconds() + 3600;
export const random32 = () => `0x${randomBytes(32).toString('hex')}` as Hex;
const sha256 = (hex: Hex) =>
  `0x${createHash('sha256')
    .update(Buffer.from(hex.slice(2), 'hex'))
    .digest('hex')}` as Hex;
/** A secret and its hash lock, as the wallet draws them. */
export function secret(): { s: Hex; h: Hex } {
  const s = random32();
  return { s, h: sha256(s) };
}

/** Waits until the chains' clock (the wall clock, whole seconds) reaches `seconds`. */
async function reach(seconds: number): Promise<void> {
  const wait = seconds * 1000 - Date.now() + 50;
  if (wait > 0) await new Promise((done) => setTimeout(done, wait));
}

/** `action` must fail with a ChainRefusedError saying `reason`. */
export async function refused(action: Promise<unknown>, reason: string): Promise<void> {
  const error = await action.then(
    () => assert.fail(`expected the refusal "${reason}"`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ChainRefusedError, `expected a ChainRefusedError, got ${String(error)}`);
  assert.equal(error.message, reason);
}

/** Does `write` as the wallet's drivers do: a refusal stands, anything else is tried again. */
async function retried(write: () => Promise<void>, tries = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (error instanceof ChainRefusedError || attempt >= tries) throw error;
    }
  }
}

/** The HTLC's state once it is no longer `locked`, as the wallet's swap driver watches it (10 s at most). */
async function htlcStateOnceSettled(chain: AssetChain, id: Hex): Promise<string> {
  const until = Date.now() + 10_000;
  for (;;) {
    const { state } = await chain.htlcState(id);
    if (state !== 'locked' || Date.now() > until) return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What a chain's own tests on the same running chain get (see `assetChainCompliance`). */
export interface ComplianceContext<S extends AssetChainSetup> {
  /** The running setup (from the suite's `before` on). */
  setup(): S;
  /** A new party whose prepares and locks count in the conservation check. */
  party(name: string, funds?: bigint): Promise<Party>;
}

/**
 * Runs the suite on the chain `setup` starts. `specific` may add tests of that chain's own
 * behaviour on the same chain (with the same conservation check after each): they run after
 * the suite's tests, before those past the short deadline.
 */
export function assetChainCompliance<S extends AssetChainSetup>(
  name: string,
  setup: () => Promise<S>,
  specific?: (context: ComplianceContext<S>) => void,
): void {
  describe(`${name}: asset chain compliance`, { timeout: 120_000 }, () => {
    let f: S;
    let reasons: Reasons;
    /** What the suite prepared and locked: each id with the chain it went through and its escrow. */
    const prepared = new Map<Hex, { chain: AssetChain; total: bigint }>();
    const htlcs = new Map<Hex, AssetChain>();
    /** Ids known to be final (committed, aborted, claimed, refunded): their escrow is settled. */
    const settled = new Set<Hex>();

    async function party(label: string, funds = 0n): Promise<Party> {
      const p = await f.party(label, funds);
      const chain = p.chain;
      // Tracks what each prepare and lock escrows, for the conservation check.
      const tracked: AssetChain = {
        ...chain,
        path: chain.path,
        async prepare(id, hashLock, deadline, transfers) {
          await chain.prepare(id, hashLock, deadline, transfers);
          if (!prepared.has(id)) {
            prepared.set(id, { chain, total: transfers.reduce((sum, t) => sum + BigInt(t.amount), 0n) });
          }
        },
        async htlcLock(id, lock) {
          await chain.htlcLock(id, lock);
          htlcs.set(id, chain);
        },
      };
      return { ...p, chain: tracked };
    }

    /** The steps `from` pays, in AssetChain's terms. */
    const steps = (from: Party, ...pairs: [string, bigint][]): Transfer[] =>
      pairs.map(([to, amount]) => ({ from: from.account, to, amount: String(amount) }));

    /** The events of `write`, which must succeed. */
    async function events(write: Promise<void>): Promise<TtmEvent[]> {
      f.takeEvents();
      await write;
      return f.takeEvents();
    }

    /** Balances plus what open transactions and HTLCs hold make up the supply; escrow is exactly that. */
    async function assertConserved(): Promise<void> {
      const balances = await Promise.all(f.accounts().map((account) => f.balance(account)));
      const held = balances.reduce((sum, b) => sum + b, 0n);
      const open = await Promise.all([
        ...[...prepared].map(async ([id, { chain, total }]) => {
          if (settled.has(id)) return 0n;
          const state = (await chain.txState(id)).state;
          if (state === 'committed' || state === 'aborted') settled.add(id);
          return state === 'prepared' ? total : 0n;
        }),
        ...[...htlcs].map(async ([id, chain]) => {
          if (settled.has(id)) return 0n;
          const htlc = await chain.htlcState(id);
          if (htlc.state === 'claimed' || htlc.state === 'refunded') settled.add(id);
          return htlc.state === 'locked' ? BigInt(htlc.amount) : 0n;
        }),
      ]);
      const escrowed = open.reduce((sum, v) => sum + v, 0n);
      const supply = await f.supply();
      assert.equal(supply, f.issued(), 'the supply is what was issued');
      assert.equal(held + escrowed, supply, 'balances + escrow == supply');
      if (f.escrow)
        assert.equal(await f.escrow(), escrowed, 'escrow == what open transactions and HTLCs hold');
    }

    before(async () => {
      f = await setup();
      reasons = f.reasons;
    });
    after(() => f?.close());
    afterEach(assertConserved);

    /**
     * Set up by the first test, checked by the last ones: a transaction and an HTLC whose
     * deadline and timelock come while the tests in between run.
     */
    const late = {} as {
      deadline: number;
      alice: Party;
      bob: Party;
      carol: Party;
      mallory: Party;
      txId: Hex;
      htlcId: Hex;
      /** The transaction's and the HTLC's secrets: never revealed. */
      tx: { s: Hex; h: Hex };
      htlc: { s: Hex; h: Hex };
    };

    describe('before the deadline', () => {
      test('a transaction and an HTLC with a short deadline: locks hold, strangers may not abort, no refund yet', async () => {
        const alice = await party('alice', 1000n);
        const bob = await party('bob', 1000n);
        const carol = await party('carol', 1000n);
        const mallory = await party('mallory');
        const tx = secret();
        const htlc = secret();
        const txId = random32();
        const htlcId = random32();
        // A few seconds ahead: the steps here take well under one, even on a loaded machine.
        const deadline = nowSeconds() + 4;
        Object.assign(late, { deadline, alice, bob, carol, mallory, txId, htlcId, tx, htlc });

        await alice.chain.prepare(txId, tx.h, deadline, steps(alice, [bob.account, 100n]));
        // The HTLC pays into bob's locked account: only its sender's balance changes now.
        await carol.chain.htlcLock(htlcId, {
          from: carol.account,
          to: bob.account,
          amount: '60',
          hashLock: htlc.h,
          timelock: deadline,
        });
        await refused(mallory.chain.abort(txId), reasons.notOwner(txId));
        await refused(mallory.chain.htlcRefund(htlcId), reasons.htlcEarly(htlcId));
        await refused(f.transfer(alice, carol.account, 1n), reasons.locked(alice.account));
        await refused(f.transfer(carol, bob.account, 1n), reasons.locked(bob.account));
        await refused(
          carol.chain.prepare(random32(), secret().h, far(), steps(carol, [bob.account, 1n])),
          reasons.locked(bob.account),
        );
        assert.equal(await f.lockedBy(alice.account), txId);
        assert.equal(await f.lockedBy(bob.account), txId);
        assert.deepEqual(
          [await f.balance(alice.account), await f.balance(bob.account), await f.balance(carol.account)],
          [900n, 1000n, 940n],
        );
        assert.equal((await alice.chain.txState(txId)).deadline, deadline);
        assert.equal((await carol.chain.htlcState(htlcId)).timelock, deadline);
        assert.ok(nowSeconds() < deadline, 'the steps before the deadline took too long');
      });
    });

    describe('two-phase commit', () => {
      test('prepare escrows and locks every account it touches; anyone commits with the preimage, paying every recipient and unlocking', async () => {
        const alice = await party('alice', 1000n);
        const bob = await party('bob');
        const carol = await party('carol');
        const dave = await party('dave');
        const { s, h } = secret();
        const txId = random32();
        const deadline = far();

        assert.deepEqual(
          await events(
            alice.chain.prepare(txId, h, deadline, steps(alice, [bob.account, 300n], [carol.account, 200n])),
          ),
          [
            [
              'TxPrepared',
              {
                txId,
                hashLock: h,
                deadline,
                steps: [
                  [bob.account, '300'],
                  [carol.account, '200'],
                ],
              },
            ],
          ],
        );
        assert.deepEqual(await verifiedState(alice.chain.txState(txId)), { state: 'prepared', deadline });
        assert.equal(await f.balance(alice.account), 500n);
        for (const p of [alice, bob, carol]) assert.equal(await f.lockedBy(p.account), txId, p.name);
        assert.equal(await f.lockedBy(dave.account), null);

        await refused(dave.chain.commit(txId, random32()), reasons.txWrongPreimage(txId));
        assert.deepEqual(await events(dave.chain.commit(txId, s)), [['TxCommitted', { txId, preimage: s }]]);
        assert.deepEqual(await verifiedState(dave.chain.txState(txId)), {
          state: 'committed',
          deadline,
          preimage: s,
        });
        assert.deepEqual(
          [await f.balance(alice.account), await f.balance(bob.account), await f.balance(carol.account)],
          [500n, 300n, 200n],
        );
        for (const p of [alice, bob, carol]) assert.equal(await f.lockedBy(p.account), null, p.name);
        // Unlocked: the sender and the recipients transfer again.
        await f.transfer(alice, bob.account, 10n);
        await f.transfer(bob, carol.account, 10n);
        assert.equal(await f.balance(carol.account), 210n);
      });

      test('a locked account: transfers from or to it, an HTLC from it and prepares touching it are refused until commit or abort; HTLCs to it are not', async () => {
        const alice = await party('alice', 1000n);
        const bob = await party('bob', 1000n);
        const carol = await party('carol', 1000n);
        const dave = await party('dave', 1000n);
        const { s, h } = secret();
        const txId = random32();
        await alice.chain.prepare(txId, h, far(), steps(alice, [bob.account, 100n]));

        await refused(f.transfer(alice, carol.account, 1n), reasons.locked(alice.account));
        await refused(f.transfer(bob, carol.account, 1n), reasons.locked(bob.account));
        await refused(f.transfer(carol, alice.account, 1n), reasons.locked(alice.account));
        await refused(f.transfer(carol, bob.account, 1n), reasons.locked(bob.account));
        await refused(
          alice.chain.htlcLock(random32(), {
            from: alice.account,
            to: carol.account,
            amount: '1',
            hashLock: h,
            timelock: far(),
          }),
          reasons.locked(alice.account),
        );
        // A prepare touching a locked account: as recipient, as its owner, as owner-and-recipient.
        await refused(
          carol.chain.prepare(random32(), h, far(), steps(carol, [dave.account, 1n], [bob.account, 1n])),
          reasons.locked(bob.account),
        );
        await refused(
          alice.chain.prepare(random32(), h, far(), steps(alice, [dave.account, 1n])),
          reasons.locked(alice.account),
        );
        await refused(
          bob.chain.prepare(random32(), h, far(), steps(bob, [dave.account, 1n])),
          reasons.locked(bob.account),
        );
        await refused(
          carol.chain.prepare(random32(), h, far(), steps(carol, [alice.account, 1n])),
          reasons.locked(alice.account),
        );
        assert.equal(await f.balance(carol.account), 1000n);
        assert.equal(await f.lockedBy(carol.account), null);
        assert.equal(await f.lockedBy(dave.account), null);

        // Accounts outside the transaction are free.
        await f.transfer(carol, dave.account, 1n);
        // An HTLC towards a locked account is locked and claimed into it: settlements never wait for a lock.
        const toLocked = secret();
        const htlcId = random32();
        await dave.chain.htlcLock(htlcId, {
          from: dave.account,
          to: bob.account,
          amount: '3',
          hashLock: toLocked.h,
          timelock: far(),
        });
        await carol.chain.htlcClaim(htlcId, toLocked.s);
        assert.equal(await f.balance(bob.account), 1003n);

        // A second transaction on free accounts locks them for itself.
        const second = random32();
        await carol.chain.prepare(second, secret().h, far(), steps(carol, [dave.account, 5n]));
        assert.equal(await f.lockedBy(carol.account), second);
        assert.equal(await f.lockedBy(dave.account), second);
        await carol.chain.abort(second);

        await carol.chain.commit(txId, s);
        await f.transfer(alice, carol.account, 1n);
        await f.transfer(carol, bob.account, 1n);
        assert.equal(await f.balance(bob.account), 1104n);

        const again = random32();
        await alice.chain.prepare(again, secret().h, far(), steps(alice, [carol.account, 1n]));
        await refused(f.transfer(bob, carol.account, 1n), reasons.locked(carol.account));
        await alice.chain.abort(again);
        await f.transfer(bob, carol.account, 1n);
        await f.transfer(alice, bob.account, 1n);
      });

      test('commit is final: commit and prepare again are no-ops; a wrong preimage and an abort are refused', async () => {
        const alice = await party('alice', 100n);
        const bob = await party('bob');
        const carol = await party('carol');
        const { s, h } = secret();
        const txId = random32();
        const deadline = far();
        await alice.chain.prepare(txId, h, deadline, steps(alice, [bob.account, 40n]));
        await bob.chain.commit(txId, s);

        assert.deepEqual(await events(bob.chain.commit(txId, s)), []);
        assert.deepEqual(await events(carol.chain.commit(txId, s)), []);
        assert.deepEqual(
          await events(alice.chain.prepare(txId, h, deadline, steps(alice, [bob.account, 40n]))),
          [],
        );
        await refused(bob.chain.commit(txId, random32()), reasons.txWrongPreimage(txId));
        await refused(alice.chain.abort(txId), reasons.txCommitted(txId));
        assert.deepEqual(await verifiedState(alice.chain.txState(txId)), {
          state: 'committed',
          deadline,
          preimage: s,
        });
        assert.deepEqual([await f.balance(alice.account), await f.balance(bob.account)], [60n, 40n]);
        assert.equal(await f.lockedBy(alice.account), null);
      });

      test('the same prepare again is a no-op; another under a used id is refused', async () => {
        const alice = await party('alice', 1000n);
        const carol = await party('carol', 1000n);
        const bob = await party('bob');
        const { h } = secret();
        const txId = random32();
        const deadline = far();
        await alice.chain.prepare(txId, h, deadline, steps(alice, [bob.account, 100n]));

        assert.deepEqual(
          await events(alice.chain.prepare(txId, h, deadline, steps(alice, [bob.account, 100n]))),
          [],
        );
        assert.equal(await f.balance(alice.account), 900n);
        const used = reasons.txUsed(txId);
        await refused(alice.chain.prepare(txId, h, deadline, steps(alice, [bob.account, 101n])), used);
        await refused(alice.chain.prepare(txId, h, deadline + 1, steps(alice, [bob.account, 100n])), used);
        await refused(
          alice.chain.prepare(txId, secret().h, deadline, steps(alice, [bob.account, 100n])),
          used,
        );
        await refused(alice.chain.prepare(txId, h, deadline, steps(alice, [carol.account, 100n])), used);
        await refused(
          alice.chain.prepare(txId, h, deadline, steps(alice, [bob.account, 50n], [bob.account, 50n])),
          used,
        );
        await refused(carol.chain.prepare(txId, h, deadline, steps(carol, [bob.account, 100n])), used);
        assert.equal(await f.balance(alice.account), 900n);
        assert.equal(await f.balance(carol.account), 1000n);
        assert.equal(await f.lockedBy(carol.account), null);
        await alice.chain.abort(txId);
      });

      test('the owner aborts before the deadline: refunded and unlocked; others may not; repeats are no-ops; commit and prepare after it are refused', async () => {
        const alice = await party('alice', 100n);
        const bob = await party('bob');
        const mallory = await party('mallory');
        const { s, h } = secret();
        const txId = random32();
        const deadline = far();
        await alice.chain.prepare(txId, h, deadline, steps(alice, [bob.account, 70n]));
        assert.equal(await f.balance(alice.account), 30n);

        await refused(mallory.chain.abort(txId), reasons.notOwner(txId));
        await refused(bob.chain.abort(txId), reasons.notOwner(txId));
        assert.deepEqual(await events(alice.chain.abort(txId)), [['TxAborted', { txId }]]);
        assert.deepEqual([await f.balance(alice.account), await f.balance(bob.account)], [100n, 0n]);
        assert.equal(await f.lockedBy(alice.account), null);
        assert.equal(await f.lockedBy(bob.account), null);
        assert.deepEqual(await verifiedState(alice.chain.txState(txId)), { state: 'aborted', deadline });

        assert.deepEqual(await events(alice.chain.abort(txId)), []);
        assert.deepEqual(await events(mallory.chain.abort(txId)), []);
        await refused(mallory.chain.commit(txId, s), reasons.txAborted(txId));
        await refused(
          alice.chain.prepare(txId, h, deadline, steps(alice, [bob.account, 70n])),
          reasons.txAborted(txId),
        );
        await f.transfer(alice, bob.account, 5n);
        await f.transfer(bob, alice.account, 5n);
        assert.equal(await f.balance(alice.account), 100n);
      });

      test('an abort before any prepare records the id aborted: its prepare is refused and locks nothing', async () => {
        const alice = await party('alice', 100n);
        const router = await party('router');
        const bob = await party('bob');
        const { s, h } = secret();
        const txId = random32();

        assert.deepEqual(await events(router.chain.abort(txId)), [['TxAborted', { txId }]]);
        assert.deepEqual(await verifiedState(router.chain.txState(txId)), { state: 'aborted', deadline: 0 });
        await refused(
          alice.chain.prepare(txId, h, far(), steps(alice, [bob.account, 10n])),
          reasons.txAborted(txId),
        );
        assert.equal(await f.balance(alice.account), 100n);
        assert.equal(await f.lockedBy(alice.account), null);
        assert.equal(await f.lockedBy(bob.account), null);
        await refused(alice.chain.commit(txId, s), reasons.txAborted(txId));
        assert.deepEqual(await events(alice.chain.abort(txId)), []);
        await f.transfer(alice, bob.account, 1n);
        await f.transfer(bob, alice.account, 1n);

        const unknown = random32();
        assert.deepEqual(await verifiedState(alice.chain.txState(unknown)), { state: 'none', deadline: 0 });
        await refused(alice.chain.commit(unknown, s), reasons.txUnknown(unknown));
      });

      test('refused prepares escrow and lock nothing, and leave the id free', async () => {
        const alice = await party('alice', 100n);
        const bob = await party('bob');
        const { h } = secret();
        const txId = random32();
        await refused(
          alice.chain.prepare(txId, h, far(), steps(alice, [bob.account, 60n], [bob.account, 41n])),
          reasons.insufficient(alice.account),
        );
        await refused(
          alice.chain.prepare(txId, h, nowSeconds() - 1, steps(alice, [bob.account, 1n])),
          reasons.deadlineInPast,
        );
        assert.equal(await f.balance(alice.account), 100n);
        assert.equal(await f.lockedBy(alice.account), null);
        assert.equal(await f.lockedBy(bob.account), null);
        assert.equal((await alice.chain.txState(txId)).state, 'none');
        // The id is still free: the whole balance can be prepared under it.
        await alice.chain.prepare(txId, h, far(), steps(alice, [bob.account, 100n]));
        assert.equal(await f.balance(alice.account), 0n);
        await alice.chain.abort(txId);
      });
    });

    describe('HTLC', () => {
      test('lock escrows and locks no account; anyone with the preimage claims for the receiver, revealing it; repeats are no-ops', async () => {
        const alice = await party('alice', 500n);
        const bob = await party('bob');
        const relayer = await party('relayer');
        const { s, h } = secret();
        const id = random32();
        const timelock = far();
        const lock = { from: alice.account, to: bob.account, amount: '200', hashLock: h, timelock };

        assert.deepEqual(await events(alice.chain.htlcLock(id, lock)), [['HtlcLocked', { id, ...lock }]]);
        assert.equal(await f.balance(alice.account), 300n);
        assert.deepEqual(await verifiedState(alice.chain.htlcState(id)), { state: 'locked', ...lock });
        assert.equal(await f.lockedBy(alice.account), null);

        assert.deepEqual(await events(alice.chain.htlcLock(id, lock)), []);
        await refused(alice.chain.htlcLock(id, { ...lock, amount: '201' }), reasons.htlcUsed(id));
        await refused(relayer.chain.htlcLock(id, lock), reasons.htlcUsed(id));
        await refused(relayer.chain.htlcRefund(id), reasons.htlcEarly(id));
        await refused(relayer.chain.htlcClaim(id, random32()), reasons.htlcWrongPreimage(id));

        assert.deepEqual(await events(relayer.chain.htlcClaim(id, s)), [
          ['HtlcClaimed', { id, preimage: s }],
        ]);
        assert.equal(await f.balance(bob.account), 200n);
        assert.deepEqual(await verifiedState(relayer.chain.htlcState(id)), {
          state: 'claimed',
          ...lock,
          preimage: s,
        });

        assert.deepEqual(await events(relayer.chain.htlcClaim(id, s)), []);
        assert.deepEqual(await events(alice.chain.htlcLock(id, lock)), []);
        await refused(relayer.chain.htlcClaim(id, random32()), reasons.htlcWrongPreimage(id));
        await refused(alice.chain.htlcRefund(id), reasons.htlcClaimed(id));
        assert.deepEqual([await f.balance(alice.account), await f.balance(bob.account)], [300n, 200n]);
      });

      test('refused locks escrow nothing; an unknown id is neither claimed nor refunded', async () => {
        const alice = await party('alice', 50n);
        const bob = await party('bob');
        const { s, h } = secret();
        const id = random32();
        const lock = { from: alice.account, to: bob.account, amount: '51', hashLock: h, timelock: far() };
        await refused(alice.chain.htlcLock(id, lock), reasons.insufficient(alice.account));
        await refused(
          alice.chain.htlcLock(id, { ...lock, amount: '1', timelock: nowSeconds() - 1 }),
          reasons.timelockInPast,
        );
        assert.equal((await alice.chain.htlcState(id)).state, 'none');
        await refused(alice.chain.htlcClaim(id, s), reasons.htlcUnknown(id));
        await refused(alice.chain.htlcRefund(id), reasons.htlcUnknown(id));
        assert.equal(await f.balance(alice.account), 50n);
      });

      test('a swap under one hash lock: the initiator claims, the participant claims with the secret it revealed', async () => {
        const initiator = await party('initiator', 1000n);
        const participant = await party('participant', 1000n);
        const { s, h } = secret();
        const onA = random32();
        const onB = random32();
        // The initiator locks for the participant with the long timelock; the participant locks back, shorter.
        await initiator.chain.htlcLock(onA, {
          from: initiator.account,
          to: participant.account,
          amount: '300',
          hashLock: h,
          timelock: nowSeconds() + 7200,
        });
        await participant.chain.htlcLock(onB, {
          from: participant.account,
          to: initiator.account,
          amount: '700',
          hashLock: h,
          timelock: nowSeconds() + 3600,
        });
        const claimed = await events(initiator.chain.htlcClaim(onB, s));
        // The participant learns the secret from its own lock, as the wallet's swap driver does.
        const revealed = (await participant.chain.htlcState(onB)).preimage as Hex;
        assert.equal(revealed, s);
        assert.deepEqual(claimed, [['HtlcClaimed', { id: onB, preimage: revealed }]]);
        // The router saw the secret too and may claim first (routers finish what a revealed secret
        // allows): the participant's claim is then a no-op or, on Fabric, may lose an MVCC
        // conflict, which is no refusal: the wallet's swap driver tries it again.
        await retried(() => participant.chain.htlcClaim(onA, revealed));
        // When the router's claim came first, the participant's is a no-op with no event: on FISCO
        // BCOS the wallet then learns of the claim from the router's hint, once its index has it.
        assert.equal(await htlcStateOnceSettled(participant.chain, onA), 'claimed');
        assert.deepEqual(
          [await f.balance(initiator.account), await f.balance(participant.account)],
          [1400n, 600n],
        );
      });
    });

    // The chain's own cases run on the same chain, while the short deadline approaches.
    if (specific) describe(`${name} only`, () => specific({ setup: () => f, party }));

    describe('past the deadline (set up by the first test)', () => {
      test('the locks lapse by themselves; commit is refused, anyone aborts, and a late abort leaves a newer lock alone', async () => {
        const { deadline, alice, bob, carol, mallory, txId, tx } = late;
        await reach(deadline);
        // Nothing ran on these accounts since: the locks lapsed lazily, the escrow stays until an abort.
        assert.equal(await f.lockedBy(alice.account), null);
        assert.equal(await f.lockedBy(bob.account), null);
        assert.equal((await alice.chain.txState(txId)).state, 'prepared');
        await refused(carol.chain.commit(txId, tx.s), reasons.deadlinePassed(txId));
        await f.transfer(alice, carol.account, 1n);
        await f.transfer(carol, bob.account, 1n);

        // Another transaction takes bob's lapsed lock; the late abort must not release it.
        const next = random32();
        const nextSecret = secret();
        await carol.chain.prepare(next, nextSecret.h, far(), steps(carol, [bob.account, 5n]));
        assert.equal(await f.lockedBy(bob.account), next);
        assert.deepEqual(
          await events(alice.chain.prepare(txId, tx.h, deadline, steps(alice, [bob.account, 100n]))),
          [],
        );
        assert.deepEqual(await events(mallory.chain.abort(txId)), [['TxAborted', { txId }]]);
        assert.equal(await f.balance(alice.account), 999n);
        assert.equal(await f.lockedBy(bob.account), next);
        assert.equal(await f.lockedBy(carol.account), next);
        await refused(f.transfer(bob, carol.account, 1n), reasons.locked(bob.account));
        await refused(carol.chain.commit(txId, tx.s), reasons.txAborted(txId));

        await carol.chain.commit(next, nextSecret.s);
        assert.equal(await f.lockedBy(bob.account), null);
        assert.equal(await f.balance(bob.account), 1006n);
      });

      test('from the timelock on, a claim is refused and anyone refunds; a claim after the refund is refused; repeats are no-ops', async () => {
        const { deadline, bob, carol, mallory, htlcId, htlc } = late;
        await reach(deadline);
        const before = await f.balance(carol.account);
        await refused(bob.chain.htlcClaim(htlcId, htlc.s), reasons.htlcExpired(htlcId));
        assert.deepEqual(await events(mallory.chain.htlcRefund(htlcId)), [['HtlcRefunded', { id: htlcId }]]);
        assert.equal((await mallory.chain.htlcState(htlcId)).state, 'refunded');
        const refunded = before + 60n;
        assert.equal(await f.balance(carol.account), refunded);
        assert.deepEqual(await events(carol.chain.htlcRefund(htlcId)), []);
        await refused(bob.chain.htlcClaim(htlcId, htlc.s), reasons.htlcRefunded(htlcId));

        const relock = carol.chain.htlcLock(htlcId, {
          from: carol.account,
          to: bob.account,
          amount: '60',
          hashLock: htlc.h,
          timelock: deadline,
        });
        const relockRefusal = reasons.relockRefunded(htlcId);
        if (relockRefusal === null) assert.deepEqual(await events(relock), []);
        else await refused(relock, relockRefusal);
        assert.equal((await mallory.chain.htlcState(htlcId)).state, 'refunded');
        assert.equal(await f.balance(carol.account), refunded);
      });
    });
  });
}
