/**
 * TTM secrets: 32 random bytes whose sha256 is the hash lock on every chain. Sealed with
 * AES-GCM under the vault's TTM key before they reach the log, and opened only to reveal
 * them in a commit or claim.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { fromBase64, toBase64 } from '../vault/base64.ts';
import type { Hex, SealedSecret } from './types.ts';

export function randomId(): Hex {
  return `0x${bytesToHex(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export function drawSecret(): { secret: Hex; hashLock: Hex } {
  const secret = randomId();
  return { secret, hashLock: hashLockOf(secret) };
}

export function hashLockOf(secret: Hex): Hex {
  return `0x${bytesToHex(sha256(hexToBytes(secret.slice(2))))}`;
}

/**
 * True only if `preimage` is 32 bytes of hex whose sha256 is `hashLock`. A preimage learnt
 * from a chain comes through routers, which may lie: check it before keeping or signing it.
 */
export function opensHashLock(preimage: unknown, hashLock: Hex): boolean {
  if (typeof preimage !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(preimage)) return false;
  return hashLockOf(preimage as Hex) === hashLock.toLowerCase();
}

async function aesKey(raw: Uint8Array, use: KeyUsage): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey('raw', new Uint8Array(raw), 'AES-GCM', false, [use]);
  } finally {
    raw.fill(0);
  }
}

/** `key` (the vault's TTM key) is zeroed. The record id is bound in as associated data. */
export async function sealSecret(secret: Hex, id: Hex, key: Uint8Array): Promise<SealedSecret> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plaintext = hexToBytes(secret.slice(2));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: hexToBytes(id.slice(2)) },
    await aesKey(key, 'encrypt'),
    plaintext,
  );
  plaintext.fill(0);
  return { iv: toBase64(iv), ciphertext: toBase64(new Uint8Array(ciphertext)) };
}

/** `key` is zeroed. Throws if the record was altered or sealed under another wallet's key. */
export async function openSecret(sealed: SealedSecret, id: Hex, key: Uint8Array): Promise<Hex> {
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64(sealed.iv), additionalData: hexToBytes(id.slice(2)) },
    await aesKey(key, 'decrypt'),
    fromBase64(sealed.ciphertext),
  );
  return `0x${bytesToHex(new Uint8Array(plaintext))}`;
}
