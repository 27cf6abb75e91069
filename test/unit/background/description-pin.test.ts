/**
 * Attack 9 of the adversarial list at the wallet's provider methods: the routers serve a changed
 * description (another contract address, ABI, chainId, groupId, channel, chaincode) for a
 * resource the user approved. Every method that uses a session resource refuses it with 4100
 * `DESCRIPTION_CHANGED` before anything is shown, built or signed (the vault's signing calls are
 * spies), logs it for the popup, and works again only after the site asks again and the user
 * approves the change, which re-pins. A session stored before pins is refused (`NOT_PINNED`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionApprovalDetails } from '../../../background/approvals/approval-kinds.ts';
import { ApprovalRejectedError, type UncheckedChoice } from '../../../background/approvals/approval-queue.ts';
import { WalletEvents } from '../../../background/events.ts';
import { handleRequest } from '../../../background/provider/handle-request.ts';
import { providerMethods } from '../../../background/provider/methods/index.ts';
import type { WalletServices } from '../../../background/services.ts';
import { pinOf } from '../../../background/sessions/resource-pin.ts';
import { SessionStore } from '../../../background/sessions/session-store.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { Session } from '../../../content/provider-schema.ts';
import { assetMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';

const ORIGIN = 'https://shop.example';
const ASSET = 'payment.bcos.asset';
const ASSET2 = 'payment.bcos.asset2';
const RECORDS = 'payment.bcos.records';
const FAB = 'trade.fab.asset';
const ME = '0x00000000000000000000000000000000000000aa';
const BOB = `0x${'b0'.repeat(20)}`;
const EVIL = `0x${'ee'.repeat(20)}`;
const ANCHOR = 'ab'.repeat(32);

const p = (name: string, type: string) => ({ name, type });
const assetAbi = [
  { type: 'function', name: 'transfer', inputs: [p('to', 'address'), p('amount', 'uint256')], outputs: [] },
  { type: 'function', name: 'balanceOf', inputs: [p('who', 'address')], outputs: [p('', 'uint256')] },
  { type: 'function', name: 'prepare', inputs: [], outputs: [] },
].map((f) => ({ ...f, stateMutability: f.name === 'balanceOf' ? 'view' : 'nonpayable' }));
const assetFns: ResourceEntry['methods'] = [
  { name: 'transfer', kind: 'write', inputs: [p('to', 'address'), p('amount', 'uint256')], outputs: [] },
  { name: 'balanceOf', kind: 'read', inputs: [p('who', 'address')], outputs: [p('', 'uint256')] },
  { name: 'prepare', kind: 'write', inputs: [], outputs: [] },
];
const fisco = (path: string, address: string): ResourceEntry => ({
  path,
  chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
  address,
  methods: assetFns,
  abi: assetAbi,
  router: 'r1',
  hops: 0,
});

/** The descriptions the user approved. */
const honest: Record<string, ResourceEntry> = {
  [ASSET]: fisco(ASSET, `0x${'a5'.repeat(20)}`),
  [ASSET2]: fisco(ASSET2, `0x${'a6'.repeat(20)}`),
  [RECORDS]: {
    ...fisco(RECORDS, `0x${'c0'.repeat(20)}`),
    methods: [
      { name: 'put', kind: 'write', inputs: [], outputs: [] },
      { name: 'get', kind: 'read', inputs: [], outputs: [] },
      { name: 'readWithGrant', kind: 'read', inputs: [], outputs: [] },
    ],
    abi: undefined,
  },
  [FAB]: {
    path: FAB,
    chain: { type: 'fabric', channel: 'mychannel' },
    address: 'asset',
    methods: assetMethods,
    router: 'r2',
    hops: 1,
  },
};

/** One lie per field a router could change. */
const lies: [string, string, (e: ResourceEntry) => ResourceEntry][] = [
  ['address', 'address', (e) => ({ ...e, address: EVIL })],
  [
    'ABI',
    'abiHash',
    (e) => ({
      ...e,
      abi: [...((e.abi as unknown[] | undefined) ?? []), { type: 'function', name: 'drain' }],
    }),
  ],
  ['chainId', 'chainId', (e) => ({ ...e, chain: { type: 'fisco-bcos', chainId: 7, groupId: 1 } })],
  ['groupId', 'groupId', (e) => ({ ...e, chain: { type: 'fisco-bcos', chainId: 1, groupId: 7 } })],
];

