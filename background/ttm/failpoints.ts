/**
 * Fault injection for the crash harness (test/e2e/ttm-crash.test.ts). The coordinator names
 * every point right after a write-ahead log entry (`transaction:committing`,
 * `swap:initiator:locked` …). When `storage.local` holds `{ at: <name>, mode }` under
 * `FAILPOINT_ITEM`, the coordinator stops at that point:
 * - `hang`: forever (one-shot: the item is removed), so the harness can kill the worker or the
 *   browser exactly there and the restarted worker recovers past it;
 * - `pause`: until the harness removes the item (or arms another point), so it can kill a
 *   router or stall a chain exactly there and let the same worker carry on into the fault; the
 *   item says `paused: true` while it holds.
 * Only the extension's own code can write `storage.local`; with no item (always, outside the
 * harness) a checkpoint costs a comparison.
 */
import type { StorageAreaLike } from '../vault/storage-area.ts';

export const FAILPOINT_ITEM = 'weft.test.failpoint';

export interface Failpoint {
  at: string;
  mode: 'hang' | 'pause';
}

export class Failpoints {
  readonly #local: StorageAreaLike;
  #armed: Failpoint | null = null;
  #loaded: Promise<void>;
  /** Coordinator steps held at a pause, each released once the item no longer names its pause. */
  #paused: { at: string; release: () => void }[] = [];

  constructor(local: StorageAreaLike) {
    this.#local = local;
    this.#loaded = this.reload();
  }

  /** Re-reads the item (the worker calls this when `storage.local` changes). */
  reload(): Promise<void> {
    this.#loaded = this.#local.get(FAILPOINT_ITEM).then((items) => {
      const value = items[FAILPOINT_ITEM] as Partial<Failpoint> | undefined;
      this.#armed =
        typeof value?.at === 'string' && (value.mode === 'hang' || value.mode === 'pause')
          ? { at: value.at, mode: value.mode }
          : null;
      // Removing the item, or arming another point in the same write, releases a pause.
      const holding = this.#armed?.mode === 'pause' ? this.#armed.at : null;
      const released = this.#paused.filter((p) => p.at !== holding);
      this.#paused = this.#paused.filter((p) => p.at === holding);
      for (const p of released) p.release();
    });
    return this.#loaded;
  }

  async checkpoint(name: string): Promise<void> {
    await this.#loaded;
    if (this.#armed?.at !== name) return;
    if (this.#armed.mode === 'pause') {
      const released = new Promise<void>((resolve) => this.#paused.push({ at: name, release: resolve }));
      // Tells the harness the coordinator is held here, not merely past the log write.
      await this.#local.set({ [FAILPOINT_ITEM]: { at: name, mode: 'pause', paused: true } });
      await released;
      return;
    }
    this.#armed = null;
    await this.#local.remove(FAILPOINT_ITEM);
    await new Promise<never>(() => {});
  }
}
