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
import type { TestCa } from './test-ca.ts';

const P256_HALF_ORDER = 0x7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8n;

/** Reads S from a DER ECDSA signature; null when the encoding is not a two-integer sequence. */
function signatureS(signature: Uint8Array): bigint | null {
  if (signature.length < 8 || signature[0] !== 0x30) return null;
  let pos = 2;
  if (signature[pos] !== 0x02) return null;
  pos += 2 + (signature[pos + 1] ?? 0);
  if (signature[pos] !== 0x02) return null;
  const length = signature[pos + 1] ?? 0;
  const bytes = signature.subarray(pos + 2, pos + 2 + length);
  if (bytes.length !== length || pos + 2 + length !== signature.length) return null;
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

/** Identity, message digest and signature: a verified triple is valid forever. */
function verifiedKey(certificate: string, message: Uint8Array, signature: Uint8Array): string {
  const hash = createHash('sha256').update(certificate).update(message).update(signature).digest('base64');
  return hash;
}

export interface KnownIdentity extends FabricCreator {
  publicKey: KeyObject;
}

export class MspVerifier {
  readonly #ca: TestCa;
  readonly #cache = new Map<string, KnownIdentity | null>();
  /** Signatures already verified (or made by this peer): the committer re-checks what Submit checked. */
  readonly #verified = new Set<string>();

  constructor(ca: TestCa) {
    this.#ca = ca;
  }

  get mspId(): string {
    return this.#ca.mspId;
  }

  /** The identity behind serialized creator bytes, or null if this MSP does not know it. */
  deserialize(creatorBytes: Uint8Array): KnownIdentity | null {
    const cacheKey = Buffer.from(creatorBytes).toString('base64');
    const cached = this.#cache.get(cacheKey);
    if (cached !== undefined) return cached;
    let known: KnownIdentity | null = null;
    try {
      const creator = decodeSerializedIdentity(creatorBytes);
      if (creator.mspId === this.#ca.mspId && this.#ca.issued(creator.certificate)) {
        const publicKey = createPublicKey(
          new X509Certificate(creator.certificate).publicKey.export({
            format: 'pem',
            type: 'spki',
          }) as string,
        );
        known = { ...creator, publicKey };
      }
    } catch {
      known = null;
    }
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(cacheKey, known);
    return known;
  }

  /** Fabric's bccsp rejects high-S signatures even when they verify mathematically. */
  verify(identity: KnownIdentity, message: Uint8Array, signature: Uint8Array): boolean {
    const s = signatureS(signature);
    if (s === null || s > P256_HALF_ORDER || s === 0n) return false;
    const key = verifiedKey(identity.certificate, message, signature);
    if (this.#verified.has(key)) return true;
    let valid = false;
    try {
      valid = verifySignature('sha256', message, identity.publicKey, signature);
    } catch {
      valid = false;
    }
    if (valid) this.#remember(key);
    return valid;
  }

  /** Records a signature this peer made itself (its endorsements), so validation need not verify it again. */
  recordOwnSignature(certificate: string, message: Uint8Array, signature: Uint8Array): void {
    this.#remember(verifiedKey(certificate, message, signature));
  }

  #remember(key: string): void {
    if (this.#verified.size > 50_000) this.#verified.clear();
    this.#verified.add(key);
  }
}
