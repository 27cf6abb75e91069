/**
 * The channel's MSPs as the devpeer's peers see them (from the config block's
 * organisations): an identity is known when the CA of the MSP it names issued it,
 * and its role is its NodeOU (the certificate's OU: client, peer, admin, orderer).
 * Signatures are checked like Fabric's bccsp (SHA-256, DER ECDSA, low-S only).
 *
 * Parsed identities and their public KeyObjects are cached by the serialized bytes,
 * so a certificate is parsed and checked against its CA once, not per transaction.
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
import type { IdentityRole, TestCa } from './test-ca.ts';

/** Message digest and signature: with the identity that verified them, a verified pair is valid forever. */
function verifiedKey(message: Uint8Array | Uint8Array[], signature: Uint8Array): string {
  const hash = createHash('sha256');
  if (message instanceof Uint8Array) hash.update(message);
  else for (const part of message) hash.update(part);
  return hash.update(signature).digest('base64');
}

export interface KnownIdentity extends FabricCreator {
  publicKey: KeyObject;
  /** The NodeOU of the certificate; undefined when it carries none of the four. */
  role: IdentityRole | undefined;
  /** Signatures this identity made that were already verified (or made in-process by a peer). */
  verified: Set<string>;
  /** Verifications under way on the thread pool, so a second look waits for the first. */
  pending: Map<string, Promise<boolean>>;
}

/** Identities seen most recently, compared byte for byte before any map lookup. */
const RECENT_IDENTITIES = 16;
const ROLES: readonly IdentityRole[] = ['client', 'peer', 'admin', 'orderer'];

/** The NodeOU in the subject (Fabric's NodeOUs match the subject's OU against the configured identifiers). */
function roleOf(certificate: X509Certificate): IdentityRole | undefined {
  for (const line of certificate.subject.split('\n')) {
    const [name, value] = line.split('=');
    if (name === 'OU' && ROLES.includes(value as IdentityRole)) return value as IdentityRole;
  }
  return undefined;
}

export class MspVerifier {
  readonly #cas: Map<string, TestCa>;
  /** The MSP of the peer holding this verifier: named in its error messages. */
  readonly mspId: string;
  readonly #cache = new Map<string, KnownIdentity | null>();
  /** A handful of identities sign nearly everything: find them without building a string key. */
  readonly #recent: Array<{ bytes: Buffer; known: KnownIdentity | null }> = [];

  /** `cas`: every organisation of the channel; `mspId`: the local one. */
  constructor(cas: TestCa[], mspId: string = cas[0]?.mspId ?? '') {
    this.#cas = new Map(cas.map((ca) => [ca.mspId, ca]));
    this.mspId = mspId;
  }

  /**
   * The same organisations seen from another peer of this process: it shares the
   * identity cache (and so the remembered signatures), as both peers load the same MSPs.
   */
  forPeer(mspId: string): MspVerifier {
    const view = new MspVerifier([...this.#cas.values()], mspId);
    view.#shared = this.#shared ?? this;
    return view;
  }

  #shared: MspVerifier | undefined;

  /** The identity behind serialized creator bytes, or null if no MSP of the channel knows it. */
  deserialize(creatorBytes: Uint8Array): KnownIdentity | null {
    if (this.#shared) return this.#shared.deserialize(creatorBytes);
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
      const ca = this.#cas.get(creator.mspId);
      if (!ca?.issued(creator.certificate)) return null;
      const certificate = new X509Certificate(creator.certificate);
      const publicKey = createPublicKey(
        certificate.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      );
      return { ...creator, publicKey, role: roleOf(certificate), verified: new Set(), pending: new Map() };
    } catch {
      return null;
    }
  }

  /**
   * Fabric's bccsp: SHA-256, DER ECDSA, and high-S signatures refused even when they
   * verify mathematically. With `remember`, a verified (message, signature) pair is kept
   * so a second look at it (the committer checking what Submit checked, the other
   * organisation's peer validating the same block) needs no curve math.
   */
  verify(
    identity: KnownIdentity,
    message: Uint8Array | Uint8Array[],
    signature: Uint8Array,
    remember = false,
  ): boolean {
    if (!isLowSSignature(signature)) return false;
    // A message in parts (payload ‖ endorser) is only joined when it must really be verified.
    const key = remember ? verifiedKey(message, signature) : '';
    if (remember && identity.verified.has(key)) return true;
    let valid = false;
    try {
      const joined = message instanceof Uint8Array ? message : Buffer.concat(message);
      valid = verifySignature('sha256', joined, identity.publicKey, signature);
    } catch {
      valid = false;
    }
    if (valid && remember) rememberVerified(identity, key);
    return valid;
  }

  /**
   * `verify` with the curve math on libuv's thread pool (node:crypto's callback form),
   * for the gateway and endorsers: the event loop, shared by two peers and an orderer,
   * stays free for protocol work meanwhile.
   */
  verifyAsync(
    identity: KnownIdentity,
    message: Uint8Array | Uint8Array[],
    signature: Uint8Array,
    remember = false,
  ): Promise<boolean> {
    if (!isLowSSignature(signature)) return Promise.resolve(false);
    const key = remember ? verifiedKey(message, signature) : '';
    if (remember) {
      if (identity.verified.has(key)) return Promise.resolve(true);
      const pending = identity.pending.get(key);
      if (pending) return pending;
    }
    const joined = message instanceof Uint8Array ? message : Buffer.concat(message);
    const result = new Promise<boolean>((resolve) => {
      try {
        verifySignature('sha256', joined, identity.publicKey, signature, (error, valid) =>
          resolve(!error && valid),
        );
      } catch {
        resolve(false);
      }
    });
    if (!remember) return result;
    identity.pending.set(key, result);
    return result.then((valid) => {
      identity.pending.delete(key);
      if (valid) rememberVerified(identity, key);
      return valid;
    });
  }

  /** Records a signature a peer of this process made itself (its endorsements), so validation need not verify it again. */
  recordOwnSignature(
    identity: KnownIdentity,
    message: Uint8Array | Uint8Array[],
    signature: Uint8Array,
  ): void {
    rememberVerified(identity, verifiedKey(message, signature));
  }
}

function rememberVerified(identity: KnownIdentity, key: string): void {
  if (identity.verified.size > 50_000) identity.verified.clear();
  identity.verified.add(key);
}
