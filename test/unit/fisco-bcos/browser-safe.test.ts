import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const productDir = fileURLToPath(new URL('../../../p2p/chains/fisco-bcos/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

test('FISCO BCOS product code runs in a service worker: no node: imports, no devnet imports', () => {
  const files = sources(productDir);
  assert.ok(files.length >= 8);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /from ['"]node:/, `${file} imports a Node built-in`);
    assert.doesNotMatch(text, /from ['"][^'"]*devnet/, `${file} reaches into the devnet`);
    assert.doesNotMatch(text, /from ['"]@ethereumjs\//, `${file} imports a dev-only package`);
    // ethers already bundles a secp256k1 implementation; a second one would only grow the wallet.
    // The seal check uses @noble/curves 2's secp256k1 (its precomputed tables): that library is in
    // the wallet already (Fabric, the vault), so it adds only the curve's parameters.
    if (!file.endsWith('secp256k1-seal.ts'))
      assert.doesNotMatch(text, /from ['"]@noble\/curves/, `${file} imports a second curve library`);
  }
});
