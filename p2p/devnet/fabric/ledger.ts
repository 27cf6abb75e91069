/**
 * One peer's channel ledger: an append-only block file (length-prefixed
 * common.Block protobufs, one write and one fsync per block) plus the world state
 * and the txid index, both rebuilt from the blocks on open. A kill between blocks
 * loses nothing committed; a torn last write is cut off on the next open.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { type DecodedEnvelope, decodeEnvelope } from '../../chains/fabric/envelope-codec.ts';
import { headerHashOf } from './node-hash.ts';

export interface Version {
  blockNum: bigint;
  txNum: bigint;
}

export interface StateEntry {
  value: Uint8Array;
  version: Version;
}

export interface TxLocation {
  blockNum: bigint;
  txNum: number;
  code: number;
}

/** A block as a peer commits it: its bytes (with this peer's filter) and what they are made of. */
export interface CommittedBlock {
  number: bigint;
  bytes: Uint8Array;
  headerHash: Uint8Array;
  envelopes: Uint8Array[];
  filter: Uint8Array;
  decoded: Array<DecodedEnvelope | null>;
}

export interface StateWrite {
  namespace: string;
  key: string;
  isDelete: boolean;
  value: Uint8Array;
}

const TRANSACTIONS_FILTER = 2;

function stateKey(namespace: string, key: string): string {
  return `${namespace}\u0000${key}`;
}

