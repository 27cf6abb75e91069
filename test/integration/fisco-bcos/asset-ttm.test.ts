/**
 * Trusted transactions on the FISCO BCOS Asset contract (docs/ttm.md), on a devnode: hash-locked
 * two-phase commit with account locks and escrow, HTLCs, idempotent repeats, every refusal with
 * its reason, lazy lock expiry at the deadline (real waits: the devnode's clock is the wall
 * clock), and millisecond block time in a bare EVM. After every test, all balances plus the
 * escrow equal the supply, and the escrow equals what the open transactions and HTLCs hold.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common';
import { createEVM } from '@ethereumjs/evm';
import { createAddressFromString, hexToBytes } from '@ethereumjs/util';
import { hexlify, randomBytes, sha256 } from 'ethers';
import type { Hex } from '../../../p2p/chains/connector.ts';
import {
  type DecodedEvent,
  decodeEvent,
  decodeResult,
  decodeRevertReason,
  encodeCall,
  encodeDeploy,
} from '../../../p2p/chains/fisco-bcos/abi.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { assetArtifact, type Harness, startHarness } from './helpers.ts';

const abi = assetArtifact.abi as never;
const SUPPLY = 1_000_000n;
const ZERO32 = `0x${'00'.repeat(32)}`;
const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;
const LOCKED = 'Asset: account locked by a cross-chain transaction';
const txStates = { none: 0n, prepared: 1n, committed: 2n, aborted: 3n } as const;
const htlcStates = { none: 0n, locked: 1n, claimed: 2n, refunded: 3n } as const;

const nowSeconds = () => Math.floor(Date.now() / 1000);
const far = () => BigInt(nowSeconds() + 3600);
const id = () => hexlify(randomBytes(32)) as Hex;
/** A secret and its hash lock, as the wallet draws them. */
function secret(): { s: Hex; h: Hex } {
  const s = id();
  return { s, h: sha256(s) as Hex };
}

/** Waits until the devnode's clock (the wall clock) reaches `deadline`, in seconds. */
async function passDeadline(deadline: bigint): Promise<void> {
  const wait = Number(deadline) * 1000 - Date.now() + 20;
  if (wait > 0) await sleep(wait);
}

interface TxState {
  owner: string;
  hashLock: string;
  deadline: bigint;
  state: bigint;
  preimage: string;
}

interface HtlcState {
  sender: string;
  receiver: string;
  amount: bigint;
  hashLock: string;
  timelock: bigint;
  state: bigint;
  preimage: string;
}

let h: Harness;

/** One deployed Asset, with what the test knows of it to check conservation. */
class Token {
  readonly address: string;
  /** Every account that ever held some. */
  readonly holders = new Set<string>();
  /** Escrow each transaction took at prepare (the contract's txState does not repeat it). */
  readonly prepared = new Map<string, bigint>();
  readonly htlcs = new Set<string>();

  constructor(address: string, issuer: string) {
    this.address = address;
    this.holders.add(issuer);
  }

  /** Sends from `by` and returns the decoded events; the transaction must succeed. */
  async send(by: EcdsaSigner, method: string, args: unknown[]): Promise<DecodedEvent[]> {
    const receipt = await h.send(await h.sign({ to: this.address, data: encodeCall(abi, method, args) }, by));
    assert.equal(receipt.status, '0x0', `${method} failed: ${decodeRevertReason(receipt.output)}`);
    // Whoever may receive: address arguments (transfer, HTLC receiver) and prepare's recipients.
    for (const a of args) if (typeof a === 'string' && a.length === 42) this.holders.add(a);
    if (Array.isArray(args[3])) for (const a of args[3] as string[]) this.holders.add(a);
    return receipt.logs.map((log) => decodeEvent(abi, log as never) as DecodedEvent);
  }

  /** Sends from `by`, expects the revert `reason`, and that nothing was logged. */
  async refuse(by: EcdsaSigner, method: string, args: unknown[], reason: string): Promise<void> {
    const receipt = await h.send(await h.sign({ to: this.address, data: encodeCall(abi, method, args) }, by));
    assert.equal(receipt.status, '0x16', `${method} should have been refused with "${reason}"`);
    assert.equal(decodeRevertReason(receipt.output), reason);
    assert.equal(receipt.logs.length, 0);
  }

