/** The user's contacts: checked before anything is saved, unique per chain, kept across restarts. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { CONTACTS_ITEM, ContactStore } from '../../../background/contacts/contact-store.ts';
import {
  ContactNotFoundError,
  DuplicateContactError,
  InvalidContactError,
  TooManyContactsError,
} from '../../../background/contacts/errors.ts';
import { WalletEvents } from '../../../background/events.ts';
import { handlePopupMessage } from '../../../background/popup-api.ts';
import type { WalletServices } from '../../../background/services.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';

const BOB = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const CAROL = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

/** A store over `local` and how many `contacts:changed` it emitted. */
function storeOver(local = new MemoryStorageArea()) {
  const events = new WalletEvents();
  let changes = 0;
  events.on('contacts:changed', () => {
    changes++;
  });
  return { store: new ContactStore(local, events, () => 1000), local, changes: () => changes };
}

/** Rejects with `type`, its `field` being `field` when given. */
async function rejectsWith(promise: Promise<unknown>, type: new (...args: never[]) => Error, field?: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof type, `${(error as Error).name}: ${(error as Error).message}`);
    if (field) assert.equal((error as { field?: string }).field, field);
    return true;
  });
}

describe('ContactStore.add', () => {
  test('a FISCO BCOS address is kept checksummed, the name trimmed; the popup is told', async () => {
    const { store, changes } = storeOver();
    const added = await store.add({
      name: '  Bob  ',
      chain: 'fisco-bcos',
      address: ` ${BOB.toLowerCase()} `,
    });
    assert.deepEqual(added, { name: 'Bob', chain: 'fisco-bcos', address: BOB, addedAt: 1000 });
    assert.deepEqual(await store.list(), [added]);
    assert.equal(changes(), 1);
  });

  test('a Fabric account is kept as the chaincode keys it', async () => {
    const { store } = storeOver();
    const added = await store.add({ name: 'Merchant Co', chain: 'fabric', address: 'merchant' });
    assert.equal(added.address, 'merchant');
    assert.equal(added.chain, 'fabric');
  });

  test('invalid input: a typed error naming the field, nothing saved, nothing emitted', async () => {
    const { store, local, changes } = storeOver();
    const bad: [Parameters<ContactStore['add']>[0], string][] = [
      [{ name: '   ', chain: 'fisco-bcos', address: BOB }, 'name'],
      [{ name: 'x'.repeat(65), chain: 'fisco-bcos', address: BOB }, 'name'],
      [{ name: 'Bob\nSavings', chain: 'fisco-bcos', address: BOB }, 'name'],
      [{ name: 'Bob\u202e', chain: 'fisco-bcos', address: BOB }, 'name'],
      [{ name: 'Bob', chain: 'ethereum', address: BOB }, 'chain'],
      [{ name: 'Bob', chain: 'fisco-bcos', address: BOB.slice(0, 41) }, 'address'],
      [{ name: 'Bob', chain: 'fisco-bcos', address: BOB.slice(2) }, 'address'],
      [{ name: 'Bob', chain: 'fisco-bcos', address: `${BOB.slice(0, 41)}g` }, 'address'],
      // One capital flipped: the checksum catches the typo.
      [{ name: 'Bob', chain: 'fisco-bcos', address: BOB.replace('C5', 'c5') }, 'address'],
      [{ name: 'Shop', chain: 'fabric', address: 'mer chant' }, 'address'],
      [{ name: 'Shop', chain: 'fabric', address: '' }, 'address'],
      [{ name: 'Shop', chain: 'fabric', address: 'm'.repeat(65) }, 'address'],
    ];
    for (const [input, field] of bad) await rejectsWith(store.add(input), InvalidContactError, field);
    assert.equal(local.items.has(CONTACTS_ITEM), false);
    assert.equal(changes(), 0);
    // 64 characters is still a name.
    assert.equal(
      (await store.add({ name: 'y'.repeat(64), chain: 'fisco-bcos', address: BOB })).name.length,
      64,
    );
  });

  test('names are unique per chain, whatever the case; the same name may be used on the other chain', async () => {
    const { store } = storeOver();
    await store.add({ name: 'Alice', chain: 'fisco-bcos', address: BOB });
    await rejectsWith(
      store.add({ name: 'alice ', chain: 'fisco-bcos', address: CAROL }),
      DuplicateContactError,
      'name',
    );
    await store.add({ name: 'Alice', chain: 'fabric', address: 'alice' });
    assert.deepEqual(
      (await store.list()).map((c) => [c.name, c.chain]),
      [
        ['Alice', 'fabric'],
        ['Alice', 'fisco-bcos'],
      ],
    );
  });

  test('one contact per address and chain: in any case for FISCO BCOS, exactly for Fabric', async () => {
    const { store } = storeOver();
    await store.add({ name: 'Bob', chain: 'fisco-bcos', address: BOB });
    await rejectsWith(
      store.add({ name: 'Robert', chain: 'fisco-bcos', address: BOB.toLowerCase() }),
      DuplicateContactError,
      'address',
    );
    await store.add({ name: 'Shop', chain: 'fabric', address: 'merchant' });
    await rejectsWith(
      store.add({ name: 'Shop 2', chain: 'fabric', address: 'merchant' }),
      DuplicateContactError,
      'address',
    );
    // Fabric's keys are case-sensitive: another account.
    await store.add({ name: 'Other shop', chain: 'fabric', address: 'Merchant' });
    assert.equal((await store.list()).length, 3);
  });

  test('two adds at once both land', async () => {
    const { store } = storeOver();
    await Promise.all([
      store.add({ name: 'Bob', chain: 'fisco-bcos', address: BOB }),
      store.add({ name: 'Carol', chain: 'fisco-bcos', address: CAROL }),
    ]);
    assert.deepEqual(
      (await store.list()).map((c) => c.name),
      ['Bob', 'Carol'],
    );
  });

  test('the list is bounded', async () => {
    const local = new MemoryStorageArea();
    const full = Array.from({ length: 1000 }, (_, i) => ({
      name: `c${i}`,
      chain: 'fabric',
      address: `a${i}`,
      addedAt: 1,
    }));
    await local.set({ [CONTACTS_ITEM]: full });
    const { store } = storeOver(local);
    await rejectsWith(
      store.add({ name: 'one more', chain: 'fabric', address: 'more' }),
      TooManyContactsError,
    );
  });
});

