/**
 * Private records (docs/grants.md, "Encryption"): the wallet seals each field of a record under
 * its own key before anything leaves it, and hands a grant's audience the keys of the fields the
 * grant covers, wrapped to the audience's secp256k1 key. Chains, routers and node operators see
 * ciphertext only.
 *
 * - The owner's records secret comes from the account key, itself from the recovery phrase: a
 *   restored wallet derives the same secret and opens every record it wrote.
 * - Each write draws a fresh salt, so every write gives every field a new key: after a revocation
 *   the next write is sealed under keys the revoked audience never received.
 * - Every ciphertext is bound (AES-GCM associated data) to its resource, record and field, and a
 *   key blob to its grant, resource and record: nothing can be moved to another place and open.
 *
 * Small and written here (not a library's ECIES) so the demo page can do the same in a few
 * lines with ethers and WebCrypto; the primitives are @noble (secp256k1, HKDF) and WebCrypto
 * (AES-256-GCM), in Node and in the service worker alike.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';

/** A sealed field value as a chain stores it. */
export const SEALED_PREFIX = 'weft-enc1:';
/** The covered fields' keys of one record, wrapped to one grant's audience. */
export const WRAPPED_PREFIX = 'weft-key1:';

const SALT_BYTES = 16;
const IV_BYTES = 12;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const PUBLIC_KEY_BYTES = 33;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export type RecordCryptoReason = 'malformed' | 'wrong-key';

/** A sealed value or key blob that is not one (`malformed`), or does not open with the key given (`wrong-key`). */
export class RecordCryptoError extends Error {
  override readonly name = 'RecordCryptoError';
  readonly reason: RecordCryptoReason;
  constructor(reason: RecordCryptoReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Where a field lives: what its key and ciphertext are bound to. */
export interface RecordPlace {
  resource: string;
  record: string;
}

/** What a key blob is bound to: the grant it was wrapped for, and the record whose keys it holds. */
export interface KeyBinding extends RecordPlace {
  grantId: string;
}

/** The owner's records secret: HKDF-SHA256 of the account's private key. Zero it after use. */
export function recordsSecret(accountPrivateKey: Uint8Array): Uint8Array {
  return hkdf(sha256, accountPrivateKey, new Uint8Array(0), encoder.encode('weft/records/v1'), KEY_BYTES);
}

/** Seals every field of a record under fresh keys; returns the sealed values and the keys. */
export async function sealRecord(
  secret: Uint8Array,
  place: RecordPlace,
  fields: Record<string, string>,
): Promise<{ sealed: Record<string, string>; keys: Record<string, Uint8Array> }> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  // Entries, not assignments: a field may be named "__proto__". All fields at once: each
  // WebCrypto call is a trip to another thread, and ten in a row cost more than the work.
  const entries = await Promise.all(
    Object.entries(fields).map(async ([field, value]) => {
      const info = fieldInfo(place, field);
      const key = hkdf(sha256, secret, salt, info, KEY_BYTES);
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const ciphertext = await aesGcm('encrypt', key, iv, info, encoder.encode(value));
      return { field, key, sealed: SEALED_PREFIX + toBase64Url(concat(salt, iv, ciphertext)) };
    }),
  );
  return {
    sealed: Object.fromEntries(entries.map((e) => [e.field, e.sealed])),
    keys: Object.fromEntries(entries.map((e) => [e.field, e.key])),
  };
}

/** The owner's keys of sealed values it wrote (each value carries the salt its key came from). */
export function fieldKeys(
  secret: Uint8Array,
  place: RecordPlace,
  sealed: Record<string, string>,
): Record<string, Uint8Array> {
  return Object.fromEntries(
    Object.entries(sealed).map(([field, value]) => {
      const { salt } = parseSealed(field, value);
      return [field, hkdf(sha256, secret, salt, fieldInfo(place, field), KEY_BYTES)];
    }),
  );
}

/** Opens the sealed fields `keys` has a key for; the others are left out. */
export async function openRecord(
  keys: Record<string, Uint8Array>,
  place: RecordPlace,
  sealed: Record<string, string>,
): Promise<Record<string, string>> {
  const opened = await Promise.all(
    Object.entries(sealed)
      .filter(([field]) => Object.hasOwn(keys, field))
      .map(async ([field, value]): Promise<[string, string]> => {
        const { iv, ciphertext } = parseSealed(field, value);
        const key = keys[field] as Uint8Array;
        const plain = await aesGcm('decrypt', key, iv, fieldInfo(place, field), ciphertext).catch(() => {
          throw new RecordCryptoError('wrong-key', `field ${field} does not open with its key`);
        });
        return [field, decoder.decode(plain)];
      }),
  );
  return Object.fromEntries(opened);
}

/** Wraps `keys` to the audience's public key (ECIES: secp256k1 ECDH, HKDF-SHA256, AES-256-GCM). */
export async function wrapKeys(
  audiencePublicKey: Uint8Array | string,
  binding: KeyBinding,
  keys: Record<string, Uint8Array>,
): Promise<string> {
  const audience = typeof audiencePublicKey === 'string' ? hexBytes(audiencePublicKey) : audiencePublicKey;
  const ephemeral = secp256k1.utils.randomSecretKey();
  try {
    const ephemeralPublic = secp256k1.getPublicKey(ephemeral, true);
    const shared = secp256k1.getSharedSecret(ephemeral, audience, true).slice(1);
    const info = keysInfo(binding);
    const kek = hkdf(sha256, shared, ephemeralPublic, info, KEY_BYTES);
    shared.fill(0);
    const plain = encoder.encode(
      JSON.stringify(
        Object.fromEntries(
          Object.keys(keys)
            .sort()
            .map((field) => [field, toBase64Url(keys[field] as Uint8Array)]),
        ),
      ),
    );
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ciphertext = await aesGcm('encrypt', kek, iv, info, plain);
    kek.fill(0);
    return WRAPPED_PREFIX + toBase64Url(concat(ephemeralPublic, iv, ciphertext));
  } finally {
    ephemeral.fill(0);
  }
}

/** The field keys in a blob wrapped to the audience key whose private half is given. */
export async function unwrapKeys(
  audiencePrivateKey: Uint8Array | string,
  binding: KeyBinding,
  blob: string,
): Promise<Record<string, Uint8Array>> {
  const secret = typeof audiencePrivateKey === 'string' ? hexBytes(audiencePrivateKey) : audiencePrivateKey;
  if (!blob.startsWith(WRAPPED_PREFIX)) throw new RecordCryptoError('malformed', 'not a Weft key blob');
  const bytes = fromBase64Url(blob.slice(WRAPPED_PREFIX.length));
  if (bytes.length < PUBLIC_KEY_BYTES + IV_BYTES + TAG_BYTES) {
    throw new RecordCryptoError('malformed', 'the key blob is too short');
  }
  const ephemeralPublic = bytes.subarray(0, PUBLIC_KEY_BYTES);
  let shared: Uint8Array;
  try {
    shared = secp256k1.getSharedSecret(secret, ephemeralPublic, true).slice(1);
  } catch {
    throw new RecordCryptoError('malformed', 'the key blob holds no valid public key');
  }
  const info = keysInfo(binding);
  const kek = hkdf(sha256, shared, ephemeralPublic, info, KEY_BYTES);
  shared.fill(0);
  const iv = bytes.subarray(PUBLIC_KEY_BYTES, PUBLIC_KEY_BYTES + IV_BYTES);
  const plain = await aesGcm('decrypt', kek, iv, info, bytes.subarray(PUBLIC_KEY_BYTES + IV_BYTES))
    .catch(() => {
      throw new RecordCryptoError('wrong-key', 'the key blob is not for this key, grant and record');
    })
    .finally(() => kek.fill(0));
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(plain));
  } catch {
    throw new RecordCryptoError('malformed', 'the key blob holds no keys');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RecordCryptoError('malformed', 'the key blob holds no keys');
  }
  const keys: [string, Uint8Array][] = [];
  for (const [field, encoded] of Object.entries(parsed)) {
    const key = typeof encoded === 'string' ? fromBase64Url(encoded) : new Uint8Array(0);
    if (key.length !== KEY_BYTES)
      throw new RecordCryptoError('malformed', `the key of ${field} is malformed`);
    keys.push([field, key]);
  }
  // fromEntries, not assignment: a field named __proto__ stays an own field (found by fast-check).
  return Object.fromEntries(keys);
}

