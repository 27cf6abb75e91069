/**
 * Append-only log of sealed blocks, one JSON line per block, fsynced before the block becomes
 * visible over RPC: whatever a client has seen survives a clean stop or a kill -9. A torn last
 * line (killed mid-write) was never acknowledged and is dropped on load.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { StoredBlock } from './ledger-types.ts';
import type { TrieWrite } from './recording-db.ts';

export interface LogEntry {
  block: StoredBlock;
  trie: TrieWrite[];
}

export class BlockLog {
  readonly #fd: number | undefined;
  #size: number;

  private constructor(fd: number | undefined, size: number) {
    this.#fd = fd;
    this.#size = size;
  }

  /** Opens (or creates) the log in `dataDir`, or an in-memory log when `dataDir` is undefined. */
  static open(dataDir: string | undefined): { log: BlockLog; entries: LogEntry[] } {
    if (dataDir === undefined) return { log: new BlockLog(undefined, 0), entries: [] };
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'blocks.jsonl');
    const entries: LogEntry[] = [];
    let validBytes = 0;
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end < 0) break;
        try {
          entries.push(JSON.parse(text.slice(start, end)) as LogEntry);
        } catch {
          break;
        }
        start = end + 1;
        validBytes = Buffer.byteLength(text.slice(0, start));
      }
    }
    const fd = openSync(file, existsSync(file) ? 'r+' : 'w+');
    ftruncateSync(fd, validBytes);
    return { log: new BlockLog(fd, validBytes), entries };
  }

  append(entry: LogEntry): void {
    if (this.#fd === undefined) return;
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    let written = 0;
    while (written < line.length) {
      written += writeSync(this.#fd, line, written, line.length - written, this.#size + written);
    }
    fdatasyncSync(this.#fd);
    this.#size += line.length;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
  }
}
