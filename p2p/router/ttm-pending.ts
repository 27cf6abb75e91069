/**
 * The prepared transactions and locked HTLCs on a router's own chains, by hash lock: what a
 * revealed secret lets the router finish. Filled from `TxPrepared` / `HtlcLocked` events, emptied
 * by `TxCommitted` / `TxAborted` / `HtlcClaimed` / `HtlcRefunded`. It holds at most `max` items:
 * when full, items whose deadline passed long ago (nobody aborted them) go first, then the oldest.
 */
export type TtmKind = 'tx' | 'htlc';

export interface PendingItem {
  path: string;
  kind: TtmKind;
  /** Transaction id or HTLC id, lower-case 0x hex. */
  id: string;
  hashLock: string;
  /** The transaction's deadline or the HTLC's timelock, Unix seconds. */
  deadline: number;
}

/** How long past its deadline an unsettled item is still kept (it only matters for logs then). */
const KEEP_PAST_DEADLINE_MS = 10 * 60_000;

export const pendingKey = (item: Pick<PendingItem, 'path' | 'kind' | 'id'>) =>
  `${item.path}/${item.kind}/${item.id}`;

export class PendingIndex {
  readonly #max: number;
  readonly #now: () => number;
  readonly #items = new Map<string, PendingItem>();
  readonly #byHashLock = new Map<string, Set<string>>();

  constructor(options: { max: number; now?: () => number }) {
    this.#max = options.max;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#items.size;
  }

  add(item: PendingItem): void {
    const key = pendingKey(item);
    this.#delete(key);
    this.#items.set(key, item);
    let keys = this.#byHashLock.get(item.hashLock);
    if (!keys) {
      keys = new Set();
      this.#byHashLock.set(item.hashLock, keys);
    }
    keys.add(key);
    if (this.#items.size > this.#max) this.#shrink();
  }

  remove(item: Pick<PendingItem, 'path' | 'kind' | 'id'>): void {
    this.#delete(pendingKey(item));
  }

  withHashLock(hashLock: string): PendingItem[] {
    return [...(this.#byHashLock.get(hashLock) ?? [])].map((key) => this.#items.get(key) as PendingItem);
  }

  has(item: Pick<PendingItem, 'path' | 'kind' | 'id'>): boolean {
    return this.#items.has(pendingKey(item));
  }

  all(): PendingItem[] {
    return [...this.#items.values()];
  }

  #delete(key: string): void {
    const item = this.#items.get(key);
    if (!item) return;
    this.#items.delete(key);
    const keys = this.#byHashLock.get(item.hashLock);
    keys?.delete(key);
    if (keys?.size === 0) this.#byHashLock.delete(item.hashLock);
  }

  /** Drops what expired long ago, then the oldest entries, until the index fits. */
  #shrink(): void {
    const stale = (this.#now() - KEEP_PAST_DEADLINE_MS) / 1000;
    for (const [key, item] of this.#items) if (item.deadline < stale) this.#delete(key);
    for (const key of this.#items.keys()) {
      if (this.#items.size <= this.#max) break;
      this.#delete(key);
    }
  }
}
