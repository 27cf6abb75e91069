/**
 * The part of `browser.storage.local` / `storage.session` the vault uses, injected so the
 * vault runs unchanged in the service worker and in Node tests.
 */
export interface StorageAreaLike {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}
