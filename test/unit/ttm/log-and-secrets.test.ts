/**
 * The TTM log (on fake-indexeddb here; Chromium's real IndexedDB in the e2e tests), sealed
 * secrets, and the failpoints the crash harness uses.
 */
import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { WalletEvents } from '../../../background/events.ts';
import { FAILPOINT_ITEM, Failpoints } from '../../../background/ttm/failpoints.ts';
import { drawSecret, hashLockOf, openSecret, randomId, sealSecret } from '../../../background/ttm/secret.ts';
import { TtmLog } from '../../../background/ttm/ttm-log.ts';
import { FINAL_STATES, type TransactionRecord } from '../../../background/ttm/types.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';

const key = () => new Uint8Array(32).fill(7);

function record(createdAt: number, state: TransactionRecord['state']): TransactionRecord {
  return {
    kind: 'transaction',
    id: randomId(),
    origin: 'https://dapp.example',
    createdAt,
    updatedAt: createdAt,
    hashLock: randomId(),
    secret: { iv: 'aXY=', ciphertext: 'c2VjcmV0' },
    signer: { account: 0 },
    steps: [{ path: 'a.b.c', chain: 'fisco-bcos', from: '0x1', to: '0x2', amount: '1' }],
    legs: [{ path: 'a.b.c', chain: 'fisco-bcos', steps: [0], deadline: 1, state: 'pending' }],
    state,
    timeline: [],
  };
}

describe('TTM log', () => {
  test('keeps records by id, newest first, and knows which are unfinished', async () => {
    const log = new TtmLog(new WalletEvents(), `test-${Math.random()}`);
    const old = record(1, 'committed');
    const mid = record(2, 'preparing');
    const young = record(3, 'aborting');
    for (const r of [mid, old, young]) await log.put(r);
    assert.deepEqual(
      (await log.views()).map((r) => r.id),
      [young.id, mid.id, old.id],
    );
    assert.deepEqual(
      (await log.views(2)).map((r) => r.id),
      [young.id, mid.id],
    );
    assert.deepEqual(
      (await log.ofOrigin('https://dapp.example')).map((r) => r.id),
      [young.id, mid.id, old.id],
    );
    assert.deepEqual(await log.ofOrigin('https://other.example'), []);
    assert.deepEqual((await log.unfinished()).map((r) => r.id).sort(), [mid.id, young.id].sort());
    mid.state = 'committed';
    await log.put(mid);
    assert.equal((await log.get(mid.id))?.state, 'committed');
    assert.deepEqual(
      (await log.unfinished()).map((r) => r.id),
      [young.id],
    );
    log.close();
  });

  test('every state that is not final counts as unfinished', async () => {
    const log = new TtmLog(new WalletEvents(), `test-${Math.random()}`);
    const states = ['preparing', 'committing', 'committed', 'aborting', 'aborted'] as const;
    const records = states.map((state, i) => record(i, state));
    for (const r of records) await log.put(r);
    const swapStates = [
      'locking',
      'locked',
      'claiming',
      'completed',
      'refunding',
      'refunded',
      'cancelled',
      'failed',
    ];
    for (const [i, state] of swapStates.entries()) {
      await log.put({
        ...record(10 + i, 'preparing'),
        id: randomId(),
        state,
      } as unknown as TransactionRecord);
    }
    const unfinished = (await log.unfinished()).map((r) => r.state);
    assert.deepEqual(unfinished, [
      'preparing',
      'committing',
      'aborting',
      'locking',
      'locked',
      'claiming',
      'refunding',
    ]);
    // The rest are ends: the popup stops polling them (a failed swap used to be polled forever).
    const all = [...states, ...swapStates];
    assert.deepEqual(
      all.filter((state) => !FINAL_STATES.has(state)),
      unfinished.slice().sort((a, b) => all.indexOf(a) - all.indexOf(b)),
    );
    log.close();
  });

  test('a put is a copy: later changes to the object are not in the log until put again', async () => {
    const log = new TtmLog(new WalletEvents(), `test-${Math.random()}`);
    const r = record(1, 'preparing');
    await log.put(r);
    r.state = 'committing';
    assert.equal((await log.get(r.id))?.state, 'preparing');
    log.close();
  });

  test('what leaves the worker has no secret', async () => {
    const log = new TtmLog(new WalletEvents(), `test-${Math.random()}`);
    await log.put(record(1, 'preparing'));
    const [view] = await log.views();
    assert.ok(view);
    assert.equal('secret' in view, false);
    log.close();
  });
});