  async view(method: string, args: unknown[]): Promise<unknown[]> {
    const output = await h.client.callChecked({ to: this.address, data: encodeCall(abi, method, args) });
    return decodeResult(abi, method, output);
  }

  async balance(who: string): Promise<bigint> {
    return (await this.view('balanceOf', [who]))[0] as bigint;
  }

  async lockedBy(who: string): Promise<string> {
    return (await this.view('lockedBy', [who]))[0] as string;
  }

  async tx(txId: string): Promise<TxState> {
    const [owner, hashLock, deadline, state, preimage] = await this.view('txState', [txId]);
    return { owner, hashLock, deadline, state, preimage } as TxState;
  }

  async htlc(htlcId: string): Promise<HtlcState> {
    const [sender, receiver, amount, hashLock, timelock, state, preimage] = await this.view('htlcState', [
      htlcId,
    ]);
    return { sender, receiver, amount, hashLock, timelock, state, preimage } as HtlcState;
  }

  async prepare(
    owner: EcdsaSigner,
    txId: string,
    hashLock: string,
    deadline: bigint,
    steps: [string, bigint][],
  ): Promise<DecodedEvent[]> {
    const to = steps.map(([a]) => a);
    const amounts = steps.map(([, v]) => v);
    const events = await this.send(owner, 'prepare', [txId, hashLock, deadline, to, amounts]);
    if (!this.prepared.has(txId))
      this.prepared.set(
        txId,
        amounts.reduce((x, y) => x + y, 0n),
      );
    return events;
  }

  async htlcLock(
    sender: EcdsaSigner,
    htlcId: string,
    receiver: string,
    amount: bigint,
    hashLock: string,
    timelock: bigint,
  ): Promise<DecodedEvent[]> {
    const events = await this.send(sender, 'htlcLock', [htlcId, receiver, amount, hashLock, timelock]);
    this.htlcs.add(htlcId);
    return events;
  }

  /** Gives a fresh account `amount` from the issuer. */
  async fund(amount: bigint): Promise<EcdsaSigner> {
    const account = EcdsaSigner.random();
    await this.send(h.signer, 'transfer', [account.address, amount]);
    return account;
  }

  /** sum(balances) + escrow == totalSupply, and the escrow is exactly what open transactions and HTLCs hold. */
  async assertConserved(): Promise<void> {
    let held = 0n;
    for (const who of this.holders) held += await this.balance(who);
    const escrow = await this.balance(this.address);
    assert.equal(held + escrow, (await this.view('totalSupply', []))[0]);
    let open = 0n;
    for (const [txId, total] of this.prepared) {
      if ((await this.tx(txId)).state === txStates.prepared) open += total;
    }
    for (const htlcId of this.htlcs) {
      const l = await this.htlc(htlcId);
      if (l.state === htlcStates.locked) open += l.amount;
    }
    assert.equal(escrow, open, 'escrow differs from what open transactions and HTLCs hold');
  }
}

let token: Token;
const tokens: Token[] = [];

before(async () => {
  h = await startHarness();
  token = new Token(await h.deploy(assetArtifact, ['Weft Coin', 'WFC', SUPPLY]), h.signer.address);
  tokens.push(token);
});
after(() => h?.node.close());
afterEach(async () => {
  for (const t of tokens) await t.assertConserved();
});

