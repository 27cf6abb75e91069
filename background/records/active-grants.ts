/**
 * Who may read a record besides its owner: the audiences of the owner's grants that are still
 * active and cover it. Each write wraps the covered fields' fresh keys to each of them, and to
 * no one else, so a revoked or expired grant's audience gets nothing of a later write.
 */
import type { Hex } from '../../p2p/grants/typed-data.ts';
import type { StoredGrant } from '../grants/grant-state.ts';

/** One audience a record's keys are wrapped to. */
export interface RecordAudience {
  grantId: Hex;
  /** The site the grant is for (`grant.audienceOrigin`), as approvals show it. */
  origin: string;
  /** What the keys are wrapped to (0x secp256k1 public key). */
  audiencePublicKey: Hex;
  /** The grant's fields; empty: every field of the record. */
  fields: string[];
}

export interface AudienceQuery {
  /** The owner: the account that issued the grants (its address, any case). */
  issuer: string;
  /** The records resource path. */
  resource: string;
  record: string;
  /** Unix seconds; now when left out. */
  nowSeconds?: number;
}

/**
 * The audiences of `grants` that are active (not revoked, no revocation being sent, expiry in
 * the future), issued by `issuer`, on `resource` and covering `record`: oldest grant first.
 * A grant stored without the audience's public key (signed before records were sealed) has
 * nothing to wrap to and is left out.
 */
export function activeAudiences(
  grants: readonly (StoredGrant & { revoking?: boolean })[],
  query: AudienceQuery,
): RecordAudience[] {
  const now = query.nowSeconds ?? Math.floor(Date.now() / 1000);
  const issuer = query.issuer.toLowerCase();
  return grants
    .filter(
      (g) =>
        g.revokedAt === undefined &&
        g.revoking !== true &&
        g.grant.expiry > now &&
        g.grant.issuer.toLowerCase() === issuer &&
        g.grant.resource === query.resource &&
        g.grant.records.includes(query.record) &&
        g.grant.actions.includes('read') &&
        g.audiencePublicKey !== undefined,
    )
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((g) => ({
      grantId: g.id,
      origin: g.grant.audienceOrigin,
      audiencePublicKey: g.audiencePublicKey as Hex,
      fields: [...g.grant.fields],
    }));
}

/** The fields of a record a grant covers: all of them when the grant lists none, else the ones both name. */
export function coveredFields(grantFields: readonly string[], recordFields: readonly string[]): string[] {
  if (grantFields.length === 0) return [...recordFields];
  return recordFields.filter((f) => grantFields.includes(f));
}
