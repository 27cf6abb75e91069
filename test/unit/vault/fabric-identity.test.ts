import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WalletEvents } from '../../../background/events.ts';
import { InvalidFabricIdentityError, WrongPasswordError } from '../../../background/vault/errors.ts';
import { Vault } from '../../../background/vault/vault.ts';
import { TestCa } from '../../../p2p/devnet/fabric/test-ca.ts';
import { MemoryStorageArea } from './memory-storage.ts';
import { TEST_MNEMONIC } from './vectors.ts';

// Fabric identities are not about the KDF: a low iteration count keeps these tests fast.
const FAST = 1_000;
const PASSWORD = 'correct horse battery';
let dir: string;
let alice: { certificate: string; privateKeyPem: string };
let bob: { certificate: string; privateKeyPem: string };

async function pems(ca: TestCa, name: string) {
  const identity = await ca.issue(name);
  return {
    certificate: await readFile(join(identity.mspDir, 'signcerts', 'cert.pem'), 'utf8'),
    privateKeyPem: await readFile(join(identity.mspDir, 'keystore', 'key.pem'), 'utf8'),
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-vault-fabric-'));
  const ca = await TestCa.open(dir, 'Org1MSP');
  alice = await pems(ca, 'alice');
  bob = await pems(ca, 'bob');
});

after(() => rm(dir, { recursive: true, force: true }));

async function unlockedVault() {
  const local = new MemoryStorageArea();
  const session = new MemoryStorageArea();
  const vault = new Vault({ local, session, iterations: FAST, events: new WalletEvents() });
  await vault.create(PASSWORD, TEST_MNEMONIC);
  return { vault, local, session };
}

test('imports a Fabric identity: key encrypted in the vault, certificate in the clear, usable after unlock', async () => {
  const { vault, local, session } = await unlockedVault();
  const meta = await vault.importFabricIdentity(PASSWORD, { name: 'Alice', mspId: 'Org1MSP', ...alice });
  assert.equal(meta.mspId, 'Org1MSP');
  assert.deepEqual(
    (await vault.fabricIdentities()).map((f) => f.name),
    ['Alice'],
  );
  const keyBody = alice.privateKeyPem.split('\n')[1] as string;
  assert.ok(!JSON.stringify([...local.items]).includes(keyBody), 'no private key in storage.local');
  const signing = vault.fabricSigningIdentity(meta.id);
  assert.equal(signing.certificate, alice.certificate.trim());
  assert.equal(signing.privateKey.length, 32);

  await vault.lock();
  assert.throws(() => vault.fabricSigningIdentity(meta.id));
  await vault.unlock(PASSWORD);
  assert.equal(vault.fabricSigningIdentity(meta.id).mspId, 'Org1MSP');

  // A restarted worker gets it back from the session key.
  const restarted = new Vault({ local, session, iterations: FAST, events: new WalletEvents() });
  assert.equal(await restarted.restore(), true);
  assert.equal(restarted.fabricSigningIdentity(meta.id).certificate, alice.certificate.trim());
});

test('a wrong password or a key of another certificate changes nothing', async () => {
  const { vault, local } = await unlockedVault();
  const before = JSON.stringify([...local.items]);
  await assert.rejects(
    vault.importFabricIdentity('not the password', { name: 'Alice', mspId: 'Org1MSP', ...alice }),
    WrongPasswordError,
  );
  await assert.rejects(
    vault.importFabricIdentity(PASSWORD, {
      name: 'Mixed',
      mspId: 'Org1MSP',
      certificate: alice.certificate,
      privateKeyPem: bob.privateKeyPem,
    }),
    InvalidFabricIdentityError,
  );
  await assert.rejects(
    vault.importFabricIdentity(PASSWORD, {
      name: 'Junk',
      mspId: 'Org1MSP',
      certificate: 'junk',
      privateKeyPem: 'junk',
    }),
    InvalidFabricIdentityError,
  );
  await assert.rejects(
    vault.importFabricIdentity(PASSWORD, { name: 'NoMsp', mspId: '', ...alice }),
    InvalidFabricIdentityError,
  );
  assert.equal(JSON.stringify([...local.items]), before);
  assert.deepEqual(await vault.fabricIdentities(), []);
});
