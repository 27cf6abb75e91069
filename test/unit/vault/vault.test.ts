import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WalletEvents } from '../../../background/events.ts';
import { AccountDeriver } from '../../../background/vault/accounts.ts';
import type { EncryptedRecord } from '../../../background/vault/encrypt.ts';
import {
  InvalidMnemonicError,
  NoVaultError,
  UnknownAccountError,
  VaultExistsError,
  VaultLockedError,
  WeakPasswordError,
  WrongPasswordError,
} from '../../../background/vault/errors.ts';
import { VAULT_STORAGE_ITEM, vaultStateMetadata } from '../../../background/vault/state.ts';
import { Vault } from '../../../background/vault/vault.ts';
import { MemoryStorageArea } from './memory-storage.ts';
import { TEST_MNEMONIC } from './vectors.ts';

const PASSWORD = 'correct horse battery staple';
/** Tests that are not about the KDF use a low count; the first test runs the real one. */
const FAST = 1000;

function setup(iterations: number | 'default' = FAST) {
  const local = new MemoryStorageArea();
  const session = new MemoryStorageArea();
  const open = () =>
    new Vault(
      iterations === 'default'
        ? { local, session, events: new WalletEvents() }
        : { local, session, iterations, events: new WalletEvents() },
    );
  return { local, session, vault: open(), open };
}

function storedRecord(local: MemoryStorageArea): EncryptedRecord {
  return (local.items.get(VAULT_STORAGE_ITEM) as { vault: EncryptedRecord }).vault;
}

test('the default vault stores 600,000 PBKDF2 iterations; create, lock, unlock with the real KDF', async () => {
  const { local, session, vault } = setup('default');
  const { mnemonic, accounts } = await vault.create(PASSWORD);
  assert.ok(storedRecord(local).kdf.iterations >= 600_000);
  assert.equal(mnemonic.split(' ').length, 12);
  assert.equal(accounts[0]?.address, new AccountDeriver(mnemonic).address(0));
  assert.ok(vault.isUnlocked());
  await vault.lock();
  assert.equal(vault.isUnlocked(), false);
  assert.equal(session.items.size, 0);
  await vault.unlock(PASSWORD);
  assert.ok(vault.isUnlocked());
  assert.deepEqual(await vault.accounts(), accounts);
});

