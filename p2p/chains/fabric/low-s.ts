/**
 * Fabric accepts only low-S ECDSA signatures (s <= n/2). Signers that do not
 * guarantee it (node:crypto, WebCrypto) pass their DER signature through here.
 */

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function fromHex(text: string): Uint8Array {
  const padded = text.length % 2 ? `0${text}` : text;
  const out = new Uint8Array(padded.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** n - s on big-endian bytes (s < n), as a DER INTEGER: minimal, a leading zero when the top bit is set. */
function complementInteger(order: Uint8Array, s: Uint8Array): Uint8Array {
  const difference = new Uint8Array(order.length);
  let borrow = 0;
  for (let i = order.length - 1, j = s.length - 1; i >= 0; i--, j--) {
    let digit = (order[i] as number) - (j >= 0 ? (s[j] as number) : 0) - borrow;
    borrow = digit < 0 ? 1 : 0;
    if (digit < 0) digit += 256;
    difference[i] = digit;
  }
  let start = 0;
  while (start < difference.length - 1 && difference[start] === 0) start++;
  const pad = (difference[start] as number) & 0x80 ? 1 : 0;
  const out = new Uint8Array(2 + pad + difference.length - start);
  out[0] = 0x02;
  out[1] = out.length - 2;
  out.set(difference.subarray(start), 2 + pad);
  return out;
}

/** n and n/2 as minimal big-endian bytes, per curve order (computed once). */
const orders = new Map<bigint, { order: Uint8Array; half: Uint8Array }>();
function orderBytes(order: bigint): { order: Uint8Array; half: Uint8Array } {
  let bytes = orders.get(order);
  if (!bytes) {
    bytes = { order: fromHex(order.toString(16)), half: fromHex((order >> 1n).toString(16)) };
    orders.set(order, bytes);
  }
  return bytes;
}

interface SignatureLayout {
  /** The r INTEGER, tag included. */
  r: Uint8Array;
  /** s without leading zero bytes. */
  s: Uint8Array;
  /** Where the s INTEGER ends. */
  end: number;
}

/** Splits a DER ECDSA signature (short-form lengths, as P-256 signatures are). */
function layout(der: Uint8Array): SignatureLayout {
  if (der[0] !== 0x30) throw new Error('DER signature: expected SEQUENCE');
  if (der[2] !== 0x02) throw new Error('DER signature: expected INTEGER');
  const sTag = 4 + (der[3] ?? 0);
  if (der[sTag] !== 0x02) throw new Error('DER signature: expected INTEGER');
  let start = sTag + 2;
  const end = start + (der[sTag + 1] ?? 0);
  if (end > der.length) throw new Error('DER signature: truncated');
  while (start < end && der[start] === 0) start++;
  return { r: der.subarray(2, sTag), s: der.subarray(start, end), end };
}

/** s <= n/2, compared on big-endian bytes (no bigint: this runs on every signature a node signer makes). */
function isLowS(s: Uint8Array, order: bigint): boolean {
  const { half } = orderBytes(order);
  if (s.length !== half.length) return s.length < half.length;
  for (let i = 0; i < s.length; i++) {
    const a = s[i] as number;
    const b = half[i] as number;
    if (a !== b) return a < b;
  }
  return true;
}

/** Returns the signature unchanged if already low-S, else with s replaced by n - s. */
export function toLowS(der: Uint8Array, order: bigint = P256_ORDER): Uint8Array {
  const { r, s } = layout(der);
  if (isLowS(s, order)) return der;
  const low = complementInteger(orderBytes(order).order, s);
  const out = new Uint8Array(2 + r.length + low.length);
  out[0] = 0x30;
  out[1] = r.length + low.length;
  out.set(r, 2);
  out.set(low, 2 + r.length);
  return out;
}

/**
 * True for a well-formed DER signature whose s is in [1, n/2], the only form
 * Fabric's bccsp accepts (checked on the bytes, before any curve arithmetic).
 */
export function isLowSSignature(der: Uint8Array, order: bigint = P256_ORDER): boolean {
  if (der.length < 8 || der[1] !== der.length - 2) return false;
  let parts: SignatureLayout;
  try {
    parts = layout(der);
  } catch {
    return false;
  }
  // Nothing after s, and r, s both positive.
  if (parts.end !== der.length || parts.s.length === 0 || parts.r.subarray(2).every((byte) => byte === 0)) {
    return false;
  }
  return isLowS(parts.s, order);
}
