/**
 * One signature by one Fabric identity: the identity must be valid in its MSP and have
 * one of the roles asked for (when its MSP has NodeOUs), and its key must have signed
 * SHA-256 of the message with ECDSA, DER encoded, low-S (Fabric's bccsp refuses high-S).
 */
import { p256, p384 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type IdentityCheck, type Msp, type NodeRole, validateIdentity } from './msp.ts';

export interface SignatureRequirement {
  /** MSPs the signer may belong to. */
  msps: ReadonlyMap<string, Msp>;
  /** Roles accepted when the signer's MSP has NodeOUs enabled. */
  roles: readonly NodeRole[];
}

export function verifySignature(
  requirement: SignatureRequirement,
  serializedIdentity: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): IdentityCheck {
  const check = validateIdentity(requirement.msps, serializedIdentity);
  if (!check.ok) return check;
  const { identity } = check;
  const msp = requirement.msps.get(identity.mspId);
  if (msp?.nodeOUs && !requirement.roles.some((role) => identity.roles.has(role))) {
    return { ok: false, reason: `${identity.mspId}: identity is not a ${requirement.roles.join(' or ')}` };
  }
  const { curve, publicKey } = identity.certificate;
  let verified = false;
  try {
    verified = (curve === 'P-256' ? p256 : p384).verify(signature, sha256(message), publicKey, {
      prehash: false,
      lowS: true,
      format: 'der',
    });
  } catch {
    verified = false;
  }
  return verified ? check : { ok: false, reason: `${identity.mspId}: bad signature (or high-S)` };
}
