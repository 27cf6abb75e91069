/**
 * Fabric blocks as bytes: a peer's block file and single common.Block messages.
 *
 * A peer's block file (common/ledger/blkstorage) is a sequence of entries, each an
 * unsigned varint length then a block in the peer's own serialization, not protobuf:
 * varint number, length-prefixed data_hash, length-prefixed previous_hash, varint count
 * of envelopes then each length-prefixed, varint count of metadata entries then each
 * length-prefixed.
 */
import { BlockDecodeError, BlockFileError, decodingAs } from './evidence-errors.ts';
import { bytesField, decodeFields, messageField, repeatedBytes, varintField } from './protobuf-wire.ts';

export interface FabricBlock {
  number: bigint;
  previousHash: Uint8Array;
  dataHash: Uint8Array;
  /** Transaction envelopes (common.Envelope bytes), in block order. */
  data: Uint8Array[];
  /** common.BlockMetadata entries by index: SIGNATURES, LAST_CONFIG, TRANSACTIONS_FILTER, ... */
  metadata: Uint8Array[];
}

/** Metadata indexes (common.BlockMetadataIndex). */
export const SIGNATURES = 0;
export const LAST_CONFIG = 1;
export const TRANSACTIONS_FILTER = 2;

/** Reads a peer block file's serialized blocks, in file order. */
export function readBlockFile(bytes: Uint8Array): FabricBlock[] {
  const blocks: FabricBlock[] = [];
  const reader = new Reader(bytes);
  while (!reader.done()) {
    const entry = new Reader(reader.bytes());
    blocks.push(readSerializedBlock(entry));
    if (!entry.done()) throw new BlockFileError(`block ${blocks.length - 1}: trailing bytes`);
  }
  return blocks;
}

function readSerializedBlock(reader: Reader): FabricBlock {
  const number = reader.varint();
  const dataHash = reader.bytes();
  const previousHash = reader.bytes();
  const data: Uint8Array[] = [];
  for (let count = reader.count(); count > 0; count--) data.push(reader.bytes());
  const metadata: Uint8Array[] = [];
  for (let count = reader.count(); count > 0; count--) metadata.push(reader.bytes());
  return { number, previousHash, dataHash, data, metadata };
}

/** Decodes one common.Block message (what qscc GetBlockByNumber and the deliver service return). */
export function decodeBlock(bytes: Uint8Array): FabricBlock {
  return decodingAs(BlockDecodeError, 'block', () => {
    const block = decodeFields(bytes);
    if (!block.has(1)) throw new BlockDecodeError('block: no header');
    const header = messageField(block, 1);
    return {
      number: varintField(header, 1),
      previousHash: bytesField(header, 2),
      dataHash: bytesField(header, 3),
      data: repeatedBytes(messageField(block, 2), 1),
      metadata: repeatedBytes(messageField(block, 3), 1),
    };
  });
}

/** Bounds-checked reading of the block file's varints and length-prefixed byte strings. */
class Reader {
  private pos = 0;
  private readonly buffer: Uint8Array;
  constructor(buffer: Uint8Array) {
    this.buffer = buffer;
  }

  done(): boolean {
    return this.pos >= this.buffer.length;
  }

  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.buffer[this.pos++];
      if (byte === undefined) throw new BlockFileError('truncated varint');
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        if (value >= 1n << 64n) throw new BlockFileError('varint over 64 bits');
        return value;
      }
    }
    throw new BlockFileError('varint too long');
  }

  /** A length or count: never more than the bytes left (each item takes at least one byte). */
  count(): number {
    const value = this.varint();
    if (value > BigInt(this.buffer.length - this.pos)) throw new BlockFileError('count past the end');
    return Number(value);
  }

  bytes(): Uint8Array {
    const length = this.count();
    const start = this.pos;
    this.pos += length;
    return this.buffer.subarray(start, this.pos);
  }
}