describe('two-phase commit', () => {
  test('prepare escrows and locks; a third party commits with the preimage, paying every recipient and unlocking', async () => {
    const alice = await token.fund(1000n);
    const bob = EcdsaSigner.random().address;
    const carol = EcdsaSigner.random().address;
    const dave = EcdsaSigner.random();
    const { s, h: lock } = secret();
    const txId = id();
    const deadline = far();

    const prepared = await token.prepare(alice, txId, lock, deadline, [
      [bob, 300n],
      [carol, 200n],
    ]);
    assert.deepEqual(prepared, [
      {
        name: 'Transfer',
        signature: 'Transfer(address,address,uint256)',
        args: { from: alice.address, to: token.address, value: 500n },
      },
      {
        name: 'TxPrepared',
        signature: 'TxPrepared(bytes32,address,bytes32,uint64,address[],uint256[])',
        args: {
          txId,
          owner: alice.address,
          hashLock: lock,
          deadline,
          to: [bob, carol],
          amounts: [300n, 200n],
        },
      },
    ]);
    assert.equal(await token.balance(alice.address), 500n);
    assert.equal(await token.balance(token.address), 500n);
    for (const who of [alice.address, bob, carol]) assert.equal(await token.lockedBy(who), txId);
    assert.equal(await token.lockedBy(dave.address), ZERO32);
    assert.deepEqual(await token.tx(txId), {
      owner: alice.address,
      hashLock: lock,
      deadline,
      state: txStates.prepared,
      preimage: ZERO32,
    });

    await token.refuse(dave, 'commit', [txId, id()], 'Asset: wrong preimage');
    const committed = await token.send(dave, 'commit', [txId, s]);
    assert.deepEqual(
      committed.map((e) => [e.name, e.args]),
      [
        ['Transfer', { from: token.address, to: bob, value: 300n }],
        ['Transfer', { from: token.address, to: carol, value: 200n }],
        ['TxCommitted', { txId, preimage: s }],
      ],
    );
    assert.equal(await token.balance(bob), 300n);
    assert.equal(await token.balance(carol), 200n);
    assert.equal(await token.balance(alice.address), 500n);
    assert.equal(await token.balance(token.address), 0n);
    for (const who of [alice.address, bob, carol]) assert.equal(await token.lockedBy(who), ZERO32);
    assert.deepEqual(await token.tx(txId), {
      owner: alice.address,
      hashLock: lock,
      deadline,
      state: txStates.committed,
      preimage: s,
    });
    // Unlocked: the sender and a recipient transfer again.
    await token.send(alice, 'transfer', [bob, 10n]);
  });

  test('commit is final: repeated commit and prepare are no-ops; abort after commit is refused', async () => {
    const alice = await token.fund(100n);
    const bob = EcdsaSigner.random();
    const { s, h: lock } = secret();
    const txId = id();
    const deadline = far();
    await token.prepare(alice, txId, lock, deadline, [[bob.address, 40n]]);
    await token.send(bob, 'commit', [txId, s]);

    assert.deepEqual(await token.send(bob, 'commit', [txId, s]), []);
    assert.deepEqual(await token.prepare(alice, txId, lock, deadline, [[bob.address, 40n]]), []);
    await token.refuse(bob, 'commit', [txId, id()], 'Asset: wrong preimage');
    await token.refuse(alice, 'abort', [txId], 'Asset: transaction committed');
    assert.equal(await token.balance(bob.address), 40n);
    assert.equal(await token.balance(alice.address), 60n);
    assert.equal((await token.tx(txId)).state, txStates.committed);
    assert.equal(await token.lockedBy(alice.address), ZERO32);
  });

  test('the owner aborts before commit: refund and unlock; a stranger may not; repeats are no-ops; commit after abort refused', async () => {
    const alice = await token.fund(100n);
    const bob = EcdsaSigner.random().address;
    const mallory = EcdsaSigner.random();
    const { s, h: lock } = secret();
    const txId = id();
    const deadline = far();
    await token.prepare(alice, txId, lock, deadline, [[bob, 70n]]);

    await token.refuse(mallory, 'abort', [txId], 'Asset: only the owner may abort before the deadline');
    const aborted = await token.send(alice, 'abort', [txId]);
    assert.deepEqual(
      aborted.map((e) => [e.name, e.args]),
      [
        ['Transfer', { from: token.address, to: alice.address, value: 70n }],
        ['TxAborted', { txId }],
      ],
    );
    assert.equal(await token.balance(alice.address), 100n);
    assert.equal(await token.balance(bob), 0n);
    assert.equal(await token.lockedBy(alice.address), ZERO32);
    assert.equal(await token.lockedBy(bob), ZERO32);
    assert.equal((await token.tx(txId)).state, txStates.aborted);

    assert.deepEqual(await token.send(alice, 'abort', [txId]), []);
    assert.deepEqual(await token.send(mallory, 'abort', [txId]), []);
    await token.refuse(mallory, 'commit', [txId, s], 'Asset: transaction aborted');
    await token.refuse(alice, 'prepare', [txId, lock, deadline, [bob], [70n]], 'Asset: transaction aborted');
    assert.equal(await token.balance(alice.address), 100n);
  });

  test('abort of a never-prepared id records it as aborted, so its prepare is refused', async () => {
    const alice = await token.fund(100n);
    const router = EcdsaSigner.random();
    const bob = EcdsaSigner.random().address;
    const { s, h: lock } = secret();
    const txId = id();

    assert.deepEqual(await token.send(router, 'abort', [txId]), [
      { name: 'TxAborted', signature: 'TxAborted(bytes32)', args: { txId } },
    ]);
    assert.deepEqual(await token.tx(txId), {
      owner: router.address,
      hashLock: ZERO32,
      deadline: 0n,
      state: txStates.aborted,
      preimage: ZERO32,
    });
    await token.refuse(alice, 'prepare', [txId, lock, far(), [bob], [10n]], 'Asset: transaction aborted');
    assert.equal(await token.balance(alice.address), 100n);
    assert.equal(await token.lockedBy(alice.address), ZERO32);
    await token.refuse(alice, 'commit', [txId, s], 'Asset: transaction aborted');
    assert.deepEqual(await token.send(alice, 'abort', [txId]), []);
    await token.refuse(alice, 'commit', [id(), s], 'Asset: no such transaction');
  });

  test('the same prepare again is a no-op; a different one under a used id is refused', async () => {
    const alice = await token.fund(1000n);
    const carol = await token.fund(1000n);
    const bob = EcdsaSigner.random().address;
    const { h: lock } = secret();
    const txId = id();
    const deadline = far();
    await token.prepare(alice, txId, lock, deadline, [[bob, 100n]]);

    assert.deepEqual(await token.prepare(alice, txId, lock, deadline, [[bob, 100n]]), []);
    assert.equal(await token.balance(alice.address), 900n);
    const used = 'Asset: transaction id already used';
    await token.refuse(alice, 'prepare', [txId, lock, deadline, [bob], [101n]], used);
    await token.refuse(alice, 'prepare', [txId, lock, deadline + 1n, [bob], [100n]], used);
    await token.refuse(alice, 'prepare', [txId, secret().h, deadline, [bob], [100n]], used);
    await token.refuse(alice, 'prepare', [txId, lock, deadline, [carol.address], [100n]], used);
    await token.refuse(alice, 'prepare', [txId, lock, deadline, [bob, bob], [50n, 50n]], used);
    await token.refuse(carol, 'prepare', [txId, lock, deadline, [bob], [100n]], used);
    assert.equal(await token.balance(alice.address), 900n);
    assert.equal(await token.balance(carol.address), 1000n);
    assert.equal(await token.lockedBy(carol.address), ZERO32);
    await token.send(alice, 'abort', [txId]);
  });

  test('a second prepare touching a locked account is refused with the lock reason; unrelated accounts are free', async () => {
    const alice = await token.fund(1000n);
    const bob = await token.fund(1000n);
    const carol = await token.fund(1000n);
    const dave = EcdsaSigner.random().address;
    const { h: lock } = secret();
    const first = id();
    await token.prepare(alice, first, lock, far(), [[bob.address, 100n]]);

    // Recipient locked, sender locked (as owner and as recipient), recipient locked as owner.
    await token.refuse(carol, 'prepare', [id(), lock, far(), [dave, bob.address], [1n, 1n]], LOCKED);
    await token.refuse(alice, 'prepare', [id(), lock, far(), [dave], [1n]], LOCKED);
    await token.refuse(bob, 'prepare', [id(), lock, far(), [dave], [1n]], LOCKED);
    await token.refuse(carol, 'prepare', [id(), lock, far(), [alice.address], [1n]], LOCKED);
    assert.equal(await token.balance(carol.address), 1000n);
    assert.equal(await token.lockedBy(carol.address), ZERO32);
    assert.equal(await token.lockedBy(dave), ZERO32);

    const second = id();
    await token.prepare(carol, second, lock, far(), [[dave, 5n]]);
    assert.equal(await token.lockedBy(carol.address), second);
    assert.equal(await token.lockedBy(dave), second);
    await token.send(alice, 'abort', [first]);
    await token.send(carol, 'abort', [second]);
  });

  test('transfer from or to a locked account, and an HTLC from one, are refused until commit or abort', async () => {
    const alice = await token.fund(1000n);
    const bob = await token.fund(1000n);
    const carol = await token.fund(1000n);
    const { s, h: lock } = secret();
    const txId = id();
    await token.prepare(alice, txId, lock, far(), [[bob.address, 100n]]);

    await token.refuse(alice, 'transfer', [carol.address, 1n], LOCKED);
    await token.refuse(bob, 'transfer', [carol.address, 1n], LOCKED);
    await token.refuse(carol, 'transfer', [alice.address, 1n], LOCKED);
    await token.refuse(carol, 'transfer', [bob.address, 1n], LOCKED);
    await token.refuse(alice, 'htlcLock', [id(), carol.address, 1n, lock, far()], LOCKED);
    // Accounts outside the transaction are free.
    await token.send(carol, 'transfer', [EcdsaSigner.random().address, 1n]);

    await token.send(carol, 'commit', [txId, s]);
    await token.send(alice, 'transfer', [carol.address, 1n]);
    await token.send(carol, 'transfer', [bob.address, 1n]);
    assert.equal(await token.balance(bob.address), 1101n);

    const again = id();
    await token.prepare(alice, again, lock, far(), [[carol.address, 1n]]);
    await token.refuse(bob, 'transfer', [carol.address, 1n], LOCKED);
    await token.send(alice, 'abort', [again]);
    await token.send(bob, 'transfer', [carol.address, 1n]);
    await token.send(alice, 'transfer', [bob.address, 1n]);
  });

  test('prepare beyond the balance is refused and escrows nothing', async () => {
    const alice = await token.fund(100n);
    const bob = EcdsaSigner.random().address;
    const { h: lock } = secret();
    const txId = id();
    await token.refuse(
      alice,
      'prepare',
      [txId, lock, far(), [bob, bob], [60n, 41n]],
      'Asset: insufficient balance',
    );
    assert.equal(await token.balance(alice.address), 100n);
    assert.equal(await token.lockedBy(alice.address), ZERO32);
    assert.equal(await token.lockedBy(bob), ZERO32);
    assert.equal((await token.tx(txId)).state, txStates.none);
    // The id is still free: the whole balance can be prepared under it.
    await token.prepare(alice, txId, lock, far(), [[bob, 100n]]);
    assert.equal(await token.balance(alice.address), 0n);
    await token.send(alice, 'abort', [txId]);
  });

  test('malformed prepares and transfers are refused with their reasons', async () => {
    const alice = await token.fund(100n);
    const bob = EcdsaSigner.random().address;
    const { h: lock } = secret();
    await token.refuse(alice, 'prepare', [ZERO32, lock, far(), [bob], [1n]], 'Asset: zero id');
    await token.refuse(alice, 'prepare', [id(), lock, far(), [], []], 'Asset: no recipients');
    await token.refuse(
      alice,
      'prepare',
      [id(), lock, far(), [bob], [1n, 2n]],
      'Asset: recipients and amounts differ in length',
    );
    await token.refuse(
      alice,
      'prepare',
      [id(), lock, BigInt(nowSeconds() - 1), [bob], [1n]],
      'Asset: deadline passed',
    );
    await token.refuse(
      alice,
      'prepare',
      [id(), lock, far(), [bob, ZERO_ADDRESS], [1n, 1n]],
      'Asset: transfer to the zero address',
    );
    await token.refuse(
      alice,
      'prepare',
      [id(), lock, far(), [token.address], [1n]],
      'Asset: transfer to the asset contract',
    );
    await token.refuse(alice, 'transfer', [token.address, 1n], 'Asset: transfer to the asset contract');
    await token.refuse(alice, 'abort', [ZERO32], 'Asset: zero id');
    assert.equal(await token.balance(alice.address), 100n);
  });

  test('at the deadline locks lapse by themselves: commit is refused, anyone may abort, accounts are free', async () => {
    const alice = await token.fund(1000n);
    const bob = await token.fund(1000n);
    const carol = await token.fund(1000n);
    const mallory = EcdsaSigner.random();
    const { s, h: lock } = secret();
    const txId = id();
    const deadline = BigInt(nowSeconds() + 3);
    await token.prepare(alice, txId, lock, deadline, [[bob.address, 100n]]);
    await token.refuse(mallory, 'abort', [txId], 'Asset: only the owner may abort before the deadline');
    await token.refuse(alice, 'transfer', [carol.address, 1n], LOCKED);
    await token.refuse(carol, 'transfer', [bob.address, 1n], LOCKED);
    await token.refuse(carol, 'prepare', [id(), lock, far(), [bob.address], [1n]], LOCKED);
    assert.ok(nowSeconds() < deadline, 'the steps before the deadline took too long');

    await passDeadline(deadline);
    // No transaction ran since: the locks lapsed lazily, the escrow stays until an abort.
    assert.equal(await token.lockedBy(alice.address), ZERO32);
    assert.equal(await token.lockedBy(bob.address), ZERO32);
    assert.equal((await token.tx(txId)).state, txStates.prepared);
    await token.refuse(carol, 'commit', [txId, s], 'Asset: deadline passed');
    await token.send(alice, 'transfer', [carol.address, 1n]);
    await token.send(carol, 'transfer', [bob.address, 1n]);
    // Another transaction takes bob's lapsed lock; the late abort must not release it.
    const next = id();
    await token.prepare(carol, next, lock, far(), [[bob.address, 5n]]);
    assert.equal(await token.lockedBy(bob.address), next);
    // A repeated prepare is still a no-op; the abort comes from a stranger.
    assert.deepEqual(await token.prepare(alice, txId, lock, deadline, [[bob.address, 100n]]), []);
    const aborted = await token.send(mallory, 'abort', [txId]);
    assert.deepEqual(
      aborted.map((e) => e.name),
      ['Transfer', 'TxAborted'],
    );
    assert.equal(await token.balance(alice.address), 999n);
    assert.equal(await token.lockedBy(bob.address), next);
    assert.equal(await token.lockedBy(carol.address), next);
    await token.refuse(bob, 'transfer', [carol.address, 1n], LOCKED);
    await token.send(carol, 'commit', [next, s]);
    assert.equal(await token.lockedBy(bob.address), ZERO32);
    assert.equal(await token.balance(bob.address), 1006n);
  });
});

