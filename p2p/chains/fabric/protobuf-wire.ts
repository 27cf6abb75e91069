/**
 * A minimal protobuf wire-format reader and writer: enough for the handful of Fabric
 * messages the wallet must read and build. Hand-written instead of google-protobuf
 * (pulled in by @hyperledger/fabric-protos) to keep the browser bundle small.
 */

/** Values of one field number, in wire order: bytes for length-delimited, bigint for varints. */
export type ProtoFields = Map<number, Array<Uint8Array | bigint>>;

export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

/** Reads a varint as a number while it fits 28 bits (keys, lengths, enums: nearly all of them), else as bigint. */
function readVarint(bytes: Uint8Array, start: number): [bigint, number] {
  const [small, next] = readSmallVarint(bytes, start);
  if (small >= 0) return [BigInt(small), next];
  return readBigVarint(bytes, start);
}

/** [value, next] for varints of up to 4 bytes; [-1, start] for longer ones (read those as bigint). */
function readSmallVarint(bytes: Uint8Array, start: number): [number, number] {
  let value = 0;
  let pos = start;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= bytes.length) throw new ProtobufDecodeError('truncated varint');
    const byte = bytes[pos++] as number;
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, pos];
  }
  return [-1, start];
}

function readBigVarint(bytes: Uint8Array, start: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  let pos = start;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new ProtobufDecodeError('truncated varint');
    const byte = bytes[pos++] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, pos];
    shift += 7n;
  }
  throw new ProtobufDecodeError('varint too long');
}

/** A key or a length: must fit a safe integer. */
function readLength(bytes: Uint8Array, start: number): [number, number] {
  const [small, next] = readSmallVarint(bytes, start);
  if (small >= 0) return [small, next];
  const [big, after] = readBigVarint(bytes, start);
  return [big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big), after];
}

/** A view of bytes[start, end): a plain Uint8Array even when `bytes` is a Buffer (no species lookup). */
function view(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}

/** Parses one message level; throws on truncation or unknown wire types. */
export function decodeFields(bytes: Uint8Array): ProtoFields {
  const fields: ProtoFields = new Map();
  const length = bytes.length;
  let pos = 0;
  while (pos < length) {
    // Single-byte keys and lengths (nearly every key, most lengths) are read inline.
    let key = bytes[pos] as number;
    if (key < 0x80) pos++;
    else [key, pos] = readLength(bytes, pos);
    if (key > 0xffffffff) throw new ProtobufDecodeError('field number out of range');
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (field === 0) throw new ProtobufDecodeError('field number 0');
    let value: Uint8Array | bigint;
    if (wireType === 2) {
      let size: number;
      const first = bytes[pos];
      if (first !== undefined && first < 0x80) {
        size = first;
        pos++;
      } else [size, pos] = readLength(bytes, pos);
      const end = pos + size;
      if (end > length) throw new ProtobufDecodeError('truncated length-delimited field');
      value = view(bytes, pos, end);
      pos = end;
    } else if (wireType === 0) {
      [value, pos] = readVarint(bytes, pos);
    } else if (wireType === 1 || wireType === 5) {
      const end = pos + (wireType === 1 ? 8 : 4);
      if (end > length) throw new ProtobufDecodeError('truncated fixed field');
      value = view(bytes, pos, end);
      pos = end;
    } else {
      throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
    }
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

const empty = new Uint8Array(0);
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Last occurrence wins, as protobuf specifies for singular fields. */
export function bytesField(fields: ProtoFields, field: number): Uint8Array {
  const value = fields.get(field)?.at(-1);
  if (value === undefined) return empty;
  if (typeof value === 'bigint') throw new ProtobufDecodeError(`field ${field}: expected bytes`);
  return value;
}

export function repeatedBytes(fields: ProtoFields, field: number): Uint8Array[] {
  return (fields.get(field) ?? []).map((value) => {
    if (typeof value === 'bigint') throw new ProtobufDecodeError(`field ${field}: expected bytes`);
    return value;
  });
}

export function stringField(fields: ProtoFields, field: number): string {
  try {
    return textDecoder.decode(bytesField(fields, field));
  } catch (cause) {
    if (cause instanceof ProtobufDecodeError) throw cause;
    throw new ProtobufDecodeError(`field ${field}: invalid UTF-8`);
  }
}

export function varintField(fields: ProtoFields, field: number): bigint {
  const value = fields.get(field)?.at(-1);
  if (value === undefined) return 0n;
  if (typeof value !== 'bigint') throw new ProtobufDecodeError(`field ${field}: expected varint`);
  return value;
}

export function messageField(fields: ProtoFields, field: number): ProtoFields {
  return decodeFields(bytesField(fields, field));
}

/** A field to encode; `undefined`, empty bytes/strings and zero varints are left out (proto3 defaults). */
export type FieldValue = Uint8Array | string | bigint | number | undefined;

/** Bytes of a varint; negative values as 64-bit two's complement, as protobuf encodes int64. */
function varintLength(value: number | bigint): number {
  if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff) {
    let length = 1;
    for (let n = value; n >= 0x80; n >>>= 7) length++;
    return length;
  }
  let n = BigInt.asUintN(64, BigInt(value));
  let length = 1;
  while (n >= 0x80n) {
    n >>= 7n;
    length++;
  }
  return length;
}

function writeVarint(out: Uint8Array, start: number, value: number | bigint): number {
  let pos = start;
  if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff) {
    let n = value;
    while (n >= 0x80) {
      out[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    out[pos++] = n;
    return pos;
  }
  let n = BigInt.asUintN(64, BigInt(value));
  while (n >= 0x80n) {
    out[pos++] = Number(n & 0x7fn) | 0x80;
    n >>= 7n;
  }
  out[pos++] = Number(n);
  return pos;
}

const textEncoder = new TextEncoder();

/** UTF-8 length of a string as TextEncoder encodes it (lone surrogates become U+FFFD, 3 bytes). */
function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) length += 1;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two UTF-16 units, four bytes.
      length += 2;
      i++;
    } else length += 2;
  }
  return length;
}

