/**
 * The devpeer's MSP: accepts identities its test CA issued under its MSP id and
 * checks signatures like Fabric's bccsp does (SHA-256, DER ECDSA, low-S only).
 */
import {
  createHash,
  createPublicKey,
  type KeyObject,
  verify as verifySignature,
  X509Certificate,
} from 'node:crypto';
import { decodeSerializedIdentity, type FabricCreator } from '../../chains/fabric/header-codec.ts';
import { isLowSSignature } from '../../chains/fabric/low-s.ts';
import type { TestCa } from './test-ca.ts';

/** Message digest and signature: with the identity that verified them, a verified pair is valid forever. */
function verifiedKey(message: Uint8Array, signature: Uint8Array): string {
  return createHash('sha256').update(message).update(signature).digest('base64');
}

export interface KnownIdentity extends FabricCreator {
  publicKey: KeyObject;
  /** Signatures this identity made that were already verified (or made by this peer). */
  verified: Set<string>;
}

/** Identities seen most recently, compared byte for byte before any map lookup. */
const RECENT_IDENTITIES = 16;

export class MspVerifier {
  readonly #ca: TestCa;
  readonly #cache = new Map<string, KnownIdentity | null>();
  /** A handful of identities sign nearly everything: find them without building a string key. */
  readonly #recent: Array<{ bytes: Buffer; known: KnownIdentity | null }> = [];

  constructor(ca: TestCa) {
    this.#ca = ca;
  }

  get mspId(): string {
    return this.#ca.mspId;
  }

  /** The identity behind serialized creator bytes, or null if this MSP does not know it. */
  deserialize(creatorBytes: Uint8Array): KnownIdentity | null {
    const bytes = Buffer.from(creatorBytes.buffer, creatorBytes.byteOffset, creatorBytes.length);
    for (const recent of this.#recent) {
      if (recent.bytes.length === bytes.length && recent.bytes.equals(bytes)) return recent.known;
    }
    // latin1: one char per byte, the cheapest exact string key for a Map.
    const cacheKey = bytes.toString('latin1');
    let known = this.#cache.get(cacheKey);
    if (known === undefined) {
      known = this.#load(creatorBytes);
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(cacheKey, known);
    }
    if (this.#recent.length >= RECENT_IDENTITIES) this.#recent.pop();
    this.#recent.unshift({ bytes: Buffer.from(bytes), known });
    return known;
  }

  #load(creatorBytes: Uint8Array): KnownIdentity | null {
    try {
      const creator = decodeSerializedIdentity(creatorBytes);
      if (creator.mspId !== this.#ca.mspId || !this.#ca.issued(creator.certificate)) return null;
      const publicKey = createPublicKey(
        new X509Certificate(creator.certificate).publicKey.export({ format: 'pem', type: 'spki' }) as string,
      );
      return { ...creator, publicKey, verified: new Set() };
    } catch {
      return null;
    }
  }

  /**
   * Fabric's bccsp: SHA-256, DER ECDSA, and high-S signatures refused even when they
   * verify mathematically. With `remember`, a verified (message, signature) pair is kept
   * so the committer's second look at it (what Submit already checked) needs no curve math.
   */
  verify(identity: KnownIdentity, message: Uint8Array, signature: Uint8Array, remember = false): boolean {
    if (!isLowSSignature(signature)) return false;
    const key = remember ? verifiedKey(message, signature) : '';
    if (remember && identity.verified.has(key)) return true;
    let valid = false;
    try {
      valid = verifySignature('sha256', message, identity.publicKey, signature);
    } catch {
      valid = false;
    }
    if (valid && remember) rememberVerified(identity, key);
    return valid;
  }

  /** Records a signature this peer made itself (its endorsements), so validation need not verify it again. */
  recordOwnSignature(identity: KnownIdentity, message: Uint8Array, signature: Uint8Array): void {
    rememberVerified(identity, verifiedKey(message, signature));
  }
}

function rememberVerified(identity: KnownIdentity, key: string): void {
  if (identity.verified.size > 50_000) identity.verified.clear();
  identity.verified.add(key);
}
