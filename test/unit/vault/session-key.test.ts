import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  endSession,
  resumeSession,
  SESSION_DATA_ITEM,
  SESSION_KEY_ITEM,
  startSession,
} from '../../../background/vault/session-key.ts';
import { MemoryStorageArea } from './memory-storage.ts';

const plaintext = () => new TextEncoder().encode('{"mnemonic":"session secret"}');

test('a session round-trips through the storage area, encrypted', async () => {
  const session = new MemoryStorageArea();
  await startSession(session, plaintext());
  assert.deepEqual([...session.items.keys()].sort(), [SESSION_DATA_ITEM, SESSION_KEY_ITEM].sort());
  assert.doesNotMatch(session.dump(), /session secret/);
  assert.deepEqual(await resumeSession(session), plaintext());
});

test('no session: null; endSession clears both items', async () => {
  const session = new MemoryStorageArea();
  assert.equal(await resumeSession(session), null);
  await startSession(session, plaintext());
  await endSession(session);
  assert.equal(session.items.size, 0);
  assert.equal(await resumeSession(session), null);
});

test('every session draws a new key', async () => {
  const session = new MemoryStorageArea();
  await startSession(session, plaintext());
  const first = session.items.get(SESSION_KEY_ITEM);
  await startSession(session, plaintext());
  assert.notEqual(session.items.get(SESSION_KEY_ITEM), first);
});

test('a damaged or half-written session is cleared and reads as no session', async () => {
  const session = new MemoryStorageArea();
  await startSession(session, plaintext());
  await session.set({ [SESSION_KEY_ITEM]: btoa('x'.repeat(32)) }); // another key
  assert.equal(await resumeSession(session), null);
  assert.equal(session.items.size, 0);

  await startSession(session, plaintext());
  await session.remove(SESSION_DATA_ITEM);
  assert.equal(await resumeSession(session), null);
  assert.equal(session.items.size, 0);
});
