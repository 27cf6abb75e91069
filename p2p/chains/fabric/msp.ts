/**
 * A Fabric MSP as a channel config declares it (msp.FabricMSPConfig), and the check an
 * MSP makes of an identity: its certificate chains to the MSP's roots (through its
 * intermediates), it is not a CA certificate, it carries a configured OU if the MSP
 * restricts them, and with NodeOUs enabled its role is the one NodeOU it carries.
 * Like Fabric's MSP, validity periods and revocation lists are not checked.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { CertificateError, ChannelConfigError, decodingAs } from './evidence-errors.ts';
import {
  bytesField,
  decodeFields,
  messageField,
  ProtobufDecodeError,
  repeatedBytes,
  stringField,
  varintField,
} from './protobuf-wire.ts';
import { type Certificate, isIssuedBy, parseCertificate, sameCertificate } from './x509.ts';

export type NodeRole = 'client' | 'peer' | 'admin' | 'orderer';

export interface OuIdentifier {
  organizationalUnit: string;
  /** The CA certificate that must be in the identity's chain; none means any of the MSP's. */
  certificate: Certificate | null;
}

export interface Msp {
  id: string;
  roots: Certificate[];
  intermediates: Certificate[];
  /** Explicit admin certificates (Fabric 1.x style; NodeOUs make admins by OU instead). */
  admins: Certificate[];
  /** When non-empty, an identity must carry one of these OUs. */
  ouIdentifiers: OuIdentifier[];
  /** NodeOU identifiers by role, or null when NodeOUs are disabled. */
  nodeOUs: Partial<Record<NodeRole, OuIdentifier>> | null;
  /** Identity checks already made, by certificate (a block repeats the same few identities). */
  readonly checked: Map<string, IdentityCheck>;
}

export interface ValidIdentity {
  mspId: string;
  /** The msp.SerializedIdentity bytes, to tell signers apart. */
  serialized: Uint8Array;
  certificate: Certificate;
  /** Roles from NodeOUs (and explicit admin certificates); empty when NodeOUs are disabled. */
  roles: ReadonlySet<NodeRole>;
}

export type IdentityCheck = { ok: true; identity: ValidIdentity } | { ok: false; reason: string };

const MAX_CHECKED = 1024;

const ROLE_FIELDS: Array<[NodeRole, number]> = [
  ['client', 2],
  ['peer', 3],
  ['admin', 4],
  ['orderer', 5],
];

const decoder = new TextDecoder();

function certificates(list: Uint8Array[]): Certificate[] {
  return list.map((pem) => parseCertificate(decoder.decode(pem)));
}

/** Reads msp.MSPConfig; null for MSP types other than FABRIC (idemix identities are not checked). */
export function readMspConfig(bytes: Uint8Array): Msp | null {
  return decodingAs(ChannelConfigError, 'MSP config', () => {
    const mspConfig = decodeFields(bytes);
    if (varintField(mspConfig, 1) !== 0n) return null;
    const config = messageField(mspConfig, 2);
    const ouIdentifier = (entry: ReturnType<typeof decodeFields>): OuIdentifier => {
      const certificate = bytesField(entry, 1);
      return {
        organizationalUnit: stringField(entry, 2),
        certificate: certificate.length > 0 ? parseCertificate(decoder.decode(certificate)) : null,
      };
    };
    const nodeOUsConfig = messageField(config, 11);
    let nodeOUs: Msp['nodeOUs'] = null;
    if (varintField(nodeOUsConfig, 1) !== 0n) {
      nodeOUs = {};
      for (const [role, field] of ROLE_FIELDS) {
        if (nodeOUsConfig.has(field)) nodeOUs[role] = ouIdentifier(messageField(nodeOUsConfig, field));
      }
    }
    const msp: Msp = {
      id: stringField(config, 1),
      roots: certificates(repeatedBytes(config, 2)),
      intermediates: certificates(repeatedBytes(config, 3)),
      admins: certificates(repeatedBytes(config, 4)),
      ouIdentifiers: repeatedBytes(config, 7).map((entry) => ouIdentifier(decodeFields(entry))),
      nodeOUs,
      checked: new Map(),
    };
    if (msp.id === '') throw new ChannelConfigError('MSP config: no name');
    if (msp.roots.length === 0) throw new ChannelConfigError(`MSP ${msp.id}: no root certificates`);
    return msp;
  });
}

