/**
 * A chaincode definition's endorsement policy, in the form the devpeer supports:
 * `OutOf(n, 'Org1MSP.peer', 'Org2MSP.peer', ...)`, satisfied by valid endorsements
 * from peer-role identities of at least `n` of the listed organisations. The default
 * is the channel's `MAJORITY Endorsement` over the application organisations.
 */
export interface EndorsementPolicy {
  /** How many of `orgs` must endorse. */
  n: number;
  orgs: string[];
}

export class EndorsementPolicyError extends Error {
  override name = 'EndorsementPolicyError';
}

/** MAJORITY over `orgs`: more than half (both of two). */
export function majorityOf(orgs: string[]): EndorsementPolicy {
  return { n: Math.floor(orgs.length / 2) + 1, orgs: [...orgs] };
}

export function checkPolicy(policy: EndorsementPolicy, channelOrgs: string[]): EndorsementPolicy {
  if (!Number.isInteger(policy.n) || policy.n < 1 || policy.n > policy.orgs.length) {
    throw new EndorsementPolicyError(
      `policy needs 1..${policy.orgs.length} endorsing organisations, got ${policy.n}`,
    );
  }
  const unknown = policy.orgs.find((org) => !channelOrgs.includes(org));
  if (unknown) throw new EndorsementPolicyError(`policy names ${unknown}, which is not in the channel`);
  return policy;
}

export function isSatisfied(policy: EndorsementPolicy, endorsingOrgs: ReadonlySet<string>): boolean {
  let count = 0;
  for (const org of policy.orgs) if (endorsingOrgs.has(org)) count++;
  return count >= policy.n;
}

/** The organisations a gateway of `localOrg` asks: its own first (if the policy names it), then the others in order. */
export function endorsementPlan(policy: EndorsementPolicy, localOrg: string): string[] {
  const ordered = policy.orgs.includes(localOrg)
    ? [localOrg, ...policy.orgs.filter((org) => org !== localOrg)]
    : policy.orgs;
  return ordered.slice(0, policy.n);
}

export function describePolicy(policy: EndorsementPolicy): string {
  return `OutOf(${policy.n}, ${policy.orgs.map((org) => `'${org}.peer'`).join(', ')})`;
}
