/**
 * Per-owner record store with signed data-access grants (docs/grants.md): each identity
 * keeps its own records (key = owner + id) and reads them itself; anyone else reads a
 * record only with a grant the owner's Weft account signed (EIP-712, secp256k1) plus a
 * fresh proof signed by the grant's audience key. Fabric identities sign with X.509, so an
 * identity first links itself to its Weft account (`LinkAccount`, signed by both keys); the
 * records of the linked identity are what that account's grants cover, and the linked
 * identity revokes the account's grants (`RevokeGrant`).
 *
 * The wallet stores sealed values only, and with each record one key blob per grant (the
 * covered fields' keys wrapped to that grant's audience); both are opaque here.
 *
 * Plain `Contract` subclass (no decorators): every public method is a transaction.
 */
import { getAddress } from 'ethers';
import { type Context, Contract } from 'fabric-contract-api';
import { grantedReadSchema, grantSchema } from '../../../grants/schema.ts';
import {
  accountLinkDigest,
  type Grant,
  type GrantedRead,
  grantId,
  type Hex,
  READ_FRESHNESS_SECONDS,
  readDigest,
  recoverSigner,
} from '../../../grants/typed-data.ts';
import { decodeFields, messageField, stringField } from '../protobuf-wire.ts';
import { txTime } from './tx-time.ts';

interface StoredRecord {
  owner: string;
  id: string;
  data: string;
  /** Grant id (lower-case 0x hex) -> key blob; absent on records written before blobs existed. */
  keys?: Record<string, string>;
  updatedTxId: string;
}

const RECORD = 'record';
/** Fabric identity -> linked account, and account -> identity (one each way). */
const ACCOUNT_OF = 'accountOf';
const IDENTITY_OF = 'identityOf';
/** (issuer account, grant id) -> revoked. */
const REVOKED = 'revoked';
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
/** `zone.chain.resource`, as the router protocol spells a path (p2p/protocol/messages.ts). */
const RESOURCE_PATH = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The refusals of ReadWithGrant and the grant functions; callers match on the exact message. */
function refused(reason: string): Error {
  const error = new Error(reason);
  error.name = 'GrantRefusedError';
  return error;
}

function parseJson<T>(
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  text: string,
): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refused('Grant: malformed');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw refused('Grant: malformed');
  return parsed.data;
}

/** The address that signed `digest`, or null for a malformed or non-canonical signature. */
function signerOf(digest: Hex, signature: string): string | null {
  try {
    return recoverSigner(digest, signature as Hex);
  } catch {
    return null;
  }
}

function sameAddress(a: string | null, b: string): boolean {
  return a !== null && a.toLowerCase() === b.toLowerCase();
}

/**
 * The name this chaincode was invoked under (the proposal's ChaincodeHeaderExtension), which
 * is the last segment of the path a router publishes it as; the contract's own name if absent.
 * fabric-shim hands the channel header over as its google-protobuf object, hence the cast.
 */
function chaincodeName(ctx: Context, fallback: string): string {
  const header = ctx.stub.getSignedProposal()?.proposal?.header?.channelHeader as unknown as
    | { getExtension_asU8?: () => Uint8Array }
    | undefined;
  const extension = header?.getExtension_asU8?.();
  if (!extension || extension.length === 0) return fallback;
  try {
    // ChaincodeHeaderExtension { ChaincodeID chaincode_id = 2 }, ChaincodeID { string name = 2 }
    return stringField(messageField(decodeFields(extension), 2), 2) || fallback;
  } catch {
    return fallback;
  }
}

/**
 * PutRecord's `keys`: "" or a JSON object {grantId: blob}, ids bytes32 hex (stored lower-case,
 * one blob per id), blobs strings. Anything else is refused rather than stored half-understood.
 */
function parseKeys(text: string): Record<string, string> {
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refused('Records: malformed keys');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw refused('Records: malformed keys');
  }
  const keys: Record<string, string> = {};
  for (const [grantId, blob] of Object.entries(value)) {
    const id = grantId.toLowerCase();
    if (!BYTES32.test(grantId) || typeof blob !== 'string' || Object.hasOwn(keys, id)) {
      throw refused('Records: malformed keys');
    }
    keys[id] = blob;
  }
  return keys;
}

/** A record's fields: a JSON object's entries (non-string values as JSON text), else one field `data`. */
function recordFields(data: string): Array<[string, string]> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return [['data', data]];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [['data', data]];
  return Object.entries(value).map(([name, field]) => [
    name,
    typeof field === 'string' ? field : JSON.stringify(field),
  ]);
}

export class RecordContract extends Contract {
  constructor() {
    super('records');
  }

