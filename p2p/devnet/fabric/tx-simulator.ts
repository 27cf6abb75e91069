/**
 * Simulates one transaction against committed state, as Fabric's TxSimulator does:
 * reads see committed values only (no read-your-writes), every read records the
 * version it saw, writes are buffered, range queries record what they returned so
 * the committer can detect phantoms. The result is a rwset.TxReadWriteSet.
 */
import { ledger as ledgerProtos } from '@hyperledger/fabric-protos';
import type { Ledger, Version } from './ledger.ts';

const { kvrwset } = ledgerProtos.rwset;

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
    const kv = new kvrwset.KVRWSet();
    kv.setReadsList(
      [...this.#reads.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, version]) => {
          const read = new kvrwset.KVRead();
          read.setKey(key);
          if (version) read.setVersion(toVersion(version));
          return read;
        }),
    );
    kv.setRangeQueriesInfoList(
      this.#ranges.map((range) => {
        const info = new kvrwset.RangeQueryInfo();
        info.setStartKey(range.start);
        info.setEndKey(range.end);
        info.setItrExhausted(range.exhausted);
        const reads = new kvrwset.QueryReads();
        reads.setKvReadsList(
          range.reads.map(({ key, version }) => {
            const read = new kvrwset.KVRead();
            read.setKey(key);
            read.setVersion(toVersion(version));
            return read;
          }),
        );
        info.setRawReads(reads);
        return info;
      }),
    );
    kv.setWritesList(
      [...this.#writes.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, write]) => {
          const kvWrite = new kvrwset.KVWrite();
          kvWrite.setKey(key);
          kvWrite.setIsDelete(write.isDelete);
          kvWrite.setValue(write.value);
          return kvWrite;
        }),
    );
    const ns = new ledgerProtos.rwset.NsReadWriteSet();
    ns.setNamespace(this.namespace);
    ns.setRwset(kv.serializeBinary());
    const txRwSet = new ledgerProtos.rwset.TxReadWriteSet();
    txRwSet.setDataModel(ledgerProtos.rwset.TxReadWriteSet.DataModel.KV);
    txRwSet.setNsRwsetList([ns]);
    return txRwSet.serializeBinary();
  }
}

function toVersion(version: Version): InstanceType<typeof kvrwset.Version> {
  const out = new kvrwset.Version();
  out.setBlockNum(Number(version.blockNum));
  out.setTxNum(Number(version.txNum));
  return out;
}
