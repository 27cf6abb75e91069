/**
 * Chain and account identifiers of the ChainAgnostic standards (CAIP-2, CAIP-10) for the two
 * families of chains Weft reaches, as docs/namespaces/fisco-bcos.md and docs/namespaces/fabric.md
 * define them:
 *
 *   fisco:<first 32 hex digits of the group's genesis block hash>
 *   fabric:<first 32 hex digits of the channel's genesis (block 0) header hash>
 *   fisco:<reference>:0x<40 hex, lower case>                    (an account)
 *   fabric:<reference>:<MSP id, %-escaped>.<sha256 of the certificate, 64 hex>   (an identity)
 *
 * The reference comes from the block the chain starts from, as BIP122's does, so it names one
 * chain for its whole life and is what the wallet's trust anchor is checked against. Pure code,
 * no dependencies: the inpage provider, the worker and a dapp SDK share it.
 */

export const FISCO_NAMESPACE = 'fisco';
export const FABRIC_NAMESPACE = 'fabric';
/** The CAIP-217 scope of methods that are not bound to one chain (the `wallet` meta-namespace). */
export const WALLET_SCOPE = 'wallet';

export type ChainNamespace = typeof FISCO_NAMESPACE | typeof FABRIC_NAMESPACE;

/** A CAIP-2 id in one of Weft's namespaces, e.g. `fisco:249f59e00beac8424a7821c4750fdd70`. */
export type ChainId = `${ChainNamespace}:${string}`;

/** CAIP-2's general syntax: namespace `[-a-z0-9]{3,8}`, reference `[-_a-zA-Z0-9]{1,32}`. */
const CAIP2 = /^([-a-z0-9]{3,8}):([-_a-zA-Z0-9]{1,32})$/;
/** CAIP-104 namespace alone. */
const NAMESPACE = /^[-a-z0-9]{3,8}$/;
/** Both namespaces' references: 16 bytes of a block hash, lower-case hex. */
const REFERENCE = /^[0-9a-f]{32}$/;
/** CAIP-10's account address syntax. */
const ACCOUNT_ADDRESS = /^[-.%a-zA-Z0-9]{1,128}$/;
const FISCO_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** An identifier that does not fit its CAIP syntax or Weft's namespace rules. */
export class CaipSyntaxError extends Error {
  override name = 'CaipSyntaxError';
}

export interface ParsedChainId {
  namespace: string;
  reference: string;
}

/** `namespace:reference` split per CAIP-2's syntax (any namespace), or null. */
export function parseCaip2(value: unknown): ParsedChainId | null {
  if (typeof value !== 'string') return null;
  const match = CAIP2.exec(value);
  return match ? { namespace: match[1] as string, reference: match[2] as string } : null;
}

/** Whether `value` is a CAIP-104 namespace alone (`fisco`, `eip155`). */
export function isNamespace(value: unknown): value is string {
  return typeof value === 'string' && NAMESPACE.test(value);
}

/** Whether `value` is a chain id of one of Weft's namespaces, well formed (32 lower-case hex digits). */
export function isWeftChainId(value: unknown): value is ChainId {
  const parsed = parseCaip2(value);
  return (
    parsed !== null &&
    (parsed.namespace === FISCO_NAMESPACE || parsed.namespace === FABRIC_NAMESPACE) &&
    REFERENCE.test(parsed.reference)
  );
}

/** The namespace of one of Weft's chain ids. */
export function namespaceOf(chainId: ChainId): ChainNamespace {
  return chainId.startsWith(`${FABRIC_NAMESPACE}:`) ? FABRIC_NAMESPACE : FISCO_NAMESPACE;
}

/** The reference of a 32-byte block hash: its first 16 bytes, lower-case hex, no `0x`. */
export function referenceOfHash(hash: string): string {
  const hex = hash.startsWith('0x') || hash.startsWith('0X') ? hash.slice(2) : hash;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new CaipSyntaxError(`not a 32-byte block hash: ${hash}`);
  return hex.slice(0, 32).toLowerCase();
}

/** `fisco:<reference>` of the group whose block 0 hashes to `genesisHash` (0x hex). */
export function fiscoChainId(genesisHash: string): ChainId {
  return `${FISCO_NAMESPACE}:${referenceOfHash(genesisHash)}`;
}

/** `fabric:<reference>` of the channel whose block 0 (its first config block) has header hash `genesisHash`. */
export function fabricChainId(genesisHash: string): ChainId {
  return `${FABRIC_NAMESPACE}:${referenceOfHash(genesisHash)}`;
}

/** A FISCO BCOS account as CAIP-10: the address in lower case (FISCO BCOS has no checksum case). */
export function fiscoAccountId(chainId: ChainId, address: string): string {
  if (!chainId.startsWith(`${FISCO_NAMESPACE}:`))
    throw new CaipSyntaxError(`${chainId} is not a fisco chain`);
  if (!FISCO_ADDRESS.test(address)) throw new CaipSyntaxError(`not a FISCO BCOS address: ${address}`);
  return `${chainId}:${address.toLowerCase()}`;
}

/**
 * A Fabric identity as CAIP-10: `<MSP id>.<certificate fingerprint>`, the fingerprint being the
 * SHA-256 of the X.509 certificate's DER bytes (lower-case hex). Characters of the MSP id outside
 * `[-.a-zA-Z0-9]` are %-escaped (RFC 3986, upper-case digits) as CAIP-10 asks; the fingerprint has
 * no `.`, so the last `.` separates the two.
 */
export function fabricAccountId(chainId: ChainId, mspId: string, certificateSha256: string): string {
  if (!chainId.startsWith(`${FABRIC_NAMESPACE}:`))
    throw new CaipSyntaxError(`${chainId} is not a fabric chain`);
  if (!SHA256_HEX.test(certificateSha256))
    throw new CaipSyntaxError('the certificate fingerprint must be 64 lower-case hex digits');
  if (mspId.length === 0) throw new CaipSyntaxError('the MSP id is empty');
  const address = `${escapeAccountPart(mspId)}.${certificateSha256}`;
  if (address.length > 128)
    throw new CaipSyntaxError(`the MSP id ${mspId} is too long for a CAIP-10 account address`);
  return `${chainId}:${address}`;
}

export interface ParsedAccountId extends ParsedChainId {
  chainId: string;
  address: string;
}

/** `namespace:reference:address` per CAIP-10's syntax (any namespace), or null. */
export function parseCaip10(value: unknown): ParsedAccountId | null {
  if (typeof value !== 'string') return null;
  const last = value.lastIndexOf(':');
  if (last < 0) return null;
  const chainId = value.slice(0, last);
  const address = value.slice(last + 1);
  const chain = parseCaip2(chainId);
  if (!chain || !ACCOUNT_ADDRESS.test(address)) return null;
  return { ...chain, chainId, address };
}

/** The MSP id and certificate fingerprint of a `fabric` CAIP-10 account, or null. */
export function parseFabricAccount(value: unknown): { mspId: string; certificateSha256: string } | null {
  const parsed = parseCaip10(value);
  if (!parsed || parsed.namespace !== FABRIC_NAMESPACE) return null;
  const dot = parsed.address.lastIndexOf('.');
  const fingerprint = parsed.address.slice(dot + 1);
  if (dot <= 0 || !SHA256_HEX.test(fingerprint)) return null;
  try {
    return { mspId: decodeURIComponent(parsed.address.slice(0, dot)), certificateSha256: fingerprint };
  } catch {
    return null; // a lone `%`
  }
}

function escapeAccountPart(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const char = String.fromCharCode(byte);
    out += /[-.a-zA-Z0-9]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
