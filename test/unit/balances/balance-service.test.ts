/**
 * The balance service against injected chain reads: which assets it shows (the network's and the
 * sessions'), each account's and Fabric identity's balance with what backs it, the unit, events
 * and the link refreshing them, and every failure kept on its row with the last amount read.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assetMethods,
  type BalanceReads,
  BalanceService,
} from '../../../background/balances/balance-service.ts';
import type { BalanceRow, BalancesView } from '../../../background/balances/types.ts';
import type { Session } from '../../../content/provider-schema.ts';
import type { ResourceMethod } from '../../../p2p/chains/connector.ts';
import { assetMethods as fabricAssetMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';

const ALICE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const BOB = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';

const read = (name: string, inputs: string[], outputs = ['out']): ResourceMethod => ({
  name,
  kind: 'read',
  inputs: inputs.map((n) => ({ name: n, type: n === 'account' ? 'address' : 'string' })),
  outputs: outputs.map((n) => ({ name: n, type: 'uint256' })),
});

const fiscoAsset: ResourceEntry = {
  path: 'payment.bcos.asset',
  chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
  address: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  methods: [
    read('balanceOf', ['account']),
    read('symbol', []),
    read('name', []),
    { name: 'transfer', kind: 'write', inputs: [], outputs: [] },
  ],
  router: 'r1',
  hops: 2,
};
const fiscoKv: ResourceEntry = {
  ...fiscoAsset,
  path: 'payment.bcos.kv',
  address: '0xkv',
  methods: [read('get', ['key'])],
};
const fabricAsset: ResourceEntry = {
  path: 'trade.fab.asset',
  chain: { type: 'fabric', channel: 'mychannel' },
  address: 'asset',
  methods: fabricAssetMethods,
  router: 'r2',
  hops: 1,
};

const hex = (text: string) => `0x${Buffer.from(text).toString('hex')}`;

/** A network the test changes: balances per path and holder, what fails, who owns which Fabric account. */
function fakeNetwork() {
  const balances = new Map<string, string>([
    [`payment.bcos.asset|${ALICE}`, '1000'],
    [`payment.bcos.asset|${BOB}`, '0'],
    ['trade.fab.asset|user1', '123456789012345678901234567890'],
    ['trade.fab.asset|merchant', '5'],
  ]);
  const owners = new Map([
    ['user1', 'x509::CN=user1'],
    ['merchant', 'x509::CN=user1'],
    ['user2', 'x509::CN=user2'],
  ]);
  const listeners = new Map<string, () => void>();
  const state = {
    linkId: {} as object | null,
    connected: true,
    linkError: undefined as string | undefined,
    listed: [fiscoAsset, fiscoKv, fabricAsset] as ResourceEntry[],
    failCallFor: new Set<string>(),
    calls: [] as string[],
    subscribes: 0,
    unsubscribes: 0,
  };
  const reads: BalanceReads = {
    link: () => ({
      id: state.linkId,
      connected: state.connected,
      ...(state.linkError ? { error: state.linkError } : {}),
    }),
    resources: async () => state.listed,
    describe: async (path) => {
      const entry = [fiscoAsset, fiscoKv, fabricAsset].find((e) => e.path === path);
      if (!entry) throw new Error(`no route to ${path}`);
      return entry;
    },
    call: async (path, method, args) => {
      state.calls.push(`${path}.${method}(${args.join(',')})`);
      if (!state.connected) throw new Error('link down');
      if (state.failCallFor.has(String(args[0]))) throw new Error('router timed out');
      if (method === 'symbol') return { values: ['WFA'], raw: '0x' };
      if (method === 'name') return { values: ['Weft Asset'], raw: '0x' };
      if (method === 'Symbol') return { values: ['TRD'], raw: hex('TRD') };
      if (method === 'Decimals') return { values: [0], raw: hex('0') };
      const balance = balances.get(`${path}|${String(args[0]).toLowerCase()}`);
      if (balance === undefined) throw new Error('no such account');
      return { values: [BigInt(balance)], raw: '0x' };
    },
    endorsedRead: async (path, identityId, _chaincode, fn, args) => {
      state.calls.push(`${path}.${fn}(${args.join(',')}) as ${identityId}`);
      const me = `x509::CN=${identityId}`;
      const by = 'endorsed by Org1MSP and Org2MSP';
      if (fn === 'ClientID') return { text: me, by };
      if (fn === 'OwnerOf') {
        const owner = owners.get(args[0] as string);
        if (!owner) throw new Error(`account ${args[0]} does not exist`);
        return { text: owner, by };
      }
      const balance = balances.get(`${path}|${args[0]}`);
      if (balance === undefined) throw new Error(`account ${args[0]} does not exist`);
      return { text: balance, by };
    },
    subscribe: async (path, onEvent) => {
      state.subscribes++;
      listeners.set(path, onEvent);
      return {
        unsubscribe: async () => {
          state.unsubscribes++;
          listeners.delete(path);
        },
      };
    },
  };
  return { reads, state, balances, owners, emit: (path: string) => listeners.get(path)?.() };
}

