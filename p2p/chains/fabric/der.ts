/**
 * Just enough DER reading to pull a P-256 key out of PKCS#8 / SEC1 keys and X.509
 * certificates in the browser, where node:crypto is not available.
 */

export interface Tlv {
  tag: number;
  /** Start and end of the value bytes. */
  start: number;
  end: number;
}

export function readTlv(bytes: Uint8Array, pos: number): Tlv {
  const tag = bytes[pos];
  let lengthByte = bytes[pos + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('DER: truncated');
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
  if (end > bytes.length) throw new Error('DER: truncated');
  return { tag, start, end };
}

/** The children of a constructed value. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.start;
  while (pos < parent.end) {
    const child = readTlv(bytes, pos);
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
