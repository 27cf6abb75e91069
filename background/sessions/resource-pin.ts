/**
 * A session's pin of each resource it covers: what the user saw and approved of the resource
 * (its chain, the wallet's trust anchor of that chain, the contract address or chaincode name,
 * a hash of its ABI / method list). Routers describe resources and a router may lie or be
 * replaced, so every use of a session resource compares the routers' description with the pin
 * and refuses any difference until the user approves the change (a new `weft_requestSession`).
 * See docs/provider-api.md ("Pinned resource descriptions") and docs/trust-model.md.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ResourcePin } from '../../content/provider-schema.ts';
import type { ResourceEntry } from '../../p2p/protocol/messages.ts';

export type { ResourcePin };

/** One field that differs between a pin and a description, as the error and the approval show it. */
export interface PinChange {
  field: 'chain' | 'chainId' | 'groupId' | 'channel' | 'address' | 'chaincode' | 'abiHash' | 'anchor';
  pinned: string;
  now: string;
}

/** A resource used through a session whose routers' description differs from the session's pin. */
export class DescriptionChangedError extends Error {
  override name = 'DescriptionChangedError';
  readonly path: string;
  readonly changes: PinChange[];

  constructor(path: string, changes: PinChange[]) {
    const list = changes.map((c) => `${c.field} ${c.pinned} -> ${c.now}`).join('; ');
    super(
      `${path} is not the resource you approved for this site (${list}): the site must ask again with weft_requestSession and you must approve the change`,
    );
    this.path = path;
    this.changes = changes;
  }
}

/** A session resource with no pin (a session stored before pins): refused until pinned by an approval. */
export class DescriptionNotPinnedError extends Error {
  override name = 'DescriptionNotPinnedError';
  readonly path: string;

  constructor(path: string) {
    super(
      `${path} was approved for this site before the wallet pinned resource descriptions: the site must ask again with weft_requestSession so you can approve what it is`,
    );
    this.path = path;
  }
}

/**
 * JSON with object keys sorted at every level and undefined members left out, bigints as
 * decimal strings: one text for one value, whatever order a router lists keys in.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * sha256 (hex) of the resource's interface: its chain-native ABI and its published methods. The
 * methods count too: `weft_call` and `weft_sendTransaction` decide read or write from them, and
 * Fabric resources have no ABI.
 */
export function abiHash(entry: Pick<ResourceEntry, 'abi' | 'methods'>): string {
  const known = abiHashes.get(entry);
  if (known !== undefined) return known;
  const text = canonicalJson({ abi: entry.abi ?? null, methods: entry.methods });
  const hash = bytesToHex(sha256(new TextEncoder().encode(text)));
  abiHashes.set(entry, hash);
  return hash;
}

/**
 * Per description object: the wallet keeps a described entry for a minute and checks it on every
 * request. Entries are not changed after they arrive (a new description is a new object).
 */
const abiHashes = new WeakMap<object, string>();

/** The pin of `entry` now; `anchor`: the fingerprint of the wallet's trust anchor of its chain, if it has one. */
export function pinOf(entry: ResourceEntry, anchor?: string, now = Date.now()): ResourcePin {
  const chain =
    entry.chain.type === 'fisco-bcos'
      ? { type: entry.chain.type, chainId: entry.chain.chainId, groupId: entry.chain.groupId }
      : { type: entry.chain.type, channel: entry.chain.channel };
  return {
    path: entry.path,
    chain,
    ...(anchor ? { anchor } : {}),
    // FISCO BCOS addresses in any letter case name one contract; chaincode names are exact.
    address: entry.chain.type === 'fisco-bcos' ? entry.address.toLowerCase() : entry.address,
    abiHash: abiHash(entry),
    pinnedAt: now,
  };
}

/**
 * Every field in which `fresh` (a pin of the routers' description now) differs from `pinned`.
 * `pinnedAt` is not compared. An anchor is compared only when both have one: a pin taken before
 * the wallet anchored the chain cannot name it, and an anchor the user forgot is taken again
 * (and checked) before any evidence is believed (background/trust/chain-trust.ts).
 */
export function pinChanges(pinned: ResourcePin, fresh: ResourcePin): PinChange[] {
  const changes: PinChange[] = [];
  const add = (field: PinChange['field'], was: unknown, now: unknown) => {
    if (was !== now) changes.push({ field, pinned: String(was ?? '(none)'), now: String(now ?? '(none)') });
  };
  const a = pinned.chain;
  const b = fresh.chain;
  if (a.type !== b.type) {
    add('chain', a.type, b.type);
  } else if (a.type === 'fisco-bcos' && b.type === 'fisco-bcos') {
    add('chainId', a.chainId, b.chainId);
    add('groupId', a.groupId, b.groupId);
  } else if (a.type === 'fabric' && b.type === 'fabric') {
    add('channel', a.channel, b.channel);
  }
  add(b.type === 'fabric' && a.type === 'fabric' ? 'chaincode' : 'address', pinned.address, fresh.address);
  add('abiHash', pinned.abiHash, fresh.abiHash);
  if (pinned.anchor && fresh.anchor) add('anchor', pinned.anchor, fresh.anchor);
  return changes;
}

/** Throws `DescriptionChangedError` unless `fresh` matches `pinned` (or `DescriptionNotPinnedError` without a pin). */
export function requirePinned(path: string, pinned: ResourcePin | undefined, fresh: ResourcePin): void {
  if (!pinned) throw new DescriptionNotPinnedError(path);
  const changes = pinChanges(pinned, fresh);
  if (changes.length > 0) throw new DescriptionChangedError(path, changes);
}

/** A short form of a hash or fingerprint for the popup: `1a2b3c4d…9f8e`. */
export function shortHash(hash: string): string {
  const hex = hash.startsWith('0x') ? hash.slice(2) : hash;
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex;
}
