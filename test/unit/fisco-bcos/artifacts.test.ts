import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  artifactsDir,
  artifactText,
  compileContracts,
} from '../../../p2p/devnet/fisco-bcos/compile-contracts.ts';

test('committed contract artifacts match a fresh solc compile of the sources', () => {
  const fresh = compileContracts();
  assert.deepEqual(fresh.map((a) => a.contractName).sort(), ['Asset', 'KeyValue', 'Records']);
  for (const artifact of fresh) {
    const committed = readFileSync(join(artifactsDir, `${artifact.contractName}.json`), 'utf8');
    assert.equal(
      committed,
      artifactText(artifact),
      `${artifact.contractName}.json is stale: run compile-contracts.ts`,
    );
  }
});