describe('ContactStore.rename and remove', () => {
  test('rename: a new name, the address unchanged; found by the address in any case', async () => {
    const { store, changes } = storeOver();
    await store.add({ name: 'Bob', chain: 'fisco-bcos', address: BOB });
    const renamed = await store.rename('fisco-bcos', BOB.toLowerCase(), ' Robert ');
    assert.deepEqual(renamed, { name: 'Robert', chain: 'fisco-bcos', address: BOB, addedAt: 1000 });
    assert.deepEqual(await store.list(), [renamed]);
    assert.equal(changes(), 2);
    // Its own name in another case is no clash.
    assert.equal((await store.rename('fisco-bcos', BOB, 'ROBERT')).name, 'ROBERT');
  });

  test("rename: refused onto another contact's name or an invalid one, and for no contact", async () => {
    const { store } = storeOver();
    await store.add({ name: 'Bob', chain: 'fisco-bcos', address: BOB });
    await store.add({ name: 'Carol', chain: 'fisco-bcos', address: CAROL });
    await rejectsWith(store.rename('fisco-bcos', BOB, 'carol'), DuplicateContactError, 'name');
    await rejectsWith(store.rename('fisco-bcos', BOB, ''), InvalidContactError, 'name');
    await rejectsWith(store.rename('fabric', BOB, 'Bobby'), ContactNotFoundError);
    assert.deepEqual(
      (await store.list()).map((c) => c.name),
      ['Bob', 'Carol'],
    );
  });

  test('remove: gone, the others kept; a second remove finds nothing', async () => {
    const { store, changes } = storeOver();
    await store.add({ name: 'Bob', chain: 'fisco-bcos', address: BOB });
    await store.add({ name: 'Shop', chain: 'fabric', address: 'merchant' });
    assert.equal((await store.remove('fisco-bcos', BOB.toLowerCase())).name, 'Bob');
    assert.deepEqual(
      (await store.list()).map((c) => c.name),
      ['Shop'],
    );
    await rejectsWith(store.remove('fisco-bcos', BOB), ContactNotFoundError);
    assert.equal(changes(), 3);
    // Free again: the address and the name can be used anew.
    await store.add({ name: 'Bob', chain: 'fisco-bcos', address: BOB });
  });
});

