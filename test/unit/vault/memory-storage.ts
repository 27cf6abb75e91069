/**
 * An in-memory `StorageAreaLike` for unit tests and benchmarks. Like the browser's areas it
 * stores copies (structured clone), so a caller mutating an object after `set` changes nothing.
 */
import type { StorageAreaLike } from '../../../background/vault/storage-area.ts';

export class MemoryStorageArea implements StorageAreaLike {
  readonly items = new Map<string, unknown>();

  async get(keys: string | string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const key of typeof keys === 'string' ? [keys] : keys) {
      if (this.items.has(key)) out[key] = structuredClone(this.items.get(key));
    }
    return out;
  }

  async set(items: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(items)) this.items.set(key, structuredClone(value));
  }

  async remove(keys: string | string[]): Promise<void> {
    for (const key of typeof keys === 'string' ? [keys] : keys) this.items.delete(key);
  }

  /** Everything stored, serialised: what a test searches for secrets or compares byte for byte. */
  dump(): string {
    return JSON.stringify(Object.fromEntries(this.items));
  }
}
