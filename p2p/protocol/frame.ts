/**
 * Frames are UTF-8 JSON objects, length-prefixed (unsigned varint) on the stream.
 * JSON keeps the protocol readable in a packet capture and in the docs; bytes travel
 * as 0x-hex inside it. BigInts (block numbers) are encoded as `{ "$bigint": "123" }`.
 */
import { HipError, HipErrorCode } from './errors.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeFrame(value: unknown): Uint8Array {
  return encoder.encode(
    JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v)),
  );
}

export function decodeFrame(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new HipError(HipErrorCode.badRequest, 'frame is not valid UTF-8');
  }
  try {
    return JSON.parse(text, (_key, v) => {
      if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.$bigint === 'string') {
        const keys = Object.keys(v);
        if (keys.length === 1 && /^-?\d+$/.test(v.$bigint)) return BigInt(v.$bigint);
      }
      return v;
    });
  } catch {
    throw new HipError(HipErrorCode.badRequest, 'frame is not valid JSON');
  }
}