describe('HTLC', () => {
  test('lock escrows; anyone with the preimage claims for the receiver, revealing it; repeats are no-ops', async () => {
    const alice = await token.fund(500n);
    const bob = EcdsaSigner.random().address;
    const relayer = EcdsaSigner.random();
    const { s, h: lock } = secret();
    const htlcId = id();
    const timelock = far();

    const locked = await token.htlcLock(alice, htlcId, bob, 200n, lock, timelock);
    assert.deepEqual(
      locked.map((e) => [e.name, e.args]),
      [
        ['Transfer', { from: alice.address, to: token.address, value: 200n }],
        [
          'HtlcLocked',
          { id: htlcId, sender: alice.address, receiver: bob, amount: 200n, hashLock: lock, timelock },
        ],
      ],
    );
    assert.equal(await token.balance(alice.address), 300n);
    assert.deepEqual(await token.htlc(htlcId), {
      sender: alice.address,
      receiver: bob,
      amount: 200n,
      hashLock: lock,
      timelock,
      state: htlcStates.locked,
      preimage: ZERO32,
    });
    // An HTLC locks no account.
    assert.equal(await token.lockedBy(alice.address), ZERO32);

    assert.deepEqual(await token.htlcLock(alice, htlcId, bob, 200n, lock, timelock), []);
    const used = 'Asset: HTLC id already used';
    await token.refuse(alice, 'htlcLock', [htlcId, bob, 201n, lock, timelock], used);
    await token.refuse(relayer, 'htlcLock', [htlcId, bob, 200n, lock, timelock], used);
    await token.refuse(relayer, 'htlcRefund', [htlcId], 'Asset: timelock not reached');
    await token.refuse(relayer, 'htlcClaim', [htlcId, id()], 'Asset: wrong preimage');

    const claimed = await token.send(relayer, 'htlcClaim', [htlcId, s]);
    assert.deepEqual(
      claimed.map((e) => [e.name, e.args]),
      [
        ['Transfer', { from: token.address, to: bob, value: 200n }],
        ['HtlcClaimed', { id: htlcId, preimage: s }],
      ],
    );
    assert.equal(await token.balance(bob), 200n);
    const state = await token.htlc(htlcId);
    assert.equal(state.state, htlcStates.claimed);
    assert.equal(state.preimage, s);

    assert.deepEqual(await token.send(relayer, 'htlcClaim', [htlcId, s]), []);
    assert.deepEqual(await token.htlcLock(alice, htlcId, bob, 200n, lock, timelock), []);
    await token.refuse(relayer, 'htlcClaim', [htlcId, id()], 'Asset: wrong preimage');
    await token.refuse(alice, 'htlcRefund', [htlcId], 'Asset: HTLC claimed');
    assert.equal(await token.balance(bob), 200n);
    assert.equal(await token.balance(alice.address), 300n);
  });

  test('malformed or unfunded locks are refused and escrow nothing', async () => {
    const alice = await token.fund(50n);
    const bob = EcdsaSigner.random().address;
    const { s, h: lock } = secret();
    await token.refuse(alice, 'htlcLock', [ZERO32, bob, 1n, lock, far()], 'Asset: zero id');
    await token.refuse(
      alice,
      'htlcLock',
      [id(), ZERO_ADDRESS, 1n, lock, far()],
      'Asset: transfer to the zero address',
    );
    await token.refuse(
      alice,
      'htlcLock',
      [id(), token.address, 1n, lock, far()],
      'Asset: transfer to the asset contract',
    );
    await token.refuse(
      alice,
      'htlcLock',
      [id(), bob, 1n, lock, BigInt(nowSeconds() - 1)],
      'Asset: timelock passed',
    );
    const htlcId = id();
    await token.refuse(alice, 'htlcLock', [htlcId, bob, 51n, lock, far()], 'Asset: insufficient balance');
    assert.equal((await token.htlc(htlcId)).state, htlcStates.none);
    await token.refuse(alice, 'htlcClaim', [htlcId, s], 'Asset: no such HTLC');
    await token.refuse(alice, 'htlcRefund', [htlcId], 'Asset: no such HTLC');
    assert.equal(await token.balance(alice.address), 50n);
  });

  test('refund only from the timelock on, by anyone; a claim after it is refused; repeats are no-ops', async () => {
    const alice = await token.fund(500n);
    const bob = EcdsaSigner.random().address;
    const anyone = EcdsaSigner.random();
    const { s, h: lock } = secret();
    const htlcId = id();
    const timelock = BigInt(nowSeconds() + 3);
    await token.htlcLock(alice, htlcId, bob, 120n, lock, timelock);
    await token.refuse(anyone, 'htlcRefund', [htlcId], 'Asset: timelock not reached');
    assert.ok(nowSeconds() < timelock, 'the steps before the timelock took too long');

    await passDeadline(timelock);
    await token.refuse(anyone, 'htlcClaim', [htlcId, s], 'Asset: timelock passed');
    const refunded = await token.send(anyone, 'htlcRefund', [htlcId]);
    assert.deepEqual(
      refunded.map((e) => [e.name, e.args]),
      [
        ['Transfer', { from: token.address, to: alice.address, value: 120n }],
        ['HtlcRefunded', { id: htlcId }],
      ],
    );
    assert.equal(await token.balance(alice.address), 500n);
    assert.equal(await token.balance(bob), 0n);
    assert.equal((await token.htlc(htlcId)).state, htlcStates.refunded);
    assert.deepEqual(await token.send(alice, 'htlcRefund', [htlcId]), []);
    assert.deepEqual(await token.htlcLock(alice, htlcId, bob, 120n, lock, timelock), []);
    await token.refuse(anyone, 'htlcClaim', [htlcId, s], 'Asset: HTLC refunded');
    assert.equal(await token.balance(alice.address), 500n);
  });

  test('a swap across two assets under one hash lock: the initiator claims, the participant reuses the revealed secret', async () => {
    const other = new Token(await h.deploy(assetArtifact, ['Other Coin', 'OTC', SUPPLY]), h.signer.address);
    tokens.push(other);
    const initiator = await token.fund(1000n);
    const participant = await other.fund(1000n);
    // They swap 300 of `token` for 700 of `other`.
    const { s, h: lock } = secret();
    const onA = id();
    const onB = id();
    await token.htlcLock(initiator, onA, participant.address, 300n, lock, BigInt(nowSeconds() + 7200));
    await other.htlcLock(participant, onB, initiator.address, 700n, lock, BigInt(nowSeconds() + 3600));
    const claimed = await other.send(initiator, 'htlcClaim', [onB, s]);
    const revealed = claimed.find((e) => e.name === 'HtlcClaimed')?.args.preimage;
    assert.equal(revealed, s);
    await token.send(participant, 'htlcClaim', [onA, revealed]);
    assert.equal(await token.balance(participant.address), 300n);
    assert.equal(await token.balance(initiator.address), 700n);
    assert.equal(await other.balance(initiator.address), 700n);
    assert.equal(await other.balance(participant.address), 300n);
  });
});

