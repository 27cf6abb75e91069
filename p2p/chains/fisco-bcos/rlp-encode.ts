/**
 * RLP encoding of byte strings and flat lists straight into one Uint8Array. ethers' encodeRlp
 * goes through hex strings, which made building a signed transaction several times slower than
 * needed on the wallet's signing path; decoding stays with ethers.
 */

function lengthPrefix(length: number, offset: number): Uint8Array {
  if (length < 56) return Uint8Array.of(offset + length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(offset + 55 + bytes.length, ...bytes);
}

export function encodeRlpBytes(item: Uint8Array): Uint8Array {
  if (item.length === 1 && (item[0] as number) < 0x80) return item;
  const prefix = lengthPrefix(item.length, 0x80);
  const out = new Uint8Array(prefix.length + item.length);
  out.set(prefix);
  out.set(item, prefix.length);
  return out;
}

/** Encodes a list whose items are byte strings. */
export function encodeRlpList(items: readonly Uint8Array[]): Uint8Array {
  return encodeRlp(items);
}

/** A byte string or a list of items, as RLP nests them. */
export type RlpItem = Uint8Array | readonly RlpItem[];

/** Encodes nested lists (a receipt's logs), with the same direct-to-bytes path as the flat form. */
export function encodeRlp(item: RlpItem): Uint8Array {
  if (item instanceof Uint8Array) return encodeRlpBytes(item);
  const encoded = item.map(encodeRlp);
  const payload = encoded.reduce((sum, e) => sum + e.length, 0);
  const prefix = lengthPrefix(payload, 0xc0);
  const out = new Uint8Array(prefix.length + payload);
  out.set(prefix);
  let at = prefix.length;
  for (const e of encoded) {
    out.set(e, at);
    at += e.length;
  }
  return out;
}
