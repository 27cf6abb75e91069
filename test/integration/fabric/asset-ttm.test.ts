/**
 * TTM in the asset chaincode (docs/ttm.md) on the devpeer: hash-locked two-phase commit
 * (Prepare / Commit / Abort / TxState) and HTLCs (HtlcLock / HtlcClaim / HtlcRefund /
 * HtlcState), submitted as wallet-signed transactions relayed by the FabricConnector with
 * identities from the devpeer's test CA. Deadlines are a few seconds ahead and the tests wait
 * them out. After each scenario the supply is unchanged and balances plus escrow make it up.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { assetMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import { FabricChaincodeError, FabricCommitError } from '../../../p2p/chains/fabric/errors.ts';
import { type FabricSigningIdentity, signMessage } from '../../../p2p/chains/fabric/identity.ts';
import { fromHex, signPreparedTransaction, toHex } from '../../../p2p/chains/fabric/offline-signing.ts';
import { buildProposal, encodeSignedProposal } from '../../../p2p/chains/fabric/proposal-codec.ts';
import { CHANNEL, decoder, startTestDevpeer, type TestDevpeer } from './fixture.ts';

const PATH = 'trade.fab.asset';
const MINTED = 1000n;
const LOCKED = 'is locked by a cross-chain transaction';

interface Transfer {
  from: string;
  to: string;
  amount: string;
}

interface TxRecord {
  txId: string;
  state: 'none' | 'prepared' | 'committed' | 'aborted';
  owner: string;
  hashLock: string;
  deadline: number;
  transfers: Transfer[];
  preimage: string;
}

interface HtlcRecord {
  id: string;
  state: 'none' | 'locked' | 'claimed' | 'refunded';
  owner: string;
  from: string;
  to: string;
  amount: string;
  hashLock: string;
  timelock: number;
  preimage: string;
}

let devpeer: TestDevpeer;
let connector: FabricConnector;
let alice: FabricSigningIdentity;
let bob: FabricSigningIdentity;
let carol: FabricSigningIdentity;
/** Every account opened, and every transaction and HTLC id used: what conservation sums over. */
const accounts = ['a1', 'a2', 'b1', 'c1', 'd1'];
const txIds: string[] = [];
const htlcIds: string[] = [];

const nowSeconds = () => Math.floor(Date.now() / 1000);
const random32 = () => toHex(randomBytes(32));
const sha256 = (hex: string) => toHex(createHash('sha256').update(fromHex(hex)).digest());
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Waits until the chaincode's time (whole seconds of the proposal timestamp) reaches `seconds`. */
async function reach(seconds: number): Promise<void> {
  await sleep(Math.max(0, seconds * 1000 - Date.now() + 50));
}

function newTxId(): string {
  const id = random32();
  txIds.push(id);
  return id;
}

function newHtlcId(): string {
  const id = random32();
  htlcIds.push(id);
  return id;
}

function sign(identity: FabricSigningIdentity, fn: string, args: string[], timestamp?: number) {
  const { proposalBytes, txId } = buildProposal({
    channel: CHANNEL,
    chaincode: 'asset',
    fn,
    args,
    creator: { mspId: identity.mspId, certificate: identity.certificate },
    nonce: randomBytes(24),
    ...(timestamp !== undefined ? { timestamp } : {}),
  });
  return { signed: toHex(encodeSignedProposal(proposalBytes, signMessage(identity, proposalBytes))), txId };
}

/** The wallet's write up to the endorsement; the returned function submits it. */
async function endorse(identity: FabricSigningIdentity, fn: string, args: string[], timestamp?: number) {
  const proposal = sign(identity, fn, args, timestamp);
  const prepared = await connector.prepare({ resource: PATH, signed: proposal.signed });
  const { signed } = signPreparedTransaction(identity, prepared.unsigned, {
    txId: proposal.txId,
    fn,
    chaincode: 'asset',
  });
  return async () => {
    const receipt = await connector.submit({ resource: PATH, signed });
    assert.equal(receipt.status, 'success');
    const output = decoder.decode(fromHex(receipt.output ?? '0x'));
    return { output, events: receipt.events.map((e) => [e.name, e.args]) };
  };
}

