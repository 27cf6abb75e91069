/**
 * Surviving a service-worker restart while unlocked, without keeping the password.
 *
 * After unlock, a fresh random AES-GCM-256 key re-encrypts the decrypted vault contents;
 * the raw key (base64) and that ciphertext go to `storage.session`, which the browser keeps
 * in memory only (never on disk) and which content scripts cannot read at its default
 * access level. A restarted worker reads both back (`resumeSession`); `endSession` (lock)
 * removes them, so a locked wallet needs the password again. A new key is drawn on every
 * unlock, so a key seen once is useless after the next lock.
 */
import { fromBase64, toBase64 } from './base64.ts';
import type { StorageAreaLike } from './storage-area.ts';

export const SESSION_KEY_ITEM = 'weft.vault.sessionKey';
export const SESSION_DATA_ITEM = 'weft.vault.sessionData';

interface SessionData {
  iv: string;
  ciphertext: string;
}

/** Stores `plaintext` in the session area under a new random key. */
export async function startSession(
  session: StorageAreaLike,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<void> {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plaintext));
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', key));
  const data: SessionData = { iv: toBase64(iv), ciphertext: toBase64(ciphertext) };
  await session.set({ [SESSION_KEY_ITEM]: toBase64(raw), [SESSION_DATA_ITEM]: data });
  raw.fill(0);
}

/**
 * The contents stored by `startSession`, or `null` when there is no session (locked, or the
 * browser restarted). A damaged session is cleared and reported as `null`: the user unlocks
 * again with the password, nothing is lost.
 */
export async function resumeSession(session: StorageAreaLike): Promise<Uint8Array<ArrayBuffer> | null> {
  const items = await session.get([SESSION_KEY_ITEM, SESSION_DATA_ITEM]);
  const rawKey = items[SESSION_KEY_ITEM];
  const data = items[SESSION_DATA_ITEM] as Partial<SessionData> | undefined;
  if (rawKey === undefined && data === undefined) return null;
  try {
    if (typeof rawKey !== 'string' || typeof data?.iv !== 'string' || typeof data.ciphertext !== 'string') {
      throw new Error('incomplete session');
    }
    const raw = fromBase64(rawKey);
    const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']);
    raw.fill(0);
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(data.iv) },
      key,
      fromBase64(data.ciphertext),
    );
    return new Uint8Array(plaintext);
  } catch {
    await endSession(session);
    return null;
  }
}

/** Forgets the session key and data (lock). */
export async function endSession(session: StorageAreaLike): Promise<void> {
  await session.remove([SESSION_KEY_ITEM, SESSION_DATA_ITEM]);
}
