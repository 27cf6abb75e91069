import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WalletEvents } from '../../../background/events.ts';
import { GrantNotFoundError, GrantRevokedError } from '../../../background/grants/errors.ts';
import {
  GRANTS_STORAGE_ITEM,
  grantStateMetadata,
  type StoredGrant,
} from '../../../background/grants/grant-state.ts';
import { GrantStore } from '../../../background/grants/grant-store.ts';
import { type Grant, grantId, signDigest } from '../../../p2p/grants/typed-data.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';

const ISSUER_KEY = `0x${'11'.repeat(32)}` as const;

function storedGrant(record: string, createdAt = Date.now()): StoredGrant {
  const grant: Grant = {
    issuer: '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A',
    audienceOrigin: 'https://clinic.example',
    audienceKey: '0x1563915e194D8CfBA1943570603F7606A3115508',
    resource: 'trade.fab.records',
    records: [record],
    fields: ['name'],
    actions: ['read'],
    notBefore: 1_800_000_000,
    expiry: 1_800_003_600,
    nonce: `0x${'ab'.repeat(32)}`,
  };
  const id = grantId(grant);
  return {
    id,
    grant,
    signature: signDigest(id, ISSUER_KEY),
    origin: grant.audienceOrigin,
    chain: 'fabric',
    signer: { account: 0, fabricIdentity: 'identity-1' },
    createdAt,
  };
}

describe('GrantStore', () => {
  test('keeps the audience public key across restarts; a stored key that is no public key drops the entry', async () => {
    const local = new MemoryStorageArea();
    const store = new GrantStore(local, new WalletEvents());
    const withKey = { ...storedGrant('kyc', 1), audiencePublicKey: `0x02${'a1'.repeat(32)}` as const };
    const older = storedGrant('lab', 0);
    await store.add(older);
    await store.add(withKey);
    const reopened = new GrantStore(local, new WalletEvents());
    assert.deepEqual(
      (await reopened.list()).map((g) => [g.id, g.audiencePublicKey]),
      [
        [withKey.id, withKey.audiencePublicKey],
        // Signed before records were sealed: still listed (and revocable), with no key.
        [older.id, undefined],
      ],
    );
    const saved = (await local.get(GRANTS_STORAGE_ITEM))[GRANTS_STORAGE_ITEM] as { grants: StoredGrant[] };
    saved.grants[0] = { ...withKey, audiencePublicKey: withKey.grant.audienceKey as `0x${string}` };
    await local.set({ [GRANTS_STORAGE_ITEM]: saved });
    const damaged = new GrantStore(local, new WalletEvents());
    assert.deepEqual(
      (await damaged.list()).map((g) => g.id),
      [older.id],
    );
  });

  test('keeps grants newest first in storage.local, across a new store on the same storage', async () => {
    const local = new MemoryStorageArea();
    const store = new GrantStore(local, new WalletEvents());
    const first = storedGrant('kyc', 1);
    const second = storedGrant('lab', 2);
    await store.add(first);
    await store.add(second);
    assert.deepEqual(
      (await store.list()).map((g) => g.id),
      [second.id, first.id],
    );
    await assert.rejects(store.add(first), /stored already/);
    const reopened = new GrantStore(local, new WalletEvents());
    const listed = await reopened.list();
    assert.deepEqual(
      listed.map((g) => [g.id, g.grant.records, g.revoking]),
      [
        [second.id, ['lab'], false],
        [first.id, ['kyc'], false],
      ],
    );
    assert.deepEqual(await reopened.get(first.id.toUpperCase().replace('0X', '0x')), first);
  });

  test('records last use only for grants it issued', async () => {
    const store = new GrantStore(new MemoryStorageArea(), new WalletEvents());
    const grant = storedGrant('kyc');
    await store.add(grant);
    assert.equal(await store.markUsed(grant.id, 1234), true);
    assert.equal((await store.get(grant.id))?.lastUsedAt, 1234);
    assert.equal(await store.markUsed(`0x${'00'.repeat(32)}`), false);
  });

  test('a revocation claims the grant; only a committed one marks it revoked, with its transaction', async () => {
    const local = new MemoryStorageArea();
    const store = new GrantStore(local, new WalletEvents());
    const grant = storedGrant('kyc');
    await store.add(grant);
    await assert.rejects(store.beginRevocation(`0x${'00'.repeat(32)}`), GrantNotFoundError);

    await store.beginRevocation(grant.id);
    assert.equal((await store.list())[0]?.revoking, true);
    await assert.rejects(store.beginRevocation(grant.id), GrantRevokedError);
    // In flight is memory only: the declared metadata keeps it off disk.
    assert.deepEqual(Object.keys(local.items.get(GRANTS_STORAGE_ITEM) as object), ['grants']);
    assert.equal(grantStateMetadata.revoking.persist, false);

    await store.endRevocation(grant.id); // failed: still valid, may be tried again
    const failed = (await store.list())[0];
    assert.equal(failed?.revoking, false);
    assert.equal(failed?.revokedAt, undefined);

    await store.beginRevocation(grant.id);
    await store.endRevocation(grant.id, { txId: '0xfeed', at: 99 });
    const revoked = await new GrantStore(local, new WalletEvents()).get(grant.id);
    assert.equal(revoked?.revokedAt, 99);
    assert.equal(revoked?.revocationTxId, '0xfeed');
    await assert.rejects(store.beginRevocation(grant.id), /revoked already/);
  });

  test('drops malformed stored entries and keeps the rest', async () => {
    const local = new MemoryStorageArea();
    const good = storedGrant('kyc');
    await local.set({ [GRANTS_STORAGE_ITEM]: { grants: [{ id: 'nope' }, null, good, 7] } });
    assert.deepEqual(
      (await new GrantStore(local, new WalletEvents()).list()).map((g) => g.id),
      [good.id],
    );
    await local.set({ [GRANTS_STORAGE_ITEM]: 'garbage' });
    assert.deepEqual(await new GrantStore(local, new WalletEvents()).list(), []);
  });

  test('a failed write changes nothing', async () => {
    const local = new MemoryStorageArea();
    const store = new GrantStore(local, new WalletEvents());
    await store.add(storedGrant('kyc'));
    const set = local.set.bind(local);
    local.set = async () => {
      throw new Error('disk full');
    };
    await assert.rejects(store.add(storedGrant('lab')), /disk full/);
    local.set = set;
    assert.deepEqual(
      (await store.list()).map((g) => g.grant.records[0]),
      ['kyc'],
    );
  });
});
