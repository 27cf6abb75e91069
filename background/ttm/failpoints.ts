/**
 * Fault injection for the crash harness (test/e2e/ttm-crash.test.ts): the coordinator names
 * every point right after a write-ahead log entry, and when `storage.local` holds that name
 * under `FAILPOINT_ITEM` the coordinator stops there (it waits forever), so the harness can kill
 * the worker, the browser or a router at exactly that step. One-shot: the item is removed when
 * hit, so the restarted worker recovers past it. Only the extension's own code can write
 * `storage.local`; with the item absent (always, outside the harness) a checkpoint costs a Map
 * lookup.
 */
import type { StorageAreaLike } from '../vault/storage-area.ts';

export const FAILPOINT_ITEM = 'weft.test.failpoint';

export class Failpoints {
  readonly #local: StorageAreaLike;
  #armed: string | null = null;
  readonly #loaded: Promise<void>;
  /** Every checkpoint this worker passed, in order (the harness reads it to count crash points). */
  readonly passed: string[] = [];

  constructor(local: StorageAreaLike) {
    this.#local = local;
    this.#loaded = this.reload();
  }

  /** Re-reads the armed failpoint (the harness sets it, then calls this through the worker). */
  async reload(): Promise<void> {
    const value = (await this.#local.get(FAILPOINT_ITEM))[FAILPOINT_ITEM];
    this.#armed = typeof value === 'string' ? value : null;
  }

  async checkpoint(name: string): Promise<void> {
    await this.#loaded;
    this.passed.push(name);
    if (this.#armed !== name) return;
    this.#armed = null;
    await this.#local.remove(FAILPOINT_ITEM);
    await new Promise<never>(() => {});
  }
}
