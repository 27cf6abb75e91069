/**
 * TTM in the asset chaincode (docs/ttm.md) on the devpeer. The behaviour every asset chain
 * shares (two-phase commit, HTLCs, swaps, deadlines, repeats and refusals) is the asset-chain
 * compliance suite's (../asset-chain/compliance.ts), run here on Fabric through a router with
 * wallet-signed writes. What follows it is Fabric's own: the records and event payloads with
 * the owner's Fabric id, accounts as names an identity owns (several senders in one
 * transaction, Mint), the chaincode's argument checks, MVCC validation at commit, and the
 * proposal timestamp the chaincode judges time by. These cases sign proposals themselves and
 * write through the router's connector; like the suite's, each leaves the supply unchanged.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ChainRefusedError } from '../../../background/ttm/asset-chain.ts';
import { FabricChaincodeError, FabricCommitError } from '../../../p2p/chains/fabric/errors.ts';
import { type FabricSigningIdentity, signMessage } from '../../../p2p/chains/fabric/identity.ts';
import { fromHex, signPreparedTransaction, toHex } from '../../../p2p/chains/fabric/offline-signing.ts';
import { buildProposal, encodeSignedProposal } from '../../../p2p/chains/fabric/proposal-codec.ts';
import {
  assetChainCompliance,
  far,
  nowSeconds,
  type Party,
  random32,
  secret,
} from '../asset-chain/compliance.ts';
import { type FabricAssetChain, startFabricAssetChain } from '../asset-chain/fabric.ts';
import { CHANNEL, decoder } from './fixture.ts';

const PATH = 'trade.fab.asset';
const LOCKED = 'is locked by a cross-chain transaction';

interface Transfer {
  from: string;
  to: string;
  amount: string;
}

assetChainCompliance('Fabric devpeer', startFabricAssetChain, ({ setup, party }) => {
  const f = (): FabricAssetChain => setup();
  const id = (p: Party) => f().identity(p);

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
    const prepared = await f().connector.prepare({ resource: PATH, signed: proposal.signed });
    const { signed } = signPreparedTransaction(identity, prepared.unsigned, {
      txId: proposal.txId,
      fn,
      chaincode: 'asset',
    });
    return async () => {
      const receipt = await f().connector.submit({ resource: PATH, signed });
      assert.equal(receipt.status, 'success');
      const output = decoder.decode(fromHex(receipt.output ?? '0x'));
      return { output, events: receipt.events.map((e) => [e.name, e.args]) };
    };
  }

  async function submit(identity: FabricSigningIdentity, fn: string, args: string[], timestamp?: number) {
    return (await endorse(identity, fn, args, timestamp))();
  }

  async function read(fn: string, args: string[]): Promise<unknown> {
    return (await f().connector.call({ resource: PATH, method: fn, args })).values[0];
  }

  /** The Fabric id the chaincode sees for `identity` (what it records as an owner). */
  async function clientId(identity: FabricSigningIdentity): Promise<string> {
    const signed = sign(identity, 'ClientID', []).signed;
    return String(
      (await f().connector.call({ resource: PATH, method: 'ClientID', args: [], signed })).values[0],
    );
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

  async function balances(...accounts: string[]): Promise<bigint[]> {
    return Promise.all(accounts.map((account) => f().balance(account)));
  }

  test('records and events name the owner by Fabric id; one identity prepares from several accounts, all locked, Mint too', async () => {
    const alice = await party('alice', 1000n);
    const second = `${alice.account}-second`;
    await f().openAccount(alice, second, 1000n);
    const bob = await party('bob');
    const carol = await party('carol');
    const aliceId = await clientId(id(alice));
    const { s, h } = secret();
    const txId = random32();
    const deadline = far();
    const transfers = [
      { from: alice.account, to: bob.account, amount: '100' },
      { from: alice.account, to: carol.account, amount: '50' },
      { from: second, to: bob.account, amount: '30' },
    ];
    const prepared = await submit(id(alice), 'Prepare', prepareArgs(txId, h, deadline, transfers));
    const record = {
      txId,
      state: 'prepared',
      owner: aliceId,
      hashLock: h,
      deadline,
      transfers,
      preimage: '',
    };
    assert.deepEqual(JSON.parse(prepared.output), record);
    assert.deepEqual(prepared.events, [
      ['TxPrepared', { txId, owner: aliceId, hashLock: h, deadline, transfers }],
    ]);
    assert.deepEqual(await read('TxState', [txId]), record);
    assert.deepEqual(await balances(alice.account, second), [850n, 970n]);
    for (const account of [alice.account, second, bob.account, carol.account]) {
      assert.equal(await read('LockedBy', [account]), txId, account);
    }
    await refused(submit(f().minter, 'Mint', [carol.account, '1']), `account ${carol.account} ${LOCKED}`);
    await refused(
      submit(id(alice), 'HtlcLock', [random32(), second, bob.account, '1', secret().h, String(far())]),
      `account ${second} ${LOCKED}`,
    );
    const again = await submit(id(alice), 'Prepare', prepareArgs(txId, h, deadline, transfers));
    assert.deepEqual(JSON.parse(again.output), record);

    const committed = await submit(id(bob), 'Commit', [txId, s]);
    assert.deepEqual(committed.events, [['TxCommitted', { txId, preimage: s }]]);
    assert.deepEqual(JSON.parse(committed.output), { ...record, state: 'committed', preimage: s });
    assert.equal(JSON.parse((await submit(id(carol), 'Commit', [txId, s])).output).state, 'committed');
    assert.deepEqual(await balances(bob.account, carol.account, second), [130n, 50n, 970n]);
    await submit(id(alice), 'Transfer', [second, alice.account, '1']);

    // An abort before any prepare records its caller as the owner.
    const unknown = random32();
    const aborted = await submit(id(bob), 'Abort', [unknown]);
    assert.deepEqual(aborted.events, [['TxAborted', { txId: unknown }]]);
    assert.deepEqual(await read('TxState', [unknown]), {
      txId: unknown,
      state: 'aborted',
      owner: await clientId(id(bob)),
      hashLock: '',
      deadline: 0,
      transfers: [],
      preimage: '',
    });
    assert.equal(JSON.parse((await submit(id(carol), 'Abort', [unknown])).output).state, 'aborted');

    const htlcId = random32();
    const lock = secret();
    const args = [htlcId, second, carol.account, '120', lock.h, String(deadline)];
    const locked = await submit(id(alice), 'HtlcLock', args);
    const htlc = {
      id: htlcId,
      state: 'locked',
      owner: aliceId,
      from: second,
      to: carol.account,
      amount: '120',
      hashLock: lock.h,
      timelock: deadline,
      preimage: '',
    };
    assert.deepEqual(locked.events, [
      [
        'HtlcLocked',
        { id: htlcId, from: second, to: carol.account, amount: '120', hashLock: lock.h, timelock: deadline },
      ],
    ]);
    assert.deepEqual(JSON.parse(locked.output), htlc);
    assert.deepEqual(await read('HtlcState', [htlcId]), htlc);
    await submit(id(bob), 'HtlcClaim', [htlcId, lock.s]);
    assert.deepEqual(await read('HtlcState', [htlcId]), { ...htlc, state: 'claimed', preimage: lock.s });
    assert.equal(JSON.parse((await submit(id(alice), 'HtlcLock', args)).output).state, 'claimed');
    assert.deepEqual(await balances(second, carol.account), [849n, 170n]);
  });

  test('refused prepares and locks change nothing: ownership, accounts, amounts and malformed arguments', async () => {
    const alice = await party('alice', 1000n);
    const bob = await party('bob', 10n);
    const a = alice.account;
    const b = bob.account;
    const h = secret().h;
    const deadline = far();
    const attempt = (transfers: unknown, identity = id(alice)) =>
      submit(identity, 'Prepare', [
        random32(),
        h,
        String(deadline),
        typeof transfers === 'string' ? transfers : JSON.stringify(transfers),
      ]);
    await refused(attempt([{ from: b, to: a, amount: '1' }]), `caller does not own account ${b}`);
    await refused(attempt([{ from: a, to: 'nobody', amount: '1' }]), 'account nobody does not exist');
    await refused(attempt([{ from: a, to: a, amount: '1' }]), 'cannot transfer to the same account');
    await refused(attempt([{ from: a, to: b, amount: '0' }]), 'amount must be positive');
    await refused(
      attempt([{ from: a, to: b, amount: 5 }]),
      'invalid transfers: step 0 needs string from, to and amount',
    );
    await refused(attempt([]), 'invalid transfers: expected a non-empty array of {from, to, amount}');
    await refused(attempt('{not json'), 'invalid transfers: not JSON');
    await refused(
      submit(id(alice), 'Prepare', ['0x1234', h, String(deadline), '[]']),
      'invalid transaction id: 0x1234',
    );
    await refused(
      submit(id(alice), 'Prepare', [random32(), 'abc', String(deadline), '[]']),
      'invalid hash lock: abc',
    );
    await refused(submit(id(alice), 'Prepare', [random32(), h, 'soon', '[]']), 'invalid deadline: soon');
    await refused(submit(id(alice), 'Commit', [random32(), '0x00']), 'invalid preimage: 0x00');

    const later = String(deadline);
    await refused(
      submit(id(alice), 'HtlcLock', [random32(), b, a, '1', h, later]),
      `caller does not own account ${b}`,
    );
    await refused(
      submit(id(alice), 'HtlcLock', [random32(), a, a, '1', h, later]),
      'cannot transfer to the same account',
    );
    await refused(submit(id(alice), 'HtlcLock', ['0x01', a, b, '1', h, later]), 'invalid htlc id: 0x01');
    assert.deepEqual(await balances(a, b), [1000n, 10n]);
    assert.equal(await read('LockedBy', [a]), '');
  });

  test('a transfer endorsed before a prepare locked its account fails validation (MVCC)', async () => {
    const alice = await party('alice', 100n);
    const bob = await party('bob');
    const transfer = await endorse(id(alice), 'Transfer', [alice.account, bob.account, '5']);
    const txId = random32();
    await submit(
      id(alice),
      'Prepare',
      prepareArgs(txId, secret().h, far(), [{ from: alice.account, to: bob.account, amount: '20' }]),
    );
    await assert.rejects(
      transfer(),
      (error: unknown) => error instanceof FabricCommitError && error.code === 'MVCC_READ_CONFLICT',
    );
    await submit(id(alice), 'Abort', [txId]);
    assert.deepEqual(await balances(alice.account, bob.account), [100n, 0n]);
  });

  test('commit and abort racing: exactly one takes effect', async () => {
    const alice = await party('alice', 100n);
    const bob = await party('bob');
    const txId = random32();
    const { s, h } = secret();
    await submit(
      id(alice),
      'Prepare',
      prepareArgs(txId, h, far(), [{ from: alice.account, to: bob.account, amount: '15' }]),
    );
    const commit = await endorse(id(bob), 'Commit', [txId, s]);
    const abort = await endorse(id(alice), 'Abort', [txId]);
    const [committed, aborted] = await Promise.allSettled([commit(), abort()]);
    assert.equal([committed, aborted].filter((r) => r.status === 'fulfilled').length, 1);
    const loser = (committed.status === 'rejected' ? committed : aborted) as PromiseRejectedResult;
    assert.ok(loser.reason instanceof FabricCommitError && loser.reason.code === 'MVCC_READ_CONFLICT');
    const state = ((await read('TxState', [txId])) as { state: string }).state;
    assert.equal(state, committed.status === 'fulfilled' ? 'committed' : 'aborted');
    assert.deepEqual(
      await balances(alice.account, bob.account),
      state === 'committed' ? [85n, 15n] : [100n, 0n],
    );
  });

  test('through the wallet, a write invalidated by an MVCC conflict is no refusal: the driver tries it again, and that lands', async () => {
    const alice = await party('alice', 100n);
    const bob = await party('bob');
    const dave = await party('dave', 10n);
    const tx = secret();
    const txId = random32();
    await alice.chain.prepare(txId, tx.h, far(), [{ from: alice.account, to: bob.account, amount: '40' }]);
    const htlc = secret();
    const htlcId = random32();
    await dave.chain.htlcLock(htlcId, {
      from: dave.account,
      to: bob.account,
      amount: '3',
      hashLock: htlc.h,
      timelock: far(),
    });
    // Between the commit's endorsement and its submission, a claim pays into bob's (locked)
    // account, which the commit read: the commit is invalidated at validation.
    f().client.afterNextEndorsement(() => dave.chain.htlcClaim(htlcId, htlc.s));
    const error = await bob.chain.commit(txId, tx.s).then(
      () => assert.fail('the commit should have been invalidated'),
      (e: unknown) => e as Error,
    );
    assert.ok(!(error instanceof ChainRefusedError), `a retryable failure, not a refusal: ${error}`);
    assert.match(error.message, /MVCC_READ_CONFLICT/);
    assert.equal((await bob.chain.txState(txId)).state, 'prepared');
    await bob.chain.commit(txId, tx.s);
    assert.equal((await bob.chain.txState(txId)).state, 'committed');
    assert.equal(await f().balance(bob.account), 43n);
  });

  test('a proposal more than 30 s from the peer clock is refused by every time-dependent function', async () => {
    const SKEW = "transaction timestamp is more than 30 s from the peer's clock";
    const alice = await party('alice', 100n);
    const bob = await party('bob');
    const [a, b] = [alice.account, bob.account];
    const txId = random32();
    const { s, h } = secret();
    const deadline = nowSeconds() + 120;
    const transfers = JSON.stringify([{ from: a, to: b, amount: '5' }]);
    const htlcId = random32();
    const calls: Array<[FabricSigningIdentity, string, string[]]> = [
      [id(alice), 'Transfer', [a, b, '1']],
      [f().minter, 'Mint', [a, '1']],
      [id(alice), 'Prepare', [txId, h, String(deadline), transfers]],
      [id(alice), 'Commit', [txId, s]],
      [id(alice), 'Abort', [txId]],
      [id(alice), 'HtlcLock', [htlcId, a, b, '5', h, String(deadline)]],
      [id(alice), 'HtlcClaim', [htlcId, s]],
      [id(alice), 'HtlcRefund', [htlcId]],
    ];
    for (const offset of [-60_000, 60_000, -31_000]) {
      for (const [identity, fn, args] of calls) {
        await refused(submit(identity, fn, args, Date.now() + offset), SKEW);
      }
      for (const [fn, key] of [
        ['TxState', txId],
        ['HtlcState', htlcId],
      ] as const) {
        await refused(
          f().connector.call({
            resource: PATH,
            method: fn,
            args: [],
            signed: sign(id(alice), fn, [key], Date.now() + offset).signed,
          }),
          SKEW,
        );
      }
    }
    // The bound is a tolerance, not an exact clock: 20 s off is accepted.
    await submit(id(alice), 'Prepare', [txId, h, String(deadline), transfers], Date.now() - 20_000);
    await submit(id(bob), 'Commit', [txId, s], Date.now() + 20_000);
    assert.deepEqual(await balances(a, b), [95n, 5n]);
  });
});
