/**
 * The hash-lock secrets a router has seen revealed, by hash lock: what stops a flooded reveal
 * from looping, and what a router replays to a neighbour that (re)connects. Bounded in size
 * and age, so a flood of made-up reveals costs memory only up to the bound.
 */
export interface SeenReveal {
  hashLock: string;
  preimage: string;
  ids: string[];
  /** `Date.now()` when first seen. */
  at: number;
}

export class SeenReveals {
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** Insertion order is age order: the oldest entries come first. */
  readonly #entries = new Map<string, SeenReveal>();

  constructor(options: { max: number; ttlMs: number; now?: () => number }) {
    this.#max = options.max;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  get(hashLock: string): SeenReveal | undefined {
    this.#expire();
    return this.#entries.get(hashLock);
  }

  /** Records a reveal; false when its hash lock was already known (nothing changes then). */
  add(reveal: Omit<SeenReveal, 'at'>): boolean {
    this.#expire();
    if (this.#entries.has(reveal.hashLock)) return false;
    this.#entries.set(reveal.hashLock, { ...reveal, at: this.#now() });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return true;
  }

  /** The newest reveals first seen within `withinMs`, at most `limit` of them. */
  recent(withinMs: number, limit: number): SeenReveal[] {
    this.#expire();
    const since = this.#now() - withinMs;
    return [...this.#entries.values()].filter((r) => r.at >= since).slice(-limit);
  }

  #expire(): void {
    const before = this.#now() - this.#ttlMs;
    for (const [hashLock, reveal] of this.#entries) {
      if (reveal.at >= before) break;
      this.#entries.delete(hashLock);
    }
  }
}