function service(
  net: ReturnType<typeof fakeNetwork>,
  options: { sessions?: Session[]; unlocked?: boolean; identities?: { id: string; name: string }[] } = {},
) {
  let changes = 0;
  const holders = {
    accounts: async () => [
      { index: 0, address: ALICE, name: 'Alice' },
      { index: 1, address: BOB, name: 'Savings' },
    ],
    fabricIdentities: async () =>
      (options.identities ?? [{ id: 'user1', name: 'user1' }]).map((i) => ({
        ...i,
        mspId: 'Org1MSP',
        certificate: '',
      })),
    sessions: async () => options.sessions ?? [],
    canSign: () => options.unlocked ?? true,
    fabricAccountNames: (identity: { name: string }) => [identity.name, 'merchant'],
  };
  const balances = new BalanceService({
    reads: net.reads,
    holders,
    onChange: () => changes++,
    debounceMs: 5,
  });
  return { balances, changes: () => changes };
}

function asset(view: BalancesView, path: string) {
  const found = view.chains.flatMap((c) => c.assets).find((a) => a.path === path);
  assert.ok(found, `${path} is shown`);
  return found;
}

const amounts = (rows: BalanceRow[]) => rows.map((r) => [r.owner, r.holder, r.state, r.amount ?? null]);

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the balance service', () => {
  test('nothing is read before a popup shows the balances; the first look reads them', async () => {
    const net = fakeNetwork();
    const { balances } = service(net);
    balances.changed();
    balances.linkChanged(true);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(net.state.calls, [], 'no read while nobody looks');
    assert.equal(balances.view().state, 'idle');
    balances.watch(true);
    await until(() => balances.view().state === 'ready', 'the first refresh');
    assert.ok(net.state.calls.length > 0);
  });

  test('while nobody looks, events and changes read nothing; the next look reads everything', async () => {
    const net = fakeNetwork();
    const { balances } = service(net);
    balances.watch(true);
    await until(() => balances.view().state === 'ready', 'the first refresh');
    balances.watch(false);
    net.state.calls = [];
    net.balances.set(`payment.bcos.asset|${BOB}`, '9');
    net.emit('payment.bcos.asset');
    balances.changed();
    balances.linkChanged(true);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(net.state.calls, [], 'an approval window alone reads no balance');
    assert.equal(asset(balances.view(), 'payment.bcos.asset').rows[1]?.amount, '0');
    // Looked at again within the stale time: what changed unseen is read now.
    balances.watch(true);
    await until(() => asset(balances.view(), 'payment.bcos.asset').rows[1]?.amount === '9', 'the next look');
  });

  test("FISCO BCOS: each account's balance in the asset's unit, as reported by the routers on the way", async () => {
    const net = fakeNetwork();
    const { balances } = service(net);
    await balances.refresh();
    const view = balances.view();
    const chain = view.chains.find((c) => c.chain === 'payment.bcos');
    assert.equal(chain?.label, 'FISCO BCOS, chain 1, group 1');
    assert.equal(chain?.type, 'fisco-bcos');
    const bcos = asset(view, 'payment.bcos.asset');
    // symbol() and name(); no decimals() in the contract: whole units.
    assert.deepEqual(bcos.unit, { symbol: 'WFA', decimals: 0, name: 'Weft Asset' });
    assert.deepEqual(view.units['payment.bcos.asset'], bcos.unit);
    assert.deepEqual(bcos.sources, ['network']);
    assert.equal(bcos.contract, fiscoAsset.address);
    assert.deepEqual(amounts(bcos.rows), [
      ['Alice', ALICE, 'ok', '1000'],
      ['Savings', BOB, 'ok', '0'],
    ]);
    // hops 2 from the entry router: three routers relayed the answer; no state proofs on FISCO BCOS 2.x.
    assert.deepEqual(bcos.rows[0]?.verified, {
      backing: 'router',
      by: 'as reported by the router fronting payment.bcos: FISCO BCOS 2.x has no state proofs',
    });
    // The key/value store is no asset.
    assert.equal(
      view.chains.flatMap((c) => c.assets).some((a) => a.path === 'payment.bcos.kv'),
      false,
    );
  });

  test("Fabric: the identity's own accounts (checked with OwnerOf against ClientID), endorsed, exact", async () => {
    const net = fakeNetwork();
    const { balances } = service(net, {
      identities: [
        { id: 'user1', name: 'user1' },
        { id: 'user3', name: 'user3' },
      ],
    });
    await balances.refresh();
    const fab = asset(balances.view(), 'trade.fab.asset');
    assert.deepEqual(fab.unit, { symbol: 'TRD', decimals: 0 });
    assert.deepEqual(amounts(fab.rows), [
      ['user1', 'user1', 'ok', '123456789012345678901234567890'],
      ['user1', 'merchant', 'ok', '5'],
      // user3 owns neither name the service looks for: said so, not left blank.
      ['user3', 'user3', 'none', null],
    ]);
    assert.match(fab.rows[2]?.error ?? '', /user3 owns no account here \(looked for user3, merchant\)/);
    assert.deepEqual(fab.rows[0]?.verified, { backing: 'endorsed', by: 'endorsed by Org1MSP and Org2MSP' });
    assert.equal(
      balances.view().chains.find((c) => c.chain === 'trade.fab')?.label,
      'Fabric, channel mychannel',
    );

    // Ownership does not change: the next refresh reads balances only.
    net.state.calls = [];
    await balances.refresh();
    assert.deepEqual(
      net.state.calls.filter((c) => c.startsWith('trade.fab.asset') && c.endsWith('as user1')),
      ['trade.fab.asset.BalanceOf(user1) as user1', 'trade.fab.asset.BalanceOf(merchant) as user1'],
    );
  });

  test('Fabric while locked: each identity says why it is not read', async () => {
    const net = fakeNetwork();
    const { balances } = service(net, { unlocked: false });
    await balances.refresh();
    const fab = asset(balances.view(), 'trade.fab.asset');
    assert.equal(fab.rows[0]?.state, 'error');
    assert.match(fab.rows[0]?.error ?? '', /unlock the wallet/);
    assert.ok(!net.state.calls.some((c) => c.includes(' as ')), 'nothing signed while locked');
  });

  test("sessions' assets are shown with their sites; an unknown resource says so on its row", async () => {
    const net = fakeNetwork();
    net.state.listed = [fiscoKv];
    const session = (origin: string, resources: string[]): Session => ({
      origin,
      resources,
      account: 0,
      address: ALICE,
      createdAt: 0,
    });
    const { balances } = service(net, {
      sessions: [
        session('https://a.example', ['payment.bcos.asset', 'payment.bcos.kv']),
        session('https://b.example', ['payment.bcos.asset', 'payment.bcos.gone']),
      ],
    });
    await balances.refresh();
    const view = balances.view();
    assert.deepEqual(asset(view, 'payment.bcos.asset').sources, ['https://a.example', 'https://b.example']);
    const gone = asset(view, 'payment.bcos.gone');
    assert.match(gone.error ?? '', /the routers could not describe it: no route to payment\.bcos\.gone/);
    assert.deepEqual(gone.sources, ['https://b.example']);
    assert.equal(
      view.chains.flatMap((c) => c.assets).some((a) => a.path === 'payment.bcos.kv'),
      false,
    );
  });

  test('a failed read keeps the last amount and says why; others are unaffected', async () => {
    const net = fakeNetwork();
    const { balances } = service(net);
    await balances.refresh();
    net.state.failCallFor.add(ALICE);
    net.balances.set(`payment.bcos.asset|${BOB}`, '42');
    await balances.refresh();
    const rows = asset(balances.view(), 'payment.bcos.asset').rows;
    assert.equal(rows[0]?.state, 'error');
    assert.equal(rows[0]?.error, 'router timed out');
    assert.equal(rows[0]?.amount, '1000', 'the last amount read is kept');
    assert.deepEqual(amounts(rows.slice(1)), [['Savings', BOB, 'ok', '42']]);
  });

  test('the link going down marks every row; coming back up reads again', async () => {
    const net = fakeNetwork();
    const { balances } = service(net);
    balances.watch(true);
    await balances.refresh();
    net.state.connected = false;
    net.state.linkError = 'connection to r3 closed';
    balances.linkChanged(false);
    const down = balances.view();
    assert.equal(down.error, 'no link to the routers: connection to r3 closed');
    for (const row of asset(down, 'payment.bcos.asset').rows) {
      assert.equal(row.state, 'error');
      assert.equal(row.error, 'no link to the routers: connection to r3 closed');
      assert.ok(row.amount !== undefined);
    }
    net.state.connected = true;
    delete net.state.linkError;
    net.balances.set(`payment.bcos.asset|${ALICE}`, '900');
    balances.linkChanged(true);
    await until(
      () => asset(balances.view(), 'payment.bcos.asset').rows[0]?.amount === '900',
      'the refresh on link up',
    );
    assert.equal(balances.view().error, undefined);
  });

  test('no routers configured: said once for the whole list', async () => {
    const net = fakeNetwork();
    net.state.linkId = null;
    net.state.connected = false;
    const { balances } = service(net);
    await balances.refresh();
    assert.equal(balances.view().error, 'no routers configured: add one under Routers');
    assert.deepEqual(balances.view().chains, []);
  });

  test("an asset's event refreshes it; subscriptions are made once per link", async () => {
    const net = fakeNetwork();
    const { balances, changes } = service(net);
    balances.watch(true);
    await until(() => balances.view().state === 'ready', 'the first refresh');
    assert.equal(net.state.subscribes, 2, 'one per asset');
    net.balances.set(`payment.bcos.asset|${BOB}`, '7');
    const before = changes();
    net.emit('payment.bcos.asset');
    net.emit('payment.bcos.asset');
    await until(
      () => asset(balances.view(), 'payment.bcos.asset').rows[1]?.amount === '7',
      'the event refresh',
    );
    assert.ok(changes() > before);
    await balances.refresh();
    assert.equal(net.state.subscribes, 2, 'the same link keeps its subscriptions');
    // Another link (the router list changed): the old subscriptions went with it.
    net.state.linkId = {};
    await balances.refresh();
    assert.equal(net.state.subscribes, 4);
    await balances.stop();
    assert.equal(net.state.unsubscribes, 2);
  });

  test('units for an approval are read even before balances start', async () => {
    const net = fakeNetwork();
    const { balances, changes } = service(net);
    await balances.learnUnits(['trade.fab.asset', 'payment.bcos.kv', 'nowhere.x.y']);
    assert.deepEqual(net.state.calls.sort(), ['trade.fab.asset.Decimals()', 'trade.fab.asset.Symbol()']);
    assert.equal(changes(), 1);
    const view = balances.view();
    assert.deepEqual(view.units, { 'trade.fab.asset': { symbol: 'TRD', decimals: 0 } });
  });
});

test('what makes a resource an asset: a read balance method of one argument', () => {
  assert.deepEqual(assetMethods(fiscoAsset), { balance: 'balanceOf', symbol: 'symbol', name: 'name' });
  assert.deepEqual(assetMethods(fabricAsset), {
    balance: 'BalanceOf',
    symbol: 'Symbol',
    decimals: 'Decimals',
  });
  assert.equal(assetMethods(fiscoKv), null);
});