export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export class Ledger {
  readonly channel: string;
  readonly #fd: number;
  readonly #blocks: Uint8Array[] = [];
  readonly #state = new Map<string, StateEntry>();
  readonly #keysByNamespace = new Map<string, Set<string>>();
  readonly #txIndex = new Map<string, TxLocation>();
  #lastHeaderHash: Uint8Array = new Uint8Array(0);

  private constructor(channel: string, fd: number) {
    this.channel = channel;
    this.#fd = fd;
  }

  /** Opens (or creates, empty: the orderer delivers block 0) the ledger of `channel` under `ledgersDir`. */
  static open(ledgersDir: string, channel: string): Ledger {
    const dir = join(ledgersDir, channel);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'blocks.bin');
    const fresh = !existsSync(path);
    const fd = openSync(path, fresh ? 'w+' : 'r+');
    const ledger = new Ledger(channel, fd);
    if (!fresh) ledger.#replay();
    return ledger;
  }

  get height(): bigint {
    return BigInt(this.#blocks.length);
  }

  get currentHash(): Uint8Array {
    return this.#lastHeaderHash;
  }

  getState(namespace: string, key: string): StateEntry | undefined {
    return this.#state.get(stateKey(namespace, key));
  }

  /** Keys of `namespace` in [start, end) by byte order; an empty end means no upper bound. */
  rangeKeys(namespace: string, start: string, end: string): string[] {
    const keys = [...(this.#keysByNamespace.get(namespace) ?? [])].filter(
      (k) => compareKeys(k, start) >= 0 && (end === '' || compareKeys(k, end) < 0),
    );
    return keys.sort(compareKeys);
  }

  txLocation(txId: string): TxLocation | undefined {
    return this.#txIndex.get(txId);
  }

  blockBytes(number: bigint): Uint8Array | undefined {
    return number < 0n ? undefined : this.#blocks[Number(number)];
  }

  block(number: bigint): common.Block | undefined {
    const bytes = this.blockBytes(number);
    return bytes ? common.Block.deserializeBinary(bytes) : undefined;
  }

  /**
   * Persists (one write, one fsync) and applies the next block, as this peer's
   * committer completed it (its own TRANSACTIONS_FILTER). `decoded[i]` is what
   * envelope i decoded to (null if it did not), so nothing is decoded again.
   */
  append(block: CommittedBlock): void {
    if (block.number !== this.height) {
      throw new Error(`block ${block.number} does not follow height ${this.height} of ${this.channel}`);
    }
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(block.bytes.length);
    // One write (gathered, no copy of the block) and one fsync per block.
    writevSync(this.#fd, [prefix, block.bytes]);
    fsyncSync(this.#fd);
    this.#applyParts(
      block.bytes,
      block.number,
      block.headerHash,
      block.envelopes,
      block.filter,
      block.decoded,
    );
  }

  close(): void {
    closeSync(this.#fd);
  }

  #replay(): void {
    const size = fstatSync(this.#fd).size;
    const file = Buffer.alloc(size);
    readSync(this.#fd, file, 0, size, 0);
    let pos = 0;
    while (pos + 4 <= size) {
      const length = file.readUInt32BE(pos);
      if (pos + 4 + length > size) break;
      const bytes = new Uint8Array(file.subarray(pos + 4, pos + 4 + length));
      let block: common.Block;
      try {
        block = common.Block.deserializeBinary(bytes);
      } catch {
        break;
      }
      this.#apply(bytes, block);
      pos += 4 + length;
    }
    // A torn tail (killed mid-write) never reached fsync-then-report; drop it.
    if (pos < size) ftruncateSync(this.#fd, pos);
  }

  #apply(bytes: Uint8Array, block: common.Block): void {
    const header = block.getHeader();
    const number = BigInt(header?.getNumber() ?? 0);
    const envelopes = block.getData()?.getDataList_asU8() ?? [];
    const filter = block.getMetadata()?.getMetadataList_asU8()[TRANSACTIONS_FILTER] ?? new Uint8Array(0);
    const decoded = envelopes.map((envelope) => {
      try {
        return decodeEnvelope(envelope);
      } catch {
        return null;
      }
    });
    const headerHash = headerHashOf(
      number,
      header?.getPreviousHash_asU8() ?? new Uint8Array(0),
      header?.getDataHash_asU8() ?? new Uint8Array(0),
    );
    this.#applyParts(bytes, number, headerHash, envelopes, filter, decoded);
  }

  #applyParts(
    bytes: Uint8Array,
    number: bigint,
    headerHash: Uint8Array,
    envelopes: Uint8Array[],
    filter: Uint8Array,
    decoded: Array<DecodedEnvelope | null>,
  ): void {
    for (let txNum = 0; txNum < envelopes.length; txNum++) {
      const code = filter[txNum] ?? 255;
      const tx = decoded[txNum] ?? null;
      const txId = tx?.txId ?? readTxId(envelopes[txNum] as Uint8Array);
      // The index keeps the first occurrence: a later duplicate never hides a valid commit.
      if (txId && !this.#txIndex.has(txId)) this.#txIndex.set(txId, { blockNum: number, txNum, code });
      if (code !== 0 || !tx) continue;
      for (const write of tx.writes) this.#write(write, { blockNum: number, txNum: BigInt(txNum) });
    }
    this.#blocks.push(bytes);
    this.#lastHeaderHash = headerHash;
  }

  #write(write: StateWrite, version: Version): void {
    const key = stateKey(write.namespace, write.key);
    let keys = this.#keysByNamespace.get(write.namespace);
    if (!keys) {
      keys = new Set();
      this.#keysByNamespace.set(write.namespace, keys);
    }
    if (write.isDelete) {
      this.#state.delete(key);
      keys.delete(write.key);
    } else {
      // A copy: the decoded value is a view into the envelope as received, whose buffer
      // the state would otherwise keep alive.
      this.#state.set(key, { value: Buffer.from(write.value), version });
      keys.add(write.key);
    }
  }
}

/** Best effort txid of an envelope that does not decode as an endorser transaction. */
function readTxId(envelopeBytes: Uint8Array): string {
  try {
    const payload = common.Payload.deserializeBinary(
      common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8(),
    );
    const channelHeader = common.ChannelHeader.deserializeBinary(
      payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(0),
    );
    return channelHeader.getTxId();
  } catch {
    return '';
  }
}
