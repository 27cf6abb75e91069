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

function readVarint(bytes: Uint8Array, start: number): [bigint, number] {
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

/** Parses one message level; throws on truncation or unknown wire types. */
export function decodeFields(bytes: Uint8Array): ProtoFields {
  const fields: ProtoFields = new Map();
  let pos = 0;
  while (pos < bytes.length) {
    const [key, afterKey] = readVarint(bytes, pos);
    pos = afterKey;
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0) throw new ProtobufDecodeError('field number 0');
    let value: Uint8Array | bigint;
    if (wireType === 0) {
      [value, pos] = readVarint(bytes, pos);
    } else if (wireType === 2) {
      const [length, afterLength] = readVarint(bytes, pos);
      const end = afterLength + Number(length);
      if (end > bytes.length) throw new ProtobufDecodeError('truncated length-delimited field');
      value = bytes.subarray(afterLength, end);
      pos = end;
    } else if (wireType === 1 || wireType === 5) {
      const end = pos + (wireType === 1 ? 8 : 4);
      if (end > bytes.length) throw new ProtobufDecodeError('truncated fixed field');
      value = bytes.subarray(pos, end);
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

function varintBytes(input: bigint): number[] {
  let value = BigInt.asUintN(64, input);
  const out: number[] = [];
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
  return out;
}

const textEncoder = new TextEncoder();

/**
 * Encodes fields in the given order (callers list them by field number, as protobuf encoders do).
 * The third tuple element keeps an empty value: elements of repeated fields are never dropped.
 */
export function encodeFields(
  fields: Array<[number, FieldValue] | [number, FieldValue, 'repeated']>,
): Uint8Array {
  const parts: number[][] = [];
  const chunks: Uint8Array[] = [];
  let total = 0;
  const push = (head: number[], body?: Uint8Array) => {
    parts.push(head);
    chunks.push(body ?? empty);
    total += head.length + (body?.length ?? 0);
  };
  for (const [field, value, repeated] of fields) {
    if (value === undefined) continue;
    if (typeof value === 'bigint' || typeof value === 'number') {
      const n = BigInt(value);
      if (n === 0n && !repeated) continue;
      push([...varintBytes(BigInt(field << 3)), ...varintBytes(n)]);
    } else {
      const body = typeof value === 'string' ? textEncoder.encode(value) : value;
      if (body.length === 0 && !repeated) continue;
      push([...varintBytes(BigInt((field << 3) | 2)), ...varintBytes(BigInt(body.length))], body);
    }
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    const head = parts[i] as number[];
    out.set(head, pos);
    pos += head.length;
    const body = chunks[i] as Uint8Array;
    out.set(body, pos);
    pos += body.length;
  }
  return out;
}