  async _get(ctx: Context, type: string, attributes: string[]): Promise<string | null> {
    const bytes = await ctx.stub.getState(ctx.stub.createCompositeKey(type, attributes));
    return bytes && bytes.length > 0 ? decoder.decode(bytes) : null;
  }

  async _put(ctx: Context, type: string, attributes: string[], value: string): Promise<void> {
    await ctx.stub.putState(ctx.stub.createCompositeKey(type, attributes), encoder.encode(value));
  }

  /**
   * Creates or replaces the caller's record `id`: its data and all its key blobs (a write rotates
   * every field's key, so blobs of the old keys would open nothing new).
   */
  async PutRecord(ctx: Context, id: string, data: string, keys: string): Promise<string> {
    if (!id) throw new Error('record id required');
    const owner = ctx.clientIdentity.getID();
    const record: StoredRecord = {
      owner,
      id,
      data,
      keys: parseKeys(keys),
      updatedTxId: ctx.stub.getTxID(),
    };
    await this._put(ctx, RECORD, [owner, id], JSON.stringify(record));
    ctx.stub.setEvent('RecordPut', encoder.encode(JSON.stringify({ owner, id })));
    return id;
  }

  /**
   * Sets the key blob of grant `grantId` on the caller's existing record `id` (a grant made after
   * the record was written), replacing the blob it had. Only ever the caller's own record: the
   * key is the caller's identity.
   */
  async ShareKeys(ctx: Context, id: string, grantId: string, key: string): Promise<void> {
    if (!BYTES32.test(grantId)) throw refused('Grant: malformed');
    const owner = ctx.clientIdentity.getID();
    const stored = await this._get(ctx, RECORD, [owner, id]);
    if (stored === null) throw refused('Records: no such record');
    const record = JSON.parse(stored) as StoredRecord;
    const grant = grantId.toLowerCase();
    record.keys = { ...record.keys, [grant]: key };
    await this._put(ctx, RECORD, [owner, id], JSON.stringify(record));
    ctx.stub.setEvent('KeysShared', encoder.encode(JSON.stringify({ owner, id, grantId: grant })));
  }

  /** The owner's own read; everyone else reads through ReadWithGrant. */
  async GetRecord(ctx: Context, owner: string, id: string): Promise<string> {
    if (ctx.clientIdentity.getID() !== owner) throw new Error(`access denied to record ${id}`);
    const record = await this._get(ctx, RECORD, [owner, id]);
    if (record === null) throw new Error(`record ${id} does not exist`);
    return record;
  }

