/**
 * The Records contract on a devnode: owners' records, reads under EIP-712 grants checked with
 * ecrecover (every refusal reason, in order), the per-grant key blobs a read answers with, the
 * revocation registry, and the deployment the local network uses. Digests are the shared ones of
 * p2p/grants/typed-data.ts. Values and key blobs are opaque strings to the contract.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common';
import { createEVM } from '@ethereumjs/evm';
import { createAddressFromString, hexToBytes } from '@ethereumjs/util';
import { hexlify, randomBytes, Signature } from 'ethers';
import {
  decodeEvent,
  decodeResult,
  decodeRevertReason,
  encodeCall,
  encodeDeploy,
} from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { recordsArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoExecutionError } from '../../../p2p/chains/fisco-bcos/errors.ts';
import { assertReceiptOk } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { deployWeftContracts } from '../../../p2p/devnet/fisco-bcos/deploy-contracts.ts';
import {
  type Grant,
  type GrantedRead,
  grantId,
  type Hex,
  readDigest,
  signDigest,
} from '../../../p2p/grants/typed-data.ts';
import { type Harness, startHarness } from './helpers.ts';

const abi = recordsArtifact.abi as never;
const PATH = 'payment.bcos.records';
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

interface Account {
  key: Hex;
  signer: EcdsaSigner;
  address: string;
}

function account(): Account {
  const key = hexlify(randomBytes(32)) as Hex;
  const signer = new EcdsaSigner(key);
  return { key, signer, address: signer.address };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const nonce = () => hexlify(randomBytes(32)) as Hex;

let h: Harness;
let records: string;
let connector: FiscoBcosConnector;
const alice = account();
const bob = account();
const mallory = account();
/** The grantee site's key: every read must be signed by it. */
const audience = account();

before(async () => {
  h = await startHarness();
  records = await h.deploy(recordsArtifact, [PATH]);
  connector = new FiscoBcosConnector({
    url: h.node.url,
    chainId: h.node.chainId,
    groupId: h.node.groupId,
    zone: 'payment',
    chainName: 'bcos',
    resources: [{ name: 'records', address: records, abi }],
  });
  await put(alice, 'medical', ['name', 'dob', 'blood', 'allergies'], ['Alice', '1990-01-01', 'O+', 'none']);
  await put(alice, 'address', ['street', 'city'], ['1 Main St', 'Springfield']);
});
after(async () => {
  await connector?.close();
  await h?.node.close();
});

async function send(from: Account, method: string, args: unknown[]) {
  return assertReceiptOk(
    await h.send(await h.sign({ to: records, data: encodeCall(abi, method, args) }, from.signer)),
  );
}

/** `keys`: grant id -> key blob, stored with the record (none by default). */
function put(
  owner: Account,
  id: string,
  fields: string[],
  values: string[],
  keys: Record<string, string> = {},
) {
  return send(owner, 'put', [id, fields, values, Object.keys(keys), Object.values(keys)]);
}

/** A call from `from` (get and list answer for the caller). */
async function view(method: string, args: unknown[], from?: Account): Promise<unknown[]> {
  const { values } = await connector.call({
    resource: PATH,
    method,
    args,
    ...(from ? { from: from.address } : {}),
  });
  return values;
}

function grantFor(issuer: Account, overrides: Partial<Grant> = {}): Grant {
  const now = nowSeconds();
  return {
    issuer: issuer.address,
    audienceOrigin: 'http://127.0.0.1:8080',
    audienceKey: audience.address,
    resource: PATH,
    records: ['medical'],
    fields: ['blood', 'name'],
    actions: ['read'],
    notBefore: now - 60,
    expiry: now + 3600,
    nonce: nonce(),
    ...overrides,
  };
}

function readFor(grant: Grant, overrides: Partial<GrantedRead> = {}): GrantedRead {
  return {
    grant: grantId(grant),
    record: grant.records[0] ?? 'medical',
    nonce: nonce(),
    issuedAt: nowSeconds(),
    ...overrides,
  };
}

