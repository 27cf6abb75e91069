/**
 * What the wallet did for sites: each approval asked, its outcome, and for
 * transactions the chain's answer. Kept in `storage.local` (newest first, at most
 * `MAX_ENTRIES`) so the popup can show progress and history across restarts.
 */
import type { WalletEvents } from '../events.ts';
import type { StorageAreaLike } from '../vault/storage-area.ts';

/** `unverified`: a router reported an outcome the chain's evidence does not back (never success). */
export type ActivityStatus = 'submitting' | 'success' | 'reverted' | 'rejected' | 'failed' | 'unverified';

export interface ActivityEntry {
  id: string;
  origin: string;
  kind: 'session' | 'transaction' | 'grant';
  /** Resource path (transactions), the paths asked for (sessions), the path and records (grants). */
  summary: string;
  /**
   * Who acted: the FISCO BCOS address that signed (or was connected, or issued the grant), or a
   * Fabric identity as "name (MSP id)", as the approval showed it. Absent where nobody was chosen
   * (a connection refused) and on entries older than the field.
   */
  account?: string;
  status: ActivityStatus;
  txId?: string;
  blockNumber?: string;
  error?: string;
  /** What verified the outcome on the chain ("sealed by 3 of 4 sealers"). */
  verified?: string;
  at: number;
}

/** The `storage.local` key holding the list (benchmarks and tests fill it directly). */
export const ACTIVITY_KEY = 'activity';
export const MAX_ENTRIES = 200;

export class ActivityLog {
  readonly #local: StorageAreaLike;
  readonly #events: WalletEvents;
  /** Serialises read-modify-write of the list. */
  #queue: Promise<unknown> = Promise.resolve();

  /** Emits `activity:changed` for each entry added or settled. */
  constructor(local: StorageAreaLike, events: WalletEvents) {
    this.#local = local;
    this.#events = events;
  }

  async list(): Promise<ActivityEntry[]> {
    const saved = (await this.#local.get(ACTIVITY_KEY))[ACTIVITY_KEY];
    return Array.isArray(saved) ? (saved as ActivityEntry[]) : [];
  }

  /** Records a new entry and returns its id. */
  async add(entry: Omit<ActivityEntry, 'id' | 'at'>): Promise<string> {
    const id = crypto.randomUUID();
    await this.#update(id, (list) => [{ ...entry, id, at: Date.now() }, ...list].slice(0, MAX_ENTRIES));
    return id;
  }

  async settle(
    id: string,
    outcome: Partial<Pick<ActivityEntry, 'status' | 'txId' | 'blockNumber' | 'error' | 'verified'>>,
  ) {
    await this.#update(id, (list) => list.map((e) => (e.id === id ? { ...e, ...outcome } : e)));
  }

  /** Rewrites the list with entry `id` changed. */
  #update(id: string, change: (list: ActivityEntry[]) => ActivityEntry[]): Promise<void> {
    const run = this.#queue.then(async () => {
      await this.#local.set({ [ACTIVITY_KEY]: change(await this.list()) });
      this.#events.emit('activity:changed', { id });
    });
    this.#queue = run.catch(() => {});
    return run;
  }
}