function wallet(options: { pins?: boolean; rejectSessions?: boolean } = {}) {
  const served: Record<string, ResourceEntry> = { ...honest };
  const signed: string[] = [];
  const sent: string[] = [];
  const asked: { kind: string; details: unknown }[] = [];
  const activity: Record<string, unknown>[] = [];
  const local = new MemoryStorageArea();
  const sessions = new SessionStore(local, new WalletEvents());
  const anchors = new Map([['payment.bcos', { fingerprint: ANCHOR }]]);
  const refuse = (what: string) => () => {
    signed.push(what);
    throw new Error('the test signs nothing');
  };
  const spy =
    (what: string) =>
    async (...args: unknown[]) => {
      sent.push(what);
      if (what === 'call') return { values: ['1'], raw: '0x01' };
      throw new Error(`the test sends nothing (${JSON.stringify(args[0]).slice(0, 40)})`);
    };
  const services = {
    sessions,
    local,
    vault: {
      isUnlocked: () => true,
      accounts: async () => [{ index: 0, address: ME, name: 'Account 1' }],
      fabricIdentities: async () => [{ id: 'id-1', name: 'alice', mspId: 'Org1MSP' }],
      fabricIdentity: async () => ({ id: 'id-1', name: 'alice', mspId: 'Org1MSP' }),
      privateKey: refuse('privateKey'),
      fabricSigningIdentity: refuse('fabricSigningIdentity'),
      ttmKey: refuse('ttmKey'),
    },
    routers: {
      describe: async (path: string) => served[path],
      client: () => ({
        call: spy('call'),
        prepare: spy('prepare'),
        submit: spy('submit'),
        endorse: spy('endorse'),
        request: spy('request'),
      }),
    },
    trust: { anchors: { get: async (chain: string) => anchors.get(chain) } },
    grants: { list: async () => [] },
    ttm: { log: { get: async () => ({ id: 'seen' }) }, runTransaction: spy('runTransaction') },
    approvals: {
      request: async (
        kind: string,
        _origin: string,
        details: unknown,
        narrow: (choice: UncheckedChoice) => unknown,
      ) => {
        asked.push({ kind, details });
        // Sessions are approved as asked; anything that would be signed is rejected.
        if (kind === 'session' && !options.rejectSessions) return narrow({ account: 0 });
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
  const request = async (method: string, params?: unknown) =>
    handleRequest({ method, params: params === undefined ? [] : [params] }, { origin: ORIGIN }, methods);
  const session: Session = {
    origin: ORIGIN,
    resources: Object.keys(honest),
    account: 0,
    address: ME,
    fabricIdentity: 'id-1',
    createdAt: 1,
    ...(options.pins === false
      ? {}
      : {
          pins: Object.fromEntries(
            Object.values(honest).map((e) => [
              e.path,
              pinOf(e, e.path.startsWith('payment.') ? ANCHOR : undefined),
            ]),
          ),
        }),
  };
  return { served, signed, sent, asked, activity, sessions, request, session, anchors };
}

type Outcome = Awaited<ReturnType<ReturnType<typeof wallet>['request']>>;

function refusedAsChanged(outcome: Outcome, path: string, field: string) {
  assert.ok('error' in outcome, `expected a refusal, got ${JSON.stringify(outcome)}`);
  assert.equal(outcome.error.code, ErrorCode.unauthorized);
  const data = outcome.error.data as { reason: string; path: string; changes: { field: string }[] };
  assert.equal(data.reason, 'DESCRIPTION_CHANGED');
  assert.equal(data.path, path);
  assert.deepEqual(
    data.changes.map((c) => c.field),
    [field],
  );
  assert.match(outcome.error.message, /weft_requestSession/);
}

/** Every method, with params using `path` where it matters. */
const uses: [string, string, (path: string) => unknown][] = [
  ['weft_call', ASSET, (path) => ({ path, method: 'balanceOf', args: [ME] })],
  ['weft_sendTransaction', ASSET, (path) => ({ path, method: 'transfer', args: [BOB, '5'] })],
  ['weft_sendCrossChainTransaction', ASSET, (path) => ({ steps: [{ path, to: BOB, amount: '5' }] })],
  [
    'weft_proposeSwap',
    ASSET,
    (path) => ({ give: { path, to: BOB, amount: '5' }, want: { path: ASSET2, amount: '5' } }),
  ],
  [
    'weft_acceptSwap',
    ASSET,
    (path) => {
      const now = Math.floor(Date.now() / 1000);
      return {
        proposal: {
          weftSwap: 1,
          id: `0x${'11'.repeat(32)}`,
          hashLock: `0x${'22'.repeat(32)}`,
          initiatorLock: {
            path: ASSET2,
            chain: 'fisco-bcos',
            from: BOB,
            to: ME,
            amount: '5',
            timelock: now + 7200,
          },
          participantLock: { path, chain: 'fisco-bcos', to: BOB, amount: '5', timelock: now + 3600 },
        },
      };
    },
  ],
  ['weft_describe', ASSET, (path) => ({ path })],
];

describe('a changed resource description is refused', () => {
  test('control: as approved, each method gets past the pin (to its approval, its read or its own checks)', async () => {
    const w = wallet();
    await w.sessions.put(w.session);
    const outcomes = new Map<string, Outcome>();
    for (const [method, path, params] of uses) outcomes.set(method, await w.request(method, params(path)));
    outcomes.set(
      'weft_putRecord',
      await w.request('weft_putRecord', { path: RECORDS, record: 'kyc', fields: { a: 'b' } }),
    );
    const read = outcomes.get('weft_call') as Outcome;
    assert.ok('result' in read, JSON.stringify(read));
    assert.deepEqual((read.result as { values: unknown[] }).values, ['1']);
    const described = outcomes.get('weft_describe') as Outcome;
    assert.ok(
      'result' in described && (described.result as ResourceEntry).address === honest[ASSET]?.address,
    );
    for (const method of [
      'weft_sendTransaction',
      'weft_sendCrossChainTransaction',
      'weft_proposeSwap',
      'weft_putRecord',
    ]) {
      const outcome = outcomes.get(method) as Outcome;
      assert.ok(
        'error' in outcome && outcome.error.code === ErrorCode.userRejected,
        `${method}: ${JSON.stringify(outcome)}`,
      );
    }
    const accept = outcomes.get('weft_acceptSwap') as Outcome;
    assert.ok('error' in accept && /already took part/.test(accept.error.message), JSON.stringify(accept));
    assert.deepEqual(
      w.asked.map((a) => a.kind),
      ['transaction', 'crossChain', 'swap', 'record'],
    );
    assert.ok(!w.activity.some((a) => a.status === 'failed'));
  });

  for (const [what, field, lie] of lies) {
    test(`FISCO BCOS ${what} changed: every method refuses with 4100 DESCRIPTION_CHANGED; nothing asked, signed or sent`, async () => {
      const w = wallet();
      await w.sessions.put(w.session);
      w.served[ASSET] = lie(honest[ASSET] as ResourceEntry);
      w.served[RECORDS] = lie(honest[RECORDS] as ResourceEntry);
      for (const [method, path, params] of uses)
        refusedAsChanged(await w.request(method, params(path)), path, field);
      refusedAsChanged(
        await w.request('weft_putRecord', { path: RECORDS, record: 'kyc', fields: { a: 'b' } }),
        RECORDS,
        field === 'abiHash' ? 'abiHash' : field,
      );
      refusedAsChanged(await w.request('weft_getRecord', { path: RECORDS, record: 'kyc' }), RECORDS, field);
      assert.deepEqual(w.asked, [], 'no approval shown for the changed resource');
      assert.deepEqual(w.signed, [], 'no key touched');
      assert.deepEqual(w.sent, [], 'nothing read or sent through the routers');
      // Shown in the popup's activity: each refusal, with what changed.
      assert.equal(w.activity.length, uses.length + 2);
      for (const entry of w.activity) {
        assert.equal(entry.status, 'failed');
        assert.match(String(entry.error), new RegExp(`${field}`));
      }
    });
  }

  for (const [what, field, lie] of [
    [
      'channel',
      'channel',
      (e: ResourceEntry) => ({ ...e, chain: { type: 'fabric', channel: 'otherchannel' } }),
    ],
    ['chaincode', 'chaincode', (e: ResourceEntry) => ({ ...e, address: 'asset-evil' })],
  ] as const) {
    test(`Fabric ${what} changed: weft_call and weft_sendTransaction refuse; no Fabric key asked`, async () => {
      const w = wallet();
      await w.sessions.put(w.session);
      w.served[FAB] = lie(honest[FAB] as ResourceEntry) as ResourceEntry;
      refusedAsChanged(
        await w.request('weft_call', { path: FAB, method: 'BalanceOf', args: ['alice'] }),
        FAB,
        field,
      );
      refusedAsChanged(
        await w.request('weft_sendTransaction', {
          path: FAB,
          method: 'Transfer',
          args: ['alice', 'bob', '5'],
        }),
        FAB,
        field,
      );
      assert.deepEqual([w.asked, w.signed, w.sent], [[], [], []]);
    });
  }

  test("the chain's trust anchor replaced (another genesis): refused as anchor", async () => {
    const w = wallet();
    await w.sessions.put(w.session);
    w.anchors.set('payment.bcos', { fingerprint: 'cd'.repeat(32) });
    refusedAsChanged(await w.request('weft_sendTransaction', uses[1]?.[2](ASSET)), ASSET, 'anchor');
    assert.deepEqual([w.asked, w.signed, w.sent], [[], [], []]);
  });

  test('a session stored before pins: 4100 NOT_PINNED until the site asks again', async () => {
    const w = wallet({ pins: false });
    await w.sessions.put(w.session);
    const outcome = await w.request('weft_sendTransaction', {
      path: ASSET,
      method: 'transfer',
      args: [BOB, '5'],
    });
    assert.ok('error' in outcome);
    assert.equal(outcome.error.code, ErrorCode.unauthorized);
    assert.deepEqual(outcome.error.data, { reason: 'NOT_PINNED', path: ASSET });
    assert.deepEqual([w.asked, w.signed, w.sent], [[], [], []]);
    // Asking again shows the approval (the session covers the path, but has no pin) and pins.
    const again = await w.request('weft_requestSession', { resources: [ASSET] });
    assert.ok('result' in again, JSON.stringify(again));
    assert.deepEqual(
      w.asked.map((a) => a.kind),
      ['session'],
    );
    assert.deepEqual((again.result as Session).pins?.[ASSET]?.address, honest[ASSET]?.address);
  });
});

describe('approving the change', () => {
  test('the site asks again: the approval shows old and new, approving re-pins, the new contract is used', async () => {
    const w = wallet();
    await w.sessions.put(w.session);
    // Same description: the session is answered without asking.
    const same = await w.request('weft_requestSession', { resources: [ASSET] });
    assert.ok('result' in same);
    assert.equal(w.asked.length, 0);

    w.served[ASSET] = { ...(honest[ASSET] as ResourceEntry), address: EVIL };
    refusedAsChanged(await w.request('weft_call', uses[0]?.[2](ASSET)), ASSET, 'address');
    const again = await w.request('weft_requestSession', { resources: [ASSET] });
    assert.ok('result' in again, JSON.stringify(again));
    assert.deepEqual(
      w.asked.map((a) => a.kind),
      ['session'],
    );
    const details = w.asked[0]?.details as SessionApprovalDetails;
    const shown = details.descriptions[ASSET];
    assert.ok(shown && 'pin' in shown);
    assert.equal(shown.pin.address, EVIL);
    assert.equal(shown.previous?.address, honest[ASSET]?.address);
    assert.deepEqual(shown.changes, [{ field: 'address', pinned: honest[ASSET]?.address, now: EVIL }]);
    // The other resources keep their pins; the changed one is re-pinned.
    const stored = (await w.sessions.get(ORIGIN)) as Session;
    assert.equal(stored.pins?.[ASSET]?.address, EVIL);
    assert.deepEqual(stored.pins?.[ASSET2], w.session.pins?.[ASSET2]);
    // Now the approved description is used.
    const read = await w.request('weft_call', uses[0]?.[2](ASSET));
    assert.ok('result' in read, JSON.stringify(read));
    assert.deepEqual(w.sent, ['call']);
  });

  test('rejecting the change keeps the old pin: still refused, nothing signed', async () => {
    const w = wallet({ rejectSessions: true });
    await w.sessions.put(w.session);
    w.served[ASSET] = { ...(honest[ASSET] as ResourceEntry), address: EVIL };
    const again = await w.request('weft_requestSession', { resources: [ASSET] });
    assert.ok('error' in again && again.error.code === ErrorCode.userRejected, JSON.stringify(again));
    assert.deepEqual((await w.sessions.get(ORIGIN))?.pins, w.session.pins);
    refusedAsChanged(await w.request('weft_sendTransaction', uses[1]?.[2](ASSET)), ASSET, 'address');
    assert.deepEqual(
      w.asked.map((a) => a.kind),
      ['session'],
    );
    assert.deepEqual([w.signed, w.sent], [[], []]);
  });

  test('the session approval shows every resource pinned: chain, contract or chaincode, ABI hash, anchor', async () => {
    const w = wallet();
    const outcome = await w.request('weft_requestSession', { resources: [ASSET, FAB] });
    assert.ok('result' in outcome, JSON.stringify(outcome));
    const details = w.asked[0]?.details as SessionApprovalDetails;
    const asset = details.descriptions[ASSET];
    const fab = details.descriptions[FAB];
    assert.ok(asset && 'pin' in asset && fab && 'pin' in fab);
    assert.deepEqual(asset.pin.chain, { type: 'fisco-bcos', chainId: 1, groupId: 1 });
    assert.equal(asset.pin.anchor, ANCHOR);
    assert.deepEqual(fab.pin.chain, { type: 'fabric', channel: 'mychannel' });
    assert.equal(fab.pin.address, 'asset');
    assert.equal(fab.pin.anchor, undefined);
    const session = outcome.result as Session;
    assert.deepEqual(session.pins, { [ASSET]: asset.pin, [FAB]: fab.pin });
  });
});
