/**
 * Simulates one transaction against committed state, as Fabric's TxSimulator does:
 * reads see committed values only (no read-your-writes), every read records the
 * version it saw, writes are buffered, range queries record what they returned so
 * the committer can detect phantoms. The result is a rwset.TxReadWriteSet.
 */
import { encodeFields, type FieldValue } from '../../chains/fabric/protobuf-wire.ts';
import type { Ledger, Version } from './ledger.ts';

type Field = [number, FieldValue, 'repeated'];

export const RANGE_PAGE_SIZE = 100;

export interface RecordedRange {
  start: string;
  end: string;
  exhausted: boolean;
  reads: Array<{ key: string; version: Version }>;
}

interface OpenIterator {
  keys: string[];
  position: number;
  range: RecordedRange;
}

export interface RangePage {
  id: string;
  kvs: Array<{ key: string; value: Uint8Array }>;
  hasMore: boolean;
}

export class TxSimulator {
  readonly namespace: string;
  readonly #ledger: Ledger;
  readonly #reads = new Map<string, Version | null>();
  readonly #writes = new Map<string, { isDelete: boolean; value: Uint8Array }>();
  readonly #ranges: RecordedRange[] = [];
  readonly #iterators = new Map<string, OpenIterator>();
  #nextIteratorId = 0;

  constructor(ledger: Ledger, namespace: string) {
    this.#ledger = ledger;
    this.namespace = namespace;
  }

  getState(key: string): Uint8Array {
    const entry = this.#ledger.getState(this.namespace, key);
    if (!this.#reads.has(key)) this.#reads.set(key, entry?.version ?? null);
    return entry?.value ?? new Uint8Array(0);
  }

  putState(key: string, value: Uint8Array): void {
    if (key === '') throw new Error('key must not be an empty string');
    this.#writes.set(key, { isDelete: false, value });
  }

  deleteState(key: string): void {
    if (key === '') throw new Error('key must not be an empty string');
    this.#writes.set(key, { isDelete: true, value: new Uint8Array(0) });
  }

  openRange(start: string, end: string): RangePage {
    const id = `it-${this.#nextIteratorId++}`;
    const range: RecordedRange = { start, end, exhausted: false, reads: [] };
    this.#ranges.push(range);
    this.#iterators.set(id, { keys: this.#ledger.rangeKeys(this.namespace, start, end), position: 0, range });
    return this.nextPage(id);
  }

  nextPage(id: string): RangePage {
    const iterator = this.#iterators.get(id);
    if (!iterator) throw new Error(`query iterator not found`);
    const kvs: RangePage['kvs'] = [];
    while (iterator.position < iterator.keys.length && kvs.length < RANGE_PAGE_SIZE) {
      const key = iterator.keys[iterator.position++] as string;
      const entry = this.#ledger.getState(this.namespace, key);
      if (!entry) continue;
      iterator.range.reads.push({ key, version: entry.version });
      kvs.push({ key, value: entry.value });
    }
    const hasMore = iterator.position < iterator.keys.length;
    if (!hasMore) {
      iterator.range.exhausted = true;
      this.#iterators.delete(id);
    }
    return { id, kvs, hasMore };
  }

  closeIterator(id: string): void {
    this.#iterators.delete(id);
  }

  /** rwset.TxReadWriteSet bytes (data model KV, one namespace), keys sorted as Fabric does. */
  readWriteSet(): Uint8Array {
    const byKey = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : a > b ? 1 : 0);
    // kvrwset.KVRWSet { reads = 1, range_queries_info = 2, writes = 3 }
    const kv = encodeFields([
      ...[...this.#reads.entries()]
        .sort(byKey)
        .map(([key, version]): Field => [1, encodeRead(key, version), 'repeated']),
      ...this.#ranges.map(
        (range): Field => [
          2,
          // RangeQueryInfo { start_key = 1, end_key = 2, itr_exhausted = 3, raw_reads = 4 (QueryReads { kv_reads = 1 }) }
          encodeFields([
            [1, range.start],
            [2, range.end],
            [3, range.exhausted ? 1 : 0],
            [
              4,
              encodeFields(
                range.reads.map(({ key, version }): Field => [1, encodeRead(key, version), 'repeated']),
              ),
              'repeated',
            ],
          ]),
          'repeated',
        ],
      ),
      ...[...this.#writes.entries()].sort(byKey).map(
        ([key, write]): Field => [
          3,
          // KVWrite { key = 1, is_delete = 2, value = 3 }
          encodeFields([
            [1, key],
            [2, write.isDelete ? 1 : 0],
            [3, write.value],
          ]),
          'repeated',
        ],
      ),
    ]);
    // TxReadWriteSet { data_model = 1 (KV = 0), ns_rwset = 2: NsReadWriteSet { namespace = 1, rwset = 2 } }
    return encodeFields([
      [
        2,
        encodeFields([
          [1, this.namespace],
          [2, kv],
        ]),
        'repeated',
      ],
    ]);
  }
}

/** KVRead { key = 1, version = 2 (Version { block_num = 1, tx_num = 2 }) }; no version when the key was absent. */
function encodeRead(key: string, version: Version | null): Uint8Array {
  return encodeFields([
    [1, key],
    [
      2,
      version
        ? encodeFields([
            [1, version.blockNum],
            [2, version.txNum],
          ])
        : undefined,
      'repeated',
    ],
  ]);
}
