import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssetContract, RecordContract } from '../../../p2p/chains/fabric/chaincode/index.ts';
import { assetMethods, recordMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';

/** Transaction functions of a contract class: its own methods, not the `_` helpers or the constructor. */
function transactions(contract: { prototype: object }): string[] {
  return Object.getOwnPropertyNames(contract.prototype)
    .filter((name) => name !== 'constructor' && !name.startsWith('_'))
    .sort();
}

test('published chaincode methods match the contracts, argument count included', () => {
  for (const [contract, methods] of [
    [AssetContract, assetMethods],
    [RecordContract, recordMethods],
  ] as const) {
    assert.deepEqual(methods.map((m) => m.name).sort(), transactions(contract));
    for (const method of methods) {
      const fn = (contract.prototype as unknown as Record<string, (...args: unknown[]) => unknown>)[
        method.name
      ];
      assert.equal(fn?.length, method.inputs.length + 1, `${method.name} takes ctx plus its inputs`);
    }
  }
});
