/**
 * Fabric identities: an X.509 certificate with a P-256 key under an MSP id.
 * Signatures are what the peer expects: ECDSA over SHA-256, DER encoded, low-S.
 * Browser-safe (noble), so the wallet signs with the same code the tests use.
 */
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { children, pemToDer, readTlv } from './der.ts';

export interface FabricIdentity {
  mspId: string;
  /** X.509 certificate, PEM. */
  certificate: string;
}

export interface FabricSigningIdentity extends FabricIdentity {
  /** The raw 32-byte P-256 private scalar. */
  privateKey: Uint8Array;
}

/** The signer shape @hyperledger/fabric-gateway expects: digest in, signature out. */
export type DigestSigner = (digest: Uint8Array) => Promise<Uint8Array>;

const SEQUENCE = 0x30;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;

/** Accepts PKCS#8 ("PRIVATE KEY", what Fabric CAs write) or SEC1 ("EC PRIVATE KEY"). */
export function privateKeyFromPem(pem: string): Uint8Array {
  const der = pemToDer(pem);
  const top = readTlv(der, 0);
  if (top.tag !== SEQUENCE) throw new Error('private key: not a DER sequence');
  let ecKey = top;
  if (!pem.includes('EC PRIVATE KEY')) {
    const octets = children(der, top).find((child) => child.tag === OCTET_STRING);
    if (!octets) throw new Error('private key: PKCS#8 without key octets');
    ecKey = readTlv(der, octets.start);
  }
  const scalar = children(der, ecKey).find((child) => child.tag === OCTET_STRING);
  if (!scalar || scalar.end - scalar.start !== 32) throw new Error('private key: not a P-256 key');
  return der.slice(scalar.start, scalar.end);
}

/** The uncompressed public key point from the certificate's SubjectPublicKeyInfo. */
export function publicKeyFromCertificate(pem: string): Uint8Array {
  const der = pemToDer(pem);
  const certificate = readTlv(der, 0);
  const [tbs] = children(der, certificate);
  if (!tbs) throw new Error('certificate: empty');
  const fields = children(der, tbs);
  // tbsCertificate: [0] version?, serial, signature, issuer, validity, subject, spki
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[offset + 5];
  if (!spki) throw new Error('certificate: no subject public key');
  const bits = children(der, spki).find((child) => child.tag === BIT_STRING);
  if (!bits) throw new Error('certificate: no public key bits');
  // First byte of a BIT STRING counts unused bits.
  return der.slice(bits.start + 1, bits.end);
}

export function hashMessage(message: Uint8Array): Uint8Array {
  return sha256(message);
}

export function signDigest(privateKey: Uint8Array, digest: Uint8Array): Uint8Array {
  return p256.sign(digest, privateKey, { prehash: false, lowS: true, format: 'der' });
}

/** True only for a valid DER, low-S signature (Fabric rejects high-S). */
export function verifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  try {
    return p256.verify(signature, digest, publicKey, { prehash: false, lowS: true, format: 'der' });
  } catch {
    return false;
  }
}

export function newDigestSigner(privateKey: Uint8Array): DigestSigner {
  return async (digest) => signDigest(privateKey, digest);
}

/** Signs a message as the peer verifies it: SHA-256, then ECDSA. */
export function signMessage(identity: FabricSigningIdentity, message: Uint8Array): Uint8Array {
  return signDigest(identity.privateKey, hashMessage(message));
}
