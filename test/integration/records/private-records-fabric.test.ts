/**
 * Private records on Fabric (issue 16), end to end: the wallet's owner-side functions
 * (background/records) with a real Vault (the owner's Fabric identity imported into it),
 * ChainTrust and LightClient, one real router (libp2p) and the `records` chaincode on the
 * two-organisation devpeer. Another organisation's user is refused the owner's record, and what
 * every peer stores, in its state and in its blocks, is ciphertext only. A grant's audience
 * opens the fields it covers and no other; a revoked audience opens nothing written after the
 * revocation; the recovery phrase, not the Fabric identity, is what opens the owner's records.
 *
 * A plain call of ReadWithGrant through the router (as a call, prepare, endorse or submit) is
 * refused with BAD_REQUEST: test/integration/router/grants.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway } from '@hyperledger/fabric-gateway';
import { ensureAccountLink, whoAmI } from '../../../background/grants/fabric-link.ts';
import { revokeGrant } from '../../../background/grants/revoke-grant.ts';
import { activeAudiences } from '../../../background/records/active-grants.ts';
import { RecordUnreadableError } from '../../../background/records/errors.ts';
import {
  putRecord,
  type RecordsOptions,
  readOwnRecord,
  readSealedRecord,
} from '../../../background/records/records.ts';
import type { ChainTrust } from '../../../background/trust/chain-trust.ts';
import type { Vault } from '../../../background/vault/vault.ts';
import { recordMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import { decodeChaincodeResult } from '../../../p2p/chains/fabric/chaincode-result.ts';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import { FabricChaincodeError } from '../../../p2p/chains/fabric/errors.ts';
import { type FabricSigningIdentity, newDigestSigner } from '../../../p2p/chains/fabric/identity.ts';
import { signProposal } from '../../../p2p/chains/fabric/offline-signing.ts';
import type { DevpeerNode } from '../../../p2p/devnet/fabric/devpeer.ts';
import type { IssuedIdentity } from '../../../p2p/devnet/fabric/test-ca.ts';
import {
  fieldKeys,
  isSealed,
  openGranted,
  openRecord,
  recordsSecret,
  unwrapKeys,
  WRAPPED_PREFIX,
} from '../../../p2p/grants/record-crypto.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import { newChainTrust, type RecordingClient, routerFor } from '../asset-chain/wallet.ts';
import { CHANNEL, decoder, encoder, startTestDevpeer, type TestDevpeer } from '../fabric/fixture.ts';
import {
  assertScannerFinds,
  cryptoError,
  grantRejected,
  type IssuedGrant,
  issueGrant,
  leaks,
  leaksOnDisk,
  newAudience,
  newGrantStore,
  newWallet,
  PASSWORD,
  prove,
  recordId,
  revocationServices,
  secretValue,
  type Wallet,
} from './fixture.ts';

const PATH = 'trade.fab.records';
const json = (value: unknown) =>
  JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

interface StoredRecord {
  owner: string;
  id: string;
  data: string;
  keys: Record<string, string>;
}

let devpeer: TestDevpeer;
let connector: FabricConnector;
let client: RecordingClient;
let closeRouter: () => Promise<void>;
let entry: ResourceEntry;
let owner: Wallet;
let ownerIdentity: IssuedIdentity;
let trust: ChainTrust;
let options: RecordsOptions;
/** The owner's Fabric id (x509::subject::issuer), what GetRecord names. */
let ownerFabricId: string;
let org2Client: grpc.Client;
let org2Gateway: Gateway;
const grants = newGrantStore();

/** The owner's Fabric identity as a user imports it: its PEM files. */
async function importOwnerIdentity(vault: Vault): Promise<string> {
  const meta = await vault.importFabricIdentity(PASSWORD, {
    name: ownerIdentity.name,
    mspId: ownerIdentity.mspId,
    certificate: await readFile(join(ownerIdentity.mspDir, 'signcerts', 'cert.pem'), 'utf8'),
    privateKeyPem: await readFile(join(ownerIdentity.mspDir, 'keystore', 'key.pem'), 'utf8'),
  });
  return meta.id;
}

