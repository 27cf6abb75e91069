/**
 * Runs a synchronous Fabric check with its ECDSA verifications answered by WebCrypto, in
 * parallel: once with a verifier that records every (key, message, signature) and says yes,
 * then, with the recorded ones verified by `crypto.subtle`, once more for real. The checks are
 * written once (sync, noble); only the curve math moves. A signature the second run meets that
 * the first did not (a path only taken after a refusal) falls back to noble. WebCrypto accepts
 * high-S signatures, Fabric does not: high-S is refused here before WebCrypto sees it.
 * What runs under the recorder must not keep a verdict that rests on a signature check (the
 * recorder says yes to all): the MSP's identity cache holds certificate checks, which x509.ts
 * makes with noble directly, never through signature-check.ts.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { type EcdsaVerifier, nobleVerifier, withEcdsaVerifier } from './signature-check.ts';
import type { Curve } from './x509.ts';

interface Recorded {
  curve: Curve;
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

const SIZES: Record<Curve, number> = { 'P-256': 32, 'P-384': 48 };
const HALF_ORDERS: Record<Curve, bigint> = {
  'P-256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n,
  'P-384':
    0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n >> 1n,
};
const HASHES: Record<Curve, string> = { 'P-256': 'SHA-256', 'P-384': 'SHA-256' };

/** DER `SEQUENCE { INTEGER r, INTEGER s }` → fixed-size `r ‖ s`; null when malformed or high-S. */
export function derToRaw(der: Uint8Array, curve: Curve): Uint8Array | null {
  const size = SIZES[curve];
  let at = 0;
  if (der[at++] !== 0x30) return null;
  let length = der[at++] ?? 0;
  if (length === 0x81) length = der[at++] ?? 0;
  else if (length > 0x7f) return null;
  if (at + length !== der.length) return null;
  const out = new Uint8Array(2 * size);
  const integers: bigint[] = [];
  for (const slot of [0, 1]) {
    if (der[at++] !== 0x02) return null;
    const n = der[at++] ?? 0;
    if (n === 0 || n > size + 1 || at + n > der.length) return null;
    let value = der.subarray(at, at + n);
    at += n;
    // Minimal encoding: a leading zero only before a set top bit; no negative integers.
    if ((value[0] as number) & 0x80) return null;
    if (value[0] === 0 && value.length > 1 && !((value[1] as number) & 0x80)) return null;
    while (value.length > 0 && value[0] === 0) value = value.subarray(1);
    if (value.length > size) return null;
    out.set(value, slot * size + size - value.length);
    integers.push(value.length === 0 ? 0n : BigInt(`0x${bytesToHex(value)}`));
  }
  if (at !== der.length) return null;
  const [r, s] = integers as [bigint, bigint];
  if (r === 0n || s === 0n || s > HALF_ORDERS[curve]) return null;
  return out;
}

/** Imported public keys, by curve and point: importing costs more than it saves to redo. */
const keys = new Map<string, Promise<CryptoKey>>();
const MAX_KEYS = 256;

function importKey(curve: Curve, publicKey: Uint8Array): Promise<CryptoKey> {
  const id = `${curve}:${bytesToHex(publicKey)}`;
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.clear();
    key = crypto.subtle.importKey(
      'raw',
      publicKey as BufferSource,
      { name: 'ECDSA', namedCurve: curve },
      false,
      ['verify'],
    );
    keys.set(id, key);
  }
  return key;
}

async function webCryptoVerify({ curve, publicKey, message, signature }: Recorded): Promise<boolean> {
  const raw = derToRaw(signature, curve);
  if (!raw) return false;
  try {
    const key = await importKey(curve, publicKey);
    return await crypto.subtle.verify(
      // Fabric hashes with SHA-256 whatever the curve (bccsp's default for ECDSA signing).
      { name: 'ECDSA', hash: HASHES[curve] },
      key,
      raw as BufferSource,
      message as BufferSource,
    );
  } catch {
    return false;
  }
}

function idOf(curve: Curve, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): string {
  return `${curve}:${bytesToHex(publicKey)}:${bytesToHex(signature)}:${bytesToHex(message)}`;
}

/**
 * `run` with its signatures verified through WebCrypto in parallel (see the file comment).
 * What `run` returns or throws on its second, real, pass is what this resolves or rejects with.
 */
export async function withWebCryptoSignatures<T>(run: () => T): Promise<T> {
  if (typeof crypto === 'undefined' || !crypto.subtle) return run();
  const recorded: Recorded[] = [];
  const recorder: EcdsaVerifier = (curve, publicKey, message, signature) => {
    recorded.push({ curve, publicKey, message, signature });
    return true;
  };
  try {
    withEcdsaVerifier(recorder, run);
  } catch {
    // A refusal on the first pass is met again on the second; only the recording matters here.
  }
  const results = await Promise.all(recorded.map(webCryptoVerify));
  const answers = new Map<string, boolean>();
  recorded.forEach((r, i) => {
    answers.set(idOf(r.curve, r.publicKey, r.message, r.signature), results[i] as boolean);
  });
  const replay: EcdsaVerifier = (curve, publicKey, message, signature) =>
    answers.get(idOf(curve, publicKey, message, signature)) ??
    nobleVerifier(curve, publicKey, message, signature);
  return withEcdsaVerifier(replay, run);
}
