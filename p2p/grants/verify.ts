/**
 * The router's check of a granted read, before it forwards anything to the chain: the grant is
 * signed by its issuer, covers this resource, record and action, is inside its validity
 * window, the read is a fresh proof of possession of the audience key seen for the first time,
 * and the issuer has not revoked the grant. The contract or chaincode holding the data checks
 * again; see docs/grants.md for who checks what.
 */
import { readProofSchema, signedGrantSchema } from './schema.ts';
import { SignerKeys } from './signer-keys.ts';
import { type Grant, grantId, type Hex, READ_FRESHNESS_SECONDS, readDigest } from './typed-data.ts';

export type GrantRejection =
  | 'malformed'
  | 'bad-signature'
  | 'wrong-resource'
  | 'not-covered'
  | 'not-yet-valid'
  | 'expired'
  | 'wrong-audience'
  | 'stale'
  | 'replayed'
  | 'revoked';

export class GrantRejectedError extends Error {
  override name = 'GrantRejectedError';
  readonly reason: GrantRejection;
  readonly grantId: Hex | undefined;

  constructor(reason: GrantRejection, message: string, grant?: Hex) {
    super(message);
    this.reason = reason;
    this.grantId = grant;
  }
}

export interface GrantVerifierOptions {
  /** Asks the chain holding the data; the verifier calls it on every read (the caller caches). */
  isRevoked: (issuer: string, grant: Hex) => Promise<boolean>;
  /** Unix seconds; the system clock by default. */
  now?: () => number;
}

export interface VerifiedRead {
  grantId: Hex;
  grant: Grant;
  record: string;
}

/** Grants whose issuer signature was checked, by signature: a repeat read skips hashing and ecrecover. */
interface CheckedGrant {
  canonical: string;
  id: Hex;
}

const MAX_CHECKED_GRANTS = 4096;

export class GrantVerifier {
  readonly #isRevoked: GrantVerifierOptions['isRevoked'];
  readonly #now: () => number;
  readonly #signers = new SignerKeys();
  readonly #checked = new Map<string, CheckedGrant>();
  /** `grantId/nonce` of answered reads -> when they stop being fresh (after that `stale` refuses them). */
  readonly #seen = new Map<string, number>();
  #nextSweep = 0;

  constructor(options: GrantVerifierOptions) {
    this.#isRevoked = options.isRevoked;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Throws GrantRejectedError with the first check that fails; remembers the read so a replay fails. */
  async verify(path: string, signedGrant: unknown, readProof: unknown): Promise<VerifiedRead> {
    const signed = signedGrantSchema.safeParse(signedGrant);
    const proof = readProofSchema.safeParse(readProof);
    if (!signed.success || !proof.success) {
      const [what, issue] = signed.success
        ? ['read', proof.success ? undefined : proof.error.issues[0]]
        : ['grant', signed.error.issues[0]];
      throw new GrantRejectedError(
        'malformed',
        `malformed ${what}: ${issue?.path.join('.')}: ${issue?.message}`,
      );
    }
    const { grant, signature } = signed.data;
    const { read, signature: readSignature } = proof.data;
    const id = this.#checkIssuer(grant, signature);
    if (grant.resource !== path) {
      throw new GrantRejectedError('wrong-resource', `the grant is for ${grant.resource}, not ${path}`, id);
    }
    if (!grant.actions.includes('read'))
      throw new GrantRejectedError('not-covered', 'the grant has no read', id);
    if (!grant.records.includes(read.record)) {
      throw new GrantRejectedError('not-covered', `record ${read.record} is not in the grant`, id);
    }
    const now = this.#now();
    if (now < grant.notBefore)
      throw new GrantRejectedError('not-yet-valid', 'the grant is not valid yet', id);
    if (now >= grant.expiry) throw new GrantRejectedError('expired', 'the grant has expired', id);
    if (read.grant.toLowerCase() !== id) {
      throw new GrantRejectedError('wrong-audience', 'the read names another grant', id);
    }
    if (!this.#signers.isSignedBy(readDigest(read), readSignature, grant.audienceKey)) {
      throw new GrantRejectedError(
        'wrong-audience',
        "the read is not signed by the grant's audience key",
        id,
      );
    }
    if (Math.abs(now - read.issuedAt) > READ_FRESHNESS_SECONDS) {
      throw new GrantRejectedError(
        'stale',
        `the read was issued more than ${READ_FRESHNESS_SECONDS} s away`,
        id,
      );
    }
    const seenKey = `${id}/${read.nonce.toLowerCase()}`;
    this.#sweep(now);
    if (this.#seen.has(seenKey))
      throw new GrantRejectedError('replayed', 'this read was already answered', id);
    this.#seen.set(seenKey, read.issuedAt + READ_FRESHNESS_SECONDS);
    if (await this.#isRevoked(grant.issuer, id)) {
      throw new GrantRejectedError('revoked', 'the issuer revoked the grant', id);
    }
    return { grantId: id, grant, record: read.record };
  }

  #checkIssuer(grant: Grant, signature: Hex): Hex {
    const canonical = JSON.stringify(grant);
    const key = signature.toLowerCase();
    const cached = this.#checked.get(key);
    if (cached?.canonical === canonical) return cached.id;
    const id = grantId(grant).toLowerCase() as Hex;
    if (!this.#signers.isSignedBy(id, signature, grant.issuer)) {
      throw new GrantRejectedError('bad-signature', "the grant's signature is not its issuer's", id);
    }
    if (this.#checked.size >= MAX_CHECKED_GRANTS)
      this.#checked.delete(this.#checked.keys().next().value as string);
    this.#checked.set(key, { canonical, id });
    return id;
  }

  /** Forgets reads that are stale anyway, at most once a second. */
  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + 1;
    for (const [key, until] of this.#seen) if (until < now) this.#seen.delete(key);
  }
}