describe('ContactStore persistence', () => {
  test('a new store over the same storage (a worker restart) has them, and keeps enforcing uniqueness', async () => {
    const local = new MemoryStorageArea();
    const first = storeOver(local).store;
    await first.add({ name: 'Bob', chain: 'fisco-bcos', address: BOB });
    await first.add({ name: 'Shop', chain: 'fabric', address: 'merchant' });
    await first.rename('fabric', 'merchant', 'Merchant Co');
    const again = storeOver(local).store;
    assert.deepEqual(await again.list(), await first.list());
    assert.deepEqual(
      (await again.list()).map((c) => [c.name, c.address]),
      [
        ['Bob', BOB],
        ['Merchant Co', 'merchant'],
      ],
    );
    await rejectsWith(
      again.add({ name: 'bob', chain: 'fisco-bcos', address: CAROL }),
      DuplicateContactError,
      'name',
    );
  });

  test('what is saved that is not a contact is left out; no item is an empty list', async () => {
    const local = new MemoryStorageArea();
    assert.deepEqual(await storeOver(local).store.list(), []);
    await local.set({
      [CONTACTS_ITEM]: [
        null,
        'x',
        { name: 'Bob', chain: 'tron', address: BOB, addedAt: 1 },
        { name: 'Ok', chain: 'fabric', address: 'ok', addedAt: 1 },
      ],
    });
    assert.deepEqual(
      (await storeOver(local).store.list()).map((c) => c.name),
      ['Ok'],
    );
  });

  test('a caller changing what it got changes nothing stored', async () => {
    const { store } = storeOver();
    await store.add({ name: 'Bob', chain: 'fisco-bcos', address: BOB });
    const [listed] = await store.list();
    if (listed) listed.name = 'Mallory';
    assert.equal((await store.list())[0]?.name, 'Bob');
  });
});

describe('the popup API for contacts', () => {
  function popup(unlocked: boolean) {
    const { store, local } = storeOver();
    const services = {
      contacts: store,
      vault: { isUnlocked: () => unlocked },
      autoLock: { touch: async () => {} },
    } as unknown as WalletServices;
    return {
      send: (message: Record<string, unknown>) => handlePopupMessage(message, services),
      store,
      local,
    };
  }

  test('add, rename, remove; invalid input answered with the typed error and its message', async () => {
    const { send, store } = popup(true);
    assert.deepEqual(await send({ type: 'addContact', name: 'Bob', chain: 'fisco-bcos', address: BOB }), {
      contact: { name: 'Bob', chain: 'fisco-bcos', address: BOB, addedAt: 1000 },
    });
    assert.deepEqual(await send({ type: 'addContact', name: 'Bob', chain: 'fisco-bcos', address: CAROL }), {
      error: 'You already have a contact named Bob on FISCO BCOS',
      name: 'DuplicateContactError',
    });
    assert.deepEqual(
      await send({ type: 'addContact', name: 'Carol', chain: 'fisco-bcos', address: '0x12' }),
      {
        error: 'A FISCO BCOS address is 0x followed by 40 hex digits',
        name: 'InvalidContactError',
      },
    );
    assert.equal(
      (
        (await send({ type: 'renameContact', chain: 'fisco-bcos', address: BOB, name: 'Robert' })) as {
          contact: { name: string };
        }
      ).contact.name,
      'Robert',
    );
    assert.deepEqual(await send({ type: 'removeContact', chain: 'fisco-bcos', address: BOB }), { ok: true });
    assert.deepEqual(await store.list(), []);
    assert.equal(
      ((await send({ type: 'addContact', name: 7, chain: 'fabric', address: 'x' })) as { name: string }).name,
      'TypeError',
    );
  });

  test('refused while the wallet is locked: nothing saved', async () => {
    const { send, local } = popup(false);
    assert.deepEqual(await send({ type: 'addContact', name: 'Bob', chain: 'fisco-bcos', address: BOB }), {
      error: 'unlock the wallet first',
      name: 'VaultLockedError',
    });
    assert.equal(local.items.has(CONTACTS_ITEM), false);
  });
});

describe('contacts stay in the wallet', () => {
  /** Every source file under `dir`. */
  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
      return /\.(ts|tsx)$/.test(entry.name) ? [path] : [];
    });
  }

  test('nothing that answers pages or talks to routers reads them', () => {
    const root = resolve(import.meta.dirname, '../../..');
    const pageFacing = ['background/provider', 'background/routers', 'content', 'p2p', 'sdk'];
    const offenders = pageFacing
      .flatMap((dir) => sources(join(root, dir)))
      .filter((file) => /\bcontacts\b|contacts\/|ContactStore/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    assert.deepEqual(offenders, []);
  });
});
