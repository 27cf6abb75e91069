/**
 * Just enough DER reading to pull a P-256 key out of PKCS#8 / SEC1 keys and X.509
 * certificates in the browser, where node:crypto is not available.
 */

export interface Tlv {
  tag: number;
  /** Where the whole TLV (tag and length included) starts. */
  offset: number;
  /** Start and end of the value bytes. */
  start: number;
  end: number;
}

/** One TLV at `pos` that must end within `limit`: single-byte tags, definite lengths up to 4 bytes. */
export function readTlv(bytes: Uint8Array, pos: number, limit = bytes.length): Tlv {
  const tag = bytes[pos];
  let lengthByte = bytes[pos + 1];
  if (tag === undefined || lengthByte === undefined || pos + 2 > limit) throw new Error('DER: truncated');
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tag');
  let start = pos + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: unsupported length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[start + i];
      if (lengthByte === undefined) throw new Error('DER: truncated');
      length = length * 256 + lengthByte;
    }
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new Error('DER: truncated');
  return { tag, offset: pos, start, end };
}

/** The children of a constructed value, each within it. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.start;
  while (pos < parent.end) {
    const child = readTlv(bytes, pos, parent.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

export function pemToDer(pem: string): Uint8Array {
  const body = pem
    .replace(/-----BEGIN [^-]+-----/, '')
    .replace(/-----END [^-]+-----[\s\S]*/, '')
    .replace(/\s+/g, '');
  const binary = atob(body);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
