/**
 * The TTM and HTLC events a router has seen on its chains, by resource path and id: what it
 * answers HIP `ttmEvents` with. Hints only (which transactions to fetch evidence for): the
 * wallet verifies each against the chain and never takes a state from this list. Bounded: at
 * most `maxIds` ids (the oldest first seen dropped) and `perId` events per id.
 */
import type { ResourceEventRecord } from '../chains/connector.ts';

/** The events that name a TTM transaction or HTLC id (docs/ttm.md). */
export const TTM_EVENT_NAMES = new Set([
  'TxPrepared',
  'TxCommitted',
  'TxAborted',
  'HtlcLocked',
  'HtlcClaimed',
  'HtlcRefunded',
]);

export class TtmEventIndex {
  readonly #maxIds: number;
  readonly #perId: number;
  /** Insertion order is age order: the oldest ids come first. */
  readonly #byId = new Map<string, ResourceEventRecord[]>();

  constructor(options: { maxIds?: number; perId?: number } = {}) {
    this.#maxIds = options.maxIds ?? 10_000;
    this.#perId = options.perId ?? 16;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Keeps `event` under `path` and `id` (lower-case 0x hex), unless it is no TTM event or a repeat. */
  add(path: string, id: string, event: ResourceEventRecord): void {
    if (!event.name || !TTM_EVENT_NAMES.has(event.name)) return;
    const key = keyOf(path, id);
    const events = this.#byId.get(key);
    if (events) {
      const repeat = events.some((e) => e.txId === event.txId && e.name === event.name);
      if (!repeat && events.length < this.#perId) events.push(event);
      return;
    }
    this.#byId.set(key, [event]);
    if (this.#byId.size > this.#maxIds) {
      const oldest = this.#byId.keys().next().value as string;
      this.#byId.delete(oldest);
    }
  }

  /** The events seen for `id` on `path`, in the order seen; empty when none. */
  get(path: string, id: string): ResourceEventRecord[] {
    return [...(this.#byId.get(keyOf(path, id)) ?? [])];
  }
}

function keyOf(path: string, id: string): string {
  return `${path}\n${id.toLowerCase()}`;
}
