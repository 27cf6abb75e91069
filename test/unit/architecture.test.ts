import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const productDirs = ['background', 'content', 'popup', 'p2p/chains'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|tsx|js)$/.test(entry.name) ? [path] : [];
  });
}

test('product code never imports the simulated chains', () => {
  const offenders: string[] = [];
  for (const dir of productDirs) {
    for (const file of sourceFiles(join(root, dir))) {
      const imports = readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g);
      for (const [, specifier] of imports) {
        if (specifier?.includes('devnet')) offenders.push(`${relative(root, file)} imports ${specifier}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});
