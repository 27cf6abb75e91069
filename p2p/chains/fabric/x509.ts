/**
 * Just enough X.509 for Fabric MSPs, in the browser: read a certificate's names, OUs,
 * CA flag and EC key, and check that one certificate signed another. A small strict DER
 * reader rather than @peculiar/x509, which is a dev dependency and not in the wallet bundle.
 */

import { p256, p384 } from '@noble/curves/nist.js';
import { equalBytes } from '@noble/curves/utils.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { pemToDer } from './der.ts';
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

interface Node {
  tag: number;
  /** Whole TLV. */
  start: number;
  /** Value bytes. */
  valueStart: number;
  end: number;
}

/** One TLV at `pos`, inside `limit`: single-byte tags, minimal definite lengths up to 4 bytes. */
function node(bytes: Uint8Array, pos: number, limit: number): Node {
  const tag = bytes[pos];
  const first = bytes[pos + 1];
  if (tag === undefined || first === undefined || pos + 2 > limit)
    throw new CertificateError('DER: truncated');
  if ((tag & 0x1f) === 0x1f) throw new CertificateError('DER: multi-byte tag');
  let valueStart = pos + 2;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new CertificateError('DER: unsupported length');
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = bytes[valueStart + i];
      if (byte === undefined) throw new CertificateError('DER: truncated');
      length = length * 256 + byte;
    }
    valueStart += count;
  }
  const end = valueStart + length;
  if (end > limit) throw new CertificateError('DER: length past the end');
  return { tag, start: pos, valueStart, end };
}

function childrenOf(bytes: Uint8Array, parent: Node): Node[] {
  const out: Node[] = [];
  for (let pos = parent.valueStart; pos < parent.end; ) {
    const child = node(bytes, pos, parent.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

function expect(found: Node | undefined, tag: number, what: string): Node {
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

function oid(bytes: Uint8Array, at: Node | undefined): string {
  const found = expect(at, OID, 'OBJECT IDENTIFIER');
  return bytesToHex(bytes.subarray(found.valueStart, found.end));
}

/** Attribute values of one type in a Name: SEQUENCE OF SET OF SEQUENCE { type, value }. */
function nameValues(bytes: Uint8Array, name: Node, type: string): string[] {
  const values: string[] = [];
  for (const rdn of childrenOf(bytes, name)) {
    for (const attribute of childrenOf(bytes, expect(rdn, SET, 'SET'))) {
      const [attributeType, value] = childrenOf(bytes, expect(attribute, SEQUENCE, 'SEQUENCE'));
      if (oid(bytes, attributeType) === type && value) {
        values.push(utf8.decode(bytes.subarray(value.valueStart, value.end)));
      }
    }
  }
  return values;
}

function isCertificateAuthority(bytes: Uint8Array, extensions: Node | undefined): boolean {
  if (!extensions) return false;
  const [list] = childrenOf(bytes, extensions);
  for (const extension of childrenOf(bytes, expect(list, SEQUENCE, 'extensions'))) {
    const parts = childrenOf(bytes, expect(extension, SEQUENCE, 'extension'));
    if (oid(bytes, parts[0]) !== OID_BASIC_CONSTRAINTS) continue;
    const value = expect(parts.at(-1), OCTET_STRING, 'extension value');
    const constraints = expect(node(bytes, value.valueStart, value.end), SEQUENCE, 'basicConstraints');
    const [flag] = childrenOf(bytes, constraints);
    return flag?.tag === BOOLEAN && bytes[flag.valueStart] !== 0;
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
    tbs: der.subarray(tbsNode.start, tbsNode.end),
    issuer: der.subarray(issuer.start, issuer.end),
    subject: der.subarray(subject.start, subject.end),
    organizationalUnits: nameValues(der, subject, OID_OU),
    commonName: nameValues(der, subject, OID_CN)[0] ?? '',
    isCA: isCertificateAuthority(der, extensions),
    curve,
    // A BIT STRING's first value byte counts unused bits (0 for keys and signatures).
    publicKey: der.subarray(keyBits.valueStart + 1, keyBits.end),
    signatureHash,
    signature: der.subarray(signature.valueStart + 1, signature.end),
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