test('import: the known vector gives account 0 = 0xf39F…2266 and its private key', async () => {
  const { vault } = setup();
  const { mnemonic, accounts } = await vault.create(PASSWORD, ` ${TEST_MNEMONIC.toUpperCase()} `);
  assert.equal(mnemonic, TEST_MNEMONIC);
  assert.deepEqual(accounts, [
    { index: 0, address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', name: 'Account 1' },
  ]);
  assert.equal(
    Buffer.from(vault.privateKey(0)).toString('hex'),
    'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  );
  assert.throws(() => vault.privateKey(1), UnknownAccountError);
});

test('create refuses an invalid mnemonic, a weak password and a second wallet; nothing is stored', async () => {
  const { local, session, vault } = setup();
  await assert.rejects(
    vault.create(PASSWORD, 'test test test test test test test test test test test test'),
    InvalidMnemonicError,
  );
  await assert.rejects(vault.create('short'), WeakPasswordError);
  assert.equal(local.items.size + session.items.size, 0);
  assert.equal(await vault.hasVault(), false);
  await assert.rejects(vault.unlock(PASSWORD), NoVaultError);
  await vault.create(PASSWORD);
  await assert.rejects(vault.create(PASSWORD, TEST_MNEMONIC), VaultExistsError);
});

test('a wrong password changes nothing: stored record byte for byte, still locked, old password still works', async () => {
  const { local, session, vault, open } = setup();
  await vault.create(PASSWORD, TEST_MNEMONIC);
  await vault.lock();
  const before = local.dump();

  await assert.rejects(vault.unlock('wrong password'), WrongPasswordError);
  assert.equal(local.dump(), before);
  assert.equal(vault.isUnlocked(), false);
  assert.equal(session.items.size, 0);

  await assert.rejects(vault.changePassword('wrong password', 'another password'), WrongPasswordError);
  assert.equal(local.dump(), before);
  await assert.rejects(vault.changePassword(PASSWORD, 'weak'), WeakPasswordError);
  assert.equal(local.dump(), before);

  const fresh = open(); // and a restarted worker sees the same
  await assert.rejects(
    fresh.unlock('wrong password'),
    (e: unknown) => e instanceof Error && e.name === 'WrongPasswordError',
  );
  assert.equal(local.dump(), before);
  await fresh.unlock(PASSWORD);
  assert.ok(fresh.isUnlocked());
});

test('changePassword re-encrypts: the new password opens, the old does not', async () => {
  const { local, vault, open } = setup();
  await vault.create(PASSWORD, TEST_MNEMONIC);
  const oldRecord = storedRecord(local);
  await vault.changePassword(PASSWORD, 'a brand new password');
  const newRecord = storedRecord(local);
  assert.notEqual(newRecord.kdf.salt, oldRecord.kdf.salt);
  assert.ok(vault.isUnlocked(), 'changing the password does not lock');
  const fresh = open();
  await assert.rejects(fresh.unlock(PASSWORD), WrongPasswordError);
  await fresh.unlock('a brand new password');
  assert.equal((await fresh.accounts())[0]?.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
});

test('session restore after a worker restart; lock clears the session storage', async () => {
  const { session, vault, open } = setup();
  await vault.create(PASSWORD, TEST_MNEMONIC);
  await vault.addAccount();
  assert.ok(session.items.size > 0);

  const restarted = open(); // a new instance over the same storages: the worker restarted
  assert.equal(restarted.isUnlocked(), false);
  assert.equal(await restarted.restore(), true);
  assert.ok(restarted.isUnlocked());
  assert.deepEqual(restarted.privateKey(1), vault.privateKey(1));
  assert.equal((await restarted.accounts()).length, 2);

  await restarted.lock();
  assert.equal(session.items.size, 0);
  assert.equal(session.dump(), '{}');
  const again = open();
  assert.equal(await again.restore(), false);
  assert.equal(again.isUnlocked(), false);
  assert.throws(() => again.privateKey(0), VaultLockedError);
});

test('restore without a session (browser restarted) or without a wallet stays locked', async () => {
  const { session, vault, open } = setup();
  assert.equal(await vault.restore(), false);
  await vault.create(PASSWORD);
  session.items.clear();
  const restarted = open();
  assert.equal(await restarted.restore(), false);
  await assert.rejects(restarted.addAccount(), VaultLockedError);
  await assert.rejects(restarted.renameAccount(0, 'x'), VaultLockedError);
});

test('added and renamed accounts persist across a restart', async () => {
  const { vault, open } = setup();
  await vault.create(PASSWORD, TEST_MNEMONIC);
  const second = await vault.addAccount();
  assert.deepEqual(second, {
    index: 1,
    address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    name: 'Account 2',
  });
  const third = await vault.addAccount('  Savings ');
  assert.equal(third.name, 'Savings');
  assert.equal((await vault.renameAccount(0, 'Main')).name, 'Main');
  await assert.rejects(vault.renameAccount(7, 'Nope'), UnknownAccountError);
  await assert.rejects(vault.renameAccount(0, '   '), RangeError);
  await assert.rejects(vault.renameAccount(0, 'x'.repeat(65)), RangeError);

  const restarted = open();
  const expected = [
    { index: 0, address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', name: 'Main' },
    { index: 1, address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', name: 'Account 2' },
    { index: 2, address: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', name: 'Savings' },
  ];
  assert.deepEqual(await restarted.accounts(), expected, 'metadata readable while locked');
  await restarted.unlock(PASSWORD);
  assert.deepEqual(await restarted.accounts(), expected);
  assert.deepEqual(await restarted.view(), { hasVault: true, isUnlocked: true, accounts: expected });
});

test('concurrent operations run one at a time', async () => {
  const { vault } = setup();
  await vault.create(PASSWORD, TEST_MNEMONIC);
  const added = await Promise.all([vault.addAccount(), vault.addAccount(), vault.addAccount()]);
  assert.deepEqual(
    added.map((a) => a.index),
    [1, 2, 3],
  );
  assert.equal((await vault.accounts()).length, 4);
});

test('a planted address in storage.local is replaced by the derived one on unlock', async () => {
  const { local, vault, open } = setup();
  await vault.create(PASSWORD, TEST_MNEMONIC);
  const stored = local.items.get(VAULT_STORAGE_ITEM) as { accounts: { address: string }[] };
  (stored.accounts[0] as { address: string }).address = '0x000000000000000000000000000000000000dEaD';
  const restarted = open();
  await restarted.unlock(PASSWORD);
  assert.equal((await restarted.accounts())[0]?.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  assert.match(local.dump(), /0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266/);
});

test('nothing secret reaches storage.local in clear, and the metadata forbids persisting a secret field', async () => {
  for (const [field, meta] of Object.entries(vaultStateMetadata)) {
    assert.ok(!(meta.persist && meta.secret), `${field} is secret and persisted`);
  }
  const { local, session, vault } = setup();
  await vault.create(PASSWORD, TEST_MNEMONIC);
  await vault.addAccount();
  await vault.renameAccount(1, 'Second');
  await vault.changePassword(PASSWORD, 'a brand new password');
  const keys = [0, 1].map((i) => Buffer.from(vault.privateKey(i)));
  for (const dump of [local.dump(), session.dump()]) {
    assert.doesNotMatch(dump, new RegExp(TEST_MNEMONIC));
    // Tokens of letters only: a mnemonic word would appear as its own token.
    const tokens = new Set(dump.split(/[^a-z]+/i).map((t) => t.toLowerCase()));
    assert.ok(!tokens.has('test') && !tokens.has('junk'), 'a mnemonic word in storage');
    assert.doesNotMatch(dump, new RegExp(PASSWORD));
    for (const key of keys) {
      assert.ok(!dump.toLowerCase().includes(key.toString('hex')), 'a private key (hex) in storage');
      assert.ok(!dump.includes(key.toString('base64')), 'a private key (base64) in storage');
    }
  }
  // And a random mnemonic, as a whole phrase.
  const other = setup();
  const { mnemonic } = await other.vault.create(PASSWORD);
  assert.ok(!other.local.dump().includes(mnemonic));
  assert.ok(!other.session.dump().includes(mnemonic));
});

test('an older record with fewer iterations is upgraded on unlock', async () => {
  const local = new MemoryStorageArea();
  const session = new MemoryStorageArea();
  await new Vault({ local, session, iterations: 100, events: new WalletEvents() }).create(
    PASSWORD,
    TEST_MNEMONIC,
  );
  const upgraded = new Vault({ local, session, iterations: FAST, events: new WalletEvents() });
  await upgraded.unlock(PASSWORD);
  assert.equal(storedRecord(local).kdf.iterations, FAST);
  await upgraded.lock();
  await new Vault({ local, session, iterations: FAST, events: new WalletEvents() }).unlock(PASSWORD);
});

test('says what changed: created and accounts changed, locked, unlocked with the password (not a failed try, not a restore)', async () => {
  const local = new MemoryStorageArea();
  const session = new MemoryStorageArea();
  const events = new WalletEvents();
  const heard: string[] = [];
  for (const name of ['vault:changed', 'vault:unlocked', 'vault:locked'] as const) {
    events.on(name, () => heard.push(name));
  }
  const vault = new Vault({ local, session, iterations: FAST, events });
  await vault.create(PASSWORD, TEST_MNEMONIC);
  await vault.addAccount();
  await vault.renameAccount(1, 'Savings');
  assert.deepEqual(heard, ['vault:changed', 'vault:changed', 'vault:changed']);
  heard.length = 0;
  await vault.lock();
  await assert.rejects(vault.unlock('wrong password'), WrongPasswordError);
  assert.deepEqual(heard, ['vault:locked']);
  await vault.unlock(PASSWORD);
  assert.deepEqual(heard, ['vault:locked', 'vault:unlocked']);
  assert.equal(vault.isUnlocked(), true);
  heard.length = 0;
  // A restarted worker finds it unlocked: nothing changed for anyone.
  const restarted = new Vault({ local, session, iterations: FAST, events });
  assert.equal(await restarted.restore(), true);
  assert.deepEqual(heard, []);
});
