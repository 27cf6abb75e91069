/**
 * One `storage.local` item kept in memory by the worker. Reading `storage.local` costs the worker
 * a round trip to the browser process (about 0.4 ms in Chromium), and a provider request read the
 * sessions and the anchors each time: most of what a dapp read spent in the worker besides the
 * routers. The copy is dropped whenever the item changes in storage (`invalidate`, wired to
 * `storage.onChanged`), so a write from anywhere (another extension page, a test) is seen.
 */
import type { StorageAreaLike } from '../vault/storage-area.ts';

export class CachedItem<T> {
  readonly #area: StorageAreaLike;
  readonly #key: string;
  readonly #parse: (saved: unknown) => T;
  #value: Promise<T> | null = null;
  /** Bumped on every invalidation: a read that started before one must not be kept. */
  #generation = 0;

  constructor(area: StorageAreaLike, key: string, parse: (saved: unknown) => T) {
    this.#area = area;
    this.#key = key;
    this.#parse = parse;
  }

  get key(): string {
    return this.#key;
  }

  /** The item, from memory when nothing changed it since the last read. */
  get(): Promise<T> {
    if (this.#value) return this.#value;
    const generation = this.#generation;
    const reading = this.#area.get(this.#key).then((items) => this.#parse(items[this.#key]));
    this.#value = reading;
    reading.then(
      () => {
        if (generation !== this.#generation && this.#value === reading) this.#value = null;
      },
      () => {
        if (this.#value === reading) this.#value = null;
      },
    );
    return reading;
  }

  /** Writes the item and keeps `value` as the copy. */
  async set(value: T): Promise<void> {
    this.invalidate();
    await this.#area.set({ [this.#key]: value });
    this.#value = Promise.resolve(value);
  }

  /** Forgets the copy: the next `get` reads storage. */
  invalidate(): void {
    this.#generation++;
    this.#value = null;
  }
}
