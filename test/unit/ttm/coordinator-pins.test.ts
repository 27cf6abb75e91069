/**
 * The coordinator drives a cross-chain transaction only on the resources the user approved:
 * a record keeps the session's pins, and a leg whose resource the routers now describe otherwise
 * (another contract, another ABI) never reaches a chain: no client is even asked for.
 */
import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WalletEvents } from '../../../background/events.ts';
import type { RouterConnection } from '../../../background/routers/router-connection.ts';
import { pinOf } from '../../../background/sessions/resource-pin.ts';
import type { ChainTrust } from '../../../background/trust/chain-trust.ts';
import { TtmCoordinator } from '../../../background/ttm/coordinator.ts';
import { randomId } from '../../../background/ttm/secret.ts';
import { TtmLog } from '../../../background/ttm/ttm-log.ts';
import type { TransactionRecord } from '../../../background/ttm/types.ts';
import type { Vault } from '../../../background/vault/vault.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';

const PATH = 'payment.bcos.asset';
const approved = {
  path: PATH,
  chain: { type: 'fisco-bcos', chainId: 1, groupId: 1, zone: 'payment', name: 'bcos' },
  address: `0x${'aa'.repeat(20)}`,
  abi: [{ type: 'function', name: 'prepare', inputs: [], outputs: [] }],
  methods: [{ name: 'prepare', kind: 'write' }],
} as unknown as ResourceEntry;

/** Runs a transaction pinned to `approved` while the routers describe `served`; how often a chain client was asked for. */
async function drive(served: ResourceEntry): Promise<{ clients: number; record: TransactionRecord }> {
  let clients = 0;
  const routers = {
    describe: async () => served,
    client: () => {
      clients++;
      return new Proxy({}, { get: () => () => Promise.reject(new Error('offline')) });
    },
  } as unknown as RouterConnection;
  const coordinator = new TtmCoordinator({
    log: new TtmLog(new WalletEvents(), `pins-${Math.random()}`),
    vault: {} as Vault,
    routers,
    trust: {} as ChainTrust,
  });
  const now = Date.now();
  const record: TransactionRecord = {
    kind: 'transaction',
    id: randomId(),
    origin: 'https://dapp.example',
    createdAt: now,
    updatedAt: now,
    hashLock: randomId(),
    secret: { iv: 'aXY=', ciphertext: 'c2VjcmV0' },
    signer: { account: 0 },
    pins: { [PATH]: pinOf(approved) },
    steps: [{ path: PATH, chain: 'fisco-bcos', from: '0x1', to: '0x2', amount: '1' }],
    legs: [
      {
        path: PATH,
        chain: 'fisco-bcos',
        steps: [0],
        deadline: Math.floor(now / 1000) + 3600,
        state: 'pending',
      },
    ],
    state: 'preparing',
    timeline: [],
  };
  const running = coordinator.runTransaction(record);
  await new Promise((resolve) => setTimeout(resolve, 200));
  coordinator.stop();
  await running;
  return { clients, record };
}

test('a leg whose resource is described as another contract is refused before any chain client', async () => {
  const { clients, record } = await drive({ ...approved, address: `0x${'bb'.repeat(20)}` });
  assert.equal(clients, 0);
  assert.equal(record.legs[0]?.state, 'pending');
  assert.match(record.legs[0]?.error ?? '', /not the resource you approved .*address 0xaa.* -> 0xbb/);
});

test('a leg whose ABI changed is refused too', async () => {
  const { clients, record } = await drive({
    ...approved,
    methods: [{ name: 'prepare', kind: 'read' }],
  } as ResourceEntry);
  assert.equal(clients, 0);
  assert.match(record.legs[0]?.error ?? '', /abiHash/);
});

test('the approved description goes through to the chain (here an offline one)', async () => {
  const { clients, record } = await drive({
    ...approved,
    address: approved.address.toUpperCase().replace('0X', '0x'),
  });
  assert.ok(clients > 0, 'a chain client was asked for');
  assert.doesNotMatch(record.legs[0]?.error ?? '', /not the resource you approved/);
});
