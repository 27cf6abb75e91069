/**
 * Shared settings for the property-based fuzz tests (`*.fuzz.test.ts`, fast-check).
 *
 * `npm test` runs each surface with a few thousand cases, within CI's time; `npm run fuzz`
 * sets WEFT_FUZZ_RUNS (at least 10,000) and prints the counts each surface recorded here.
 * Every crash a run finds becomes a plain regression test beside the fuzz test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const countsDir = resolve(import.meta.dirname, '../test-output/fuzz');

/** Cases per property: WEFT_FUZZ_RUNS when set (`npm run fuzz`), else this surface's CI count. */
export function fuzzRuns(ciRuns: number): number {
  const forced = Number(process.env.WEFT_FUZZ_RUNS);
  return Number.isInteger(forced) && forced > 0 ? forced : ciRuns;
}

/** fast-check's seed: WEFT_FUZZ_SEED replays a failing run; otherwise a fresh one each run. */
export function fuzzSeed(): number | undefined {
  const seed = Number(process.env.WEFT_FUZZ_SEED);
  return Number.isInteger(seed) ? seed : undefined;
}

/**
 * Records how many cases a surface ran (and how many of them were refused with a typed
 * error), for `npm run fuzz` to print and the session note to quote.
 */
export function recordFuzzCount(surface: string, counts: { cases: number; refused?: number }): void {
  mkdirSync(countsDir, { recursive: true });
  const file = join(countsDir, `${surface.replace(/[^a-z0-9-]+/gi, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ surface, ...counts }, null, 2)}\n`);
}
