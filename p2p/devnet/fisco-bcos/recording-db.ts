/**
 * The state trie's key/value store: an in-memory map that also records every write since the
 * last `drain()`, so each sealed block can append exactly the trie nodes it added to the log.
 */
import { type BatchDBOp, bytesToHex, hexToBytes, MapDB } from '@ethereumjs/util';

type Key = string;
type Value = string | Uint8Array;

/** One recorded write: `[key, value]` puts, `[key]` deletes. Uint8Array values travel as `{ b: hex }`. */
export type TrieWrite = [Key, string | { b: string }] | [Key];

export class RecordingDB extends MapDB<Key, Value> {
  #pending: TrieWrite[] = [];

  override async put(key: Key, val: Value): Promise<void> {
    this.#pending.push([key, typeof val === 'string' ? val : { b: bytesToHex(val) }]);
    return super.put(key, val);
  }

  override async del(key: Key): Promise<void> {
    this.#pending.push([key]);
    return super.del(key);
  }

  override async batch(ops: BatchDBOp<Key, Value>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === 'put') await this.put(op.key, op.value);
      else await this.del(op.key);
    }
  }

  override shallowCopy(): RecordingDB {
    // Storage tries share this store, so their writes are recorded too.
    return this;
  }

  /** Writes since the previous drain, in order. */
  drain(): TrieWrite[] {
    const writes = this.#pending;
    this.#pending = [];
    return writes;
  }

  /** Replays writes read back from the log, without recording them again. */
  apply(writes: TrieWrite[]): void {
    for (const [key, value] of writes) {
      if (value === undefined) this._database.delete(key);
      else this._database.set(key, typeof value === 'string' ? value : hexToBytes(value.b as `0x${string}`));
    }
  }
}