/** Options of `wallet` with the owner's Fabric identity imported into it (a fresh chain trust too). */
async function optionsOf(wallet: Wallet): Promise<RecordsOptions> {
  const fabricIdentity = await importOwnerIdentity(wallet.vault);
  return {
    client,
    vault: wallet.vault,
    trust: newChainTrust(client),
    entry,
    signer: { account: 0, fabricIdentity },
  };
}

before(async () => {
  devpeer = await startTestDevpeer({ maxBlockTxs: 1, blockIntervalMs: 20 });
  connector = new FabricConnector({
    endpoint: devpeer.peer.address,
    channel: CHANNEL,
    zone: 'trade',
    chainName: 'fab',
    routerIdentity: devpeer.peer.identities.router1 as FabricSigningIdentity,
    resources: [{ name: 'records', chaincode: 'records', methods: recordMethods }],
  });
  ({ client, close: closeRouter } = await routerFor('trade', connector));
  entry = await client.describe(PATH);
  ownerIdentity = devpeer.peer.identities.user1 as IssuedIdentity;
  owner = await newWallet();
  trust = newChainTrust(client);
  const fabricIdentity = await importOwnerIdentity(owner.vault);
  options = { client, vault: owner.vault, trust, entry, signer: { account: 0, fabricIdentity } };
  const [account] = await owner.vault.accounts();
  assert.ok(account);
  const link = { client, vault: owner.vault, trust, resource: entry, identityId: fabricIdentity, account };
  // Grants are read from the records of the identity linked to their issuer.
  await ensureAccountLink(link);
  ownerFabricId = (await whoAmI(link)).id;

  const org2User = devpeer.peer.org2.identities.user1 as FabricSigningIdentity;
  org2Client = new grpc.Client(devpeer.peer.org2.address, grpc.credentials.createInsecure());
  org2Gateway = connect({
    client: org2Client,
    identity: { mspId: org2User.mspId, credentials: encoder.encode(org2User.certificate) },
    signer: newDigestSigner(org2User.privateKey),
  });
});

after(async () => {
  org2Gateway?.close();
  org2Client?.close();
  // The router closes its connector; the devpeer checks every block it made on close.
  await closeRouter?.();
  await devpeer?.close();
});

/** The owner's record as a peer stores it in its state database (what its operator reads). */
function storedAt(node: DevpeerNode, record: string): { bytes: Uint8Array; stored: StoredRecord } {
  const ledger = node.ledger(CHANNEL);
  for (const key of ledger.rangeKeys('records', '', '')) {
    const bytes = ledger.getState('records', key)?.value;
    if (!bytes) continue;
    let stored: StoredRecord;
    try {
      stored = JSON.parse(decoder.decode(bytes)) as StoredRecord;
    } catch {
      continue;
    }
    if (stored.owner === ownerFabricId && stored.id === record) return { bytes, stored };
  }
  assert.fail(`${node.name} stores no record ${record} of the owner`);
}

/** The owner's stored record (data and key blobs) through the wallet's verified read: GetRecord. */
async function ownStored(record: string): Promise<StoredRecord> {
  const key = owner.vault.fabricSigningIdentity(options.signer.fabricIdentity as string);
  try {
    const { read } = await trust.fabricRead(PATH, key, {
      chaincode: entry.address,
      fn: 'GetRecord',
      args: [ownerFabricId, record],
    });
    const result = decodeChaincodeResult(read.payload);
    return (typeof result === 'string' ? JSON.parse(result) : result) as StoredRecord;
  } finally {
    key.privateKey.fill(0);
  }
}

/** A read evaluated under `identity`, relayed by the connector straight to the peer. */
async function evaluateAs(identity: FabricSigningIdentity, fn: string, args: string[]) {
  const proposal = signProposal(identity, { channel: CHANNEL, chaincode: 'records', fn, args });
  return (await connector.call({ resource: PATH, method: fn, args: [], signed: proposal.signed })).values[0];
}