interface Attempt {
  grant: Grant;
  grantSignature?: Hex;
  read?: GrantedRead;
  readSignature?: Hex;
  /** Who signs the grant (alice, the usual issuer, by default). */
  signedBy?: Account;
  /** Who signs the read (the audience key by default). */
  readBy?: Account;
}

function args(a: Attempt): unknown[] {
  const read = a.read ?? readFor(a.grant);
  const grantSignature = a.grantSignature ?? signDigest(grantId(a.grant), (a.signedBy ?? alice).key);
  const readSignature = a.readSignature ?? signDigest(readDigest(read), (a.readBy ?? audience).key);
  return [a.grant, grantSignature, read, readSignature];
}

async function readWithGrant(a: Attempt): Promise<{ fields: string[]; values: string[]; key: string }> {
  const [fields, values, key] = (await view('readWithGrant', args(a))) as [string[], string[], string];
  return { fields, values, key };
}

async function refused(a: Attempt, reason: string): Promise<void> {
  await assert.rejects(
    readWithGrant(a),
    (e: unknown) => e instanceof FiscoExecutionError && e.status === '0x16' && e.reason === reason,
    `expected the revert "${reason}"`,
  );
}

/** The malleable twin of a low-s signature: same r, s' = n - s, v flipped. */
function highS(signature: Hex): Hex {
  const sig = Signature.from(signature);
  const s = SECP256K1_N - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return `${sig.r}${s.toString(16).padStart(64, '0')}${v.toString(16)}` as Hex;
}

