/**
 * Runs a fast-check property with the shared fuzz settings (test/fuzz.ts) and, on failure, throws
 * an error short enough to read: the seed and path that replay it (WEFT_FUZZ_SEED), the
 * counterexample cut to a few hundred characters (cases carry frames of up to a megabyte), and
 * the assertion that failed.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { fuzzRuns, fuzzSeed } from '../fuzz.ts';

export async function checkProperty<T extends [unknown, ...unknown[]]>(
  property: fc.IAsyncProperty<T>,
  ciRuns: number,
): Promise<void> {
  const seed = fuzzSeed();
  const details = await fc.check(property, {
    numRuns: fuzzRuns(ciRuns),
    ...(seed === undefined ? {} : { seed }),
    // A live server per case: shrinking would replay hundreds of slow cases; the seed replays this one.
    endOnFailure: true,
  });
  if (!details.failed) return;
  const example = inspect(details.counterexample, { depth: 4, maxArrayLength: 40, maxStringLength: 300 });
  const cause = details.errorInstance;
  const message = cause instanceof Error ? cause.message : String(cause);
  throw new Error(
    `property failed after ${details.numRuns} cases (WEFT_FUZZ_SEED=${details.seed}, path ${details.counterexamplePath}):\n` +
      `${message}\ncounterexample: ${example.slice(0, 2_000)}`,
    { cause },
  );
}

/** Bytes as text where they are text, for a counterexample a person can read. */
export function printable(bytes: Uint8Array, max = 400): string {
  const text = Buffer.from(bytes)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return text.length > max ? `${text.slice(0, max)}… (${bytes.length} bytes)` : text;
}
