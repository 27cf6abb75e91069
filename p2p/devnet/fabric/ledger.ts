/**
 * The devpeer's channel ledger: an append-only block file (length-prefixed
 * common.Block protobufs, fsynced per block) plus the world state and the txid
 * index, both rebuilt from the blocks on open. A kill between blocks loses nothing
 * committed; a torn last write is cut off on the next open.
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
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { blockHeaderBytes } from '../../chains/fabric/block-hash.ts';
import { type DecodedEnvelope, decodeEnvelope } from '../../chains/fabric/envelope-codec.ts';
import { encodeFields } from '../../chains/fabric/protobuf-wire.ts';
import { dataHashOf, headerHashOf } from './node-hash.ts';

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

export interface StateWrite {
  namespace: string;
  key: string;
  isDelete: boolean;
  value: Uint8Array;
}

const TRANSACTIONS_FILTER = 2;
const METADATA_SLOTS = 5;

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

  /** Opens (or creates with a genesis block) the ledger of `channel` under `dataDir`. */
  static open(dataDir: string, channel: string): Ledger {
    const dir = join(dataDir, 'ledgers', channel);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'blocks.bin');
    const fresh = !existsSync(path);
    const fd = openSync(path, fresh ? 'w+' : 'r+');
    const ledger = new Ledger(channel, fd);
    if (fresh) ledger.#appendGenesis();
    else ledger.#replay();
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
   * Builds, persists (fsync) and applies the next block. `codes[i]` is the
   * validation code of `envelopes[i]`; `writes[i]` its write set (applied only if VALID).
   */
  commitBlock(
    envelopes: Uint8Array[],
    codes: number[],
    options: {
      decoded?: Array<DecodedEnvelope | null>;
      /** Signs SHA-256 of the given bytes (the block header's hash input), DER ECDSA. */
      sign?: (headerBytes: Uint8Array) => Uint8Array;
    } = {},
  ): common.Block {
    const signer = options.sign;
    const number = this.height;
    const header = new common.BlockHeader();
    header.setNumber(Number(number));
    header.setPreviousHash(this.#lastHeaderHash);
    header.setDataHash(dataHashOf(envelopes));
    const data = new common.BlockData();
    data.setDataList(envelopes);
    const metadata = new common.BlockMetadata();
    const slots: Uint8Array[] = Array.from({ length: METADATA_SLOTS }, () => new Uint8Array(0));
    slots[TRANSACTIONS_FILTER] = Uint8Array.from(codes);
    if (signer) {
      // SIGNATURES slot: common.Metadata with one MetadataSignature over the header hash input.
      const headerBytes = blockHeaderBytes(number, this.#lastHeaderHash, header.getDataHash_asU8());
      slots[0] = encodeFields([[2, encodeFields([[2, signer(headerBytes)]])]]);
    }
    metadata.setMetadataList(slots);
    const block = new common.Block();
    block.setHeader(header);
    block.setData(data);
    block.setMetadata(metadata);
    const bytes = block.serializeBinary();
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(bytes.length);
    writeSync(this.#fd, Buffer.concat([prefix, bytes]));
    fsyncSync(this.#fd);
    this.#apply(bytes, block, options.decoded);
    return block;
  }

  close(): void {
    closeSync(this.#fd);
  }

  #appendGenesis(): void {
    const channelHeader = new common.ChannelHeader();
    channelHeader.setType(common.HeaderType.CONFIG);
    channelHeader.setChannelId(this.channel);
    const header = new common.Header();
    header.setChannelHeader(channelHeader.serializeBinary());
    const payload = new common.Payload();
    payload.setHeader(header);
    const envelope = new common.Envelope();
    envelope.setPayload(payload.serializeBinary());
    this.commitBlock([envelope.serializeBinary()], [0]);
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
    if (this.#blocks.length === 0) this.#appendGenesis();
  }

  #apply(bytes: Uint8Array, block: common.Block, known?: Array<DecodedEnvelope | null>): void {
    const header = block.getHeader();
    const number = BigInt(header?.getNumber() ?? 0);
    const filter = block.getMetadata()?.getMetadataList_asU8()[TRANSACTIONS_FILTER] ?? new Uint8Array(0);
    block
      .getData()
      ?.getDataList_asU8()
      .forEach((envelopeBytes, txNum) => {
        const code = filter[txNum] ?? 255;
        let decoded: DecodedEnvelope | null = known?.[txNum] ?? null;
        if (!known) {
          try {
            decoded = decodeEnvelope(envelopeBytes);
          } catch {
            decoded = null;
          }
        }
        const txId = decoded?.txId ?? readTxId(envelopeBytes);
        // The index keeps the first occurrence: a later duplicate never hides a valid commit.
        if (txId && !this.#txIndex.has(txId)) this.#txIndex.set(txId, { blockNum: number, txNum, code });
        if (code !== 0 || !decoded) return;
        for (const write of decoded.writes) this.#write(write, { blockNum: number, txNum: BigInt(txNum) });
      });
    this.#blocks.push(bytes);
    this.#lastHeaderHash = headerHashOf(
      number,
      header?.getPreviousHash_asU8() ?? new Uint8Array(0),
      header?.getDataHash_asU8() ?? new Uint8Array(0),
    );
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
