/**
 * The TTM write-ahead log: one IndexedDB record per cross-chain transaction or swap, put
 * (in its own readwrite transaction, so durable once the promise resolves) before the
 * coordinator acts on it. IndexedDB rather than `storage.local`: records are rewritten at
 * every step, and a put replaces one record instead of the whole list.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { isFinal, type TtmRecord, type TtmView, toView } from './types.ts';

const DB_NAME = 'weft-ttm';
const STORE = 'records';

interface TtmSchema extends DBSchema {
  records: { key: string; value: TtmRecord; indexes: { byCreated: number } };
}

export class TtmLog {
  readonly #db: Promise<IDBPDatabase<TtmSchema>>;

  /** Opens (creating on first use) the database in the global `indexedDB`. */
  constructor(name = DB_NAME) {
    this.#db = openDB<TtmSchema>(name, 1, {
      upgrade(db) {
        db.createObjectStore(STORE, { keyPath: 'id' }).createIndex('byCreated', 'createdAt');
      },
    });
  }

  /** Writes the record; resolves once the transaction committed. */
  async put(record: TtmRecord): Promise<void> {
    const db = await this.#db;
    await db.put(STORE, structuredClone({ ...record, updatedAt: Date.now() }));
  }

  async get(id: string): Promise<TtmRecord | undefined> {
    return (await this.#db).get(STORE, id);
  }

  /** Every record, newest first. */
  async all(): Promise<TtmRecord[]> {
    const records = await (await this.#db).getAllFromIndex(STORE, 'byCreated');
    return records.reverse();
  }

  async unfinished(): Promise<TtmRecord[]> {
    return (await this.all()).filter((r) => !isFinal(r));
  }

  /** What the popup lists (no secrets). */
  async views(limit = 50): Promise<TtmView[]> {
    return (await this.all()).slice(0, limit).map(toView);
  }

  close(): void {
    void this.#db.then((db) => db.close());
  }
}
