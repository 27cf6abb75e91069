/**
 * Signed data-access grants in the records chaincode (docs/grants.md), on the devpeer:
 * identities link their Weft accounts and revoke through wallet-signed transactions relayed
 * by the FabricConnector; grantees read through the connector's call (the router's identity
 * evaluates ReadWithGrant). Every refusal reaches the caller as a FabricChaincodeError whose
 * message is the chaincode's exact reason. Records carry one key blob per grant, opaque to the
 * chaincode, and a granted read answers the blob stored for its grant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { computeAddress, hexlify, randomBytes, Signature } from 'ethers';
import { recordMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import { FabricChaincodeError } from '../../../p2p/chains/fabric/errors.ts';
import { type FabricSigningIdentity, signMessage } from '../../../p2p/chains/fabric/identity.ts';
import { signPreparedTransaction, signProposal, toHex } from '../../../p2p/chains/fabric/offline-signing.ts';
import { buildProposal, encodeSignedProposal } from '../../../p2p/chains/fabric/proposal-codec.ts';
import {
  accountLinkDigest,
  type Grant,
  type GrantedRead,
  grantId,
  type Hex,
  readDigest,
  signDigest,
} from '../../../p2p/grants/typed-data.ts';
import { CHANNEL, startTestDevpeer, type TestDevpeer } from './fixture.ts';

const PATH = 'trade.fab.records';
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

interface Key {
  privateKey: Hex;
  address: string;
}

function newKey(): Key {
  const privateKey = hexlify(randomBytes(32)) as Hex;
  return { privateKey, address: computeAddress(privateKey) };
}

const now = () => Math.floor(Date.now() / 1000);
const random32 = () => hexlify(randomBytes(32)) as Hex;

let devpeer: TestDevpeer;
let connector: FabricConnector;
let alice: FabricSigningIdentity;
let bob: FabricSigningIdentity;
const aliceAccount = newKey();
const bobAccount = newKey();
/** Signs grants but was never linked to a Fabric identity. */
const unlinkedAccount = newKey();
/** The grantee site's key. */
const audience = newKey();

/** A wallet-signed write relayed by the connector (prepare, check and sign the envelope, submit). */
async function submit(identity: FabricSigningIdentity, fn: string, args: string[]) {
  const proposal = signProposal(identity, { channel: CHANNEL, chaincode: 'records', fn, args });
  const prepared = await connector.prepare({ resource: PATH, signed: proposal.signed });
  const { signed } = signPreparedTransaction(identity, prepared.unsigned, {
    txId: proposal.txId,
    fn,
    chaincode: 'records',
  });
  return connector.submit({ resource: PATH, signed });
}

/** A wallet-signed read: runs under `identity`. */
async function evaluateAs(identity: FabricSigningIdentity, fn: string, args: string[]): Promise<unknown> {
  const proposal = signProposal(identity, { channel: CHANNEL, chaincode: 'records', fn, args });
  return (await connector.call({ resource: PATH, method: fn, args: [], signed: proposal.signed })).values[0];
}

async function whoAmI(identity: FabricSigningIdentity): Promise<{ id: string; account: string }> {
  return (await evaluateAs(identity, 'WhoAmI', [])) as { id: string; account: string };
}

/** What the wallet does: learn the Fabric id, sign AccountLink with the account, submit LinkAccount. */
async function link(identity: FabricSigningIdentity, account: Key) {
  const { id } = await whoAmI(identity);
  const signature = signDigest(
    accountLinkDigest({ fabricId: id, account: account.address }),
    account.privateKey,
  );
  return submit(identity, 'LinkAccount', [account.address, signature]);
}

function signGrant(issuer: Key, overrides: Partial<Grant> = {}): { grant: Grant; signature: Hex } {
  const grant: Grant = {
    issuer: issuer.address,
    audienceOrigin: 'http://127.0.0.1:8080',
    audienceKey: audience.address,
    resource: PATH,
    records: ['kyc'],
    fields: ['name', 'level', 'email'],
    actions: ['read'],
    notBefore: now() - 60,
    expiry: now() + 3600,
    nonce: random32(),
    ...overrides,
  };
  return { grant, signature: signDigest(grantId(grant), issuer.privateKey) };
}

