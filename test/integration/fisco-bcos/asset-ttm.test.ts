/**
 * Trusted transactions on the FISCO BCOS Asset contract (docs/ttm.md) on a devnode. The
 * behaviour every asset chain shares (two-phase commit, HTLCs, swaps, deadlines, repeats and
 * refusals, conservation with the escrow as the contract's own balance) is the asset-chain
 * compliance suite's (../asset-chain/compliance.ts), run here on FISCO BCOS through a router
 * with wallet-signed writes. What follows it is FISCO BCOS's own: every move into or out of
 * escrow is an ERC-20 Transfer event and the TTM events name owner and recipients, malformed
 * calls revert (status 0x16) with their reason and log nothing, and the contract reads a real
 * node's millisecond block time as seconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common';
import { createEVM } from '@ethereumjs/evm';
import { createAddressFromString, hexToBytes } from '@ethereumjs/util';
import { hexlify } from 'ethers';
import type { Hex } from '../../../p2p/chains/connector.ts';
import {
  decodeResult,
  decodeRevertReason,
  encodeCall,
  encodeDeploy,
} from '../../../p2p/chains/fisco-bcos/abi.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { assetChainCompliance, far, nowSeconds, random32, secret } from '../asset-chain/compliance.ts';
import { type FiscoAssetChain, startFiscoAssetChain } from '../asset-chain/fisco-bcos.ts';
import { assetArtifact } from './helpers.ts';

const abi = assetArtifact.abi as never;
const ZERO32 = `0x${'00'.repeat(32)}`;
const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;
const id = random32;

assetChainCompliance('FISCO BCOS devnode', startFiscoAssetChain, ({ setup, party }) => {
  const f = (): FiscoAssetChain => setup();

  /** The events of `write` (through the wallet's client), which must succeed: [name, args]. */
  async function logged(write: Promise<void>): Promise<[string | undefined, unknown][]> {
    f().client.take();
    await write;
    return f()
      .client.take()
      .flatMap((receipt) => receipt.events)
      .map((event) => [event.name, event.args]);
  }

  async function view(method: string, args: unknown[]): Promise<unknown[]> {
    const output = await f().h.client.callChecked({ to: f().asset, data: encodeCall(abi, method, args) });
    return decodeResult(abi, method, output);
  }

  /** Sends from the issuer straight to the node, expects the revert `reason`, and that nothing was logged. */
  async function refuse(method: string, args: unknown[], reason: string): Promise<void> {
    const { h, asset } = f();
    const receipt = await h.send(await h.sign({ to: asset, data: encodeCall(abi, method, args) }));
    assert.equal(receipt.status, '0x16', `${method} should have been refused with "${reason}"`);
    assert.equal(decodeRevertReason(receipt.output), reason);
    assert.equal(receipt.logs.length, 0);
  }

  /** Locked by the first case, refunded by the last: its timelock comes while the cases between run. */
  const late = {} as { alice: string; refunder: () => Promise<void>; htlcId: Hex; timelock: number };

  test('every move into or out of escrow is a Transfer event; the TTM events name the owner and every recipient', async () => {
    const alice = await party('alice', 1000n);
    const bob = await party('bob');
    const carol = await party('carol');
    const router = await party('router');
    const escrow = f().asset;
    const a = alice.account;
    // What the suite's transaction and HTLC with the short deadline still hold.
    const held = (await f().escrow?.()) ?? 0n;

    const htlcId = id();
    const timelock = nowSeconds() + 2;
    const short = secret();
    await alice.chain.htlcLock(htlcId, {
      from: a,
      to: bob.account,
      amount: '120',
      hashLock: short.h,
      timelock,
    });
    Object.assign(late, { alice: a, htlcId, timelock, refunder: () => router.chain.htlcRefund(htlcId) });

    const { s, h } = secret();
    const txId = id();
    const deadline = far();
    const steps = [
      { from: a, to: bob.account, amount: '300' },
      { from: a, to: carol.account, amount: '200' },
    ];
    assert.deepEqual(await logged(alice.chain.prepare(txId, h, deadline, steps)), [
      ['Transfer', { from: a, to: escrow, value: 500n }],
      [
        'TxPrepared',
        {
          txId,
          owner: a,
          hashLock: h,
          deadline: BigInt(deadline),
          to: [bob.account, carol.account],
          amounts: [300n, 200n],
        },
      ],
    ]);
    assert.equal(await f().escrow?.(), held + 620n);
    assert.deepEqual(await logged(router.chain.commit(txId, s)), [
      ['Transfer', { from: escrow, to: bob.account, value: 300n }],
      ['Transfer', { from: escrow, to: carol.account, value: 200n }],
      ['TxCommitted', { txId, preimage: s }],
    ]);
    assert.deepEqual(await view('txState', [txId]), [a, h, BigInt(deadline), 2n, s]);

    const aborted = id();
    await alice.chain.prepare(aborted, secret().h, deadline, [{ from: a, to: bob.account, amount: '70' }]);
    assert.deepEqual(await logged(alice.chain.abort(aborted)), [
      ['Transfer', { from: escrow, to: a, value: 70n }],
      ['TxAborted', { txId: aborted }],
    ]);
    // An abort before any prepare records its caller as the owner.
    const unknown = id();
    assert.deepEqual(await logged(router.chain.abort(unknown)), [['TxAborted', { txId: unknown }]]);
    assert.deepEqual(await view('txState', [unknown]), [router.account, ZERO32, 0n, 3n, ZERO32]);

    const lockId = id();
    const lock = secret();
    assert.deepEqual(
      await logged(
        alice.chain.htlcLock(lockId, {
          from: a,
          to: carol.account,
          amount: '80',
          hashLock: lock.h,
          timelock: deadline,
        }),
      ),
      [
        ['Transfer', { from: a, to: escrow, value: 80n }],
        [
          'HtlcLocked',
          {
            id: lockId,
            sender: a,
            receiver: carol.account,
            amount: 80n,
            hashLock: lock.h,
            timelock: BigInt(deadline),
          },
        ],
      ],
    );
    assert.deepEqual(await view('htlcState', [lockId]), [
      a,
      carol.account,
      80n,
      lock.h,
      BigInt(deadline),
      1n,
      ZERO32,
    ]);
    assert.deepEqual(await logged(router.chain.htlcClaim(lockId, lock.s)), [
      ['Transfer', { from: escrow, to: carol.account, value: 80n }],
      ['HtlcClaimed', { id: lockId, preimage: lock.s }],
    ]);
    assert.equal(await f().escrow?.(), held + 120n);
  });

  test('malformed calls revert (status 0x16) with their reason and log nothing', async () => {
    const { h, asset } = f();
    const issuer = h.signer.address;
    const held = await f().balance(issuer);
    const bob = EcdsaSigner.random().address;
    const lock = secret().h;
    await refuse('prepare', [ZERO32, lock, far(), [bob], [1n]], 'Asset: zero id');
    await refuse('prepare', [id(), lock, far(), [], []], 'Asset: no recipients');
    await refuse(
      'prepare',
      [id(), lock, far(), [bob], [1n, 2n]],
      'Asset: recipients and amounts differ in length',
    );
    await refuse(
      'prepare',
      [id(), lock, far(), [bob, ZERO_ADDRESS], [1n, 1n]],
      'Asset: transfer to the zero address',
    );
    await refuse('prepare', [id(), lock, far(), [asset], [1n]], 'Asset: transfer to the asset contract');
    await refuse('transfer', [asset, 1n], 'Asset: transfer to the asset contract');
    await refuse('abort', [ZERO32], 'Asset: zero id');
    await refuse('htlcLock', [ZERO32, bob, 1n, lock, far()], 'Asset: zero id');
    await refuse('htlcLock', [id(), ZERO_ADDRESS, 1n, lock, far()], 'Asset: transfer to the zero address');
    await refuse('htlcLock', [id(), asset, 1n, lock, far()], 'Asset: transfer to the asset contract');
    assert.equal(await f().balance(issuer), held);
    assert.equal(await f().lockedBy(issuer), null);
  });

  test('block time: deadlines are seconds against a millisecond block.timestamp, and a lock lapses exactly at the deadline', async () => {
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

  test('a refund moves the escrow back to the sender with a Transfer event (the HTLC locked by the first case)', async () => {
    const wait = late.timelock * 1000 - Date.now() + 50;
    if (wait > 0) await sleep(wait);
    assert.deepEqual(await logged(late.refunder()), [
      ['Transfer', { from: f().asset, to: late.alice, value: 120n }],
      ['HtlcRefunded', { id: late.htlcId }],
    ]);
  });
});
