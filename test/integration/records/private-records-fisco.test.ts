/**
 * Private records on FISCO BCOS (issue 16), end to end: the wallet's owner-side functions
 * (background/records) with a real Vault, ChainTrust and LightClient, one real router (libp2p)
 * and the Records contract on a devnode. A call's `from` is whatever its caller says on FISCO
 * BCOS, so anyone can read a record as its owner: what they get must be ciphertext only, and
 * the plaintext must be nowhere in the chain's data. A grant's audience opens the fields it
 * covers and no other; a revoked audience opens nothing written after the revocation; the
 * recovery phrase alone opens the owner's records again.
 *
 * A plain call of readWithGrant through the router (which would skip the router's replay and
 * revocation checks) is refused with BAD_REQUEST: test/integration/router/grants.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { MerkleStateManager } from '@ethereumjs/statemanager';
import { createAddressFromString, hexToBytes } from '@ethereumjs/util';
import { concat, keccak256, toBeHex, toUtf8Bytes, zeroPadValue } from 'ethers';
import { revokeGrant } from '../../../background/grants/revoke-grant.ts';
import { activeAudiences } from '../../../background/records/active-grants.ts';
import { RecordUnreadableError } from '../../../background/records/errors.ts';
import { putRecord, type RecordsOptions, readOwnRecord } from '../../../background/records/records.ts';
import type { ChainTrust } from '../../../background/trust/chain-trust.ts';
import { contractInterface, decodeResult, encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { recordsArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import type { LogEntry } from '../../../p2p/devnet/fisco-bcos/block-log.ts';
import { RecordingDB } from '../../../p2p/devnet/fisco-bcos/recording-db.ts';
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
import { type Harness, startHarness } from '../fisco-bcos/helpers.ts';
import {
  assertScannerFinds,
  cryptoError,
  forgedFrom,
  grantRejected,
  type IssuedGrant,
  issueGrant,
  leaks,
  leaksOnDisk,
  newAudience,
  newGrantStore,
  newWallet,
  prove,
  recordId,
  revocationServices,
  secretValue,
  type Wallet,
} from './fixture.ts';

const PATH = 'payment.bcos.records';
const abi = recordsArtifact.abi as never;
/** JSON of anything a node or router answered (block numbers may be bigints). */
const json = (value: unknown) =>
  JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

let dataDir: string;
let h: Harness;
let address: string;
let connector: FiscoBcosConnector;
let client: RecordingClient;
let closeRouter: () => Promise<void>;
let entry: ResourceEntry;
let owner: Wallet;
let trust: ChainTrust;
let options: RecordsOptions;
const grants = newGrantStore();

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'weft-records-fisco-'));
  h = await startHarness({ blockIntervalMs: 5, dataDir });
  address = await h.deploy(recordsArtifact, [PATH]);
  connector = new FiscoBcosConnector({
    url: h.node.url,
    chainId: h.node.chainId,
    groupId: h.node.groupId,
    zone: 'payment',
    chainName: 'bcos',
    resources: [{ name: 'records', address, abi }],
  });
  ({ client, close: closeRouter } = await routerFor('payment', connector));
  entry = await client.describe(PATH);
  owner = await newWallet();
  trust = newChainTrust(client);
  options = { client, vault: owner.vault, trust, entry, signer: { account: 0 } };
});

