/**
 * Fabric policies (common.Policy): signature policies (SignaturePolicyEnvelope) and
 * implicit-meta policies (ANY / ALL / MAJORITY of the sub-groups' policy of a name),
 * evaluated against identities whose signatures were already checked, as Fabric's
 * cauthdsl and implicitmeta evaluators do. Principals other than MSP roles
 * (OU, identity, combined) never match: fail closed rather than half-implement them.
 */
import { ChannelConfigError, decodingAs } from './evidence-errors.ts';
import type { NodeRole, ValidIdentity } from './msp.ts';
import {
  bytesField,
  decodeFields,
  messageField,
  repeatedBytes,
  stringField,
  varintField,
} from './protobuf-wire.ts';

export type PrincipalRole = NodeRole | 'member';

export type Principal = { mspId: string; role: PrincipalRole } | { unsupported: string };

export type SignatureRule = { signedBy: number } | { outOf: number; rules: SignatureRule[] };

export type Policy =
  | { type: 'signature'; rule: SignatureRule; principals: Principal[] }
  | { type: 'implicitMeta'; subPolicy: string; rule: 'ANY' | 'ALL' | 'MAJORITY' };

/** A config group's policies and its sub-groups', as implicit-meta policies need them. */
export interface PolicyGroup {
  policies: ReadonlyMap<string, Policy>;
  groups: ReadonlyMap<string, PolicyGroup>;
}

/** common.Policy.PolicyType */
const SIGNATURE = 1n;
const IMPLICIT_META = 3n;
/** msp.MSPRole.MSPRoleType, by number. */
const ROLES: PrincipalRole[] = ['member', 'admin', 'client', 'peer', 'orderer'];
const META_RULES = ['ANY', 'ALL', 'MAJORITY'] as const;
/** Fabric caps policy nesting too; deeper than this is an attack, not a config. */
const MAX_DEPTH = 16;

function readRule(bytes: Uint8Array, depth: number): SignatureRule {
  if (depth > MAX_DEPTH) throw new ChannelConfigError('signature policy nested too deep');
  const fields = decodeFields(bytes);
  // A oneof: signed_by (1) is present even when 0, n_out_of (2) otherwise.
  if (fields.has(1)) {
    const index = varintField(fields, 1);
    if (index > 0xffffn) throw new ChannelConfigError('signature policy: principal index out of range');
    return { signedBy: Number(index) };
  }
  const outOf = messageField(fields, 2);
  const n = varintField(outOf, 1);
  if (n > 0xffffn) throw new ChannelConfigError('signature policy: n out of range');
  return { outOf: Number(n), rules: repeatedBytes(outOf, 2).map((rule) => readRule(rule, depth + 1)) };
}

function readPrincipal(bytes: Uint8Array): Principal {
  const fields = decodeFields(bytes);
  const classification = varintField(fields, 1);
  if (classification !== 0n) return { unsupported: `principal classification ${classification}` };
  const role = decodeFields(bytesField(fields, 2));
  const name = ROLES[Number(varintField(role, 2) & 0xffn)];
  if (!name || varintField(role, 2) > 4n) return { unsupported: `role ${varintField(role, 2)}` };
  return { mspId: stringField(role, 1), role: name };
}

/** Reads a common.Policy message. */
export function readPolicy(bytes: Uint8Array): Policy {
  return decodingAs(ChannelConfigError, 'policy', () => {
    const policy = decodeFields(bytes);
    const type = varintField(policy, 1);
    const value = decodeFields(bytesField(policy, 2));
    if (type === SIGNATURE) {
      return {
        type: 'signature',
        rule: readRule(bytesField(value, 2), 0),
        principals: repeatedBytes(value, 3).map(readPrincipal),
      };
    }
    if (type === IMPLICIT_META) {
      const rule = META_RULES[Number(varintField(value, 2) & 0xffn)];
      if (!rule || varintField(value, 2) > 2n)
        throw new ChannelConfigError('implicit-meta policy: unknown rule');
      return { type: 'implicitMeta', subPolicy: stringField(value, 1), rule };
    }
    throw new ChannelConfigError(`policy type ${type} not supported`);
  });
}

function satisfies(identity: ValidIdentity, principal: Principal): boolean {
  if ('unsupported' in principal || identity.mspId !== principal.mspId) return false;
  return principal.role === 'member' || identity.roles.has(principal.role);
}

/** Fabric's cauthdsl: each identity counts once; a rule's use of identities sticks only if it holds. */
function evaluateRule(
  rule: SignatureRule,
  principals: Principal[],
  signers: ValidIdentity[],
  used: boolean[],
): boolean {
  if ('signedBy' in rule) {
    const principal = principals[rule.signedBy];
    if (!principal) return false;
    const index = signers.findIndex((signer, i) => !used[i] && satisfies(signer, principal));
    if (index < 0) return false;
    used[index] = true;
    return true;
  }
  let verified = 0;
  for (const inner of rule.rules) {
    const attempt = [...used];
    if (evaluateRule(inner, principals, signers, attempt)) {
      verified++;
      attempt.forEach((value, i) => {
        used[i] = value;
      });
    }
  }
  return verified >= rule.outOf;
}

/** One signer per identity, as Fabric deduplicates signed data before evaluating. */
function distinct(signers: ValidIdentity[]): ValidIdentity[] {
  const seen = new Set<string>();
  return signers.filter((signer) => {
    const key = signer.serialized.join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** True when `signers` satisfy `policy`; `group` is where an implicit-meta policy looks for sub-policies. */
export function evaluatePolicy(policy: Policy, signers: ValidIdentity[], group?: PolicyGroup): boolean {
  if (policy.type === 'signature') {
    const unique = distinct(signers);
    return evaluateRule(
      policy.rule,
      policy.principals,
      unique,
      unique.map(() => false),
    );
  }
  if (!group) return false;
  const subPolicies = [...group.groups.values()].flatMap((sub) => {
    const found = sub.policies.get(policy.subPolicy);
    return found ? [{ policy: found, group: sub }] : [];
  });
  const threshold =
    policy.rule === 'ANY'
      ? 1
      : policy.rule === 'ALL'
        ? subPolicies.length
        : Math.floor(subPolicies.length / 2) + 1;
  // No sub-policy to satisfy is no evidence at all: fail closed.
  if (subPolicies.length === 0) return false;
  let satisfied = 0;
  for (const sub of subPolicies) if (evaluatePolicy(sub.policy, signers, sub.group)) satisfied++;
  return satisfied >= threshold;
}

/** Evaluates the named policy of a config group. */
export function evaluateNamedPolicy(group: PolicyGroup, name: string, signers: ValidIdentity[]): boolean {
  const policy = group.policies.get(name);
  return policy ? evaluatePolicy(policy, signers, group) : false;
}
