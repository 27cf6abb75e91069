/**
 * Fabric accepts only low-S ECDSA signatures (s <= n/2). Signers that do not
 * guarantee it (node:crypto, WebCrypto) pass their DER signature through here.
 */

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function readInteger(der: Uint8Array, pos: number): { value: bigint; next: number } {
  if (der[pos] !== 0x02) throw new Error('DER signature: expected INTEGER');
  const length = der[pos + 1] ?? 0;
  let value = 0n;
  for (let i = 0; i < length; i++) value = (value << 8n) | BigInt(der[pos + 2 + i] ?? 0);
  return { value, next: pos + 2 + length };
}

function integerBytes(value: bigint): number[] {
  const bytes: number[] = [];
  for (let n = value; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  if (bytes.length === 0 || (bytes[0] as number) & 0x80) bytes.unshift(0);
  return [0x02, bytes.length, ...bytes];
}

/** Returns the signature unchanged if already low-S, else with s replaced by n - s. */
export function toLowS(der: Uint8Array, order: bigint = P256_ORDER): Uint8Array {
  if (der[0] !== 0x30) throw new Error('DER signature: expected SEQUENCE');
  const r = readInteger(der, 2);
  const s = readInteger(der, r.next);
  if (s.value <= order >> 1n) return der;
  const body = [...integerBytes(r.value), ...integerBytes(order - s.value)];
  return Uint8Array.from([0x30, body.length, ...body]);
}
