/**
 * The TTM checkpoints the driver tests must know: each `save(record, '<name>')` in the drivers
 * and the coordinator, read from their source, and a coverage ledger of the names the tests
 * passed. Both directions fail a test: a checkpoint a driver gained that the declared list does
 * not name, and a declared one no case reached.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ttm = resolve(import.meta.dirname, '../../../background/ttm');

export interface SaveSite {
  file: string;
  /** The name as written: a string literal, or a template whose `${…}` parts match anything. */
  written: string;
  pattern: RegExp;
}

/** Every `.save(…)` call in `files` (under background/ttm/); a save with a name that is not a literal or template is an error. */
export function saveSites(files: string[]): SaveSite[] {
  const sites: SaveSite[] = [];
  for (const file of files) {
    const source = readFileSync(resolve(ttm, file), 'utf8');
    const calls = [...source.matchAll(/\.save\(\s*([^,]+),\s*/g)];
    for (const call of calls) {
      const rest = source.slice((call.index ?? 0) + call[0].length);
      const literal = /^('([^']*)'|`([^`]*)`)\s*\)/.exec(rest);
      if (!literal)
        throw new Error(`${file}: a save whose checkpoint name is not a literal: ${rest.slice(0, 60)}`);
      const written = literal[2] ?? literal[3] ?? '';
      const pattern = new RegExp(
        `^${written
          .split(/\$\{[^}]*\}/)
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.+')}$`,
      );
      sites.push({ file, written, pattern });
    }
  }
  return sites;
}

/** A checkpoint as the declared lists write it: resource paths become `<path>`. */
export function normalise(checkpoint: string, paths: readonly string[]): string {
  let name = checkpoint;
  for (const path of paths) name = name.split(path).join('<path>');
  return name;
}

/** Checkpoints seen, against a declared list. */
export class CheckpointCoverage {
  readonly declared: ReadonlySet<string>;
  readonly seen = new Set<string>();
  readonly unknown = new Set<string>();
  readonly #paths: readonly string[];

  constructor(declared: readonly string[], paths: readonly string[]) {
    this.declared = new Set(declared);
    this.#paths = paths;
  }

  see(checkpoint: string): string {
    const name = normalise(checkpoint, this.#paths);
    this.seen.add(name);
    if (!this.declared.has(name)) this.unknown.add(name);
    return name;
  }

  unreached(): string[] {
    return [...this.declared].filter((name) => !this.seen.has(name));
  }
}