after(async () => {
  // The router closes its connector.
  await closeRouter?.();
  await h?.node.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Records.get straight at the node's JSON-RPC, `from` forged to the owner's address. */
async function getAtNode(record: string) {
  const answer = await h.client.call({
    from: owner.address,
    to: address,
    data: encodeCall(abi, 'get', [record]),
  });
  assert.equal(answer.status, '0x0', `get reverted: ${answer.output}`);
  const [fields, values] = decodeResult(abi, 'get', answer.output) as [string[], string[]];
  return { answer, fields: [...fields], values: [...values] };
}

/** The owner's record as anyone reads it through the router: a call from the owner's address. */
async function sealedOf(record: string): Promise<Record<string, string>> {
  const { values } = await client.call({ path: PATH, method: 'get', args: [record], from: owner.address });
  const [fields, sealed] = values as [string[], string[]];
  return Object.fromEntries(fields.map((f, i) => [f, sealed[i] as string]));
}

/** readWithGrant straight at the chain through the connector, past the router's checks. */
async function readAtChain(issued: IssuedGrant, record: string) {
  const proof = prove(issued, record);
  const { values } = await connector.call({
    resource: PATH,
    method: 'readWithGrant',
    args: [issued.signed.grant, issued.signed.signature, proof.read, proof.signature],
  });
  return values as [string[], string[], string];
}

/** The `put` a transaction made, decoded from its input as the node stores it. */
async function putInput(txId: string) {
  const tx = await h.client.getTransactionByHash(txId);
  assert.ok(tx, `no transaction ${txId}`);
  const [id, fields, values, keyGrants, keys] = contractInterface(abi).decodeFunctionData('put', tx.input);
  return {
    input: tx.input,
    id: id as string,
    fields: [...fields] as string[],
    values: [...values] as string[],
    keyGrants: [...keyGrants].map((g: string) => g.toLowerCase()),
    keys: [...keys] as string[],
  };
}

/**
 * The key blobs (grant id -> blob) the contract stores on the owner's record after block `number`,
 * read from the contract's storage: the state is rebuilt from the node's block log (each block's
 * trie writes, then that block's state root) as the node rebuilds it on a restart. Past every
 * router and past readWithGrant's checks: what the chain holds, whoever may read it.
 * Records.sol's layout: path (slot 0), records (1), ids (2), positions (3), revoked (4); a Record
 * is exists, fields, values, keyGrants, keys.
 */
async function storedBlobs(record: string, number: bigint): Promise<Record<string, string>> {
  const entries = (await readFile(join(dataDir, 'blocks.jsonl'), 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogEntry)
    .filter((entry) => BigInt(entry.block.header.number) <= number);
  const last = entries.at(-1);
  assert.equal(BigInt(last?.block.header.number ?? -1), number, `block ${number} is not in the log`);
  const common = createCustomCommon({ name: 'records-probe', chainId: h.node.chainId }, Mainnet, {
    hardfork: Hardfork.London,
  });
  const db = new RecordingDB();
  for (const entry of entries) db.apply(entry.trie);
  const state = new MerkleStateManager({
    trie: new MerklePatriciaTrie({ db, useKeyHashing: true, common }),
    common,
  });
  await state.setStateRoot(hexToBytes(last?.block.header.stateRoot as `0x${string}`));
  const contract = createAddressFromString(address);
  const word = async (slot: bigint) =>
    BigInt(
      zeroPadValue(await state.getStorage(contract, hexToBytes(toBeHex(slot, 32) as `0x${string}`)), 32),
    );
  const dataSlot = (slot: bigint) => BigInt(keccak256(toBeHex(slot, 32)));
  const string = async (slot: bigint) => {
    const head = await word(slot);
    // Solidity: a short string sits in its slot (length * 2 in the low byte); a long one is
    // length * 2 + 1 there, its bytes from keccak(slot) on.
    if ((head & 1n) === 0n) {
      const length = Number(head & 0xffn) / 2;
      return Buffer.from(toBeHex(head, 32).slice(2, 2 + length * 2), 'hex').toString();
    }
    const length = Number((head - 1n) / 2n);
    const words = await Promise.all(
      Array.from({ length: Math.ceil(length / 32) }, (_, i) => word(dataSlot(slot) + BigInt(i))),
    );
    return Buffer.concat(words.map((w) => Buffer.from(toBeHex(w, 32).slice(2), 'hex')))
      .subarray(0, length)
      .toString();
  };
  const ownerSlot = keccak256(concat([zeroPadValue(owner.address, 32), toBeHex(1, 32)]));
  const base = BigInt(keccak256(concat([toUtf8Bytes(record), ownerSlot])));
  assert.equal(await word(base), 1n, 'the record does not exist in the contract storage');
  const count = Number(await word(base + 3n));
  assert.equal(Number(await word(base + 4n)), count, 'keyGrants and keys differ in length');
  const blobs: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const grant = toBeHex(await word(dataSlot(base + 3n) + BigInt(i)), 32);
    blobs[grant] = await string(dataSlot(base + 4n) + BigInt(i));
  }
  return blobs;
}

describe('private records on FISCO BCOS', () => {
  test('a call forging the owner as `from`, at the node or through the router, gets ciphertext only; the plaintext is not in the transaction, its block or on the node disk', async () => {
    assertScannerFinds(secretValue('probe'));
    const record = recordId('leak');
    const plain = { name: secretValue('name'), country: secretValue('country') };
    const receipt = await putRecord(options, { record, fields: plain, audiences: [] });
    assert.equal(receipt.status, 'success');

    const atNode = await getAtNode(record);
    assert.deepEqual(atNode.fields, ['name', 'country']);
    assert.equal(atNode.values.length, 2);
    for (const value of atNode.values) assert.ok(isSealed(value), `not sealed: ${value}`);
    const listed = await h.client.call({
      from: owner.address,
      to: address,
      data: encodeCall(abi, 'list', []),
    });
    assert.deepEqual([...(decodeResult(abi, 'list', listed.output)[0] as string[])], [record]);

    const routed = await client.call({ path: PATH, method: 'get', args: [record], from: owner.address });
    assert.deepEqual(routed.values, [atNode.fields, atNode.values]);

    const tx = await h.client.getTransactionByHash(receipt.txId);
    assert.ok(tx);
    const put = await putInput(receipt.txId);
    assert.deepEqual([put.id, put.fields, put.values], [record, atNode.fields, atNode.values]);
    const block = await h.client.getBlockByNumber(receipt.blockNumber, true);
    const relayed = await client.getTransaction(PATH, receipt.txId);
    // Controls: the scans see the write (its record id and its ciphertext are in the input).
    assert.ok(leaks(tx.input, record).includes('hex'));
    assert.ok(leaks(json(block), atNode.values[0] as string).includes('hex'));
    assert.ok(Object.keys(await leaksOnDisk(dataDir, record)).length > 0, 'the block log holds the put');

    for (const secret of Object.values(plain)) {
      for (const [what, data] of Object.entries({
        'get at the node': json(atNode.answer),
        'get at the node, decoded': json(atNode.values),
        'list at the node': json(listed),
        'get through the router': json(routed),
        'the transaction': json(tx),
        'the transaction, decoded': json(put),
        'its block': json(block),
        'the transaction through the router': json(relayed),
      })) {
        assert.deepEqual(leaks(data, secret), [], `${what} holds the plaintext`);
      }
      assert.deepEqual(await leaksOnDisk(dataDir, secret), {}, 'the node disk holds the plaintext');
    }
  });

  test("a grant covering `name` reads and opens `name` only; its keys open no other field, even given that field's ciphertext", async () => {
    const record = recordId('fields');
    const plain = { name: secretValue('name'), country: secretValue('country') };
    const issued = await issueGrant(grants, owner, newAudience(), {
      resource: PATH,
      records: [record],
      fields: ['name'],
      chain: 'fisco-bcos',
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
    // `country`'s ciphertext, as anyone reads it with a forged `from`.
    const full = await sealedOf(record);
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

  test('after a revocation, the next write shuts the audience out: the router refuses it, its old keys open nothing new, and the contract stores no blob for its grant', async () => {
    const record = recordId('revoke');
    const place = { resource: PATH, record };
    const query = { issuer: owner.address, resource: PATH, record };
    const scope = { resource: PATH, records: [record], chain: 'fisco-bcos' as const };
    const revokedLater = await issueGrant(grants, owner, newAudience(), { ...scope, fields: [] });
    const kept = await issueGrant(grants, owner, newAudience(), { ...scope, fields: ['name'] });
    const v1 = { name: secretValue('name-v1'), country: secretValue('country-v1') };
    const before = activeAudiences(await grants.list(), query);
    assert.deepEqual(
      before.map((a) => a.grantId),
      [revokedLater.id, kept.id],
    );
    const put1 = await putRecord(options, { record, fields: v1, audiences: before });
    assert.equal(put1.status, 'success');
    const [revokedId, keptId] = [revokedLater.id.toLowerCase(), kept.id.toLowerCase()];
    assert.deepEqual((await putInput(put1.txId)).keyGrants, [revokedId, keptId]);

    const x = revokedLater.audience.privateKey;
    const read1 = await client.readGranted(PATH, revokedLater.signed, prove(revokedLater, record));
    assert.deepEqual(await openGranted(x, { ...place, grantId: revokedLater.id, ...read1 }), v1);
    const oldKeys = await unwrapKeys(x, { ...place, grantId: revokedLater.id }, read1.key);
    assert.deepEqual(Object.keys(oldKeys).sort(), ['country', 'name']);
    const sealed1 = await sealedOf(record);
    // Straight at the chain the blob is there before the revocation, and in the contract storage.
    assert.equal((await readAtChain(revokedLater, record))[2], read1.key);
    const blobs1 = await storedBlobs(record, put1.blockNumber);
    assert.deepEqual(Object.keys(blobs1), [revokedId, keptId]);
    assert.equal(blobs1[revokedId], read1.key);

    const revoker = revocationServices(client, owner.vault, trust, grants);
    const revoked = await revokeGrant(revoker, revokedLater.id);
    assert.ok(revoked.revokedAt !== undefined && revoked.revocationTxId);
    // The activity names who signed it: the issuing account.
    assert.deepEqual(
      (await revoker.activity.list()).map((e) => [e.summary, e.account, e.status]),
      [[`${PATH}.revoke`, owner.address, 'success']],
    );
    // The revocation alone leaves the blob (of keys the audience holds already) on the record.
    const revocation = await h.client.getTransactionReceipt(revoked.revocationTxId);
    assert.ok(revocation);
    assert.deepEqual(await storedBlobs(record, BigInt(revocation.blockNumber)), blobs1);
    const remaining = activeAudiences(await grants.list(), query);
    assert.deepEqual(
      remaining.map((a) => a.grantId),
      [kept.id],
    );
    const v2 = { name: secretValue('name-v2'), country: secretValue('country-v2') };
    const put2 = await putRecord(options, { record, fields: v2, audiences: remaining });
    assert.equal(put2.status, 'success');

    // (a) The router refuses the revoked grant's read.
    await assert.rejects(
      client.readGranted(PATH, revokedLater.signed, prove(revokedLater, record)),
      grantRejected('revoked'),
    );
    // (b) The keys it unwrapped before open the old ciphertext, and nothing of the new one.
    const sealed2 = await sealedOf(record);
    assert.deepEqual(await openRecord(oldKeys, place, sealed1), v1);
    for (const field of ['name', 'country']) {
      assert.notEqual(sealed2[field], sealed1[field]);
      await assert.rejects(
        openRecord({ [field]: oldKeys[field] as Uint8Array }, place, { [field]: sealed2[field] as string }),
        cryptoError('wrong-key'),
        field,
      );
    }
    // (c) The new write carries one blob, the kept grant's, and the contract storage holds that
    // one only (a put replaces every blob); the chain refuses the revoked grant even past the router.
    const written = await putInput(put2.txId);
    assert.deepEqual(written.keyGrants, [keptId]);
    assert.equal(written.keys.length, 1);
    const read2 = await client.readGranted(PATH, kept.signed, prove(kept, record));
    assert.deepEqual(await storedBlobs(record, put2.blockNumber), { [keptId]: read2.key });
    await assert.rejects(readAtChain(revokedLater, record), /Grant: revoked/);
    // The audience that kept its grant opens the new write.
    assert.deepEqual(await openGranted(kept.audience.privateKey, { ...place, grantId: kept.id, ...read2 }), {
      name: v2.name,
    });
  });

  test('the recovery phrase on fresh storage opens the owner’s record; another phrase reads the ciphertext and opens nothing', async () => {
    const record = recordId('restore');
    const place = { resource: PATH, record };
    const plain = { name: secretValue('name'), country: secretValue('country') };
    assert.equal((await putRecord(options, { record, fields: plain, audiences: [] })).status, 'success');

    const restored = await newWallet(owner.mnemonic);
    assert.equal(restored.address, owner.address);
    const restoredOptions = { ...options, vault: restored.vault, trust: newChainTrust(client) };
    assert.deepEqual(await readOwnRecord(restoredOptions, record), { record, fields: plain });

    const stranger = await newWallet();
    assert.notEqual(stranger.address, owner.address);
    const strangerOptions = { ...options, vault: stranger.vault, trust: newChainTrust(client) };
    // Its own address holds no such record...
    await assert.rejects(readOwnRecord(strangerOptions, record), { name: 'RecordNotFoundError' });
    // ...and pointed at the owner's (a call from the owner's address) it gets ciphertext it cannot open.
    await assert.rejects(
      readOwnRecord({ ...strangerOptions, client: forgedFrom(client, owner.address) }, record),
      (error: unknown) => {
        assert.ok(error instanceof RecordUnreadableError, String(error));
        assert.equal(error.reason, 'wrong-key');
        assert.equal(error.record, record);
        assert.deepEqual(leaks(error.message, plain.name), []);
        return true;
      },
    );
    const sealed = await sealedOf(record);
    const key = stranger.vault.privateKey(0);
    const secret = recordsSecret(key);
    key.fill(0);
    await assert.rejects(
      openRecord(fieldKeys(secret, place, sealed), place, sealed),
      cryptoError('wrong-key'),
    );
  });
});