/*
 * Small outputs are cut from a shared slab: allocating an ArrayBuffer per message costs
 * more than encoding it (about 2 us in Node), and the devpeer encodes dozens per transaction.
 */
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX = 8 * 1024;
/** In Node, slabs need no zero-filling (every byte handed out is written before it is read). */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } }).Buffer;
const newSlab = (): Uint8Array =>
  NodeBuffer
    ? new Uint8Array(NodeBuffer.allocUnsafeSlow(SLAB_SIZE).buffer, 0, SLAB_SIZE)
    : new Uint8Array(SLAB_SIZE);
let slab = newSlab();
let slabUsed = 0;

function allocate(size: number): Uint8Array {
  if (size > SLAB_MAX) return new Uint8Array(size);
  if (slabUsed + size > SLAB_SIZE) {
    slab = newSlab();
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + size);
  // 8-byte aligned starts, as Node's own buffer pool does.
  slabUsed += (size + 7) & ~7;
  return out;
}

/**
 * Encodes fields in the given order (callers list them by field number, as protobuf encoders do).
 * The third tuple element keeps an empty value: elements of repeated fields are never dropped.
 */
export function encodeFields(
  fields: Array<[number, FieldValue] | [number, FieldValue, 'repeated']>,
): Uint8Array {
  // Sized first, then written once into one buffer: this runs per transaction on the devpeer.
  let total = 0;
  const lengths: number[] = new Array(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const [field, value, repeated] = fields[i] as [number, FieldValue, 'repeated'?];
    lengths[i] = -1;
    if (value === undefined) continue;
    if (typeof value === 'number' || typeof value === 'bigint') {
      if ((value === 0 || value === 0n) && !repeated) continue;
      if (typeof value === 'number' && !Number.isInteger(value)) BigInt(value); // throws, as before
      lengths[i] = 0;
      total += varintLength(field << 3) + varintLength(value);
    } else {
      const length = typeof value === 'string' ? utf8Length(value) : value.length;
      if (length === 0 && !repeated) continue;
      lengths[i] = length;
      total += varintLength((field << 3) | 2) + varintLength(length) + length;
    }
  }
  const out = allocate(total);
  let pos = 0;
  for (let i = 0; i < fields.length; i++) {
    const length = lengths[i] as number;
    if (length < 0) continue;
    const [field, value] = fields[i] as [number, FieldValue];
    if (typeof value === 'number' || typeof value === 'bigint') {
      pos = writeVarint(out, pos, field << 3);
      pos = writeVarint(out, pos, value);
    } else {
      pos = writeVarint(out, pos, (field << 3) | 2);
      pos = writeVarint(out, pos, length);
      if (typeof value === 'string') textEncoder.encodeInto(value, out.subarray(pos, pos + length));
      else out.set(value as Uint8Array, pos);
      pos += length;
    }
  }
  return out;
}