describe('TTM secrets', () => {
  test('the hash lock is sha256 of the secret', () => {
    const { secret, hashLock } = drawSecret();
    assert.match(secret, /^0x[0-9a-f]{64}$/);
    assert.equal(hashLock, `0x${bytesToHex(sha256(hexToBytes(secret.slice(2))))}`);
    assert.equal(hashLockOf(secret), hashLock);
    assert.notEqual(drawSecret().secret, secret);
  });

  test('sealed under the vault key and the record id; opens only with both', async () => {
    const { secret } = drawSecret();
    const id = randomId();
    const sealed = await sealSecret(secret, id, key());
    assert.equal(JSON.stringify(sealed).includes(secret.slice(2)), false);
    assert.equal(await openSecret(sealed, id, key()), secret);
    await assert.rejects(openSecret(sealed, randomId(), key()));
    await assert.rejects(openSecret(sealed, id, new Uint8Array(32).fill(8)));
  });

  test('the key passed in is zeroed', async () => {
    const k = key();
    await sealSecret(drawSecret().secret, randomId(), k);
    assert.ok(k.every((b) => b === 0));
  });
});

describe('failpoints', () => {
  test('nothing armed: a checkpoint passes', async () => {
    const failpoints = new Failpoints(new MemoryStorageArea());
    await failpoints.checkpoint('transaction:committing');
  });

  test('hang: stops at the named point only, once, and disarms itself', async () => {
    const storage = new MemoryStorageArea();
    await storage.set({ [FAILPOINT_ITEM]: { at: 'transaction:committing', mode: 'hang' } });
    const failpoints = new Failpoints(storage);
    await failpoints.checkpoint('transaction:preparing');
    let passed = false;
    void failpoints.checkpoint('transaction:committing').then(() => {
      passed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(passed, false);
    assert.equal(storage.items.has(FAILPOINT_ITEM), false);
    await failpoints.checkpoint('transaction:committing');
  });

  test('pause: waits until the item is removed', async () => {
    const storage = new MemoryStorageArea();
    await storage.set({ [FAILPOINT_ITEM]: { at: 'swap:initiator:locked', mode: 'pause' } });
    const failpoints = new Failpoints(storage);
    let passed = false;
    const paused = failpoints.checkpoint('swap:initiator:locked').then(() => {
      passed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(passed, false);
    await storage.remove(FAILPOINT_ITEM);
    await failpoints.reload();
    await paused;
    assert.equal(passed, true);
  });

  test('pause: says it holds; arming another point in its place releases it', async () => {
    const storage = new MemoryStorageArea();
    await storage.set({ [FAILPOINT_ITEM]: { at: 'transaction:committing', mode: 'pause' } });
    const failpoints = new Failpoints(storage);
    let passed = false;
    const paused = failpoints.checkpoint('transaction:committing').then(() => {
      passed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(storage.items.get(FAILPOINT_ITEM), {
      at: 'transaction:committing',
      mode: 'pause',
      paused: true,
    });
    await failpoints.reload();
    assert.equal(passed, false, 'still the same pause');
    await storage.set({ [FAILPOINT_ITEM]: { at: 'transaction:aborted', mode: 'hang' } });
    await failpoints.reload();
    await paused;
    assert.equal(passed, true);
  });
});
