/**
 * Fabric block hashes: the header hash is SHA-256 of the ASN.1 DER sequence
 * (number, previous_hash, data_hash); the data hash is SHA-256 of the concatenated
 * transaction envelopes.
 */
import { sha256 } from '@noble/hashes/sha2.js';

function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}

function derInteger(value: bigint): number[] {
  const bytes: number[] = [];
  let n = value;
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  if ((bytes[0] as number) & 0x80) bytes.unshift(0);
  return [0x02, ...derLength(bytes.length), ...bytes];
}

function derOctets(value: Uint8Array): number[] {
  return [0x04, ...derLength(value.length), ...value];
}

export function blockHeaderBytes(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Uint8Array {
  const body = [...derInteger(number), ...derOctets(previousHash), ...derOctets(dataHash)];
  return Uint8Array.from([0x30, ...derLength(body.length), ...body]);
}

export function blockHeaderHash(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Uint8Array {
  return sha256(blockHeaderBytes(number, previousHash, dataHash));
}

export function blockDataHash(data: Uint8Array[]): Uint8Array {
  const total = data.reduce((sum, d) => sum + d.length, 0);
  const joined = new Uint8Array(total);
  let pos = 0;
  for (const d of data) {
    joined.set(d, pos);
    pos += d.length;
  }
  return sha256(joined);
}
