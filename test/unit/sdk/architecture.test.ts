/**
 * The SDK stays a dapp's package: its code imports only its own files, and takes the wallet's
 * types with `import type` (erased, so no worker or content code reaches a dapp's bundle). The
 * sample dapp uses nothing but the SDK's public entry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../../..');
const sdk = join(root, 'sdk');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'dist' || entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.config.ts') ? [path] : [];
  });
}

/** Every import and re-export of a file: whether it is type-only, and from where. */
function imports(file: string): { typeOnly: boolean; from: string }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gms)].map((m) => ({
    typeOnly: m[2] !== undefined,
    from: m[3] as string,
  }));
}

test('SDK code imports values only from the SDK itself', () => {
  const offenders: string[] = [];
  const files = sourceFiles(sdk).filter((f) => !f.includes(`${join('sdk', 'examples')}`));
  assert.ok(files.length >= 8, `found ${files.length} files`);
  for (const file of files) {
    for (const { typeOnly, from } of imports(file)) {
      const inside = from.startsWith('./') && !from.includes('..');
      if (!inside && !typeOnly) offenders.push(`${relative(root, file)}: ${from}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('the sample dapp imports the SDK by its package name and nothing of the wallet', () => {
  const examples = sourceFiles(join(sdk, 'examples'));
  assert.ok(examples.length > 0);
  for (const file of examples) {
    const from = imports(file).map((i) => i.from);
    assert.ok(from.includes('@weft/sdk'), relative(root, file));
    assert.deepEqual(
      from.filter((f) => f !== '@weft/sdk'),
      [],
      relative(root, file),
    );
  }
});