/** ReadWithGrant straight at the peer through the connector (the router's identity), past the router. */
async function readAtChain(issued: IssuedGrant, record: string) {
  const proof = prove(issued, record);
  const args = [
    JSON.stringify(issued.signed.grant),
    issued.signed.signature,
    JSON.stringify(proof.read),
    proof.signature,
  ];
  return (await connector.call({ resource: PATH, method: 'ReadWithGrant', args })).values[0] as {
    fields: Record<string, string>;
    key: string;
  };
}

/** A refusal whose text (message and details) matches `pattern` and holds none of `secrets`. */
function refusedWithout(pattern: RegExp, secrets: string[]) {
  return (error: unknown) => {
    const text = `${(error as Error).message} ${json((error as { details?: unknown }).details ?? null)}`;
    assert.match(text, pattern);
    for (const secret of secrets) assert.deepEqual(leaks(text, secret), []);
    return true;
  };
}

describe('private records on Fabric', () => {
  test("another organisation's user is refused the owner's record; every peer's state and blocks hold ciphertext only", async () => {
    assertScannerFinds(secretValue('probe'));
    const record = recordId('leak');
    const plain = { name: secretValue('name'), country: secretValue('country') };
    const secrets = Object.values(plain);
    const receipt = await putRecord(options, { record, fields: plain, audiences: [] });
    assert.equal(receipt.status, 'success');

    const own = await readSealedRecord(options, record);
    assert.ok(own);
    assert.deepEqual(Object.keys(own), ['name', 'country']);
    for (const value of Object.values(own)) assert.ok(isSealed(value), `not sealed: ${value}`);

    // Org2's user, straight at Org2's peer through the Gateway, naming the owner's id.
    const org2Records = org2Gateway.getNetwork(CHANNEL).getContract('records');
    await assert.rejects(
      org2Records.evaluateTransaction('GetRecord', ownerFabricId, record),
      refusedWithout(/access denied to record/, secrets),
    );
    assert.deepEqual(JSON.parse(decoder.decode(await org2Records.evaluateTransaction('ListRecords'))), []);
    // Another Org1 identity, relayed by the connector to Org1's peer.
    const stranger = (await devpeer.peer.issue('stranger')) as FabricSigningIdentity;
    await assert.rejects(
      evaluateAs(stranger, 'GetRecord', [ownerFabricId, record]),
      refusedWithout(/access denied to record/, secrets),
    );

    assert.equal(devpeer.peer.peers.length, 2);
    for (const node of devpeer.peer.peers) {
      const { bytes, stored } = storedAt(node, record);
      const data = JSON.parse(stored.data) as Record<string, string>;
      assert.deepEqual(data, own, `${node.name} state`);
      const location = node.ledger(CHANNEL).txLocation(receipt.txId);
      assert.ok(location, `${node.name} has no transaction ${receipt.txId}`);
      const block = node.ledger(CHANNEL).blockBytes(location.blockNum);
      assert.ok(block);
      // Controls: the block holds the write (its record id and its ciphertext).
      assert.ok(leaks(block, record).includes('utf8'));
      assert.ok(leaks(block, own.name as string).includes('utf8'));
      for (const secret of secrets) {
        assert.deepEqual(leaks(bytes, secret), [], `${node.name} state holds the plaintext`);
        assert.deepEqual(leaks(block, secret), [], `${node.name} block holds the plaintext`);
      }
    }
    // The same transaction as the router hands it to anyone who asks.
    const relayed = json(await client.getTransaction(PATH, receipt.txId));
    assert.ok(leaks(relayed, record).length > 0);
    // Every file of both peers (block files, with every block of the channel).
    assert.ok(Object.keys(await leaksOnDisk(devpeer.dir, record)).length >= 2);
    for (const secret of secrets) {
      assert.deepEqual(leaks(relayed, secret), [], 'the relayed transaction holds the plaintext');
      assert.deepEqual(await leaksOnDisk(devpeer.dir, secret), {}, 'a peer disk holds the plaintext');
    }
  });

  test("a grant covering `name` reads and opens `name` only; its keys open no other field, even given that field's ciphertext", async () => {
    const record = recordId('fields');
    const plain = { name: secretValue('name'), country: secretValue('country') };
    const issued = await issueGrant(grants, owner, newAudience(), {
      resource: PATH,
      records: [record],
      fields: ['name'],
      chain: 'fabric',
      fabricIdentity: options.signer.fabricIdentity as string,
    });
    const audiences = activeAudiences(await grants.list(), {
      issuer: owner.address,
      resource: PATH,
      record,
    });
    assert.deepEqual(
      audiences.map((a) => [a.grantId, a.fields]),
      [[issued.id, ['name']]],
    );
    assert.equal((await putRecord(options, { record, fields: plain, audiences })).status, 'success');

    const granted = await client.readGranted(PATH, issued.signed, prove(issued, record));
    assert.equal(granted.record, record);
    assert.deepEqual(Object.keys(granted.fields), ['name']);
    assert.ok(granted.key.startsWith(WRAPPED_PREFIX));
    assert.deepEqual(leaks(json(granted), plain.country), []);
    const audienceKey = issued.audience.privateKey;
    const place = { resource: PATH, record };
    assert.deepEqual(await openGranted(audienceKey, { ...place, grantId: issued.id, ...granted }), {
      name: plain.name,
    });

    const keys = await unwrapKeys(audienceKey, { ...place, grantId: issued.id }, granted.key);
    assert.deepEqual(Object.keys(keys), ['name']);
    // `country`'s ciphertext, as Org2's peer stores it.
    const full = JSON.parse(storedAt(devpeer.peer.org2, record).stored.data) as Record<string, string>;
    assert.deepEqual(full, await readSealedRecord(options, record));
    assert.deepEqual(Object.keys(full), ['name', 'country']);
    assert.ok(isSealed(full.country as string));
    assert.deepEqual(await openRecord(keys, place, full), { name: plain.name });
    assert.deepEqual(
      await openGranted(audienceKey, { ...place, grantId: issued.id, fields: full, key: granted.key }),
      { name: plain.name },
    );
    await assert.rejects(
      openRecord({ country: keys.name as Uint8Array }, place, { country: full.country as string }),
      cryptoError('wrong-key'),
    );
  });

  test('after a revocation, the next write shuts the audience out: the router refuses it, its old keys open nothing new, and the stored record keeps no blob for its grant', async () => {
    const record = recordId('revoke');
    const place = { resource: PATH, record };
    const query = { issuer: owner.address, resource: PATH, record };
    const scope = {
      resource: PATH,
      records: [record],
      chain: 'fabric' as const,
      fabricIdentity: options.signer.fabricIdentity as string,
    };
    const revokedLater = await issueGrant(grants, owner, newAudience(), { ...scope, fields: [] });
    const kept = await issueGrant(grants, owner, newAudience(), { ...scope, fields: ['name'] });
    const [revokedId, keptId] = [revokedLater.id.toLowerCase(), kept.id.toLowerCase()];
    const v1 = { name: secretValue('name-v1'), country: secretValue('country-v1') };
    const before = activeAudiences(await grants.list(), query);
    assert.deepEqual(
      before.map((a) => a.grantId),
      [revokedLater.id, kept.id],
    );
    assert.equal((await putRecord(options, { record, fields: v1, audiences: before })).status, 'success');
    assert.deepEqual(Object.keys((await ownStored(record)).keys).sort(), [revokedId, keptId].sort());

    const x = revokedLater.audience.privateKey;
    const read1 = await client.readGranted(PATH, revokedLater.signed, prove(revokedLater, record));
    assert.deepEqual(await openGranted(x, { ...place, grantId: revokedLater.id, ...read1 }), v1);
    const oldKeys = await unwrapKeys(x, { ...place, grantId: revokedLater.id }, read1.key);
    assert.deepEqual(Object.keys(oldKeys).sort(), ['country', 'name']);
    const sealed1 = await readSealedRecord(options, record);
    assert.ok(sealed1);
    assert.equal((await readAtChain(revokedLater, record)).key, read1.key);

    const revoker = revocationServices(client, owner.vault, trust, grants);
    const revoked = await revokeGrant(revoker, revokedLater.id);
    assert.ok(revoked.revokedAt !== undefined && revoked.revocationTxId);
    // The activity names who signed it: the Fabric identity linked to the issuer.
    const [identity] = await owner.vault.fabricIdentities();
    assert.deepEqual(
      (await revoker.activity.list()).map((e) => [e.summary, e.account, e.status]),
      [[`${PATH}.RevokeGrant`, `${identity?.name} (${identity?.mspId})`, 'success']],
    );
    // The revocation alone leaves the blob (of keys the audience holds already) on the record.
    assert.equal((await ownStored(record)).keys[revokedId], read1.key);
    const remaining = activeAudiences(await grants.list(), query);
    assert.deepEqual(
      remaining.map((a) => a.grantId),
      [kept.id],
    );
    const v2 = { name: secretValue('name-v2'), country: secretValue('country-v2') };
    assert.equal((await putRecord(options, { record, fields: v2, audiences: remaining })).status, 'success');

    // (a) The router refuses the revoked grant's read.
    await assert.rejects(
      client.readGranted(PATH, revokedLater.signed, prove(revokedLater, record)),
      grantRejected('revoked'),
    );
    // (b) The keys it unwrapped before open the old ciphertext, and nothing of the new one.
    const sealed2 = await readSealedRecord(options, record);
    assert.ok(sealed2);
    assert.deepEqual(await openRecord(oldKeys, place, sealed1), v1);
    for (const field of ['name', 'country']) {
      assert.notEqual(sealed2[field], sealed1[field]);
      await assert.rejects(
        openRecord({ [field]: oldKeys[field] as Uint8Array }, place, { [field]: sealed2[field] as string }),
        cryptoError('wrong-key'),
        field,
      );
    }
    // (c) The stored record holds one blob, the kept grant's, on the owner's read and on both
    // peers; the chaincode refuses the revoked grant even past the router.
    const stored = await ownStored(record);
    assert.deepEqual(Object.keys(stored.keys), [keptId]);
    assert.notEqual(stored.keys[keptId], '');
    for (const node of devpeer.peer.peers) {
      assert.deepEqual(Object.keys(storedAt(node, record).stored.keys), [keptId], node.name);
    }
    await assert.rejects(readAtChain(revokedLater, record), (error: unknown) => {
      assert.ok(error instanceof FabricChaincodeError, String(error));
      assert.equal(error.chaincodeMessage, 'Grant: revoked');
      return true;
    });
    // The audience that kept its grant opens the new write.
    const read2 = await client.readGranted(PATH, kept.signed, prove(kept, record));
    assert.deepEqual(await openGranted(kept.audience.privateKey, { ...place, grantId: kept.id, ...read2 }), {
      name: v2.name,
    });
  });

  test('the recovery phrase on fresh storage opens the owner’s record; the same Fabric identity under another phrase reads the ciphertext and opens nothing', async () => {
    const record = recordId('restore');
    const place = { resource: PATH, record };
    const plain = { name: secretValue('name'), country: secretValue('country') };
    assert.equal((await putRecord(options, { record, fields: plain, audiences: [] })).status, 'success');

    const restored = await newWallet(owner.mnemonic);
    assert.equal(restored.address, owner.address);
    assert.deepEqual(await readOwnRecord(await optionsOf(restored), record), { record, fields: plain });

    // Another phrase with the owner's Fabric identity: the chaincode lets it read the record.
    const stranger = await newWallet();
    assert.notEqual(stranger.address, owner.address);
    const strangerOptions = await optionsOf(stranger);
    const sealed = await readSealedRecord(strangerOptions, record);
    assert.deepEqual(sealed, await readSealedRecord(options, record));
    await assert.rejects(readOwnRecord(strangerOptions, record), (error: unknown) => {
      assert.ok(error instanceof RecordUnreadableError, String(error));
      assert.equal(error.reason, 'wrong-key');
      assert.equal(error.record, record);
      assert.deepEqual(leaks(error.message, plain.name), []);
      return true;
    });
    assert.ok(sealed);
    const key = stranger.vault.privateKey(0);
    const secret = recordsSecret(key);
    key.fill(0);
    await assert.rejects(
      openRecord(fieldKeys(secret, place, sealed), place, sealed),
      cryptoError('wrong-key'),
    );
  });
});