/** The chain from `certificate` up to one of the MSP's roots (leaf first), or null. */
function chainToRoot(msp: Msp, certificate: Certificate): Certificate[] | null {
  const chain = [certificate];
  // Fabric MSPs rarely go past one intermediate; the bound stops loops between CAs.
  for (let depth = 0; depth < 6; depth++) {
    const current = chain[chain.length - 1] as Certificate;
    const root = msp.roots.find((candidate) => isIssuedBy(current, candidate));
    if (root) return [...chain, root];
    const intermediate = msp.intermediates.find((candidate) => isIssuedBy(current, candidate));
    if (!intermediate) return null;
    chain.push(intermediate);
  }
  return null;
}

/** An OU identifier matches when the identity carries the OU and its chain has the certifying CA. */
function carries(identifier: OuIdentifier, certificate: Certificate, chain: Certificate[]): boolean {
  if (!certificate.organizationalUnits.includes(identifier.organizationalUnit)) return false;
  const certifier = identifier.certificate;
  return certifier === null || chain.slice(1).some((ca) => sameCertificate(ca, certifier));
}

function check(msp: Msp, serialized: Uint8Array, pem: string): IdentityCheck {
  let certificate: Certificate;
  try {
    certificate = parseCertificate(pem);
  } catch (cause) {
    if (cause instanceof CertificateError) return { ok: false, reason: cause.message };
    throw cause;
  }
  if (certificate.isCA) return { ok: false, reason: `${msp.id}: a CA certificate is not an identity` };
  const chain = chainToRoot(msp, certificate);
  if (!chain) return { ok: false, reason: `${msp.id}: certificate does not chain to the MSP's roots` };
  if (
    msp.ouIdentifiers.length > 0 &&
    !msp.ouIdentifiers.some((identifier) => carries(identifier, certificate, chain))
  ) {
    return { ok: false, reason: `${msp.id}: certificate carries none of the MSP's OUs` };
  }
  const roles = new Set<NodeRole>();
  if (msp.nodeOUs) {
    for (const [role] of ROLE_FIELDS) {
      const identifier = msp.nodeOUs[role];
      if (identifier && carries(identifier, certificate, chain)) roles.add(role);
    }
    // Fabric 2.x: with NodeOUs on, an identity is exactly one of client, peer, admin, orderer.
    if (roles.size !== 1) {
      return { ok: false, reason: `${msp.id}: certificate has ${roles.size} NodeOU roles, not one` };
    }
  }
  if (msp.admins.some((admin) => sameCertificate(admin, certificate))) roles.add('admin');
  return { ok: true, identity: { mspId: msp.id, serialized, certificate, roles } };
}

/** Checks a msp.SerializedIdentity against the MSPs it may belong to. */
export function validateIdentity(msps: ReadonlyMap<string, Msp>, serialized: Uint8Array): IdentityCheck {
  let mspId: string;
  let pem: string;
  try {
    const fields = decodeFields(serialized);
    mspId = stringField(fields, 1);
    pem = stringField(fields, 2);
  } catch (cause) {
    if (cause instanceof ProtobufDecodeError)
      return { ok: false, reason: 'identity: not a serialized identity' };
    throw cause;
  }
  const msp = msps.get(mspId);
  if (!msp) return { ok: false, reason: `identity: unknown MSP ${JSON.stringify(mspId)}` };
  const key = bytesToHex(serialized);
  let result = msp.checked.get(key);
  if (!result) {
    result = check(msp, serialized, pem);
    // A long-lived trust sees ever new client identities: keep the cache bounded.
    if (msp.checked.size >= MAX_CHECKED) msp.checked.clear();
    msp.checked.set(key, result);
  }
  return result;
}