  /** The caller's own records, in key order. */
  async ListRecords(ctx: Context): Promise<string> {
    const owner = ctx.clientIdentity.getID();
    const records: StoredRecord[] = [];
    const iterator = await ctx.stub.getStateByPartialCompositeKey(RECORD, [owner]);
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        records.push(JSON.parse(decoder.decode(next.value.value)) as StoredRecord);
      }
    } finally {
      await iterator.close();
    }
    return JSON.stringify(records);
  }

  async DeleteRecord(ctx: Context, id: string): Promise<void> {
    const owner = ctx.clientIdentity.getID();
    const key = ctx.stub.createCompositeKey(RECORD, [owner, id]);
    const bytes = await ctx.stub.getState(key);
    if (!bytes || bytes.length === 0) throw new Error(`record ${id} does not exist`);
    await ctx.stub.deleteState(key);
    ctx.stub.setEvent('RecordDeleted', encoder.encode(JSON.stringify({ owner, id })));
  }

  /**
   * Links the caller's Fabric identity to `account`, which signed AccountLink(callerId, account):
   * the identity proves itself by submitting, the account by its signature. A new link replaces
   * the identity's old account and the account's old identity.
   */
  async LinkAccount(ctx: Context, account: string, signature: string): Promise<void> {
    const fabricId = ctx.clientIdentity.getID();
    let checksummed: string;
    try {
      checksummed = getAddress(account);
    } catch {
      throw refused('Grant: malformed');
    }
    const signer = signerOf(accountLinkDigest({ fabricId, account: checksummed }), signature);
    if (signer !== checksummed) throw refused('Grant: bad link signature');

    const previousAccount = await this._get(ctx, ACCOUNT_OF, [fabricId]);
    if (previousAccount !== null && previousAccount !== checksummed) {
      await ctx.stub.deleteState(ctx.stub.createCompositeKey(IDENTITY_OF, [previousAccount]));
    }
    const previousIdentity = await this._get(ctx, IDENTITY_OF, [checksummed]);
    if (previousIdentity !== null && previousIdentity !== fabricId) {
      await ctx.stub.deleteState(ctx.stub.createCompositeKey(ACCOUNT_OF, [previousIdentity]));
    }
    await this._put(ctx, ACCOUNT_OF, [fabricId], checksummed);
    await this._put(ctx, IDENTITY_OF, [checksummed], fabricId);
    ctx.stub.setEvent('AccountLinked', encoder.encode(JSON.stringify({ fabricId, account: checksummed })));
  }

  /** The caller's Fabric id (what the wallet signs in AccountLink) and its linked account, or "". */
  async WhoAmI(ctx: Context): Promise<string> {
    const id = ctx.clientIdentity.getID();
    return JSON.stringify({ id, account: (await this._get(ctx, ACCOUNT_OF, [id])) ?? '' });
  }

  /** Revokes a grant the caller's linked account issued; revoking twice is harmless. */
  async RevokeGrant(ctx: Context, grantId: string): Promise<void> {
    if (!BYTES32.test(grantId)) throw refused('Grant: malformed');
    const issuer = await this._get(ctx, ACCOUNT_OF, [ctx.clientIdentity.getID()]);
    if (issuer === null) throw refused('Grant: no linked account');
    const id = grantId.toLowerCase();
    await this._put(ctx, REVOKED, [issuer, id], 'revoked');
    ctx.stub.setEvent('GrantRevoked', encoder.encode(JSON.stringify({ issuer, grantId: id })));
  }

  async IsRevoked(ctx: Context, issuer: string, grantId: string): Promise<string> {
    if (!BYTES32.test(grantId)) throw refused('Grant: malformed');
    let checksummed: string;
    try {
      checksummed = getAddress(issuer);
    } catch {
      throw refused('Grant: malformed');
    }
    return String((await this._get(ctx, REVOKED, [checksummed, grantId.toLowerCase()])) !== null);
  }

  /**
   * A grantee's read: checks the grant and the read proof (order and messages as in
   * docs/grants.md) against the transaction's timestamp, then answers the issuer's linked
   * identity's record with only the covered fields and the key blob stored for this grant:
   * `{"record": id, "fields": {...}, "key": blob or ""}`.
   */
  async ReadWithGrant(
    ctx: Context,
    grantJson: string,
    grantSignature: string,
    readJson: string,
    readSignature: string,
  ): Promise<string> {
    // The schema checks the 0x prefix the Hex type stands for.
    const grant = parseJson(grantSchema, grantJson) as Grant;
    const read = parseJson(grantedReadSchema, readJson) as GrantedRead;
    let id: Hex;
    try {
      // Throws on an address with a wrong checksum, which the shape check lets through.
      id = grantId(grant);
    } catch {
      throw refused('Grant: malformed');
    }
    if (!sameAddress(signerOf(id, grantSignature), grant.issuer)) throw refused('Grant: bad signature');
    const resource = RESOURCE_PATH.exec(grant.resource)?.[1];
    if (resource !== chaincodeName(ctx, this.getName())) throw refused('Grant: wrong resource');
    if (!grant.actions.includes('read') || !grant.records.includes(read.record)) {
      throw refused('Grant: not covered');
    }
    const now = txTime(ctx);
    if (now < grant.notBefore) throw refused('Grant: not yet valid');
    if (now >= grant.expiry) throw refused('Grant: expired');
    if (
      read.grant.toLowerCase() !== id.toLowerCase() ||
      !sameAddress(signerOf(readDigest(read), readSignature), grant.audienceKey)
    ) {
      throw refused('Grant: wrong audience');
    }
    if (Math.abs(now - read.issuedAt) > READ_FRESHNESS_SECONDS) throw refused('Grant: stale');
    const issuer = getAddress(grant.issuer);
    if ((await this._get(ctx, REVOKED, [issuer, id.toLowerCase()])) !== null) throw refused('Grant: revoked');
    const owner = await this._get(ctx, IDENTITY_OF, [issuer]);
    if (owner === null) throw refused('Grant: no linked account');
    // Looked up under the issuer's own identity: a grant can only ever name its issuer's records.
    const stored = await this._get(ctx, RECORD, [owner, read.record]);
    if (stored === null) throw refused('Records: no such record');
    const record = JSON.parse(stored) as StoredRecord;
    const covered = new Set(grant.fields);
    const fields = recordFields(record.data).filter(([name]) => covered.size === 0 || covered.has(name));
    // An own-property lookup: a grant id can never reach Object.prototype, but stay exact.
    const keys = record.keys ?? {};
    const key = Object.hasOwn(keys, id.toLowerCase()) ? (keys[id.toLowerCase()] ?? '') : '';
    return JSON.stringify({ record: read.record, fields: Object.fromEntries(fields), key });
  }
}