describe('owner records', () => {
  test('the owner puts a record and reads it back; put emits RecordPut and replaces the record', async () => {
    const carol = account();
    const receipt = await put(carol, 'notes', ['a', 'b'], ['1', '2']);
    const event = decodeEvent(abi, receipt.logs[0] as never);
    assert.equal(event?.name, 'RecordPut');
    assert.equal(event?.args.owner, carol.address);
    assert.equal(event?.args.id, 'notes');
    assert.deepEqual(await view('get', ['notes'], carol), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    await put(carol, 'notes', ['c'], ['3']);
    assert.deepEqual(await view('get', ['notes'], carol), [['c'], ['3']]);
    assert.deepEqual(await view('list', [], carol), [['notes']]);
  });

  test('list and remove keep the owner index right; a removed record is gone', async () => {
    const dave = account();
    for (const id of ['one', 'two', 'three']) await put(dave, id, ['f'], [id]);
    assert.deepEqual(await view('list', [], dave), [['one', 'two', 'three']]);
    const receipt = await send(dave, 'remove', ['one']);
    const event = decodeEvent(abi, receipt.logs[0] as never);
    assert.deepEqual(event, {
      name: 'RecordRemoved',
      signature: 'RecordRemoved(address,string)',
      args: { owner: dave.address, id: 'one' },
    });
    assert.deepEqual(await view('list', [], dave), [['three', 'two']]);
    await assert.rejects(
      view('get', ['one'], dave),
      (e: unknown) => e instanceof FiscoExecutionError && e.reason === 'Records: no such record',
    );
    await send(dave, 'remove', ['two']);
    await send(dave, 'remove', ['three']);
    assert.deepEqual(await view('list', [], dave), [[]]);
    await put(dave, 'two', ['g'], ['again']);
    assert.deepEqual(await view('list', [], dave), [['two']]);
    assert.deepEqual(await view('get', ['two'], dave), [['g'], ['again']]);
  });

  test('put refuses mismatched fields and values, or key grants and keys; remove refuses an unknown id', async () => {
    const mismatched = await h.send(
      await h.sign(
        { to: records, data: encodeCall(abi, 'put', ['x', ['a', 'b'], ['1'], [], []]) },
        bob.signer,
      ),
    );
    assert.throws(
      () => assertReceiptOk(mismatched),
      (e: unknown) =>
        e instanceof FiscoExecutionError && e.reason === 'Records: fields and values differ in length',
    );
    for (const [grants, keys] of [
      [[nonce()], []],
      [[], ['weft-key1:orphan']],
      [[nonce(), nonce()], ['weft-key1:one']],
    ]) {
      const receipt = await h.send(
        await h.sign(
          { to: records, data: encodeCall(abi, 'put', ['x', ['a'], ['1'], grants, keys]) },
          bob.signer,
        ),
      );
      assert.throws(
        () => assertReceiptOk(receipt),
        (e: unknown) =>
          e instanceof FiscoExecutionError && e.reason === 'Records: key grants and keys differ in length',
      );
    }
    await assert.rejects(
      view('get', ['x'], bob),
      (e: unknown) => e instanceof FiscoExecutionError && e.reason === 'Records: no such record',
      'a refused put stores nothing',
    );
    const unknown = await h.send(
      await h.sign({ to: records, data: encodeCall(abi, 'remove', ['nothing']) }, bob.signer),
    );
    assert.throws(
      () => assertReceiptOk(unknown),
      (e: unknown) => e instanceof FiscoExecutionError && e.reason === 'Records: no such record',
    );
  });

  test("another account's get never returns the owner's data", async () => {
    await assert.rejects(
      view('get', ['medical'], bob),
      (e: unknown) => e instanceof FiscoExecutionError && e.reason === 'Records: no such record',
    );
    // Without `from` the call is from the zero address, which owns nothing either.
    await assert.rejects(
      view('get', ['medical']),
      (e: unknown) => e instanceof FiscoExecutionError && e.reason === 'Records: no such record',
    );
    await put(bob, 'medical', ['name'], ['Bob']);
    assert.deepEqual(await view('get', ['medical'], bob), [['name'], ['Bob']]);
    assert.deepEqual(await view('get', ['medical'], alice), [
      ['name', 'dob', 'blood', 'allergies'],
      ['Alice', '1990-01-01', 'O+', 'none'],
    ]);
  });
});

describe('grant digests', () => {
  test('grantIdOf and readDigestOf equal grantId() and readDigest() of typed-data.ts', async () => {
    const grants: Grant[] = [
      grantFor(alice),
      grantFor(alice, { fields: [], records: ['medical', 'address', 'ünïcødé ✓'], actions: ['read', 'x'] }),
      grantFor(bob, { audienceOrigin: '', resource: 'trade.fab.records', notBefore: 0, expiry: 2 ** 40 }),
    ];
    for (const grant of grants) {
      assert.deepEqual(await view('grantIdOf', [grant]), [grantId(grant)]);
      const read = readFor(grant, { record: 'ünïcødé ✓', issuedAt: 1_700_000_000 });
      assert.deepEqual(await view('readDigestOf', [read]), [readDigest(read)]);
    }
    assert.deepEqual(await view('resourcePath', []), [PATH]);
  });
});

describe('readWithGrant', () => {
  test('a valid grant reads exactly the covered fields, in the grant order', async () => {
    const grant = grantFor(alice, { fields: ['blood', 'name', 'not-in-record'] });
    assert.deepEqual(await readWithGrant({ grant }), {
      fields: ['blood', 'name'],
      values: ['O+', 'Alice'],
      key: '',
    });
  });

  test('a grant with no fields reads every field; a grant may cover several records', async () => {
    const grant = grantFor(alice, { fields: [], records: ['medical', 'address'] });
    assert.deepEqual(await readWithGrant({ grant }), {
      fields: ['name', 'dob', 'blood', 'allergies'],
      values: ['Alice', '1990-01-01', 'O+', 'none'],
      key: '',
    });
    assert.deepEqual(await readWithGrant({ grant, read: readFor(grant, { record: 'address' }) }), {
      fields: ['street', 'city'],
      values: ['1 Main St', 'Springfield'],
      key: '',
    });
  });

  test('a grant whose fields the record lacks reads nothing, and reveals nothing', async () => {
    const grant = grantFor(alice, { fields: ['salary'] });
    assert.deepEqual(await readWithGrant({ grant }), { fields: [], values: [], key: '' });
  });

  test('Grant: malformed: no records, or a signature that is not 65 bytes', async () => {
    const empty = grantFor(alice, { records: [] });
    await refused({ grant: empty, read: readFor(empty, { record: 'medical' }) }, 'Grant: malformed');
    const grant = grantFor(alice);
    const good = signDigest(grantId(grant), alice.key);
    await refused({ grant, grantSignature: good.slice(0, -2) as Hex }, 'Grant: malformed');
    await refused({ grant, grantSignature: `${good}00` as Hex }, 'Grant: malformed');
    await refused({ grant, readSignature: '0x' }, 'Grant: malformed');
  });

  test('Grant: bad signature: forged by another key, widened after signing, high s, bad v', async () => {
    const grant = grantFor(alice);
    await refused({ grant, signedBy: mallory }, 'Grant: bad signature');
    const signature = signDigest(grantId(grant), alice.key);
    const widened = { ...grant, records: ['medical', 'address'] };
    await refused(
      { grant: widened, grantSignature: signature, read: readFor(widened) },
      'Grant: bad signature',
    );
    const moreFields = { ...grant, fields: [] };
    await refused(
      { grant: moreFields, grantSignature: signature, read: readFor(moreFields) },
      'Grant: bad signature',
    );
    const longer = { ...grant, expiry: grant.expiry + 86_400 };
    await refused(
      { grant: longer, grantSignature: signature, read: readFor(longer) },
      'Grant: bad signature',
    );
    // ecrecover alone would accept the malleable twin; the contract refuses it like the router.
    await refused({ grant, grantSignature: highS(signature) }, 'Grant: bad signature');
    await refused({ grant, grantSignature: `${signature.slice(0, -2)}01` as Hex }, 'Grant: bad signature');
    // The same signature, unmodified, is accepted: the refusals above are the edits.
    assert.equal((await readWithGrant({ grant, grantSignature: signature })).values.length, 2);
  });

  test('Grant: bad signature for a zero issuer, whatever the signature recovers to', async () => {
    const grant = grantFor(alice, { issuer: '0x0000000000000000000000000000000000000000' });
    await refused({ grant, grantSignature: `0x${'00'.repeat(64)}1b` }, 'Grant: bad signature');
  });

  test('Grant: wrong resource: a grant for another path, however well signed', async () => {
    for (const resource of ['payment.bcos.kv', 'trade.fab.records', 'payment.bcos.records ']) {
      await refused({ grant: grantFor(alice, { resource }) }, 'Grant: wrong resource');
    }
  });

  test('Grant: not covered: a record the grant does not list, or no read action', async () => {
    const grant = grantFor(alice);
    await refused({ grant, read: readFor(grant, { record: 'address' }) }, 'Grant: not covered');
    await refused({ grant: grantFor(alice, { actions: ['write'] }) }, 'Grant: not covered');
    await refused({ grant: grantFor(alice, { actions: [] }) }, 'Grant: not covered');
  });

  test('Grant: not yet valid and Grant: expired, at the edges of the window', async () => {
    const now = nowSeconds();
    await refused({ grant: grantFor(alice, { notBefore: now + 3600 }) }, 'Grant: not yet valid');
    await refused({ grant: grantFor(alice, { notBefore: now - 7200, expiry: now - 10 }) }, 'Grant: expired');
    // expiry is exclusive: now == expiry is expired (a second of slack for the clock to tick).
    await refused({ grant: grantFor(alice, { notBefore: now - 60, expiry: now }) }, 'Grant: expired');
    assert.equal((await readWithGrant({ grant: grantFor(alice, { notBefore: now - 1 }) })).values.length, 2);
  });

  test('Grant: wrong audience: a proof by another key, or a proof for another grant', async () => {
    const grant = grantFor(alice);
    await refused({ grant, readBy: mallory }, 'Grant: wrong audience');
    await refused({ grant, readBy: alice }, 'Grant: wrong audience');
    const other = grantFor(alice);
    await refused({ grant, read: readFor(other) }, 'Grant: wrong audience');
    const read = readFor(grant);
    const proof = signDigest(readDigest(read), audience.key);
    await refused(
      { grant, read: { ...read, nonce: nonce() }, readSignature: proof },
      'Grant: wrong audience',
    );
    await refused({ grant, read, readSignature: highS(proof) }, 'Grant: wrong audience');
  });

  test('Grant: stale: issuedAt more than 60 s before the chain clock (ahead of it is the router check)', async () => {
    const grant = grantFor(alice);
    const now = nowSeconds();
    await refused({ grant, read: readFor(grant, { issuedAt: now - 120 }) }, 'Grant: stale');
    await refused({ grant, read: readFor(grant, { issuedAt: 0 }) }, 'Grant: stale');
    // A chain whose latest block is old sees a fresh read as from its future: accepted.
    assert.equal(
      (await readWithGrant({ grant, read: readFor(grant, { issuedAt: now + 120 }) })).values.length,
      2,
    );
    // Inside the window on either side is fresh (10 s of slack for the test's own clock).
    assert.equal(
      (await readWithGrant({ grant, read: readFor(grant, { issuedAt: now - 50 }) })).values.length,
      2,
    );
    assert.equal(
      (await readWithGrant({ grant, read: readFor(grant, { issuedAt: now + 50 }) })).values.length,
      2,
    );
  });

  test('reasons come in the documented order when several apply', async () => {
    const now = nowSeconds();
    const everything = grantFor(alice, { resource: 'x.y.z', actions: [], expiry: now - 1 });
    await refused({ grant: everything, signedBy: mallory }, 'Grant: bad signature');
    await refused({ grant: everything }, 'Grant: wrong resource');
    await refused({ grant: { ...everything, resource: PATH } }, 'Grant: not covered');
    const expired = grantFor(alice, { expiry: now - 1, notBefore: now - 10 });
    await refused({ grant: expired, readBy: mallory }, 'Grant: expired');
    const grant = grantFor(alice);
    await refused({ grant, readBy: mallory, read: readFor(grant, { issuedAt: 0 }) }, 'Grant: wrong audience');
  });

  test('Records: no such record: a grant by another user never reaches the victim', async () => {
    // Only alice has "address"; mallory signs a grant naming it, with a perfect proof.
    const grant = grantFor(mallory, { records: ['address'], fields: [] });
    await refused({ grant, signedBy: mallory }, 'Records: no such record');
    // Where mallory owns a record under the same id, mallory's own data comes back, never alice's.
    await put(mallory, 'medical', ['name', 'blood'], ['Mallory', 'AB-']);
    const same = grantFor(mallory, { fields: [] });
    assert.deepEqual(await readWithGrant({ grant: same, signedBy: mallory }), {
      fields: ['name', 'blood'],
      values: ['Mallory', 'AB-'],
      key: '',
    });
    // Claiming alice as issuer needs alice's signature.
    await refused({ grant: { ...same, issuer: alice.address }, signedBy: mallory }, 'Grant: bad signature');
  });
});

describe('key blobs', () => {
  /** Alice's record `id` with one blob per grant, the grants covering `fields` of it. */
  async function withBlobs(id: string, fields: string[][]) {
    const grants = fields.map((covered) => grantFor(alice, { records: [id], fields: covered }));
    const blobs = grants.map((g, i) => `weft-key1:${id}:${i}:${grantId(g)}`);
    await put(
      alice,
      id,
      ['name', 'blood', 'allergies'],
      ['sealed-name', 'sealed-blood', 'sealed-allergies'],
      Object.fromEntries(grants.map((g, i) => [grantId(g), blobs[i] as string])),
    );
    return { grants, blobs };
  }

  test("a read answers the covered fields and exactly its own grant's blob, never another's", async () => {
    const { grants, blobs } = await withBlobs('vault', [['blood'], ['name', 'allergies'], []]);
    const [first, second, third] = grants as [Grant, Grant, Grant];
    assert.deepEqual(await readWithGrant({ grant: first }), {
      fields: ['blood'],
      values: ['sealed-blood'],
      key: blobs[0],
    });
    assert.deepEqual(await readWithGrant({ grant: second }), {
      fields: ['name', 'allergies'],
      values: ['sealed-name', 'sealed-allergies'],
      key: blobs[1],
    });
    assert.deepEqual(await readWithGrant({ grant: third }), {
      fields: ['name', 'blood', 'allergies'],
      values: ['sealed-name', 'sealed-blood', 'sealed-allergies'],
      key: blobs[2],
    });
    // A valid grant the owner stored no blob for reads the sealed values and no key.
    const unshared = grantFor(alice, { records: ['vault'], fields: ['blood'] });
    assert.deepEqual(await readWithGrant({ grant: unshared }), {
      fields: ['blood'],
      values: ['sealed-blood'],
      key: '',
    });
    // The owner's own read answers the sealed values, as they were stored.
    assert.deepEqual(await view('get', ['vault'], alice), [
      ['name', 'blood', 'allergies'],
      ['sealed-name', 'sealed-blood', 'sealed-allergies'],
    ]);
  });

  test('shareKeys adds a blob, then replaces it; KeysShared names owner, record and grant', async () => {
    const { grants, blobs } = await withBlobs('locker', [['name']]);
    const later = grantFor(alice, { records: ['locker'], fields: ['blood'] });
    const id = grantId(later);
    assert.equal((await readWithGrant({ grant: later })).key, '');
    const receipt = await send(alice, 'shareKeys', ['locker', id, 'weft-key1:later']);
    assert.equal(receipt.logs.length, 1);
    assert.deepEqual(decodeEvent(abi, receipt.logs[0] as never), {
      name: 'KeysShared',
      signature: 'KeysShared(address,string,bytes32)',
      args: { owner: alice.address, id: 'locker', grantId: id },
    });
    assert.equal((await readWithGrant({ grant: later })).key, 'weft-key1:later');
    await send(alice, 'shareKeys', ['locker', id, 'weft-key1:later-again']);
    assert.equal((await readWithGrant({ grant: later })).key, 'weft-key1:later-again');
    // The blob stored with the put is untouched.
    assert.equal((await readWithGrant({ grant: grants[0] as Grant })).key, blobs[0]);
    // Sharing keys changes no value.
    assert.deepEqual((await readWithGrant({ grant: later })).values, ['sealed-blood']);
  });

  test("shareKeys refuses a missing record and never touches another owner's record", async () => {
    const { grants, blobs } = await withBlobs('safe', [['name']]);
    const grant = grants[0] as Grant;
    const id = grantId(grant);
    const missing = await h.send(
      await h.sign(
        { to: records, data: encodeCall(abi, 'shareKeys', ['nothing-here', id, 'x']) },
        alice.signer,
      ),
    );
    assert.throws(
      () => assertReceiptOk(missing),
      (e: unknown) => e instanceof FiscoExecutionError && e.reason === 'Records: no such record',
    );
    // Mallory names alice's record and grant: mallory has no record "safe", so it is refused.
    const theft = await h.send(
      await h.sign(
        { to: records, data: encodeCall(abi, 'shareKeys', ['safe', id, 'weft-key1:mallory']) },
        mallory.signer,
      ),
    );
    assert.throws(
      () => assertReceiptOk(theft),
      (e: unknown) => e instanceof FiscoExecutionError && e.reason === 'Records: no such record',
    );
    // With a "safe" of her own, mallory's blob lands on her record only.
    await put(mallory, 'safe', ['name'], ['sealed-mallory']);
    await send(mallory, 'shareKeys', ['safe', id, 'weft-key1:mallory']);
    assert.equal((await readWithGrant({ grant })).key, blobs[0]);
    const hers = grantFor(mallory, { records: ['safe'], fields: [] });
    await send(mallory, 'shareKeys', ['safe', grantId(hers), 'weft-key1:hers']);
    assert.deepEqual(await readWithGrant({ grant: hers, signedBy: mallory }), {
      fields: ['name'],
      values: ['sealed-mallory'],
      key: 'weft-key1:hers',
    });
  });

  test('a new put replaces every blob: an old grant finds none after it', async () => {
    const { grants, blobs } = await withBlobs('drawer', [['name'], ['blood']]);
    const [first, second] = grants as [Grant, Grant];
    const shared = grantFor(alice, { records: ['drawer'], fields: [] });
    await send(alice, 'shareKeys', ['drawer', grantId(shared), 'weft-key1:shared']);
    assert.equal((await readWithGrant({ grant: first })).key, blobs[0]);
    // The rewrite wraps new keys for the second grant only.
    await put(alice, 'drawer', ['name', 'blood'], ['sealed-name-2', 'sealed-blood-2'], {
      [grantId(second)]: 'weft-key1:second-v2',
    });
    assert.deepEqual(await readWithGrant({ grant: first }), {
      fields: ['name'],
      values: ['sealed-name-2'],
      key: '',
    });
    assert.equal((await readWithGrant({ grant: shared })).key, '');
    assert.deepEqual(await readWithGrant({ grant: second }), {
      fields: ['blood'],
      values: ['sealed-blood-2'],
      key: 'weft-key1:second-v2',
    });
    // Removing the record drops its blobs with it: a put under the same id starts with none.
    await send(alice, 'remove', ['drawer']);
    await put(alice, 'drawer', ['blood'], ['sealed-blood-3']);
    assert.equal((await readWithGrant({ grant: second })).key, '');
  });

  test('a refused read answers no blob: the grant checks come first', async () => {
    const { grants } = await withBlobs('box', [['name']]);
    const grant = grants[0] as Grant;
    await refused({ grant, readBy: mallory }, 'Grant: wrong audience');
    await send(alice, 'revoke', [grantId(grant)]);
    await refused({ grant }, 'Grant: revoked');
  });
});

describe('revocation', () => {
  test('Grant: revoked from the commit of the issuer revoke on; idempotent; GrantRevoked once', async () => {
    const grant = grantFor(alice);
    const id = grantId(grant);
    assert.equal((await readWithGrant({ grant })).values.length, 2);
    assert.deepEqual(await view('isRevoked', [alice.address, id]), [false]);
    const receipt = await send(alice, 'revoke', [id]);
    assert.equal(receipt.logs.length, 1);
    assert.deepEqual(decodeEvent(abi, receipt.logs[0] as never)?.args, {
      issuer: alice.address,
      grantId: id,
    });
    assert.deepEqual(await view('isRevoked', [alice.address, id]), [true]);
    await refused({ grant }, 'Grant: revoked');
    const again = await send(alice, 'revoke', [id]);
    assert.equal(again.logs.length, 0, 'a second revoke succeeds and changes nothing');
    assert.deepEqual(await view('isRevoked', [alice.address, id]), [true]);
    await refused({ grant }, 'Grant: revoked');
    // Other grants of the same issuer are untouched.
    assert.equal((await readWithGrant({ grant: grantFor(alice) })).values.length, 2);
  });

  test("another account's revoke of the id only revokes its own (nonexistent) grant", async () => {
    const grant = grantFor(alice);
    const id = grantId(grant);
    await send(bob, 'revoke', [id]);
    await send(mallory, 'revoke', [id]);
    assert.deepEqual(await view('isRevoked', [bob.address, id]), [true]);
    assert.deepEqual(await view('isRevoked', [alice.address, id]), [false]);
    assert.equal((await readWithGrant({ grant })).values.length, 2);
  });
});

describe('block time in milliseconds (a real FISCO BCOS 2.x node)', () => {
  test('the contract reads a millisecond block.timestamp as seconds', async () => {
    // A bare EVM whose block.timestamp is milliseconds, as a real node gives contracts.
    const common = createCustomCommon({ chainId: 1 }, Mainnet, { hardfork: Hardfork.London });
    const evm = await createEVM({ common });
    const caller = createAddressFromString(alice.address);
    const run = async (data: Hex, timestamp: bigint, to?: string) => {
      const result = await evm.runCall({
        caller,
        origin: caller,
        ...(to ? { to: createAddressFromString(to) } : {}),
        data: hexToBytes(data),
        gasLimit: 1_000_000_000n,
        skipBalance: true,
        block: {
          header: {
            number: 1n,
            coinbase: createAddressFromString('0x0000000000000000000000000000000000000000'),
            timestamp,
            difficulty: 0n,
            prevRandao: new Uint8Array(32),
            gasLimit: 1_000_000_000n,
            baseFeePerGas: 0n,
            getBlobGasPrice: () => undefined,
          },
        },
      });
      return result;
    };
    const ms = BigInt(Date.now());
    const deployed = await run(encodeDeploy(abi, recordsArtifact.bytecode, [PATH]), ms);
    const address = deployed.createdAddress?.toString() as string;
    assert.ok(address);
    const stored = await run(
      encodeCall(abi, 'put', ['medical', ['name', 'blood'], ['Alice', 'O+'], [], []]),
      ms,
      address,
    );
    assert.equal(stored.execResult.exceptionError, undefined);
    const readAt = async (grant: Grant, at: bigint) => {
      const result = await run(encodeCall(abi, 'readWithGrant', args({ grant })), at, address);
      const output = hexlify(result.execResult.returnValue);
      if (result.execResult.exceptionError) return decodeRevertReason(output);
      return decodeResult(abi, 'readWithGrant', output);
    };
    const grant = grantFor(alice);
    assert.deepEqual(await readAt(grant, ms), [['blood', 'name'], ['O+', 'Alice'], '']);
    // Milliseconds compared raw with seconds would pass notBefore and fail expiry at once.
    assert.equal(
      await readAt(grantFor(alice, { notBefore: nowSeconds() + 600 }), ms),
      'Grant: not yet valid',
    );
    // The same grant an hour and a half later (in ms) is expired, as it would be in seconds.
    assert.equal(await readAt(grant, ms + 5_400_000n), 'Grant: expired');
  });
});

describe('deployment', () => {
  test('deployWeftContracts publishes records at <prefix>.records and upgrades an old contracts.json', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weft-fisco-records-'));
    // deployWeftContracts waits for receipts as the local network does: this node seals on a timer.
    const node = await startHarness({ dataDir, blockIntervalMs: 10 });
    try {
      const first = await deployWeftContracts({
        client: node.client,
        signer: node.signer,
        chainId: 1,
        dataDir,
      });
      const byName = Object.fromEntries(first.map((r) => [r.name, r.address]));
      const recordsAbi = first.find((r) => r.name === 'records')?.abi as never;
      const pathOf = async (address: string) =>
        decodeResult(
          recordsAbi,
          'resourcePath',
          await node.client.callChecked({ to: address, data: encodeCall(recordsAbi, 'resourcePath', []) }),
        )[0];
      assert.equal(await pathOf(byName.records as string), 'payment.bcos.records');
      // A contracts.json from before Records existed: only records is deployed, the rest kept.
      const file = join(dataDir, 'contracts.json');
      writeFileSync(file, JSON.stringify({ asset: byName.asset, kv: byName.kv }));
      const upgraded = await deployWeftContracts({
        client: node.client,
        signer: node.signer,
        chainId: 1,
        dataDir,
      });
      const after = Object.fromEntries(upgraded.map((r) => [r.name, r.address]));
      assert.equal(after.asset, byName.asset);
      assert.equal(after.kv, byName.kv);
      assert.notEqual(after.records, byName.records);
      assert.equal(await pathOf(after.records as string), 'payment.bcos.records');
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), after);
      // Another prefix needs a Records contract of its own path; the others stay.
      const elsewhere = await deployWeftContracts({
        client: node.client,
        signer: node.signer,
        chainId: 1,
        dataDir,
        resourcePrefix: 'z.fisco',
      });
      const moved = Object.fromEntries(elsewhere.map((r) => [r.name, r.address]));
      assert.equal(moved.asset, byName.asset);
      assert.equal(await pathOf(moved.records as string), 'z.fisco.records');
      const unchanged = await deployWeftContracts({
        client: node.client,
        signer: node.signer,
        chainId: 1,
        dataDir,
        resourcePrefix: 'z.fisco',
      });
      assert.deepEqual(
        unchanged.map((r) => r.address),
        elsewhere.map((r) => r.address),
      );
    } finally {
      await node.node.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
