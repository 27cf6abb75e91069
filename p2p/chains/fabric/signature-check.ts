/**
 * One signature by one Fabric identity: the identity must be valid in its MSP and have
 * one of the roles asked for (when its MSP has NodeOUs), and its key must have signed
 * SHA-256 of the message with ECDSA, DER encoded, low-S (Fabric's bccsp refuses high-S).
 */
import { p256, p384 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type IdentityCheck, type Msp, type NodeRole, validateIdentity } from './msp.ts';
import type { Certificate } from './x509.ts';

export interface SignatureRequirement {
  /** MSPs the signer may belong to. */
  msps: ReadonlyMap<string, Msp>;
  /** Roles accepted when the signer's MSP has NodeOUs enabled. */
  roles: readonly NodeRole[];
}

/** Checks an ECDSA signature (DER, low-S) by `publicKey` over SHA-256 of `message`. */
export type EcdsaVerifier = (
  curve: Certificate['curve'],
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
) => boolean;

export const nobleVerifier: EcdsaVerifier = (curve, publicKey, message, signature) => {
  try {
    return (curve === 'P-256' ? p256 : p384).verify(signature, sha256(message), publicKey, {
      prehash: false,
      lowS: true,
      format: 'der',
    });
  } catch {
    return false;
  }
};

let verifier: EcdsaVerifier = nobleVerifier;

/**
 * Runs `run` (synchronous) with `using` checking every signature, then restores the verifier.
 * Lets a caller answer the curve math from elsewhere (signatures-batch.ts: WebCrypto, in
 * parallel) while the checks themselves stay written once; JavaScript cannot interleave
 * another caller inside a synchronous run.
 */
export function withEcdsaVerifier<T>(using: EcdsaVerifier, run: () => T): T {
  const previous = verifier;
  verifier = using;
  try {
    return run();
  } finally {
    verifier = previous;
  }
}

/** Checks one signature with the verifier in force (noble unless `withEcdsaVerifier` says otherwise). */
export function verifyEcdsa(
  curve: Certificate['curve'],
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  return verifier(curve, publicKey, message, signature);
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
  return verifyEcdsa(curve, publicKey, message, signature)
    ? check
    : { ok: false, reason: `${identity.mspId}: bad signature (or high-S)` };
}