function signRead(grant: Grant, overrides: Partial<GrantedRead> = {}, key: Key = audience) {
  const read: GrantedRead = {
    grant: grantId(grant),
    record: grant.records[0] ?? '',
    nonce: random32(),
    issuedAt: now(),
    ...overrides,
  };
  return { read, signature: signDigest(readDigest(read), key.privateKey) };
}

function readArgs(
  signed: { grant: unknown; signature: string },
  proof: { read: unknown; signature: string },
): string[] {
  return [JSON.stringify(signed.grant), signed.signature, JSON.stringify(proof.read), proof.signature];
}

type Signed = { grant: Grant; signature: Hex };

interface Granted {
  record: string;
  fields: Record<string, string>;
  key: string;
}

/** The grantee's read as a router forwards it: evaluated under the router's own identity. */
async function readWithGrant(args: string[]): Promise<Granted> {
  const result = await connector.call({ resource: PATH, method: 'ReadWithGrant', args });
  return result.values[0] as Granted;
}

/** A grant's read with a fresh proof. */
function readUnder(signed: Signed): Promise<Granted> {
  return readWithGrant(readArgs(signed, signRead(signed.grant)));
}

async function refused(action: Promise<unknown>, reason: string): Promise<FabricChaincodeError> {
  const error = await action.then(
    () => assert.fail(`expected "${reason}"`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof FabricChaincodeError, `expected a FabricChaincodeError, got ${String(error)}`);
  assert.equal(error.chaincodeMessage, reason);
  assert.equal(error.code, 500);
  return error;
}

before(async () => {
  devpeer = await startTestDevpeer();
  alice = devpeer.peer.identities.user1 as FabricSigningIdentity;
  bob = await devpeer.peer.issue('bob');
  connector = new FabricConnector({
    endpoint: devpeer.peer.address,
    channel: CHANNEL,
    zone: 'trade',
    chainName: 'fab',
    routerIdentity: devpeer.peer.identities.router1 as FabricSigningIdentity,
    resources: [{ name: 'records', chaincode: 'records', methods: recordMethods }],
  });
  await submit(alice, 'PutRecord', [
    'kyc',
    JSON.stringify({ name: 'Alice', level: 2, ssn: '078-05-1120' }),
    '',
  ]);
  await submit(alice, 'PutRecord', ['note', 'call me after six', '{}']);
  await submit(bob, 'PutRecord', ['profile', JSON.stringify({ name: 'Bob' }), '']);
  await link(alice, aliceAccount);
  await link(bob, bobAccount);
});

after(async () => {
  await connector.close();
  await devpeer.close();
});

describe('records chaincode: account links', () => {
  test('an identity links its account once it signed AccountLink; a re-link replaces both directions', async () => {
    const dave = await devpeer.peer.issue('dave');
    const before = await whoAmI(dave);
    assert.match(before.id, /^x509::.*CN=dave/);
    assert.equal(before.account, '');

    const first = newKey();
    const receipt = await link(dave, first);
    assert.equal(receipt.status, 'success');
    assert.deepEqual(
      receipt.events.map((e) => [e.name, e.args]),
      [['AccountLinked', { fabricId: before.id, account: first.address }]],
    );
    assert.deepEqual(await whoAmI(dave), { id: before.id, account: first.address });

    await submit(dave, 'PutRecord', ['kyc', '{"name":"Dave"}', '']);
    const grantByFirst = signGrant(first);
    const read = await readWithGrant(readArgs(grantByFirst, signRead(grantByFirst.grant)));
    assert.deepEqual(read, { record: 'kyc', fields: { name: 'Dave' }, key: '' });

    // Dave moves to a second account: the first one is no longer linked to anything.
    const second = newKey();
    await link(dave, second);
    assert.deepEqual(await whoAmI(dave), { id: before.id, account: second.address });
    await refused(
      readWithGrant(readArgs(grantByFirst, signRead(grantByFirst.grant))),
      'Grant: no linked account',
    );

    // Another identity takes the second account over: Dave is left with no account.
    const erin = await devpeer.peer.issue('erin');
    await link(erin, second);
    assert.equal((await whoAmI(dave)).account, '');
    assert.equal((await whoAmI(erin)).account, second.address);
  });

  test('a link signature by another key, or for another identity, is refused', async () => {
    const mallory = await devpeer.peer.issue('mallory');
    const { id } = await whoAmI(mallory);
    const other = newKey();
    // Signed by `other`, claiming alice's account.
    const wrongKey = signDigest(
      accountLinkDigest({ fabricId: id, account: aliceAccount.address }),
      other.privateKey,
    );
    await refused(
      submit(mallory, 'LinkAccount', [aliceAccount.address, wrongKey]),
      'Grant: bad link signature',
    );
    // Alice's account signed a link for alice's identity; mallory replays it.
    const aliceLink = signDigest(
      accountLinkDigest({ fabricId: (await whoAmI(alice)).id, account: aliceAccount.address }),
      aliceAccount.privateKey,
    );
    await refused(
      submit(mallory, 'LinkAccount', [aliceAccount.address, aliceLink]),
      'Grant: bad link signature',
    );
    await refused(
      submit(mallory, 'LinkAccount', [aliceAccount.address, '0x1234']),
      'Grant: bad link signature',
    );
    assert.equal((await whoAmI(mallory)).account, '');
    assert.equal((await whoAmI(alice)).account, aliceAccount.address);
  });
});

describe('records chaincode: reads', () => {
  test('the owner reads its own record; nobody else reads it without a grant', async () => {
    const { id } = await whoAmI(alice);
    const own = (await evaluateAs(alice, 'GetRecord', [id, 'kyc'])) as { data: string };
    assert.deepEqual(JSON.parse(own.data), { name: 'Alice', level: 2, ssn: '078-05-1120' });
    await refused(evaluateAs(bob, 'GetRecord', [id, 'kyc']), 'access denied to record kyc');
  });

  test('a valid grant returns exactly the covered fields, through the router identity', async () => {
    const signed = signGrant(aliceAccount);
    // `email` is covered but absent; `ssn` is present but not covered.
    assert.deepEqual(await readWithGrant(readArgs(signed, signRead(signed.grant))), {
      record: 'kyc',
      fields: { name: 'Alice', level: '2' },
      key: '',
    });
    const everything = signGrant(aliceAccount, { fields: [], records: ['note', 'kyc'] });
    assert.deepEqual(
      await readWithGrant(readArgs(everything, signRead(everything.grant, { record: 'kyc' }))),
      {
        record: 'kyc',
        fields: { name: 'Alice', level: '2', ssn: '078-05-1120' },
        key: '',
      },
    );
    // Not a JSON object: one field named `data`.
    assert.deepEqual(
      await readWithGrant(readArgs(everything, signRead(everything.grant, { record: 'note' }))),
      {
        record: 'note',
        fields: { data: 'call me after six' },
        key: '',
      },
    );
    // Addresses in any case are the same address.
    const lower = signGrant(aliceAccount, {
      issuer: aliceAccount.address.toLowerCase(),
      audienceKey: audience.address.toLowerCase(),
    });
    assert.equal((await readWithGrant(readArgs(lower, signRead(lower.grant)))).fields.name, 'Alice');
  });

  test('the grantee may evaluate with its own Fabric identity too', async () => {
    const signed = signGrant(aliceAccount, { fields: ['name'] });
    const result = await evaluateAs(bob, 'ReadWithGrant', readArgs(signed, signRead(signed.grant)));
    assert.deepEqual(result, { record: 'kyc', fields: { name: 'Alice' }, key: '' });
  });

  test('malformed grants and reads', async () => {
    const signed = signGrant(aliceAccount);
    const proof = signRead(signed.grant);
    const good = readArgs(signed, proof);
    await refused(readWithGrant(['{not json', ...good.slice(1)]), 'Grant: malformed');
    await refused(
      readWithGrant(readArgs({ ...signed, grant: { ...signed.grant, records: [] } }, proof)),
      'Grant: malformed',
    );
    await refused(
      readWithGrant(
        readArgs({ ...signed, grant: { ...signed.grant, expiry: String(signed.grant.expiry) } }, proof),
      ),
      'Grant: malformed',
    );
    await refused(
      readWithGrant(readArgs({ ...signed, grant: { ...signed.grant, extra: 1 } }, proof)),
      'Grant: malformed',
    );
    await refused(
      readWithGrant(readArgs(signed, { ...proof, read: { ...proof.read, nonce: '0x12' } })),
      'Grant: malformed',
    );
    await refused(readWithGrant([good[0] ?? '', good[1] ?? '', '[]', good[3] ?? '']), 'Grant: malformed');
    // A mixed-case address with a wrong checksum.
    const badChecksum = aliceAccount.address.replace(/[a-f]/, (c) => c.toUpperCase());
    if (badChecksum !== aliceAccount.address) {
      await refused(
        readWithGrant(readArgs({ ...signed, grant: { ...signed.grant, issuer: badChecksum } }, proof)),
        'Grant: malformed',
      );
    }
  });

  test('forged, widened and non-canonical grant signatures', async () => {
    const forged = signGrant(aliceAccount);
    forged.signature = signDigest(grantId(forged.grant), bobAccount.privateKey);
    await refused(readWithGrant(readArgs(forged, signRead(forged.grant))), 'Grant: bad signature');

    const signed = signGrant(aliceAccount);
    const widened = { ...signed, grant: { ...signed.grant, fields: [...signed.grant.fields, 'ssn'] } };
    await refused(readWithGrant(readArgs(widened, signRead(widened.grant))), 'Grant: bad signature');

    // The same signature with s' = n - s (and v flipped): valid maths, refused as not canonical.
    const sig = Signature.from(signed.signature);
    const highS = `0x${sig.r.slice(2)}${(SECP256K1_ORDER - BigInt(sig.s)).toString(16).padStart(64, '0')}${(sig.v === 27 ? 28 : 27).toString(16)}`;
    await refused(
      readWithGrant(readArgs({ ...signed, signature: highS }, signRead(signed.grant))),
      'Grant: bad signature',
    );
    await refused(
      readWithGrant(readArgs({ ...signed, signature: '0x' }, signRead(signed.grant))),
      'Grant: bad signature',
    );
  });

  test('wrong resource', async () => {
    for (const resource of ['trade.fab.asset', 'other.fab.records-2', 'records', 'trade.fab.records.x']) {
      const signed = signGrant(aliceAccount, { resource });
      await refused(readWithGrant(readArgs(signed, signRead(signed.grant))), 'Grant: wrong resource');
    }
  });

  test('record or action not covered', async () => {
    const signed = signGrant(aliceAccount, { records: ['kyc'] });
    await refused(
      readWithGrant(readArgs(signed, signRead(signed.grant, { record: 'note' }))),
      'Grant: not covered',
    );
    const writeOnly = signGrant(aliceAccount, { actions: ['write'] });
    await refused(readWithGrant(readArgs(writeOnly, signRead(writeOnly.grant))), 'Grant: not covered');
  });

  test('outside the validity window', async () => {
    const early = signGrant(aliceAccount, { notBefore: now() + 600, expiry: now() + 3600 });
    await refused(readWithGrant(readArgs(early, signRead(early.grant))), 'Grant: not yet valid');
    const late = signGrant(aliceAccount, { notBefore: now() - 3600, expiry: now() - 1 });
    await refused(readWithGrant(readArgs(late, signRead(late.grant))), 'Grant: expired');
  });

  test('the chaincode judges time by the transaction timestamp', async () => {
    // Within the 30 s the peer allows between a proposal's timestamp and its own clock.
    const signed = signGrant(aliceAccount, { notBefore: now() - 60, expiry: now() + 20 });
    const args = readArgs(signed, signRead(signed.grant));
    const evaluateAt = async (seconds: number) => {
      const { proposalBytes } = buildProposal({
        channel: CHANNEL,
        chaincode: 'records',
        fn: 'ReadWithGrant',
        args,
        creator: { mspId: bob.mspId, certificate: bob.certificate },
        nonce: randomBytes(24),
        timestamp: seconds * 1000,
      });
      const proposal = toHex(encodeSignedProposal(proposalBytes, signMessage(bob, proposalBytes)));
      return connector.call({ resource: PATH, method: 'ReadWithGrant', args: [], signed: proposal });
    };
    assert.equal(((await evaluateAt(now())).values[0] as { record: string }).record, 'kyc');
    await refused(evaluateAt(signed.grant.expiry), 'Grant: expired');
    // A back-dated proposal cannot read an expired grant as if it were still valid.
    await assert.rejects(evaluateAt(now() - 600), /more than 30 s from the peer's clock/);
  });

  test('a read proof not signed by the audience key, or naming another grant', async () => {
    const signed = signGrant(aliceAccount);
    const stranger = newKey();
    await refused(
      readWithGrant(readArgs(signed, signRead(signed.grant, {}, stranger))),
      'Grant: wrong audience',
    );
    // The issuer's key is not the audience's either.
    await refused(
      readWithGrant(readArgs(signed, signRead(signed.grant, {}, aliceAccount))),
      'Grant: wrong audience',
    );
    const other = signGrant(aliceAccount);
    await refused(
      readWithGrant(readArgs(signed, signRead(signed.grant, { grant: grantId(other.grant) }))),
      'Grant: wrong audience',
    );
    const proof = signRead(signed.grant);
    await refused(
      readWithGrant(readArgs(signed, { ...proof, signature: '0xdead' })),
      'Grant: wrong audience',
    );
  });

  test('a stale or future-dated read proof', async () => {
    const signed = signGrant(aliceAccount);
    await refused(
      readWithGrant(readArgs(signed, signRead(signed.grant, { issuedAt: now() - 120 }))),
      'Grant: stale',
    );
    await refused(
      readWithGrant(readArgs(signed, signRead(signed.grant, { issuedAt: now() + 120 }))),
      'Grant: stale',
    );
  });

  test('an issuer with no linked identity', async () => {
    const signed = signGrant(unlinkedAccount);
    await refused(readWithGrant(readArgs(signed, signRead(signed.grant))), 'Grant: no linked account');
  });

  test("a grant by another user naming the victim's record id never reaches the victim's record", async () => {
    const signed = signGrant(bobAccount, { records: ['kyc'], fields: [] });
    const error = await refused(
      readWithGrant(readArgs(signed, signRead(signed.grant))),
      'Records: no such record',
    );
    assert.doesNotMatch(JSON.stringify(error.details), /Alice|078-05-1120/);
    // Bob's own record is what his grants cover.
    const own = signGrant(bobAccount, { records: ['profile'], fields: [] });
    assert.deepEqual(await readWithGrant(readArgs(own, signRead(own.grant))), {
      record: 'profile',
      fields: { name: 'Bob' },
      key: '',
    });
  });
});

describe('records chaincode: key blobs', () => {
  const SEALED = { name: 'sealed-name', level: 'sealed-level', ssn: 'sealed-ssn' };

  /** Alice's record `id` with one blob per grant, the grants covering `fields` of it. */
  async function withBlobs(id: string, fields: string[][]) {
    const grants = fields.map((covered) => signGrant(aliceAccount, { records: [id], fields: covered }));
    const blobs = grants.map((g, i) => `weft-key1:${id}:${i}:${grantId(g.grant)}`);
    const keys = Object.fromEntries(grants.map((g, i) => [grantId(g.grant), blobs[i]]));
    await submit(alice, 'PutRecord', [id, JSON.stringify(SEALED), JSON.stringify(keys)]);
    return { grants, blobs };
  }

  test("a read answers the covered fields and exactly its own grant's blob, never another's", async () => {
    const { grants, blobs } = await withBlobs('vault', [['name'], ['level', 'ssn'], []]);
    assert.deepEqual(await readUnder(grants[0] as Signed), {
      record: 'vault',
      fields: { name: 'sealed-name' },
      key: blobs[0],
    });
    assert.deepEqual(await readUnder(grants[1] as Signed), {
      record: 'vault',
      fields: { level: 'sealed-level', ssn: 'sealed-ssn' },
      key: blobs[1],
    });
    assert.deepEqual(await readUnder(grants[2] as Signed), {
      record: 'vault',
      fields: SEALED,
      key: blobs[2],
    });
    // A valid grant the owner stored no blob for reads the sealed values and no key.
    const unshared = signGrant(aliceAccount, { records: ['vault'], fields: ['name'] });
    assert.deepEqual(await readUnder(unshared), {
      record: 'vault',
      fields: { name: 'sealed-name' },
      key: '',
    });
  });

  test('grant ids are stored lower-case: an upper-case id in PutRecord is the same grant', async () => {
    const signed = signGrant(aliceAccount, { records: ['cased'], fields: ['name'] });
    const upper = `0x${grantId(signed.grant).slice(2).toUpperCase()}`;
    await submit(alice, 'PutRecord', ['cased', JSON.stringify(SEALED), JSON.stringify({ [upper]: 'blob' })]);
    assert.equal((await readUnder(signed)).key, 'blob');
    const { id } = await whoAmI(alice);
    const own = (await evaluateAs(alice, 'GetRecord', [id, 'cased'])) as { keys: Record<string, string> };
    assert.deepEqual(own.keys, { [grantId(signed.grant).toLowerCase()]: 'blob' });
  });

  test('ShareKeys adds a blob, then replaces it; KeysShared names owner, record and grant', async () => {
    const { grants, blobs } = await withBlobs('locker', [['name']]);
    const later = signGrant(aliceAccount, { records: ['locker'], fields: ['level'] });
    const id = grantId(later.grant);
    assert.equal((await readUnder(later)).key, '');
    const receipt = await submit(alice, 'ShareKeys', ['locker', id.toUpperCase().replace('0X', '0x'), 'k1']);
    assert.equal(receipt.status, 'success');
    assert.deepEqual(
      receipt.events.map((e) => [e.name, e.args]),
      [['KeysShared', { owner: (await whoAmI(alice)).id, id: 'locker', grantId: id.toLowerCase() }]],
    );
    assert.equal((await readUnder(later)).key, 'k1');
    await submit(alice, 'ShareKeys', ['locker', id, 'k2']);
    assert.deepEqual(await readUnder(later), {
      record: 'locker',
      fields: { level: 'sealed-level' },
      key: 'k2',
    });
    // The blob stored with the put is untouched.
    assert.equal((await readUnder(grants[0] as Signed)).key, blobs[0]);
  });

  test("ShareKeys refuses a missing record or a malformed grant id, and never touches another owner's record", async () => {
    const { grants, blobs } = await withBlobs('safe', [['name']]);
    const signed = grants[0] as Signed;
    const id = grantId(signed.grant);
    await refused(submit(alice, 'ShareKeys', ['nothing-here', id, 'x']), 'Records: no such record');
    await refused(submit(alice, 'ShareKeys', ['safe', '0x1234', 'x']), 'Grant: malformed');
    // Bob names alice's record and grant: the record is looked up under Bob's identity.
    await refused(submit(bob, 'ShareKeys', ['safe', id, 'weft-key1:bob']), 'Records: no such record');
    assert.equal((await readUnder(signed)).key, blobs[0]);
    // With a "safe" of his own, Bob's blob lands on his record only.
    await submit(bob, 'PutRecord', ['safe', '{"name":"sealed-bob"}', '']);
    await submit(bob, 'ShareKeys', ['safe', id, 'weft-key1:bob']);
    assert.deepEqual(await readUnder(signed), {
      record: 'safe',
      fields: { name: 'sealed-name' },
      key: blobs[0],
    });
    const his = signGrant(bobAccount, { records: ['safe'], fields: [] });
    await submit(bob, 'ShareKeys', ['safe', grantId(his.grant), 'weft-key1:his']);
    assert.deepEqual(await readUnder(his), {
      record: 'safe',
      fields: { name: 'sealed-bob' },
      key: 'weft-key1:his',
    });
  });

  test('a new PutRecord replaces every blob: an old grant finds none after it', async () => {
    const { grants, blobs } = await withBlobs('drawer', [['name'], ['level']]);
    const [first, second] = grants as [Signed, Signed];
    const shared = signGrant(aliceAccount, { records: ['drawer'], fields: [] });
    await submit(alice, 'ShareKeys', ['drawer', grantId(shared.grant), 'weft-key1:shared']);
    assert.equal((await readUnder(first)).key, blobs[0]);
    await submit(alice, 'PutRecord', [
      'drawer',
      '{"name":"sealed-name-2","level":"sealed-level-2"}',
      JSON.stringify({ [grantId(second.grant)]: 'weft-key1:second-v2' }),
    ]);
    assert.deepEqual(await readUnder(first), {
      record: 'drawer',
      fields: { name: 'sealed-name-2' },
      key: '',
    });
    assert.equal((await readUnder(shared)).key, '');
    assert.deepEqual(await readUnder(second), {
      record: 'drawer',
      fields: { level: 'sealed-level-2' },
      key: 'weft-key1:second-v2',
    });
    // Deleting the record drops its blobs with it: a put under the same id starts with none.
    await submit(alice, 'DeleteRecord', ['drawer']);
    await submit(alice, 'PutRecord', ['drawer', '{"level":"sealed-level-3"}', '']);
    assert.equal((await readUnder(second)).key, '');
  });

  test('PutRecord refuses malformed keys and stores nothing then', async () => {
    const id = random32();
    for (const keys of [
      '{not json',
      '[]',
      'null',
      '"blob"',
      JSON.stringify({ '0x1234': 'blob' }),
      JSON.stringify({ [id]: 7 }),
      JSON.stringify({ [id]: 'a', [`0x${id.slice(2).toUpperCase()}`]: 'b' }),
    ]) {
      await refused(
        submit(alice, 'PutRecord', ['kyc', '{"name":"overwritten"}', keys]),
        'Records: malformed keys',
      );
    }
    const { id: owner } = await whoAmI(alice);
    const own = (await evaluateAs(alice, 'GetRecord', [owner, 'kyc'])) as { data: string };
    assert.equal(JSON.parse(own.data).name, 'Alice');
  });
});

describe('records chaincode: revocation', () => {
  test('the linked identity revokes; from the commit on the grant is refused', async () => {
    const signed = signGrant(aliceAccount);
    const id = grantId(signed.grant);
    assert.equal(await evaluateAs(bob, 'IsRevoked', [aliceAccount.address, id]), false);
    assert.equal((await readWithGrant(readArgs(signed, signRead(signed.grant)))).record, 'kyc');

    const receipt = await submit(alice, 'RevokeGrant', [id]);
    assert.equal(receipt.status, 'success');
    assert.deepEqual(
      receipt.events.map((e) => [e.name, e.args]),
      [['GrantRevoked', { issuer: aliceAccount.address, grantId: id.toLowerCase() }]],
    );
    assert.equal(
      (
        await connector.call({
          resource: PATH,
          method: 'IsRevoked',
          args: [aliceAccount.address.toLowerCase(), id],
        })
      ).values[0],
      true,
    );
    await refused(readWithGrant(readArgs(signed, signRead(signed.grant))), 'Grant: revoked');
    // Revoking again changes nothing and does not fail.
    assert.equal(
      (await submit(alice, 'RevokeGrant', [id.toUpperCase().replace('0X', '0x')])).status,
      'success',
    );
    await refused(readWithGrant(readArgs(signed, signRead(signed.grant))), 'Grant: revoked');
  });

  test("one identity cannot revoke another account's grant", async () => {
    const signed = signGrant(aliceAccount);
    const id = grantId(signed.grant);
    // Bob's revocation is recorded under Bob's account, not Alice's.
    const receipt = await submit(bob, 'RevokeGrant', [id]);
    assert.deepEqual(receipt.events[0]?.args, { issuer: bobAccount.address, grantId: id.toLowerCase() });
    assert.equal(await evaluateAs(bob, 'IsRevoked', [aliceAccount.address, id]), false);
    assert.equal((await readWithGrant(readArgs(signed, signRead(signed.grant)))).record, 'kyc');
    // An identity with no linked account cannot revoke at all.
    const frank = await devpeer.peer.issue('frank');
    await refused(submit(frank, 'RevokeGrant', [id]), 'Grant: no linked account');
    await refused(submit(alice, 'RevokeGrant', ['0x1234']), 'Grant: malformed');
    await refused(evaluateAs(bob, 'IsRevoked', ['not-an-address', id]), 'Grant: malformed');
  });
});
