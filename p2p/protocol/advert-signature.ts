/**
 * Signed route adverts (docs/router-protocol.md#signed-adverts). The router that fronts a resource
 * (the origin) signs its description with its libp2p peer key; relays pass the signature on
 * unchanged, so no router on the way can alter the description, and anyone holding the origin's
 * peer id (the key is inside an Ed25519 peer id) can check it: routers before they accept an
 * advert, wallets on the entries they are given.
 *
 * What is signed is a domain-separated, length-prefixed byte string, never JSON as it travelled:
 *
 *     "weft/route-advert/v2" 0x00
 *     field(origin peer id) field(zone) field(path) field(issued, decimal) field(canonical JSON of description)
 *     field(addresses, joined by "\n")
 *
 * where field(x) is x's UTF-8 bytes preceded by their length as a 4-byte big-endian integer, and the
 * description is first reduced to the fields the wire schema carries (what a receiver sees).
 * `addresses` are where a wallet can dial the origin (WebSocket multiaddrs ending in
 * `/p2p/<origin>`), in the origin's order; none is an empty field, and an address may hold neither
 * a newline nor be empty, so the joined field names one list. v1 (no addresses field) is no longer
 * made or accepted.
 */
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { ResourceDescription } from '../chains/connector.ts';
import { type ResourceEntry, resourceDescription } from './messages.ts';

export const ADVERT_SIGNATURE_DOMAIN = 'weft/route-advert/v2';

/** The origin's signature over one description, when it made it (ms since the epoch), and the addresses it signed with it. */
export interface AdvertSignature {
  issued: number;
  /** Hex, no 0x prefix. */
  signature: string;
  /** Where a wallet can dial the origin: WebSocket multiaddrs ending in `/p2p/<origin>`, covered by the signature. */
  addresses?: string[];
}

/** A resource this router fronts, as it advertises it. */
export interface SignedResource extends AdvertSignature {
  description: ResourceDescription;
}

/** The description exactly as a receiver's schema keeps it (unknown keys stripped), so both sides sign and check the same bytes. */
export function wireDescription(description: ResourceDescription): ResourceDescription {
  return resourceDescription.parse(description) as ResourceDescription;
}

/** The bytes the origin signs for `description`. */
export function advertSigningBytes(
  origin: string,
  description: ResourceDescription,
  issued: number,
  addresses: readonly string[] = [],
): Uint8Array {
  const normalised = wireDescription(description);
  const zone = normalised.path.split('.')[0] ?? '';
  if (addresses.some((a) => a === '' || a.includes('\n'))) {
    throw new TypeError('an advertised address may be neither empty nor hold a newline');
  }
  const encoder = new TextEncoder();
  const fields = [
    origin,
    zone,
    normalised.path,
    String(issued),
    canonicalJson(normalised),
    addresses.join('\n'),
  ].map((f) => encoder.encode(f));
  const domain = encoder.encode(ADVERT_SIGNATURE_DOMAIN);
  const out = new Uint8Array(domain.length + 1 + fields.reduce((n, f) => n + 4 + f.length, 0));
  out.set(domain, 0);
  let at = domain.length + 1; // the 0x00 separator is already there
  const view = new DataView(out.buffer);
  for (const field of fields) {
    view.setUint32(at, field.length);
    out.set(field, at + 4);
    at += 4 + field.length;
  }
  return out;
}

/** Signs `description`, with the `addresses` it may be dialled at, as the router `origin` (whose key `privateKey` is). */
export async function signResource(
  privateKey: PrivateKey,
  origin: string,
  description: ResourceDescription,
  issued: number,
  addresses?: string[],
): Promise<SignedResource> {
  const signature = await privateKey.sign(advertSigningBytes(origin, description, issued, addresses));
  return { description, issued, signature: bytesToHex(signature), ...(addresses ? { addresses } : {}) };
}

/**
 * Whether `signature` is `origin`'s over `description` and `addresses` at `issued`. False for a peer
 * id without an inline key (RSA `Qm...`).
 */
export async function verifyAdvertSignature(
  origin: string,
  description: ResourceDescription,
  signed: AdvertSignature,
): Promise<boolean> {
  try {
    const key = peerIdFromString(origin).publicKey;
    if (!key || !/^[0-9a-f]+$/.test(signed.signature)) return false;
    return await key.verify(
      advertSigningBytes(origin, description, signed.issued, signed.addresses),
      hexToBytes(signed.signature),
    );
  } catch {
    return false; // a malformed peer id, signature or description is no valid signature
  }
}

/**
 * For a wallet: whether a directory entry carries a valid signature of the router it names, over
 * its description and its `addresses` (so no relay can have changed where the origin says it is).
 */
export function verifyResourceEntry(entry: ResourceEntry): Promise<boolean> {
  const { router, hops: _hops, issued, signature, addresses, ...description } = entry;
  if (issued === undefined || signature === undefined) return Promise.resolve(false);
  return verifyAdvertSignature(router, description, {
    issued,
    signature,
    ...(addresses ? { addresses } : {}),
  });
}

/** JSON with object keys sorted and undefined members left out, as JSON.stringify leaves them out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${members.join(',')}}`;
  }
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`cannot sign a ${typeof value}`);
  return text;
}