/** A grantee's view of a granted read (`weft_readWithGrant`'s answer): the fields its keys open. */
export async function openGranted(
  audiencePrivateKey: Uint8Array | string,
  read: KeyBinding & { fields: Record<string, string>; key: string },
): Promise<Record<string, string>> {
  if (!read.key) throw new RecordCryptoError('wrong-key', 'the owner has shared no keys of this record');
  const keys = await unwrapKeys(audiencePrivateKey, read, read.key);
  return openRecord(keys, read, read.fields);
}

/** Whether `value` is a sealed field (what a chain must hold for every record field). */
export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

function fieldInfo(place: RecordPlace, field: string): Uint8Array {
  return encoder.encode(`weft/record-field/v1\n${place.resource}\n${place.record}\n${field}`);
}

function keysInfo(binding: KeyBinding): Uint8Array {
  return encoder.encode(
    `weft/grant-keys/v1\n${binding.grantId.toLowerCase()}\n${binding.resource}\n${binding.record}`,
  );
}

function parseSealed(
  field: string,
  value: string,
): { salt: Uint8Array; iv: Uint8Array; ciphertext: Uint8Array } {
  if (!isSealed(value)) throw new RecordCryptoError('malformed', `field ${field} is not sealed`);
  const bytes = fromBase64Url(value.slice(SEALED_PREFIX.length));
  if (bytes.length < SALT_BYTES + IV_BYTES + TAG_BYTES) {
    throw new RecordCryptoError('malformed', `field ${field} is too short to be sealed`);
  }
  return {
    salt: bytes.subarray(0, SALT_BYTES),
    iv: bytes.subarray(SALT_BYTES, SALT_BYTES + IV_BYTES),
    ciphertext: bytes.subarray(SALT_BYTES + IV_BYTES),
  };
}

async function aesGcm(
  mode: 'encrypt' | 'decrypt',
  key: Uint8Array,
  iv: Uint8Array,
  additionalData: Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey('raw', key as BufferSource, 'AES-GCM', false, [mode]);
  const params = { name: 'AES-GCM', iv: iv as BufferSource, additionalData: additionalData as BufferSource };
  const out =
    mode === 'encrypt'
      ? await crypto.subtle.encrypt(params, cryptoKey, data as BufferSource)
      : await crypto.subtle.decrypt(params, cryptoKey, data as BufferSource);
  return new Uint8Array(out);
}

function hexBytes(hex: string): Uint8Array {
  const digits = hex.startsWith('0x') ? hex.slice(2) : hex;
  try {
    return hexToBytes(digits);
  } catch {
    throw new RecordCryptoError('malformed', 'a key is not hex');
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new RecordCryptoError('malformed', 'not base64url');
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    throw new RecordCryptoError('malformed', 'not base64url');
  }
}
