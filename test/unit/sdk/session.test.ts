/**
 * `connect()` and the session's methods against a stand-in provider: what each asks the wallet
 * (CAIP-25 `wallet_createSession` by chain, `weft_requestSession` by path), how the answer becomes
 * the session, and which scope and namespaced method each call goes out as.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, UnauthorizedError, UserRejectedError, WeftWallet } from '../../../sdk/index.ts';
import { ADDRESS, FABRIC, FakeProvider, FISCO, sessionAnswer } from './fake-provider.ts';

test('connect by scopes asks wallet_createSession, resources moved to scopedProperties, all methods by default', async () => {
  const provider = new FakeProvider().answer('wallet_createSession', () => ({
    ...sessionAnswer(),
    sessionProperties: {},
  }));
  const wallet = new WeftWallet(provider);
  const session = await wallet.connect({
    scopes: { [FISCO]: { resources: ['payment.bcos.asset'] } },
    optionalScopes: {
      [FABRIC]: { methods: ['fabric_call'], notifications: [] },
      wallet: {},
    },
  });
  assert.deepEqual(provider.asked, [
    {
      method: 'wallet_createSession',
      params: {
        requiredScopes: {
          [FISCO]: {
            methods: [
              'fisco_call',
              'fisco_sendTransaction',
              'fisco_describe',
              'fisco_getTransaction',
              'fisco_putRecord',
              'fisco_getRecord',
              'fisco_subscribe',
              'fisco_unsubscribe',
            ],
            notifications: ['fisco_subscription'],
          },
        },
        optionalScopes: {
          [FABRIC]: { methods: ['fabric_call'], notifications: [] },
          wallet: {
            methods: [
              'weft_resources',
              'weft_requestGrant',
              'weft_readWithGrant',
              'weft_sendCrossChainTransaction',
              'weft_proposeSwap',
              'weft_acceptSwap',
              'weft_ttmStatus',
              'weft_ttmList',
            ],
            notifications: [],
          },
        },
        scopedProperties: { [FISCO]: { resources: ['payment.bcos.asset'] } },
        sessionProperties: {},
      },
    },
  ]);
  assert.equal(session.active, true);
  assert.deepEqual(session.chains, [FISCO, FABRIC]);
  assert.equal(session.address, ADDRESS);
  assert.equal(session.accounts.length, 2);
  assert.equal(session.scopeOf('payment.bcos.records'), FISCO);
  assert.equal(session.scopeOf('trade.fab.asset'), FABRIC);
  assert.equal(session.scopeOf('elsewhere.x.y'), undefined);
  assert.deepEqual(session.paths, ['payment.bcos.asset', 'payment.bcos.records', 'trade.fab.asset']);
});

test('connect by resources asks weft_requestSession, then reads the session back as scopes', async () => {
  const provider = new FakeProvider()
    .answer('weft_requestSession', () => ({
      origin: 'https://dapp.example',
      resources: ['payment.bcos.asset'],
    }))
    .answer('wallet_getSession', () => sessionAnswer());
  const session = await connect({
    wallet: new WeftWallet(provider),
    resources: ['payment.bcos.asset', 'trade.fab.asset'],
    methods: { 'payment.bcos.asset': ['balanceOf'] },
  });
  assert.deepEqual(provider.asked, [
    {
      method: 'weft_requestSession',
      params: [
        {
          resources: ['payment.bcos.asset', 'trade.fab.asset'],
          methods: { 'payment.bcos.asset': ['balanceOf'] },
        },
      ],
    },
    { method: 'wallet_getSession' },
  ]);
  assert.equal(session.scopeOf('trade.fab.asset'), FABRIC);
});

test('a 2025-shaped answer (scopes with capabilities) gives the same session', async () => {
  const provider = new FakeProvider().answer('wallet_createSession', () => ({
    scopes: {
      [FABRIC]: {
        methods: ['fabric_call'],
        notifications: [],
        accounts: [],
        capabilities: { resources: ['trade.fab.asset'] },
      },
    },
    properties: {},
  }));
  const session = await new WeftWallet(provider).connect({ scopes: { [FABRIC]: {} } });
  assert.equal(session.scopeOf('trade.fab.asset'), FABRIC);
  assert.equal(session.address, undefined);
});

test('the user declining is a UserRejectedError', async () => {
  const provider = new FakeProvider().answer('weft_requestSession', () => {
    throw { code: 4001, message: 'User rejected the request' };
  });
  await assert.rejects(new WeftWallet(provider).connect({ resources: ['payment.bcos.asset'] }), (error) => {
    assert.ok(error instanceof UserRejectedError);
    assert.equal(error.code, 4001);
    return true;
  });
});

test('chain methods go through wallet_invokeMethod in the scope of the chain holding the path', async () => {
  const provider = new FakeProvider()
    .answer('wallet_getSession', () => sessionAnswer())
    .answer('wallet_invokeMethod', (params) => {
      const { request } = params as { request: { method: string } };
      return request.method.endsWith('_call') ? { values: ['1000'], raw: '0x03e8' } : { txId: '0x01' };
    });
  const session = await new WeftWallet(provider).getSession();
  provider.asked.length = 0;
  const read = await session.call({ path: 'payment.bcos.asset', method: 'balanceOf', args: [ADDRESS] });
  assert.deepEqual(read.values, ['1000']);
  await session.sendTransaction({ path: 'trade.fab.asset', method: 'Transfer', args: ['a', 'b', '1'] });
  await session.getRecord('payment.bcos.records', 'kyc');
  await session.describe('trade.fab.asset');
  await session.getTransaction('payment.bcos.asset', '0xab');
  await session.putRecord({ path: 'payment.bcos.records', record: 'kyc', fields: { name: 'Ada' } });
  const sent = provider.asked.map(({ params }) => params);
  assert.deepEqual(sent, [
    {
      scope: FISCO,
      request: {
        method: 'fisco_call',
        params: [{ path: 'payment.bcos.asset', method: 'balanceOf', args: [ADDRESS] }],
      },
    },
    {
      scope: FABRIC,
      request: {
        method: 'fabric_sendTransaction',
        params: [{ path: 'trade.fab.asset', method: 'Transfer', args: ['a', 'b', '1'] }],
      },
    },
    {
      scope: FISCO,
      request: { method: 'fisco_getRecord', params: [{ path: 'payment.bcos.records', record: 'kyc' }] },
    },
    { scope: FABRIC, request: { method: 'fabric_describe', params: [{ path: 'trade.fab.asset' }] } },
    {
      scope: FISCO,
      request: { method: 'fisco_getTransaction', params: [{ path: 'payment.bcos.asset', txId: '0xab' }] },
    },
    {
      scope: FISCO,
      request: {
        method: 'fisco_putRecord',
        params: [{ path: 'payment.bcos.records', record: 'kyc', fields: { name: 'Ada' } }],
      },
    },
  ]);
  assert.ok(provider.asked.every((a) => a.method === 'wallet_invokeMethod'));
});

test('the wallet scope carries cross-chain transactions, swaps, grants and the resource list', async () => {
  const provider = new FakeProvider()
    .answer('wallet_getSession', () => sessionAnswer())
    .answer('wallet_invokeMethod', () => ({ state: 'committed' }));
  const session = await new WeftWallet(provider).getSession();
  provider.asked.length = 0;
  const steps = [
    { path: 'payment.bcos.asset', to: '0x00000000000000000000000000000000000000aa', amount: '10' },
    { path: 'trade.fab.asset', from: 'user1', to: 'merchant', amount: '10' },
  ];
  const tx = await session.sendCrossChainTransaction({ steps });
  assert.equal(tx.state, 'committed');
  await session.ttmStatus('0x1234');
  await session.ttmList();
  await session.listResources();
  assert.deepEqual(
    provider.asked.map((a) => a.params),
    [
      { scope: 'wallet', request: { method: 'weft_sendCrossChainTransaction', params: [{ steps }] } },
      { scope: 'wallet', request: { method: 'weft_ttmStatus', params: [{ id: '0x1234' }] } },
      { scope: 'wallet', request: { method: 'weft_ttmList' } },
      { scope: 'wallet', request: { method: 'weft_resources' } },
    ],
  );
});

test('without a session, a path goes to its weft_* method and the wallet answers 4100', async () => {
  const provider = new FakeProvider()
    .answer('wallet_getSession', () => ({ sessionScopes: {} }))
    .answer('weft_call', () => {
      throw { code: 4100, message: 'no session for trade.fab.asset' };
    });
  const session = await new WeftWallet(provider).getSession();
  assert.equal(session.active, false);
  assert.deepEqual(session.chains, []);
  await assert.rejects(
    session.call({ path: 'trade.fab.asset', method: 'BalanceOf', args: ['user1'] }),
    (error) => {
      assert.ok(error instanceof UnauthorizedError);
      assert.equal(error.message, 'no session for trade.fab.asset');
      return true;
    },
  );
  assert.deepEqual(provider.asked.at(-1), {
    method: 'weft_call',
    params: [{ path: 'trade.fab.asset', method: 'BalanceOf', args: ['user1'] }],
  });
});

test('onSessionChanged reads the whole session on a change, and hands an inactive one on revocation', async () => {
  let reads = 0;
  const provider = new FakeProvider().answer('wallet_getSession', () => {
    reads++;
    return sessionAnswer();
  });
  const wallet = new WeftWallet(provider);
  const seen: boolean[] = [];
  const paths: string[][] = [];
  const stop = wallet.onSessionChanged((session) => {
    seen.push(session.active);
    paths.push(session.paths);
  });
  provider.emit('wallet_sessionChanged', { sessionScopes: sessionAnswer().sessionScopes });
  await new Promise((resolve) => setTimeout(resolve, 0));
  provider.emit('wallet_sessionChanged', { sessionScopes: {} });
  assert.deepEqual(seen, [true, false]);
  assert.equal(reads, 1, 'read once, for the change that is not a revocation');
  assert.deepEqual(paths[0], ['payment.bcos.asset', 'payment.bcos.records', 'trade.fab.asset']);
  stop();
  assert.equal(provider.listenerCount('wallet_sessionChanged'), 0);
});

test('requestUnchecked sends anything and types what the wallet answers', async () => {
  const provider = new FakeProvider();
  const wallet = new WeftWallet(provider);
  await assert.rejects(wallet.requestUnchecked({ method: 'eth_sendTransaction', params: [] }), {
    name: 'UnsupportedMethodError',
    code: 4200,
  });
  assert.deepEqual(provider.asked, [{ method: 'eth_sendTransaction', params: [] }]);
});
