/**
 * Private records in the wallet (docs/grants.md, "Encryption"): which grants a write wraps keys
 * for, weft_putRecord's params and approval, weft_getRecord opening what the chain holds with
 * the owner's keys (a real vault), and the plaintext paths that are refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApprovalRejectedError } from '../../../background/approvals/approval-queue.ts';
import { WalletEvents } from '../../../background/events.ts';
import type { StoredGrant } from '../../../background/grants/grant-state.ts';
import { handleRequest } from '../../../background/provider/handle-request.ts';
import { providerMethods } from '../../../background/provider/methods/index.ts';
import { activeAudiences, coveredFields } from '../../../background/records/active-grants.ts';
import type { WalletServices } from '../../../background/services.ts';
import { pinOf } from '../../../background/sessions/resource-pin.ts';
import { Vault } from '../../../background/vault/vault.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { Session } from '../../../content/provider-schema.ts';
import { recordMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import { recordsSecret, sealRecord } from '../../../p2p/grants/record-crypto.ts';
import type { Grant, Hex } from '../../../p2p/grants/typed-data.ts';
import { HipError, HipErrorCode } from '../../../p2p/protocol/errors.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';

const ORIGIN = 'https://bank.example';
const BCOS = 'payment.bcos.records';
const FAB = 'trade.fab.records';
const ASSET = 'payment.bcos.asset';
const OWNER = '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A';
const NOW = 1_800_000_000;
const PUBLIC_A = `0x02${'a1'.repeat(32)}` as Hex;
const PUBLIC_B = `0x03${'b2'.repeat(32)}` as Hex;

const s = (name: string) => ({ name, type: 'string' });
const fiscoRecordMethods: ResourceEntry['methods'] = [
  {
    name: 'put',
    kind: 'write',
    inputs: [s('id'), s('fields'), s('values'), s('keyGrants'), s('keys')],
    outputs: [],
  },
  { name: 'shareKeys', kind: 'write', inputs: [s('id'), s('grantId'), s('key')], outputs: [] },
  { name: 'get', kind: 'read', inputs: [s('id')], outputs: [s('fields'), s('values')] },
  { name: 'remove', kind: 'write', inputs: [s('id')], outputs: [] },
  { name: 'readWithGrant', kind: 'read', inputs: [], outputs: [] },
];

const entries: Record<string, ResourceEntry> = {
  [BCOS]: {
    path: BCOS,
    chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
    address: '0x00000000000000000000000000000000000000c0',
    methods: fiscoRecordMethods,
    router: 'r1',
    hops: 1,
  },
  [FAB]: {
    path: FAB,
    chain: { type: 'fabric', channel: 'mychannel' },
    address: 'records',
    methods: recordMethods,
    router: 'r2',
    hops: 1,
  },
  // Has a `put`, but no grant read: not a records resource, so its `put` is an ordinary write.
  [ASSET]: {
    path: ASSET,
    chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
    address: '0x00000000000000000000000000000000000000a5',
    methods: [{ name: 'put', kind: 'write', inputs: [s('id')], outputs: [] }],
    abi: [{ type: 'function', name: 'put', inputs: [s('id')], outputs: [], stateMutability: 'nonpayable' }],
    router: 'r1',
    hops: 1,
  },
};

let nextCreated = 1;
function stored(change: Partial<Grant> = {}, extra: Partial<StoredGrant> & { revoking?: boolean } = {}) {
  const createdAt = nextCreated++;
  const grant: Grant = {
    issuer: OWNER,
    audienceOrigin: `https://site${createdAt}.example`,
    audienceKey: '0x1563915e194D8CfBA1943570603F7606A3115508',
    resource: BCOS,
    records: ['kyc'],
    fields: [],
    actions: ['read'],
    notBefore: NOW - 100,
    expiry: NOW + 3600,
    nonce: `0x${'ab'.repeat(32)}`,
    ...change,
  };
  return {
    id: `0x${createdAt.toString(16).padStart(64, '0')}` as Hex,
    grant,
    signature: `0x${'11'.repeat(65)}` as Hex,
    audiencePublicKey: PUBLIC_A,
    origin: grant.audienceOrigin,
    chain: 'fisco-bcos' as const,
    signer: { account: 0 },
    createdAt,
    ...extra,
  };
}

describe('activeAudiences', () => {
  test('only active grants of this issuer, resource and record, oldest first, with their fields', () => {
    const older = stored({ fields: ['name', 'country'] });
    const newer = stored(
      { issuer: OWNER.toLowerCase(), records: ['other', 'kyc'] },
      { audiencePublicKey: PUBLIC_B },
    );
    const excluded = [
      stored({}, { revokedAt: NOW * 1000 }),
      stored({}, { revoking: true }),
      stored({ expiry: NOW }),
      stored({ expiry: NOW - 1 }),
      stored({ resource: FAB }),
      stored({ records: ['kyc2'] }),
      stored({ issuer: '0x00000000000000000000000000000000000000aa' }),
      stored({ actions: ['write'] }),
      // Signed before records were sealed: no key to wrap to.
      stored({}, { audiencePublicKey: undefined }),
    ];
    const audiences = activeAudiences([newer, ...excluded, older], {
      issuer: OWNER,
      resource: BCOS,
      record: 'kyc',
      nowSeconds: NOW,
    });
    assert.deepEqual(audiences, [
      { grantId: older.id, origin: older.origin, audiencePublicKey: PUBLIC_A, fields: ['name', 'country'] },
      { grantId: newer.id, origin: newer.origin, audiencePublicKey: PUBLIC_B, fields: [] },
    ]);
    // A grant still valid for one more second is active; the same grant a second later is not.
    const edge = stored({ expiry: NOW + 1 });
    const query = { issuer: OWNER, resource: BCOS, record: 'kyc' };
    assert.equal(activeAudiences([edge], { ...query, nowSeconds: NOW }).length, 1);
    assert.equal(activeAudiences([edge], { ...query, nowSeconds: NOW + 1 }).length, 0);
  });

  test('covered fields: all of the record for a grant of every field, else those both name, in the record’s order', () => {
    assert.deepEqual(coveredFields([], ['name', 'country', 'score']), ['name', 'country', 'score']);
    assert.deepEqual(coveredFields(['score', 'name', 'phone'], ['name', 'country', 'score']), [
      'name',
      'score',
    ]);
    assert.deepEqual(coveredFields(['phone'], ['name', 'country']), []);
  });
});

const session: Session = {
  origin: ORIGIN,
  resources: [BCOS, FAB, ASSET],
  account: 0,
  address: OWNER,
  fabricIdentity: 'id-1',
  createdAt: 0,
  // As approved: the descriptions the fake routers serve (background/sessions/resource-pin.ts).
  pins: Object.fromEntries(Object.values(entries).map((e) => [e.path, pinOf(e)])),
};

interface Fake {
  session?: Session;
  grants?: ReturnType<typeof stored>[];
  vault?: Partial<Vault>;
  call?: (request: { path: string; method: string; args: unknown[]; from?: string }) => Promise<unknown>;
}

function wallet(fake: Fake = {}) {
  const asked: { kind: string; origin: string; details: unknown }[] = [];
  const activity: Record<string, unknown>[] = [];
  const signed: string[] = [];
  const calls: unknown[] = [];
  const services = {
    sessions: { get: async (origin: string) => (origin === ORIGIN ? (fake.session ?? session) : null) },
    vault: {
      isUnlocked: () => true,
      accounts: async () => [{ index: 0, address: OWNER, name: 'Account 1' }],
      fabricIdentities: async () => [{ id: 'id-1', name: 'alice', mspId: 'Org1MSP' }],
      privateKey: () => {
        signed.push('privateKey');
        throw new Error('the test has no keys');
      },
      fabricSigningIdentity: () => {
        signed.push('fabricSigningIdentity');
        throw new Error('the test has no keys');
      },
      ...fake.vault,
    },
    routers: {
      describe: async (path: string) => {
        const entry = entries[path];
        if (!entry) throw new HipError(HipErrorCode.unknownResource, `no resource ${path}`);
        return entry;
      },
      client: () => ({
        call: async (request: { path: string; method: string; args: unknown[]; from?: string }) => {
          calls.push(request);
          if (!fake.call) throw new Error('the test sends nothing');
          return fake.call(request);
        },
        chainInfo: async () => {
          throw new Error('the test sends nothing');
        },
      }),
    },
    trust: { anchors: { get: async () => undefined } },
    grants: { list: async () => fake.grants ?? [] },
    approvals: {
      request: async (kind: string, origin: string, details: unknown) => {
        asked.push({ kind, origin, details });
        throw new ApprovalRejectedError('User rejected the request.');
      },
    },
    activity: {
      add: async (entry: Record<string, unknown>) => {
        activity.push(entry);
        return String(activity.length);
      },
      settle: async () => undefined,
    },
  } as unknown as WalletServices;
  const methods = providerMethods(services);
  const request = (method: string, params: unknown) =>
    handleRequest({ method, params: [params] }, { origin: ORIGIN }, methods);
  return { request, asked, activity, signed, calls };
}

async function failure(outcome: Awaited<ReturnType<ReturnType<typeof wallet>['request']>>) {
  assert.ok('error' in outcome, `expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

const put = { path: BCOS, record: 'kyc', fields: { name: 'Ada Lovelace', country: 'GB' } };

describe('weft_putRecord', () => {
  test('each malformed param is -32602 naming it, before anything is asked or read', async () => {
    const { request, asked, calls } = wallet();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ path: 'records' }, /path/],
      [{ record: '' }, /record/],
      [{ record: 'x'.repeat(201) }, /record/],
      [{ record: 7 }, /record/],
      [{ fields: undefined }, /fields/],
      [{ fields: ['Ada'] }, /fields/],
      [{ fields: {} }, /fields/],
      [{ fields: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, 'v'])) }, /fields/],
      [{ fields: { name: 7 } }, /fields\.name/],
      [{ fields: { name: 'x'.repeat(4097) } }, /fields\.name/],
      [{ fields: { ['n'.repeat(201)]: 'v' } }, /name/],
    ];
    for (const [change, message] of cases) {
      const error = await failure(await request('weft_putRecord', { ...put, ...change }));
      assert.equal(error.code, ErrorCode.invalidParams, JSON.stringify(change));
      assert.match(error.message, message, JSON.stringify(change));
    }
    assert.deepEqual(asked, []);
    assert.deepEqual(calls, []);
  });

  test('a resource outside the session is 4100; one without grant reads is -32602 NOT_RECORDS', async () => {
    const { request, asked } = wallet({ session: { ...session, resources: [FAB] } });
    assert.equal((await failure(await request('weft_putRecord', put))).code, ErrorCode.unauthorized);
    const other = wallet();
    const error = await failure(await other.request('weft_putRecord', { ...put, path: ASSET }));
    assert.equal(error.code, ErrorCode.invalidParams);
    assert.deepEqual(error.data, { reason: 'NOT_RECORDS' });
    assert.deepEqual([...asked, ...other.asked], []);
  });

  test('a session limited to other methods of the resource may not write records', async () => {
    const { request, asked } = wallet({ session: { ...session, methods: { [BCOS]: ['get'] } } });
    const error = await failure(await request('weft_putRecord', put));
    assert.equal(error.code, ErrorCode.unauthorized);
    assert.match(error.message, /does not allow payment\.bcos\.records\.put/);
    assert.deepEqual(asked, []);
  });

  test('the approval shows every field and value and who can read them; rejected: 4001, logged, no key touched', async () => {
    const nameOnly = stored({ fields: ['name', 'phone'] });
    const all = stored({});
    const disjoint = stored({ fields: ['phone'] });
    const revoked = stored({}, { revokedAt: 1 });
    const { request, asked, activity, signed } = wallet({ grants: [all, nameOnly, disjoint, revoked] });
    const error = await failure(await request('weft_putRecord', put));
    assert.equal(error.code, ErrorCode.userRejected);
    assert.deepEqual(asked, [
      {
        kind: 'record',
        origin: ORIGIN,
        details: {
          path: BCOS,
          chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
          contract: '0x00000000000000000000000000000000000000c0',
          record: 'kyc',
          fields: [
            { name: 'name', value: 'Ada Lovelace' },
            { name: 'country', value: 'GB' },
          ],
          from: OWNER,
          sealedBy: { address: OWNER, name: 'Account 1' },
          readers: [
            { origin: nameOnly.origin, grantId: nameOnly.id, fields: ['name'] },
            { origin: all.origin, grantId: all.id, fields: ['name', 'country'] },
            { origin: disjoint.origin, grantId: disjoint.id, fields: [] },
          ].sort((a, b) => Number(BigInt(a.grantId) - BigInt(b.grantId))),
        },
      },
    ]);
    assert.deepEqual(activity, [
      { origin: ORIGIN, kind: 'transaction', summary: `${BCOS}.put`, account: OWNER, status: 'rejected' },
    ]);
    assert.deepEqual(signed, []);
  });

  test('on Fabric the approval names the identity that writes and the chaincode', async () => {
    const { request, asked, activity } = wallet({ grants: [stored({ resource: FAB })] });
    await request('weft_putRecord', { ...put, path: FAB });
    const details = asked[0]?.details as { from: string; contract: string; readers: unknown[] };
    assert.equal(asked[0]?.kind, 'record');
    assert.equal(details.from, 'alice (Org1MSP)');
    assert.equal(activity[0]?.account, 'alice (Org1MSP)', 'the activity names who would have signed');
    assert.equal(details.contract, 'records');
    assert.equal(details.readers.length, 1);
  });
});

describe('plaintext record paths are refused', () => {
  test('weft_sendTransaction of a records resource’s value and key writes: -32602 RECORDS_METHOD, nothing asked', async () => {
    const { request, asked, signed } = wallet();
    for (const [path, method] of [
      [BCOS, 'put'],
      [BCOS, 'shareKeys'],
      [FAB, 'PutRecord'],
      [FAB, 'ShareKeys'],
    ] as const) {
      const error = await failure(
        await request('weft_sendTransaction', { path, method, args: ['kyc', '{"name":"Ada"}', ''] }),
      );
      assert.equal(error.code, ErrorCode.invalidParams, method);
      assert.deepEqual(error.data, { reason: 'RECORDS_METHOD' });
      assert.match(error.message, /weft_putRecord/);
    }
    assert.deepEqual(asked, []);
    assert.deepEqual(signed, []);
  });

  test('other writes of a records resource, and a `put` elsewhere, still go to the approval', async () => {
    const { request, asked, activity } = wallet();
    await request('weft_sendTransaction', { path: FAB, method: 'DeleteRecord', args: ['kyc'] });
    await request('weft_sendTransaction', { path: ASSET, method: 'put', args: ['x'] });
    assert.deepEqual(
      asked.map((a) => [a.kind, (a.details as { method: string }).method]),
      [
        ['transaction', 'DeleteRecord'],
        ['transaction', 'put'],
      ],
    );
    // Each refusal is logged with the signer the approval named.
    assert.deepEqual(
      activity.map((a) => [a.summary, a.account, a.status]),
      [
        [`${FAB}.DeleteRecord`, 'alice (Org1MSP)', 'rejected'],
        [`${ASSET}.put`, OWNER, 'rejected'],
      ],
    );
  });

  test('weft_call of a grant read: -32602 GRANT_METHOD, nothing sent', async () => {
    const { request, calls, signed } = wallet();
    for (const [path, method] of [
      [BCOS, 'readWithGrant'],
      [FAB, 'ReadWithGrant'],
    ] as const) {
      const error = await failure(await request('weft_call', { path, method, args: [] }));
      assert.equal(error.code, ErrorCode.invalidParams);
      assert.deepEqual(error.data, { reason: 'GRANT_METHOD' });
      assert.match(error.message, /weft_readWithGrant/);
    }
    assert.deepEqual(calls, []);
    assert.deepEqual(signed, []);
  });
});

async function unlockedVault(): Promise<Vault> {
  const vault = new Vault({
    local: new MemoryStorageArea(),
    session: new MemoryStorageArea(),
    iterations: 1_000,
    events: new WalletEvents(),
  });
  await vault.create('correct horse battery');
  return vault;
}

describe('weft_getRecord', async () => {
  const vault = await unlockedVault();
  const [account] = await vault.accounts();
  assert.ok(account);
  const owner = { ...session, address: account.address };
  const place = { resource: BCOS, record: 'kyc' };
  const fields = { name: 'Ada Lovelace', country: 'GB' };
  const key = vault.privateKey(0);
  const { sealed } = await sealRecord(recordsSecret(key), place, fields);
  key.fill(0);
  const real = {
    accounts: () => vault.accounts(),
    privateKey: (index: number) => vault.privateKey(index),
    isUnlocked: () => vault.isUnlocked(),
  };
  const chainHolding = (values: Record<string, string>) => async () => ({
    values: [Object.keys(values), Object.values(values)],
    raw: '0x',
  });

  test('reads the record from the account (as `from`) and opens it with the account’s keys', async () => {
    const { request, calls } = wallet({ session: owner, vault: real, call: chainHolding(sealed) });
    assert.deepEqual(await request('weft_getRecord', { path: BCOS, record: 'kyc' }), {
      result: { record: 'kyc', fields },
    });
    assert.deepEqual(calls, [{ path: BCOS, method: 'get', args: ['kyc'], from: account.address }]);
  });

  test('a value altered, moved to another field, or not sealed is refused, never shown', async () => {
    const [, body = ''] = (sealed.name as string).split(':');
    // One character of the ciphertext (past the salt and iv) changed.
    const at = body.length - 10;
    const flipped = `weft-enc1:${body.slice(0, at)}${body[at] === 'A' ? 'B' : 'A'}${body.slice(at + 1)}`;
    assert.notEqual(flipped, sealed.name);
    const altered: Record<string, string>[] = [
      { ...sealed, name: flipped },
      { name: sealed.country as string, country: sealed.name as string },
      { ...sealed, country: 'GB' },
    ];
    for (const values of altered) {
      const { request } = wallet({ session: owner, vault: real, call: chainHolding(values) });
      const error = await failure(await request('weft_getRecord', { path: BCOS, record: 'kyc' }));
      assert.equal(error.code, -32000);
      assert.equal((error.data as { reason: string }).reason, 'UNREADABLE');
      assert.doesNotMatch(JSON.stringify(error), /Ada|GB"/);
    }
  });

  test('a record sealed for another record id does not open under this one', async () => {
    const { request } = wallet({ session: owner, vault: real, call: chainHolding(sealed) });
    const error = await failure(await request('weft_getRecord', { path: BCOS, record: 'kyc2' }));
    assert.deepEqual(error.data, { reason: 'UNREADABLE', record: 'kyc2', detail: 'wrong-key' });
  });

  test('no such record: -32000 NO_SUCH_RECORD', async () => {
    const { request } = wallet({
      session: owner,
      vault: real,
      call: async () => {
        throw new HipError(HipErrorCode.chainReverted, 'execution reverted: Records: no such record', {
          chainMessage: 'Records: no such record',
        });
      },
    });
    const error = await failure(await request('weft_getRecord', { path: BCOS, record: 'kyc' }));
    assert.equal(error.code, -32000);
    assert.deepEqual(error.data, { reason: 'NO_SUCH_RECORD', record: 'kyc' });
  });

  test('locked: 4100 LOCKED, nothing read', async () => {
    const { request, calls } = wallet({ session: owner, vault: { ...real, isUnlocked: () => false } });
    const error = await failure(await request('weft_getRecord', { path: BCOS, record: 'kyc' }));
    assert.equal(error.code, ErrorCode.unauthorized);
    assert.deepEqual(error.data, { reason: 'LOCKED' });
    assert.deepEqual(calls, []);
  });

  test('malformed params are -32602', async () => {
    const { request } = wallet({ session: owner, vault: real });
    for (const params of [{ path: BCOS }, { path: 'x', record: 'kyc' }, { path: BCOS, record: '' }]) {
      assert.equal((await failure(await request('weft_getRecord', params))).code, ErrorCode.invalidParams);
    }
  });
});
