import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WalletEvents } from '../../../background/events.ts';
import { SessionStore } from '../../../background/sessions/session-store.ts';
import type { Session } from '../../../content/provider-schema.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';

const session = (origin: string): Session => ({
  origin,
  resources: ['payment.bcos.asset'],
  account: 0,
  address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  createdAt: 1,
});

/** A store and what it emitted on `sessions:changed`. */
function storeWithEvents(local: MemoryStorageArea) {
  const emitter = new WalletEvents();
  const events: unknown[] = [];
  emitter.on('sessions:changed', (change) => events.push(change));
  return { store: new SessionStore(local, emitter), events };
}

describe('SessionStore.revoke', () => {
  // Found by provider.fuzz.test.ts: weft_revokeSession from a page without a session wrote storage.
  test('an origin without a session: false, nothing written, no event', async () => {
    const local = new MemoryStorageArea();
    let writes = 0;
    const set = local.set.bind(local);
    local.set = (items) => {
      writes++;
      return set(items);
    };
    const { store, events } = storeWithEvents(local);
    await store.put(session('https://a.example'));
    writes = 0;
    assert.equal(await store.revoke('https://b.example'), false);
    assert.equal(writes, 0);
    assert.equal(events.length, 1);
    assert.deepEqual(
      (await store.list()).map((s) => s.origin),
      ['https://a.example'],
    );
  });

  test('an origin with one: true, removed, its pages told', async () => {
    const { store, events } = storeWithEvents(new MemoryStorageArea());
    await store.put(session('https://a.example'));
    assert.equal(await store.revoke('https://a.example'), true);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(events.at(-1), { origin: 'https://a.example', session: null });
  });
});
