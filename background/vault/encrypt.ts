/**
 * Password encryption of the vault's secrets (the mnemonic and imported Fabric keys).
 *
 * PBKDF2-SHA256 (600,000 iterations, random 16-byte salt) stretches the password into 32
 * bytes; HKDF-SHA256 splits those into the AES-GCM-256 key and a 16-byte key check. The
 * check tells a wrong password (check differs) from a damaged record (check matches, the
 * GCM tag does not), at no cost to an attacker's guessing, who already needs the full
 * PBKDF2 per guess. WebCrypto only: runs in the MV3 service worker and in Node.
 */
import { fromBase64, toBase64 } from './base64.ts';
import { VaultCorruptError, WrongPasswordError } from './errors.ts';

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const PBKDF2_ITERATIONS = 600_000;
/** Records asking for more are refused as corrupt (a planted record must not hang the worker). */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;

const SALT_BYTES = 16;
const IV_BYTES = 12;
const CHECK_BYTES = 16;
const GCM_TAG_BYTES = 16;

/** The stored form: JSON-safe, every byte string in base64. */
export interface EncryptedRecord {
  version: 1;
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string };
  cipher: { name: 'AES-GCM'; iv: string };
  /** HKDF output beside the AES key: identifies a wrong password without decrypting. */
  check: string;
  ciphertext: string;
}

export interface EncryptOptions {
  /** Defaults to `PBKDF2_ITERATIONS`; only tests that are not about the KDF lower it. */
  iterations?: number;
}

const utf8 = new TextEncoder();

interface DerivedKeys {
  key: CryptoKey;
  check: Uint8Array;
}

async function deriveKeys(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<DerivedKeys> {
  const passwordKey = await crypto.subtle.importKey('raw', utf8.encode(password), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const stretched = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    passwordKey,
    256,
  );
  const hkdfKey = await crypto.subtle.importKey('raw', stretched, 'HKDF', false, ['deriveKey', 'deriveBits']);
  const hkdf = (info: string) => ({
    name: 'HKDF',
    hash: 'SHA-256',
    salt: new Uint8Array(0),
    info: utf8.encode(info),
  });
  const key = await crypto.subtle.deriveKey(
    hkdf('weft vault v1 aes-gcm key'),
    hkdfKey,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  const check = new Uint8Array(
    await crypto.subtle.deriveBits(hkdf('weft vault v1 key check'), hkdfKey, CHECK_BYTES * 8),
  );
  return { key, check };
}

export async function encryptSecret(
  plaintext: Uint8Array<ArrayBuffer>,
  password: string,
  options: EncryptOptions = {},
): Promise<EncryptedRecord> {
  const iterations = options.iterations ?? PBKDF2_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new RangeError(`PBKDF2 iterations out of range: ${iterations}`);
  }
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const { key, check } = await deriveKeys(password, salt, iterations);
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plaintext));
  return {
    version: 1,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64(salt) },
    cipher: { name: 'AES-GCM', iv: toBase64(iv) },
    check: toBase64(check),
    ciphertext: toBase64(ciphertext),
  };
}

/** Decrypts a record. Wrong password: `WrongPasswordError`; damaged or unknown record: `VaultCorruptError`. */
export async function decryptSecret(record: unknown, password: string): Promise<Uint8Array<ArrayBuffer>> {
  const parsed = parseRecord(record);
  const { key, check } = await deriveKeys(password, parsed.salt, parsed.iterations);
  if (!sameBytes(check, parsed.check)) throw new WrongPasswordError();
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: parsed.iv }, key, parsed.ciphertext),
    );
  } catch {
    throw new VaultCorruptError('The vault failed its integrity check (ciphertext damaged)');
  }
}

interface ParsedRecord {
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  iv: Uint8Array<ArrayBuffer>;
  check: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
}

/** Validates the shape of a stored record; throws `VaultCorruptError` naming what is wrong. */
export function parseRecord(record: unknown): ParsedRecord {
  const corrupt = (what: string) => new VaultCorruptError(`Vault record corrupt: ${what}`);
  if (!isObject(record)) throw corrupt('not an object');
  if (record.version !== 1) throw corrupt(`unknown version ${JSON.stringify(record.version) ?? 'undefined'}`);
  const { kdf, cipher } = record;
  if (!isObject(kdf) || kdf.name !== 'PBKDF2' || kdf.hash !== 'SHA-256') throw corrupt('unknown kdf');
  const iterations = kdf.iterations;
  if (typeof iterations !== 'number' || !Number.isSafeInteger(iterations))
    throw corrupt('bad iteration count');
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) throw corrupt('iteration count out of range');
  if (!isObject(cipher) || cipher.name !== 'AES-GCM') throw corrupt('unknown cipher');
  const salt = bytesField(kdf.salt, 'salt', (n) => n === SALT_BYTES);
  const iv = bytesField(cipher.iv, 'iv', (n) => n === IV_BYTES);
  const check = bytesField(record.check, 'check', (n) => n === CHECK_BYTES);
  const ciphertext = bytesField(record.ciphertext, 'ciphertext', (n) => n >= GCM_TAG_BYTES);
  return { iterations, salt, iv, check, ciphertext };

  function bytesField(
    value: unknown,
    name: string,
    lengthOk: (n: number) => boolean,
  ): Uint8Array<ArrayBuffer> {
    if (typeof value !== 'string') throw corrupt(`${name} missing`);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = fromBase64(value);
    } catch {
      throw corrupt(`${name} is not base64`);
    }
    if (!lengthOk(bytes.length)) throw corrupt(`${name} has the wrong length`);
    return bytes;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
