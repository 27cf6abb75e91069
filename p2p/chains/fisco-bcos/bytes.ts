/** Hex and integer conversions on the signing path, via @noble/hashes (ethers' are several times slower). */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Hex } from '../connector.ts';

const EMPTY = new Uint8Array(0);

/** `0x`-prefixed hex to bytes; throws on odd length or non-hex characters. */
export function fromHex(hex: string): Uint8Array {
  if (!hex.startsWith('0x')) throw new Error(`not 0x-prefixed hex: ${hex.slice(0, 16)}`);
  return hex.length === 2 ? EMPTY : hexToBytes(hex.slice(2));
}

export function toHex(bytes: Uint8Array): Hex {
  return `0x${bytesToHex(bytes)}`;
}

/** Minimal big-endian bytes of a non-negative integer, as RLP wants them (0 is empty). */
export function integerBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new Error('negative integer');
  if (n === 0n) return EMPTY;
  const hex = n.toString(16);
  return hexToBytes(hex.length % 2 === 0 ? hex : `0${hex}`);
}