async function submit(identity: FabricSigningIdentity, fn: string, args: string[], timestamp?: number) {
  return (await endorse(identity, fn, args, timestamp))();
}

async function read(fn: string, args: string[]): Promise<unknown> {
  return (await connector.call({ resource: PATH, method: fn, args })).values[0];
}

/** The Fabric id the chaincode sees for `identity` (what it records as a transaction's owner). */
async function clientId(identity: FabricSigningIdentity): Promise<string> {
  const signed = sign(identity, 'ClientID', []).signed;
  return String((await connector.call({ resource: PATH, method: 'ClientID', args: [], signed })).values[0]);
}

const balance = async (account: string) => BigInt(String(await read('BalanceOf', [account])));
const txState = async (txId: string) => (await read('TxState', [txId])) as TxRecord;
const htlcState = async (id: string) => (await read('HtlcState', [id])) as HtlcRecord;

async function balances(): Promise<Record<string, bigint>> {
  return Object.fromEntries(await Promise.all(accounts.map(async (a) => [a, await balance(a)] as const)));
}

async function refused(action: Promise<unknown>, reason: string): Promise<void> {
  const error = await action.then(
    () => assert.fail(`expected "${reason}"`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof FabricChaincodeError, `expected a FabricChaincodeError, got ${String(error)}`);
  assert.equal(error.chaincodeMessage, reason);
}

const prepareArgs = (txId: string, hashLock: string, deadline: number, transfers: Transfer[]) => [
  txId,
  hashLock,
  String(deadline),
  JSON.stringify(transfers),
];

/** The supply never changes, and the balances plus what is in escrow make it up. */
async function assertConserved(): Promise<void> {
  const supply = BigInt(String(await read('TotalSupply', [])));
  assert.equal(supply, MINTED * BigInt(accounts.length));
  let total = 0n;
  for (const amount of Object.values(await balances())) total += amount;
  for (const txId of txIds) {
    const tx = await txState(txId);
    if (tx.state === 'prepared') for (const step of tx.transfers) total += BigInt(step.amount);
  }
  for (const id of htlcIds) {
    const htlc = await htlcState(id);
    if (htlc.state === 'locked') total += BigInt(htlc.amount);
  }
  assert.equal(total, supply, 'balances + escrow == supply');
}

/** What `balances()` should be: `before` plus the changes. */
function changed(before: Record<string, bigint>, delta: Record<string, bigint>): Record<string, bigint> {
  return Object.fromEntries(Object.entries(before).map(([a, v]) => [a, v + (delta[a] ?? 0n)]));
}

before(async () => {
  devpeer = await startTestDevpeer();
  alice = devpeer.peer.identities.user1 as FabricSigningIdentity;
  bob = await devpeer.peer.issue('bob');
  carol = await devpeer.peer.issue('carol');
  connector = new FabricConnector({
    endpoint: devpeer.peer.address,
    channel: CHANNEL,
    zone: 'trade',
    chainName: 'fab',
    routerIdentity: devpeer.peer.identities.router1 as FabricSigningIdentity,
    resources: [{ name: 'asset', chaincode: 'asset', methods: assetMethods }],
  });
  await submit(alice, 'Initialize', []);
  await submit(alice, 'OpenAccount', ['a1']);
  await submit(alice, 'OpenAccount', ['a2']);
  await submit(bob, 'OpenAccount', ['b1']);
  await submit(carol, 'OpenAccount', ['c1']);
  await submit(carol, 'OpenAccount', ['d1']);
  for (const account of accounts) await submit(alice, 'Mint', [account, String(MINTED)]);
});

afterEach(assertConserved);

after(async () => {
  await connector.close();
  await devpeer.close();
});

describe('asset chaincode: prepare and commit', () => {
  test('prepare escrows and locks, anyone commits with the preimage, repeats change nothing', async () => {
    const start = await balances();
    const txId = newTxId();
    const preimage = random32();
    const hashLock = sha256(preimage);
    const deadline = nowSeconds() + 30;
    const transfers = [
      { from: 'a1', to: 'b1', amount: '100' },
      { from: 'a1', to: 'c1', amount: '50' },
      { from: 'a2', to: 'b1', amount: '30' },
    ];
    const prepared = await submit(alice, 'Prepare', prepareArgs(txId, hashLock, deadline, transfers));
    const aliceId = await clientId(alice);
    const record: TxRecord = {
      txId,
      state: 'prepared',
      owner: aliceId,
      hashLock,
      deadline,
      transfers,
      preimage: '',
    };
    assert.deepEqual(JSON.parse(prepared.output), record);
    assert.deepEqual(prepared.events, [
      ['TxPrepared', { txId, owner: aliceId, hashLock, deadline, transfers }],
    ]);
    assert.deepEqual(await txState(txId), record);
    assert.deepEqual(await balances(), changed(start, { a1: -150n, a2: -30n }));
    await assertConserved();

    // Every account the transaction touches is locked against others, senders and receivers
    // alike (d1 is the one account it leaves alone).
    await refused(submit(bob, 'Transfer', ['b1', 'd1', '1']), `account b1 ${LOCKED}`);
    await refused(submit(alice, 'Transfer', ['a1', 'a2', '1']), `account a1 ${LOCKED}`);
    await refused(submit(carol, 'Transfer', ['d1', 'b1', '1']), `account b1 ${LOCKED}`);
    await refused(submit(carol, 'Transfer', ['d1', 'c1', '1']), `account c1 ${LOCKED}`);
    await refused(submit(alice, 'Mint', ['c1', '1']), `account c1 ${LOCKED}`);
    await refused(
      submit(alice, 'HtlcLock', [newHtlcId(), 'a2', 'd1', '1', sha256(random32()), String(deadline)]),
      `account a2 ${LOCKED}`,
    );
    await refused(
      submit(
        carol,
        'Prepare',
        prepareArgs(newTxId(), hashLock, deadline, [{ from: 'c1', to: 'd1', amount: '1' }]),
      ),
      `account c1 ${LOCKED}`,
    );
    await refused(
      submit(
        carol,
        'Prepare',
        prepareArgs(newTxId(), hashLock, deadline, [{ from: 'd1', to: 'b1', amount: '1' }]),
      ),
      `account b1 ${LOCKED}`,
    );

    for (const account of ['a1', 'a2', 'b1', 'c1']) assert.equal(await read('LockedBy', [account]), txId);
    assert.equal(await read('LockedBy', ['d1']), '');

    // An HTLC towards a locked account may be locked (only its sender's balance changes now),
    // and claimed into it: settlements are never held up by a lock.
    const toLocked = newHtlcId();
    const htlcSecret = random32();
    await submit(carol, 'HtlcLock', [toLocked, 'd1', 'a1', '3', sha256(htlcSecret), String(deadline)]);
    await submit(bob, 'HtlcClaim', [toLocked, htlcSecret]);
    const withClaim = changed(start, { a1: -147n, a2: -30n, d1: -3n });
    assert.deepEqual(await balances(), withClaim);

    // The same prepare again succeeds and changes nothing; another under the same id is refused.
    const again = await submit(alice, 'Prepare', prepareArgs(txId, hashLock, deadline, transfers));
    assert.deepEqual(JSON.parse(again.output), record);
    assert.deepEqual(again.events, []);
    for (const args of [
      prepareArgs(txId, hashLock, deadline + 1, transfers),
      prepareArgs(txId, sha256(random32()), deadline, transfers),
      prepareArgs(txId, hashLock, deadline, transfers.slice(1)),
    ]) {
      await refused(submit(alice, 'Prepare', args), `transaction ${txId} was prepared with other parameters`);
    }
    await refused(
      submit(bob, 'Prepare', prepareArgs(txId, hashLock, deadline, [{ from: 'b1', to: 'a1', amount: '1' }])),
      `transaction ${txId} was prepared with other parameters`,
    );
    await refused(
      submit(carol, 'Commit', [txId, random32()]),
      `preimage does not match the hash lock of transaction ${txId}`,
    );

    // Bob, not the owner, commits with the preimage.
    const committed = await submit(bob, 'Commit', [txId, preimage]);
    assert.deepEqual(committed.events, [['TxCommitted', { txId, preimage }]]);
    assert.deepEqual(JSON.parse(committed.output), { ...record, state: 'committed', preimage });
    assert.deepEqual(await txState(txId), { ...record, state: 'committed', preimage });
    const paid = changed(withClaim, { b1: 130n, c1: 50n });
    for (const account of accounts) assert.equal(await read('LockedBy', [account]), '');
    assert.deepEqual(await balances(), paid);
    await assertConserved();

    // Repeats succeed without change; contradictions are refused.
    const repeat = await submit(carol, 'Commit', [txId, preimage]);
    assert.deepEqual(repeat.events, []);
    assert.equal(JSON.parse(repeat.output).state, 'committed');
    assert.equal(
      JSON.parse((await submit(alice, 'Prepare', prepareArgs(txId, hashLock, deadline, transfers))).output)
        .state,
      'committed',
    );
    await refused(submit(alice, 'Abort', [txId]), `transaction ${txId} is committed`);
    await refused(
      submit(alice, 'Commit', [txId, random32()]),
      `preimage does not match the hash lock of transaction ${txId}`,
    );
    assert.deepEqual(await balances(), paid);

    // The locks went with the commit.
    await submit(bob, 'Transfer', ['b1', 'c1', '1']);
    await submit(carol, 'Transfer', ['c1', 'b1', '1']);
    await submit(carol, 'Transfer', ['d1', 'b1', '1']);
    await submit(bob, 'Transfer', ['b1', 'd1', '1']);
    await submit(alice, 'Transfer', ['a1', 'a2', '1']);
    await submit(alice, 'Transfer', ['a2', 'a1', '1']);
    assert.deepEqual(await balances(), paid);
  });

  test('the owner aborts before the deadline: refunded and unlocked; others may not', async () => {
    const start = await balances();
    const txId = newTxId();
    const deadline = nowSeconds() + 30;
    const hashLock = sha256(random32());
    await submit(
      carol,
      'Prepare',
      prepareArgs(txId, hashLock, deadline, [{ from: 'c1', to: 'a2', amount: '70' }]),
    );
    assert.deepEqual(await balances(), changed(start, { c1: -70n }));
    await refused(
      submit(alice, 'Abort', [txId]),
      `only the owner may abort transaction ${txId} before its deadline`,
    );
    await refused(
      submit(bob, 'Abort', [txId]),
      `only the owner may abort transaction ${txId} before its deadline`,
    );

    const aborted = await submit(carol, 'Abort', [txId]);
    assert.deepEqual(aborted.events, [['TxAborted', { txId }]]);
    assert.equal((await txState(txId)).state, 'aborted');
    assert.deepEqual(await balances(), start);
    const repeat = await submit(bob, 'Abort', [txId]);
    assert.deepEqual(repeat.events, []);
    assert.equal(JSON.parse(repeat.output).state, 'aborted');
    await refused(submit(carol, 'Commit', [txId, random32()]), `transaction ${txId} is aborted`);
    await refused(
      submit(
        carol,
        'Prepare',
        prepareArgs(txId, hashLock, deadline, [{ from: 'c1', to: 'a2', amount: '70' }]),
      ),
      `transaction ${txId} is aborted`,
    );
    await submit(alice, 'Transfer', ['a2', 'a1', '5']);
    await submit(alice, 'Transfer', ['a1', 'a2', '5']);
    assert.deepEqual(await balances(), start);
  });

  test('aborting an id never prepared records it aborted: a later prepare locks nothing', async () => {
    const start = await balances();
    const txId = newTxId();
    const aborted = await submit(bob, 'Abort', [txId]);
    assert.deepEqual(aborted.events, [['TxAborted', { txId }]]);
    assert.deepEqual(await txState(txId), {
      txId,
      state: 'aborted',
      owner: await clientId(bob),
      hashLock: '',
      deadline: 0,
      transfers: [],
      preimage: '',
    });
    await refused(
      submit(
        alice,
        'Prepare',
        prepareArgs(txId, sha256(random32()), nowSeconds() + 30, [{ from: 'a1', to: 'b1', amount: '10' }]),
      ),
      `transaction ${txId} is aborted`,
    );
    await refused(submit(alice, 'Commit', [txId, random32()]), `transaction ${txId} is aborted`);
    assert.deepEqual((await submit(alice, 'Abort', [txId])).events, []);
    await submit(alice, 'Transfer', ['a1', 'b1', '1']);
    await submit(bob, 'Transfer', ['b1', 'a1', '1']);
    assert.deepEqual(await balances(), start);

    const unknown = random32();
    assert.equal((await txState(unknown)).state, 'none');
    await refused(submit(bob, 'Commit', [unknown, random32()]), `transaction ${unknown} is not prepared`);
  });

  test('past the deadline: locks lapse, commit is refused, anyone aborts', async () => {
    const start = await balances();
    const txId = newTxId();
    const preimage = random32();
    const deadline = nowSeconds() + 3;
    await submit(
      alice,
      'Prepare',
      prepareArgs(txId, sha256(preimage), deadline, [{ from: 'a1', to: 'b1', amount: '200' }]),
    );
    await refused(submit(bob, 'Transfer', ['b1', 'c1', '1']), `account b1 ${LOCKED}`);
    await reach(deadline);

    // No lock outlives its deadline, aborted or not; the escrow stays until someone aborts.
    assert.equal(await read('LockedBy', ['b1']), '');
    await submit(bob, 'Transfer', ['b1', 'c1', '1']);
    await submit(carol, 'Transfer', ['c1', 'b1', '1']);
    assert.equal((await txState(txId)).state, 'prepared');
    await assertConserved();
    await refused(submit(alice, 'Commit', [txId, preimage]), `transaction ${txId} passed its deadline`);

    const aborted = await submit(carol, 'Abort', [txId]);
    assert.deepEqual(aborted.events, [['TxAborted', { txId }]]);
    assert.deepEqual(await balances(), start);
    await refused(submit(alice, 'Commit', [txId, preimage]), `transaction ${txId} is aborted`);
  });

  test('an expired lock is taken over, and the late abort leaves the new lock alone', async () => {
    const start = await balances();
    const first = newTxId();
    const firstDeadline = nowSeconds() + 3;
    await submit(
      alice,
      'Prepare',
      prepareArgs(first, sha256(random32()), firstDeadline, [{ from: 'a2', to: 'b1', amount: '40' }]),
    );
    await refused(
      submit(
        bob,
        'Prepare',
        prepareArgs(newTxId(), sha256(random32()), firstDeadline + 30, [
          { from: 'b1', to: 'c1', amount: '10' },
        ]),
      ),
      `account b1 ${LOCKED}`,
    );
    await reach(firstDeadline);

    const second = newTxId();
    const preimage = random32();
    await submit(
      bob,
      'Prepare',
      prepareArgs(second, sha256(preimage), nowSeconds() + 30, [{ from: 'b1', to: 'c1', amount: '10' }]),
    );
    await submit(bob, 'Abort', [first]);
    assert.deepEqual(await balances(), changed(start, { b1: -10n }));
    await refused(submit(bob, 'Transfer', ['b1', 'a1', '1']), `account b1 ${LOCKED}`);
    await submit(alice, 'Transfer', ['a2', 'a1', '1']);
    await submit(alice, 'Transfer', ['a1', 'a2', '1']);

    await submit(alice, 'Commit', [second, preimage]);
    assert.deepEqual(await balances(), changed(start, { b1: -10n, c1: 10n }));
    await submit(bob, 'Transfer', ['b1', 'c1', '1']);
    await submit(carol, 'Transfer', ['c1', 'b1', '1']);
  });

  test('refused prepares change nothing', async () => {
    const start = await balances();
    const hashLock = sha256(random32());
    const deadline = nowSeconds() + 30;
    const attempt = (transfers: unknown, at = deadline, identity = alice) =>
      submit(identity, 'Prepare', [
        newTxId(),
        hashLock,
        String(at),
        typeof transfers === 'string' ? transfers : JSON.stringify(transfers),
      ]);
    await refused(attempt([{ from: 'b1', to: 'a1', amount: '1' }]), 'caller does not own account b1');
    await refused(
      attempt([
        { from: 'a1', to: 'b1', amount: '600' },
        { from: 'a1', to: 'c1', amount: '600' },
      ]),
      'insufficient funds in account a1',
    );
    await refused(attempt([{ from: 'a1', to: 'nobody', amount: '1' }]), 'account nobody does not exist');
    await refused(attempt([{ from: 'a1', to: 'a1', amount: '1' }]), 'cannot transfer to the same account');
    await refused(attempt([{ from: 'a1', to: 'b1', amount: '0' }]), 'amount must be positive');
    await refused(
      attempt([{ from: 'a1', to: 'b1', amount: 5 }]),
      'invalid transfers: step 0 needs string from, to and amount',
    );
    await refused(attempt([]), 'invalid transfers: expected a non-empty array of {from, to, amount}');
    await refused(attempt('{not json'), 'invalid transfers: not JSON');
    await refused(
      attempt([{ from: 'a1', to: 'b1', amount: '1' }], nowSeconds() - 1),
      'deadline must be in the future',
    );
    await refused(
      submit(alice, 'Prepare', ['0x1234', hashLock, String(deadline), '[]']),
      'invalid transaction id: 0x1234',
    );
    await refused(
      submit(alice, 'Prepare', [random32(), 'abc', String(deadline), '[]']),
      'invalid hash lock: abc',
    );
    await refused(submit(alice, 'Prepare', [random32(), hashLock, 'soon', '[]']), 'invalid deadline: soon');
    await refused(submit(alice, 'Commit', [random32(), '0x00']), 'invalid preimage: 0x00');
    assert.deepEqual(await balances(), start);
  });

  test('a transfer endorsed before a prepare locked its account fails validation (MVCC)', async () => {
    const start = await balances();
    const transfer = await endorse(alice, 'Transfer', ['a2', 'c1', '5']);
    const txId = newTxId();
    await submit(
      alice,
      'Prepare',
      prepareArgs(txId, sha256(random32()), nowSeconds() + 30, [{ from: 'a2', to: 'b1', amount: '20' }]),
    );
    await assert.rejects(
      transfer(),
      (error: unknown) => error instanceof FabricCommitError && error.code === 'MVCC_READ_CONFLICT',
    );
    await submit(alice, 'Abort', [txId]);
    assert.deepEqual(await balances(), start);
  });

  test('commit and abort racing: exactly one takes effect', async () => {
    const start = await balances();
    const txId = newTxId();
    const preimage = random32();
    await submit(
      alice,
      'Prepare',
      prepareArgs(txId, sha256(preimage), nowSeconds() + 30, [{ from: 'a1', to: 'c1', amount: '15' }]),
    );
    const commit = await endorse(bob, 'Commit', [txId, preimage]);
    const abort = await endorse(alice, 'Abort', [txId]);
    const [committed, aborted] = await Promise.allSettled([commit(), abort()]);
    assert.equal([committed, aborted].filter((r) => r.status === 'fulfilled').length, 1);
    const loser = (committed.status === 'rejected' ? committed : aborted) as PromiseRejectedResult;
    assert.ok(loser.reason instanceof FabricCommitError && loser.reason.code === 'MVCC_READ_CONFLICT');
    const state = (await txState(txId)).state;
    assert.equal(state, committed.status === 'fulfilled' ? 'committed' : 'aborted');
    assert.deepEqual(await balances(), state === 'committed' ? changed(start, { a1: -15n, c1: 15n }) : start);
  });
});

describe('asset chaincode: HTLC', () => {
  test('lock escrows, anyone claims with the preimage before the timelock, repeats change nothing', async () => {
    const start = await balances();
    const id = newHtlcId();
    const preimage = random32();
    const hashLock = sha256(preimage);
    const timelock = nowSeconds() + 30;
    const args = [id, 'a1', 'b1', '120', hashLock, String(timelock)];
    const locked = await submit(alice, 'HtlcLock', args);
    assert.deepEqual(locked.events, [
      ['HtlcLocked', { id, from: 'a1', to: 'b1', amount: '120', hashLock, timelock }],
    ]);
    const record = JSON.parse(locked.output) as HtlcRecord;
    assert.deepEqual(record, {
      id,
      state: 'locked',
      owner: await clientId(alice),
      from: 'a1',
      to: 'b1',
      amount: '120',
      hashLock,
      timelock,
      preimage: '',
    });
    assert.deepEqual(await htlcState(id), record);
    assert.deepEqual(await balances(), changed(start, { a1: -120n }));
    await assertConserved();

    const repeat = await submit(alice, 'HtlcLock', args);
    assert.deepEqual(repeat.events, []);
    assert.deepEqual(JSON.parse(repeat.output), record);
    await refused(
      submit(alice, 'HtlcLock', [id, 'a1', 'b1', '121', hashLock, String(timelock)]),
      `htlc ${id} was locked with other parameters`,
    );
    await refused(submit(carol, 'HtlcRefund', [id]), `htlc ${id} cannot be refunded before its timelock`);
    await refused(
      submit(carol, 'HtlcClaim', [id, random32()]),
      `preimage does not match the hash lock of htlc ${id}`,
    );

    const claimed = await submit(carol, 'HtlcClaim', [id, preimage]);
    assert.deepEqual(claimed.events, [['HtlcClaimed', { id, preimage }]]);
    assert.deepEqual(await htlcState(id), { ...record, state: 'claimed', preimage });
    const paid = changed(start, { a1: -120n, b1: 120n });
    assert.deepEqual(await balances(), paid);
    assert.deepEqual((await submit(bob, 'HtlcClaim', [id, preimage])).events, []);
    assert.equal(JSON.parse((await submit(alice, 'HtlcLock', args)).output).state, 'claimed');
    await refused(submit(alice, 'HtlcRefund', [id]), `htlc ${id} is claimed`);
    assert.deepEqual(await balances(), paid);
  });

  test('past the timelock: claim refused, anyone refunds', async () => {
    const start = await balances();
    const id = newHtlcId();
    const preimage = random32();
    const timelock = nowSeconds() + 3;
    await submit(bob, 'HtlcLock', [id, 'b1', 'c1', '60', sha256(preimage), String(timelock)]);
    assert.deepEqual(await balances(), changed(start, { b1: -60n }));
    await reach(timelock);
    await refused(submit(carol, 'HtlcClaim', [id, preimage]), `htlc ${id} passed its timelock`);
    const refunded = await submit(alice, 'HtlcRefund', [id]);
    assert.deepEqual(refunded.events, [['HtlcRefunded', { id }]]);
    assert.equal((await htlcState(id)).state, 'refunded');
    assert.deepEqual(await balances(), start);
    assert.deepEqual((await submit(carol, 'HtlcRefund', [id])).events, []);
    await refused(submit(carol, 'HtlcClaim', [id, preimage]), `htlc ${id} is refunded`);
    await refused(
      submit(bob, 'HtlcLock', [id, 'b1', 'c1', '60', sha256(preimage), String(timelock)]),
      `htlc ${id} is refunded`,
    );
    assert.deepEqual(await balances(), start);
  });

  test('a swap: the claim on one side reveals the secret that claims the other', async () => {
    const start = await balances();
    const secret = random32();
    const hashLock = sha256(secret);
    // Alice (initiator) locks for Carol with the long timelock; Carol locks for Alice, shorter.
    const onA = newHtlcId();
    const onB = newHtlcId();
    await submit(alice, 'HtlcLock', [onA, 'a2', 'c1', '80', hashLock, String(nowSeconds() + 60)]);
    await submit(carol, 'HtlcLock', [onB, 'c1', 'a1', '25', hashLock, String(nowSeconds() + 30)]);
    const claim = await submit(alice, 'HtlcClaim', [onB, secret]);
    const [[name, payload] = []] = claim.events;
    assert.equal(name, 'HtlcClaimed');
    const revealed = (payload as { preimage: string }).preimage;
    assert.equal((await htlcState(onB)).preimage, revealed);
    await submit(carol, 'HtlcClaim', [onA, revealed]);
    assert.deepEqual(await balances(), changed(start, { a2: -80n, c1: 55n, a1: 25n }));
  });

  test('refused locks change nothing', async () => {
    const start = await balances();
    const hashLock = sha256(random32());
    const later = String(nowSeconds() + 30);
    await refused(
      submit(alice, 'HtlcLock', [newHtlcId(), 'b1', 'a1', '1', hashLock, later]),
      'caller does not own account b1',
    );
    await refused(
      submit(alice, 'HtlcLock', [newHtlcId(), 'a1', 'a1', '1', hashLock, later]),
      'cannot transfer to the same account',
    );
    await refused(
      submit(alice, 'HtlcLock', [newHtlcId(), 'a1', 'b1', '99999', hashLock, later]),
      'insufficient funds in account a1',
    );
    await refused(
      submit(alice, 'HtlcLock', [newHtlcId(), 'a1', 'b1', '1', hashLock, String(nowSeconds() - 1)]),
      'timelock must be in the future',
    );
    await refused(
      submit(alice, 'HtlcLock', ['0x01', 'a1', 'b1', '1', hashLock, later]),
      'invalid htlc id: 0x01',
    );
    const unknown = random32();
    await refused(submit(alice, 'HtlcClaim', [unknown, random32()]), `htlc ${unknown} does not exist`);
    await refused(submit(alice, 'HtlcRefund', [unknown]), `htlc ${unknown} does not exist`);
    assert.equal((await htlcState(unknown)).state, 'none');
    assert.deepEqual(await balances(), start);
  });
});

describe('asset chaincode: the proposal timestamp', () => {
  const SKEW = "transaction timestamp is more than 30 s from the peer's clock";

  test('a proposal more than 30 s from the peer clock is refused by every time-dependent function', async () => {
    const start = await balances();
    const txId = newTxId();
    const preimage = random32();
    const deadline = nowSeconds() + 120;
    const transfers = JSON.stringify([{ from: 'a1', to: 'b1', amount: '5' }]);
    const htlcId = newHtlcId();
    const calls: Array<[FabricSigningIdentity, string, string[]]> = [
      [alice, 'Transfer', ['a1', 'b1', '1']],
      [alice, 'Mint', ['a1', '1']],
      [alice, 'Prepare', [txId, sha256(preimage), String(deadline), transfers]],
      [alice, 'Commit', [txId, preimage]],
      [alice, 'Abort', [txId]],
      [alice, 'HtlcLock', [htlcId, 'a1', 'b1', '5', sha256(preimage), String(deadline)]],
      [alice, 'HtlcClaim', [htlcId, preimage]],
      [alice, 'HtlcRefund', [htlcId]],
    ];
    for (const offset of [-60_000, 60_000, -31_000]) {
      for (const [identity, fn, args] of calls) {
        await refused(submit(identity, fn, args, Date.now() + offset), SKEW);
      }
      for (const [fn, id] of [
        ['TxState', txId],
        ['HtlcState', htlcId],
      ] as const) {
        await refused(
          connector.call({
            resource: PATH,
            method: fn,
            args: [],
            signed: sign(alice, fn, [id], Date.now() + offset).signed,
          }),
          SKEW,
        );
      }
    }
    // The bound is a tolerance, not an exact clock: 20 s off is accepted.
    await submit(
      alice,
      'Prepare',
      [txId, sha256(preimage), String(deadline), transfers],
      Date.now() - 20_000,
    );
    await submit(bob, 'Commit', [txId, preimage], Date.now() + 20_000);
    assert.deepEqual(await balances(), changed(start, { a1: -5n, b1: 5n }));
  });
});
