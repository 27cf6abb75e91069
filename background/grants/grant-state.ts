/**
 * The grant store's slice of state and its metadata (as in vault/state.ts): each field
 * declares whether it is written to `storage.local` and whether it is secret. Nothing here
 * is secret: a grant and its signature are what the site received. What reaches disk is
 * exactly the persisted fields (`persistedGrantState`).
 */
import type { ChainType } from '../../p2p/chains/connector.ts';
import type { Grant, Hex } from '../../p2p/grants/typed-data.ts';
import type { FieldMetadata } from '../vault/state.ts';

/** A grant this wallet signed, with what the popup shows and what revoking it needs. */
export interface StoredGrant {
  /** The grant id (its EIP-712 digest, the 32 bytes the issuer signed). */
  id: Hex;
  grant: Grant;
  /** 65-byte r || s || v by `grant.issuer`. */
  signature: Hex;
  /**
   * The audience's secp256k1 public key (0x, compressed), whose address is `grant.audienceKey`:
   * what the covered fields' keys are wrapped to, now and on every later write of the records.
   * Absent on grants signed before records were sealed: nothing is wrapped for those.
   */
  audiencePublicKey?: Hex;
  /** The site that asked for it, as the browser reported its origin (= `grant.audienceOrigin`). */
  origin: string;
  /** The chain type holding the data: decides how a revocation is signed. */
  chain: ChainType;
  /** Who signs a revocation: the issuing account's index, and on Fabric the identity linked to it. */
  signer: { account: number; fabricIdentity?: string };
  /** Unix milliseconds, like every other wallet timestamp (the grant's own times are seconds). */
  createdAt: number;
  /** The last read this wallet relayed with it. */
  lastUsedAt?: number;
  revokedAt?: number;
  /** The revocation transaction's id on the chain holding the data. */
  revocationTxId?: string;
}

export interface GrantState {
  /** Every grant the wallet signed, newest first. */
  grants: StoredGrant[];
  /** Ids of grants whose revocation is being sent now; gone with the worker, so not persisted. */
  revoking: string[];
}

export const grantStateMetadata = {
  grants: { persist: true, secret: false },
  revoking: { persist: false, secret: false },
} as const satisfies { [K in keyof GrantState]: FieldMetadata };

type PersistedKey = {
  [K in keyof GrantState]: (typeof grantStateMetadata)[K]['persist'] extends true ? K : never;
}[keyof GrantState];

export type PersistedGrantState = Pick<GrantState, PersistedKey>;

/** The `storage.local` item that holds the persisted fields. */
export const GRANTS_STORAGE_ITEM = 'weft.grants';

export function initialGrantState(): GrantState {
  return { grants: [], revoking: [] };
}

export function persistedGrantState(state: GrantState): PersistedGrantState {
  const out: Record<string, unknown> = {};
  for (const [key, meta] of Object.entries(grantStateMetadata)) {
    if (meta.persist) out[key] = structuredClone(state[key as keyof GrantState]);
  }
  return out as PersistedGrantState;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;
/** A compressed (33-byte) or uncompressed (65-byte) secp256k1 public key. */
const PUBLIC_KEY = /^0x(?:0[23][0-9a-fA-F]{64}|04[0-9a-fA-F]{128})$/;

function isStoredGrant(value: unknown): value is StoredGrant {
  const g = value as Partial<StoredGrant> | null;
  return (
    typeof g === 'object' &&
    g !== null &&
    typeof g.id === 'string' &&
    BYTES32.test(g.id) &&
    typeof g.signature === 'string' &&
    SIGNATURE.test(g.signature) &&
    (g.audiencePublicKey === undefined ||
      (typeof g.audiencePublicKey === 'string' && PUBLIC_KEY.test(g.audiencePublicKey))) &&
    typeof g.origin === 'string' &&
    (g.chain === 'fisco-bcos' || g.chain === 'fabric') &&
    typeof g.signer === 'object' &&
    g.signer !== null &&
    Number.isSafeInteger(g.signer.account) &&
    typeof g.createdAt === 'number' &&
    typeof g.grant === 'object' &&
    g.grant !== null &&
    typeof g.grant.resource === 'string' &&
    Array.isArray(g.grant.records) &&
    Array.isArray(g.grant.fields) &&
    typeof g.grant.expiry === 'number'
  );
}

/**
 * What `storage.local` returned, as persisted state. A malformed entry is dropped rather than
 * failing the whole list: the others must stay listed and revocable.
 */
export function parsePersistedGrantState(value: unknown): PersistedGrantState {
  const grants = (value as { grants?: unknown } | undefined)?.grants;
  return { grants: Array.isArray(grants) ? grants.filter(isStoredGrant) : [] };
}
