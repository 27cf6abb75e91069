import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WalletEvents } from '../../../background/events.ts';
import { SessionStore } from '../../../background/sessions/session-store.ts';
import { CachedItem } from '../../../background/storage/cached-item.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';

/** A storage area that counts its reads. */
function countingArea(): { area: MemoryStorageArea; reads: () => number } {
  const area = new MemoryStorageArea();
  let reads = 0;
  const get = area.get.bind(area);
  area.get = (keys) => {
    reads++;
    return get(keys);
  };
  return { area, reads: () => reads };
}

const asNumber = (saved: unknown) => (typeof saved === 'number' ? saved : 0);

test('read once, then from memory; a write keeps the written value without reading', async () => {
  const { area, reads } = countingArea();
  await area.set({ n: 1 });
  const item = new CachedItem(area, 'n', asNumber);
  assert.equal(await item.get(), 1);
  assert.equal(await item.get(), 1);
  assert.equal(reads(), 1);
  await item.set(2);
  assert.equal(await item.get(), 2);
  assert.equal(reads(), 1);
  assert.deepEqual(await area.get('n'), { n: 2 });
});

test('a change made elsewhere is seen after invalidate, also when it lands during a read', async () => {
  const { area, reads } = countingArea();
  await area.set({ n: 1 });
  const item = new CachedItem(area, 'n', asNumber);
  assert.equal(await item.get(), 1);
  await area.set({ n: 5 }); // another extension page, or a test, writing storage
  assert.equal(await item.get(), 1, 'not seen until storage says it changed');
  item.invalidate();
  assert.equal(await item.get(), 5);

  // A read in flight when a change is announced must not be kept as the copy.
  const reading = item.get();
  item.invalidate();
  await area.set({ n: 6 });
  assert.equal(await reading, 5);
  item.invalidate();
  const before = reads();
  assert.equal(await item.get(), 6);
  assert.equal(reads(), before + 1);
});

test('a failed read is not kept', async () => {
  const area = new MemoryStorageArea();
  const get = area.get.bind(area);
  let fail = true;
  area.get = (keys) => (fail ? Promise.reject(new Error('storage unavailable')) : get(keys));
  const item = new CachedItem(area, 'n', asNumber);
  await assert.rejects(item.get(), /storage unavailable/);
  fail = false;
  assert.equal(await item.get(), 0);
});

test('sessions: a caller changing the session it got does not change the stored one', async () => {
  const store = new SessionStore(new MemoryStorageArea(), new WalletEvents());
  await store.put({
    origin: 'https://a.example',
    resources: ['p.c.r'],
    account: 0,
    address: '0x1',
    createdAt: 1,
  });
  const got = await store.get('https://a.example');
  got?.resources.push('p.c.other');
  assert.deepEqual((await store.get('https://a.example'))?.resources, ['p.c.r']);
  const listed = await store.list();
  listed.pop();
  assert.equal((await store.list()).length, 1);
});
