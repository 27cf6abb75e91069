/**
 * Just enough X.509 for Fabric MSPs, in the browser: read a certificate's names, OUs,
 * CA flag and EC key, and check that one certificate signed another. A small strict DER
 * reader rather than @peculiar/x509, which is a dev dependency and not in the wallet bundle.
 */

import { p256, p384 } from '@noble/curves/nist.js';
import { equalBytes } from '@noble/curves/utils.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { children, pemToDer, readTlv, type Tlv } from './der.ts';
import { CertificateError } from './evidence-errors.ts';

export type Curve = 'P-256' | 'P-384';

export interface Certificate {
  der: Uint8Array;
  /** The DER tbsCertificate, what the issuer signed. */
  tbs: Uint8Array;
  /** DER issuer and subject Names, compared byte for byte as chains are built. */
  issuer: Uint8Array;
  subject: Uint8Array;
  /** Subject organizational unit (2.5.4.11) values: Fabric's NodeOU roles live here. */
  organizationalUnits: string[];
  /** Subject common name, for messages. */
  commonName: string;
  /** basicConstraints cA: a CA certificate is never a signing identity in an MSP. */
  isCA: boolean;
  curve: Curve;
  /** Uncompressed EC point. */
  publicKey: Uint8Array;
  signatureHash: 'SHA-256' | 'SHA-384';
  /** DER ECDSA signature by the issuer over `tbs`. */
  signature: Uint8Array;
}

/** der.ts's reader, its errors as CertificateError (a certificate is evidence from outside). */
function asCertificateError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new CertificateError((error as Error).message);
  }
}

function node(bytes: Uint8Array, pos: number, limit: number): Tlv {
  return asCertificateError(() => readTlv(bytes, pos, limit));
}

function childrenOf(bytes: Uint8Array, parent: Tlv): Tlv[] {
  return asCertificateError(() => children(bytes, parent));
}

