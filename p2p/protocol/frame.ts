/**
 * Frames are UTF-8 JSON objects, length-prefixed (unsigned varint) on the stream.
 * JSON keeps the protocol readable in a packet capture and in the docs; bytes travel
 * as 0x-hex inside it. BigInts (block numbers) are encoded as `{ "$bigint": "123" }`.
 *
 * The tagging is a walk over the value rather than a `JSON.stringify` replacer or `JSON.parse`
 * reviver: those call back into JS for every key of every frame and take V8 off its fast JSON
 * path (a reviver made decoding an answer three times slower), and most frames hold no bigint.
 */
import { HipError, HipErrorCode } from './errors.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const BIGINT_DIGITS = /^-?\d+$/;
/**
 * How deep a frame's values may nest. JSON.parse takes any depth, but the walks here (and any
 * later copy) recurse: a frame nested ten thousand levels deep would overflow the stack on the
 * hop that re-encodes it. No HIP body comes near this.
 */
export const MAX_FRAME_DEPTH = 64;

function tooDeep(): HipError {
  return new HipError(HipErrorCode.badRequest, `frame nests deeper than ${MAX_FRAME_DEPTH} levels`);
}

/** `value` with every bigint replaced by its tag; objects and arrays are copied only where one changes. */
function tagBigints(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (typeof value !== 'object' || value === null) return value;
  if (depth === MAX_FRAME_DEPTH) throw tooDeep();
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const tagged = tagBigints(value[i], depth + 1);
      if (tagged !== value[i]) {
        copy ??= value.slice();
        copy[i] = tagged;
      }
    }
    return copy ?? value;
  }
  // Left to JSON.stringify as they are: what toJSON returns (dates) holds no bigint here.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const tagged = tagBigints(record[key], depth + 1);
    if (tagged !== record[key]) {
      copy ??= { ...record };
      copy[key] = tagged;
    }
  }
  return copy ?? value;
}

/** Turns every `{ "$bigint": "digits" }` (and nothing else) back into a bigint, innermost first, in place. */
function untagBigints(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth === MAX_FRAME_DEPTH) throw tooDeep();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = untagBigints(value[i], depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (const key of keys) {
    const inner = record[key];
    if (typeof inner !== 'object' || inner === null) continue;
    // defineProperty: a plain assignment to a key named __proto__ would set the prototype.
    Object.defineProperty(record, key, {
      value: untagBigints(inner, depth + 1),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  const digits = record.$bigint;
  if (keys.length === 1 && typeof digits === 'string' && BIGINT_DIGITS.test(digits)) return BigInt(digits);
  return record;
}

export function encodeFrame(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(tagBigints(value)));
}

export function decodeFrame(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new HipError(HipErrorCode.badRequest, 'frame is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HipError(HipErrorCode.badRequest, 'frame is not valid JSON');
  }
  // A key can only read `$bigint` if the text spells it, or spells it with \u escapes.
  return text.includes('$bigint') || text.includes('\\u') ? untagBigints(value) : value;
}
