/**
 * The Fabric asset chaincode's unit: set once by the minter (`SetUnit`), read with `Symbol` and
 * `Decimals` as wallets show amounts; a ledger without one answers "" and 0 (whole units).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Context } from 'fabric-contract-api';
import { AssetContract } from '../../../p2p/chains/fabric/chaincode/asset-contract.ts';

/** The parts of a chaincode context these functions use: world state, events and the caller. */
function ledger() {
  const state = new Map<string, Uint8Array>();
  const events: string[] = [];
  const as = (id: string) =>
    ({
      stub: {
        getState: async (key: string) => state.get(key) ?? new Uint8Array(),
        putState: async (key: string, value: Uint8Array) => {
          state.set(key, value);
        },
        setEvent: (name: string) => events.push(name),
      },
      clientIdentity: { getID: () => id },
    }) as unknown as Context;
  return { as, events };
}

const MINTER = 'x509::CN=user1::CN=ca';
const OTHER = 'x509::CN=user2::CN=ca';

test('before a unit is set: no symbol, whole units', async () => {
  const contract = new AssetContract();
  const { as } = ledger();
  assert.equal(await contract.Symbol(as(OTHER)), '');
  assert.equal(await contract.Decimals(as(OTHER)), '0');
});

test('the minter sets the unit once; anyone reads it', async () => {
  const contract = new AssetContract();
  const { as, events } = ledger();
  await contract.Initialize(as(MINTER));
  await assert.rejects(contract.SetUnit(as(OTHER), 'TRD', '2'), /only the minter/);
  assert.equal(await contract.SetUnit(as(MINTER), 'TRD', '2'), '{"symbol":"TRD","decimals":2}');
  assert.deepEqual(events, ['UnitSet']);
  assert.equal(await contract.Symbol(as(OTHER)), 'TRD');
  assert.equal(await contract.Decimals(as(OTHER)), '2');
  // Amounts already held keep their meaning: no second unit.
  await assert.rejects(contract.SetUnit(as(MINTER), 'XYZ', '0'), /already set/);
  assert.equal(await contract.Symbol(as(OTHER)), 'TRD');
});

test('a unit must be short and plain, its decimals a small whole number', async () => {
  const contract = new AssetContract();
  const { as } = ledger();
  await contract.Initialize(as(MINTER));
  await assert.rejects(contract.SetUnit(as(MINTER), 'two words', '0'), /invalid symbol/);
  await assert.rejects(contract.SetUnit(as(MINTER), '', '0'), /invalid symbol/);
  await assert.rejects(contract.SetUnit(as(MINTER), 'TRD', '-1'), /invalid decimals/);
  await assert.rejects(contract.SetUnit(as(MINTER), 'TRD', '40'), /invalid decimals/);
  await assert.rejects(contract.SetUnit(as(MINTER), 'TRD', '1.5'), /invalid decimals/);
  assert.equal(await contract.Symbol(as(MINTER)), '');
});

test('before Initialize nobody is the minter, so nobody sets a unit', async () => {
  const contract = new AssetContract();
  const { as } = ledger();
  await assert.rejects(contract.SetUnit(as(MINTER), 'TRD', '0'), /only the minter/);
});