describe('block time in milliseconds (a real FISCO BCOS 2.x node)', () => {
  test('deadlines are seconds against a millisecond block.timestamp, and a lock lapses exactly at the deadline', async () => {
    // A bare EVM whose block.timestamp is what we say: milliseconds as a real node gives, or seconds.
    const common = createCustomCommon({ chainId: 1 }, Mainnet, { hardfork: Hardfork.London });
    const evm = await createEVM({ common });
    const mallory = EcdsaSigner.random().address;
    const bob = EcdsaSigner.random().address;
    const run = async (from: string, data: Hex, timestamp: bigint, to?: string) => {
      const caller = createAddressFromString(from);
      const result = await evm.runCall({
        caller,
        origin: caller,
        ...(to ? { to: createAddressFromString(to) } : {}),
        data: hexToBytes(data),
        gasLimit: 1_000_000_000n,
        skipBalance: true,
        block: {
          header: {
            number: 1n,
            coinbase: createAddressFromString(ZERO_ADDRESS),
            timestamp,
            difficulty: 0n,
            prevRandao: new Uint8Array(32),
            gasLimit: 1_000_000_000n,
            baseFeePerGas: 0n,
            getBlobGasPrice: () => undefined,
          },
        },
      });
      return result;
    };
    const deadline = BigInt(nowSeconds() + 60);
    for (const [unit, scale] of [
      ['milliseconds', 1000n],
      ['seconds', 1n],
    ] as const) {
      // A fresh deployer each time: runCall does not bump the creator's nonce.
      const alice = EcdsaSigner.random().address;
      const start = BigInt(nowSeconds()) * scale;
      const deployed = await run(alice, encodeDeploy(abi, assetArtifact.bytecode, ['T', 'T', 1000n]), start);
      const address = deployed.createdAddress?.toString() as string;
      assert.ok(address, unit);
      const call = async (from: string, method: string, args: unknown[], at: bigint) => {
        const result = await run(from, encodeCall(abi, method, args), at, address);
        const output = hexlify(result.execResult.returnValue);
        if (result.execResult.exceptionError) return decodeRevertReason(output);
        return decodeResult(abi, method, output);
      };
      const { s, h: lock } = secret();
      const txId = id();
      assert.deepEqual(await call(alice, 'prepare', [txId, lock, deadline, [bob], [10n]], start), [], unit);
      const justBefore = deadline * scale - 1n;
      const atDeadline = deadline * scale;
      assert.deepEqual(await call(alice, 'lockedBy', [bob], justBefore), [txId], unit);
      assert.deepEqual(await call(alice, 'lockedBy', [bob], atDeadline), [ZERO32], unit);
      assert.equal(
        await call(mallory, 'abort', [txId], justBefore),
        'Asset: only the owner may abort before the deadline',
        unit,
      );
      assert.equal(await call(mallory, 'commit', [txId, s], atDeadline), 'Asset: deadline passed', unit);
      assert.deepEqual(await call(mallory, 'abort', [txId], atDeadline), [], unit);
      assert.deepEqual(await call(alice, 'balanceOf', [alice], atDeadline), [1000n], unit);

      const htlcId = id();
      assert.deepEqual(await call(alice, 'htlcLock', [htlcId, bob, 5n, lock, deadline], start), [], unit);
      assert.equal(
        await call(mallory, 'htlcRefund', [htlcId], justBefore),
        'Asset: timelock not reached',
        unit,
      );
      assert.equal(await call(mallory, 'htlcClaim', [htlcId, s], atDeadline), 'Asset: timelock passed', unit);
      assert.deepEqual(await call(mallory, 'htlcClaim', [htlcId, s], justBefore), [], unit);
      assert.deepEqual(await call(alice, 'balanceOf', [bob], justBefore), [5n], unit);
    }
  });
});
