/**
 * The TTM write-ahead log: one IndexedDB record per cross-chain transaction or swap, put
 * (in its own readwrite transaction, so durable once the promise resolves) before the
 * coordinator acts on it. IndexedDB rather than `storage.local`: records are rewritten at
 * every step, and a put replaces one record instead of the whole list.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { WalletEvents } from '../events.ts';
import { type TtmRecord, type TtmView, toView, UNFINISHED_STATES } from './types.ts';

const DB_NAME = 'weft-ttm';
const STORE = 'records';

interface TtmSchema extends DBSchema {
  records: {
    key: string;
    value: TtmRecord;
    indexes: { byCreated: number; byState: string; byOrigin: string };
  };
}

export class TtmLog {
  readonly #db: Promise<IDBPDatabase<TtmSchema>>;
  readonly #events: WalletEvents;

  /**
   * Opens (creating on first use) the database in the global `indexedDB`. Emits `ttm:saved`
   * after each put.
   */
  constructor(events: WalletEvents, name = DB_NAME) {
    this.#events = events;
    this.#db = openDB<TtmSchema>(name, 1, {
      upgrade(db) {
        const store = db.createObjectStore(STORE, { keyPath: 'id' });
        store.createIndex('byCreated', 'createdAt');
        store.createIndex('byState', 'state');
        store.createIndex('byOrigin', 'origin');
      },
    });
  }

  /** Writes the record; resolves once the transaction committed. */
  async put(record: TtmRecord): Promise<void> {
    const db = await this.#db;
    await db.put(STORE, structuredClone({ ...record, updatedAt: Date.now() }));
    this.#events.emit('ttm:saved', { id: record.id });
  }

  async get(id: string): Promise<TtmRecord | undefined> {
    return (await this.#db).get(STORE, id);
  }

  /** What is not final yet, oldest first: only these records are read at a worker start. */
  async unfinished(): Promise<TtmRecord[]> {
    const db = await this.#db;
    const byState = await Promise.all(
      UNFINISHED_STATES.map((state) => db.getAllFromIndex(STORE, 'byState', state)),
    );
    return byState.flat().sort((a, b) => a.createdAt - b.createdAt);
  }

  /** One site's records, newest first. */
  async ofOrigin(origin: string): Promise<TtmRecord[]> {
    const records = await (await this.#db).getAllFromIndex(STORE, 'byOrigin', origin);
    return records.sort((a, b) => b.createdAt - a.createdAt);
  }

  /** The newest `limit` records without their secrets, for the popup. */
  async views(limit = 50): Promise<TtmView[]> {
    const views: TtmView[] = [];
    let cursor = await (await this.#db).transaction(STORE).store.index('byCreated').openCursor(null, 'prev');
    while (cursor && views.length < limit) {
      views.push(toView(cursor.value));
      cursor = await cursor.continue();
    }
    return views;
  }

  close(): void {
    void this.#db.then((db) => db.close());
  }
}