function expect(found: Tlv | undefined, tag: number, what: string): Tlv {
  if (!found || found.tag !== tag) throw new CertificateError(`certificate: expected ${what}`);
  return found;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const BOOLEAN = 0x01;

const OID_OU = '55040b';
const OID_CN = '550403';
const OID_EC_PUBLIC_KEY = '2a8648ce3d0201';
const OID_P256 = '2a8648ce3d030107';
const OID_P384 = '2b81040022';
const OID_ECDSA_SHA256 = '2a8648ce3d040302';
const OID_ECDSA_SHA384 = '2a8648ce3d040303';
const OID_BASIC_CONSTRAINTS = '551d13';

const utf8 = new TextDecoder('utf-8', { fatal: false });

function oid(bytes: Uint8Array, at: Tlv | undefined): string {
  const found = expect(at, OID, 'OBJECT IDENTIFIER');
  return bytesToHex(bytes.subarray(found.start, found.end));
}

/** Attribute values of one type in a Name: SEQUENCE OF SET OF SEQUENCE { type, value }. */
function nameValues(bytes: Uint8Array, name: Tlv, type: string): string[] {
  const values: string[] = [];
  for (const rdn of childrenOf(bytes, name)) {
    for (const attribute of childrenOf(bytes, expect(rdn, SET, 'SET'))) {
      const [attributeType, value] = childrenOf(bytes, expect(attribute, SEQUENCE, 'SEQUENCE'));
      if (oid(bytes, attributeType) === type && value) {
        values.push(utf8.decode(bytes.subarray(value.start, value.end)));
      }
    }
  }
  return values;
}

function isCertificateAuthority(bytes: Uint8Array, extensions: Tlv | undefined): boolean {
  if (!extensions) return false;
  const [list] = childrenOf(bytes, extensions);
  for (const extension of childrenOf(bytes, expect(list, SEQUENCE, 'extensions'))) {
    const parts = childrenOf(bytes, expect(extension, SEQUENCE, 'extension'));
    if (oid(bytes, parts[0]) !== OID_BASIC_CONSTRAINTS) continue;
    const value = expect(parts.at(-1), OCTET_STRING, 'extension value');
    const constraints = expect(node(bytes, value.start, value.end), SEQUENCE, 'basicConstraints');
    const [flag] = childrenOf(bytes, constraints);
    return flag?.tag === BOOLEAN && bytes[flag.start] !== 0;
  }
  return false;
}

/** Parses a DER or PEM certificate with an EC P-256 or P-384 key, signed with ECDSA. */
export function parseCertificate(input: Uint8Array | string): Certificate {
  let der: Uint8Array;
  try {
    der = typeof input === 'string' ? pemToDer(input) : input;
  } catch {
    throw new CertificateError('certificate: bad PEM');
  }
  const top = expect(node(der, 0, der.length), SEQUENCE, 'SEQUENCE');
  if (top.end !== der.length) throw new CertificateError('certificate: trailing bytes');
  const [tbs, algorithm, signatureBits] = childrenOf(der, top);
  const tbsNode = expect(tbs, SEQUENCE, 'tbsCertificate');
  const fields = childrenOf(der, tbsNode);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = expect(fields[offset + 2], SEQUENCE, 'issuer');
  const subject = expect(fields[offset + 4], SEQUENCE, 'subject');
  const spki = childrenOf(der, expect(fields[offset + 5], SEQUENCE, 'subjectPublicKeyInfo'));
  const keyAlgorithm = childrenOf(der, expect(spki[0], SEQUENCE, 'key algorithm'));
  if (oid(der, keyAlgorithm[0]) !== OID_EC_PUBLIC_KEY)
    throw new CertificateError('certificate: not an EC key');
  const curveOid = oid(der, keyAlgorithm[1]);
  const curve: Curve | undefined =
    curveOid === OID_P256 ? 'P-256' : curveOid === OID_P384 ? 'P-384' : undefined;
  if (!curve) throw new CertificateError('certificate: unsupported curve');
  const keyBits = expect(spki[1], BIT_STRING, 'public key');
  const signatureOid = oid(der, childrenOf(der, expect(algorithm, SEQUENCE, 'signature algorithm'))[0]);
  const signatureHash =
    signatureOid === OID_ECDSA_SHA256 ? 'SHA-256' : signatureOid === OID_ECDSA_SHA384 ? 'SHA-384' : undefined;
  if (!signatureHash) throw new CertificateError('certificate: not signed with ECDSA SHA-256/384');
  const signature = expect(signatureBits, BIT_STRING, 'signature');
  const extensions = fields.slice(offset + 6).find((field) => field.tag === 0xa3);
  return {
    der,
    tbs: der.subarray(tbsNode.offset, tbsNode.end),
    issuer: der.subarray(issuer.offset, issuer.end),
    subject: der.subarray(subject.offset, subject.end),
    organizationalUnits: nameValues(der, subject, OID_OU),
    commonName: nameValues(der, subject, OID_CN)[0] ?? '',
    isCA: isCertificateAuthority(der, extensions),
    curve,
    // A BIT STRING's first value byte counts unused bits (0 for keys and signatures).
    publicKey: der.subarray(keyBits.start + 1, keyBits.end),
    signatureHash,
    signature: der.subarray(signature.start + 1, signature.end),
  };
}

/**
 * True when `issuer`'s key signed `certificate` and the names chain. Issuer signatures
 * may be high-S (Fabric's MSP normalises them before checking, so does this).
 */
export function isIssuedBy(certificate: Certificate, issuer: Certificate): boolean {
  if (!issuer.isCA || !equalBytes(certificate.issuer, issuer.subject)) return false;
  const digest = certificate.signatureHash === 'SHA-256' ? sha256(certificate.tbs) : sha384(certificate.tbs);
  const curve = issuer.curve === 'P-256' ? p256 : p384;
  try {
    return curve.verify(certificate.signature, digest, issuer.publicKey, {
      prehash: false,
      lowS: false,
      format: 'der',
    });
  } catch {
    return false;
  }
}

export function sameCertificate(a: Certificate, b: Certificate): boolean {
  return equalBytes(a.der, b.der);
}
