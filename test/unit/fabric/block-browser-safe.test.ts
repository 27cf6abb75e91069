/**
 * The Fabric block verifier runs in the wallet's service worker: everything it imports,
 * transitively, must be browser-safe (no node: built-ins, no devnet or test code, no
 * gRPC or google-protobuf packages, only the noble libraries from npm).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entries = ['block-verifier.ts', 'block-file.ts', 'channel-config.ts'].map((file) =>
  resolve(root, 'p2p/chains/fabric', file),
);
const ALLOWED_PACKAGES = /^@noble\/(curves|hashes)\//;

/** Every local module reachable from `entries` through static and dynamic imports. */
function reachable(): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
      (m) => m[1] as string,
    );
    seen.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
    }
  }
  return seen;
}

test('the Fabric block verifier and everything it imports is browser-safe', () => {
  const modules = reachable();
  assert.ok(modules.size >= 10, `only ${modules.size} modules reached`);
  const offenders: string[] = [];
  for (const [file, specifiers] of modules) {
    const name = relative(root, file);
    if (!name.startsWith('p2p/chains/')) offenders.push(`${name} is outside the product's chain code`);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) continue;
      if (!ALLOWED_PACKAGES.test(specifier)) offenders.push(`${name} imports ${specifier}`);
    }
    // Node's Buffer is not in a service worker; protobuf-wire.ts only feature-tests it.
    if (/\bBuffer\.(from|alloc|concat)\b/.test(readFileSync(file, 'utf8')))
      offenders.push(`${name} uses Buffer`);
  }
  assert.deepEqual(offenders, []);
});

test('the check sees a forbidden import (it can fail)', () => {
  const sample = "import { webcrypto } from 'node:crypto';";
  const [specifier] = [...sample.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
  assert.equal(specifier, 'node:crypto');
  assert.equal(ALLOWED_PACKAGES.test(specifier as string), false);
});
