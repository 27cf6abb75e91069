/**
 * The owner's side of private records (docs/grants.md, "Encryption"): write a record sealed
 * under fresh keys and wrapped for its active grants, read it back and open it, and share the
 * keys of a record written before a grant was made. FISCO BCOS `Records` (`put`, `get`,
 * `shareKeys`) and the Fabric `records` chaincode (`PutRecord`, `GetRecord`, `ShareKeys`)
 * behind one set of functions, as background/ttm/asset-chain.ts does for assets.
 *
 * Every secret stays here: the account key gives the records secret (zeroed once used), the
 * secret gives each field's key (zeroed once wrapped); what leaves is ciphertext, and key blobs
 * only the grant's audience opens. Writes go through the wallet's verified-write path, so they
 * resolve on receipts rebuilt from chain evidence. A router cannot pass off a value: every one
 * is authenticated (AES-GCM, bound to resource, record and field) before it is shown or its key
 * shared.
 */
import { decodeChaincodeResult } from '../../p2p/chains/fabric/chaincode-result.ts';
import { encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import type { LightClient } from '../../p2p/client/light-client.ts';
import {
  fieldKeys,
  openRecord,
  RecordCryptoError,
  type RecordPlace,
  recordsSecret,
  sealRecord,
  wrapKeys,
} from '../../p2p/grants/record-crypto.ts';
import { HipError, HipErrorCode } from '../../p2p/protocol/errors.ts';
import type { ResourceEntry } from '../../p2p/protocol/messages.ts';
import { whoAmI } from '../grants/fabric-link.ts';
import { submitFabricWrite } from '../signing/fabric-write.ts';
import { submitFiscoWrite } from '../signing/fisco-write.ts';
import type { ChainTrust } from '../trust/chain-trust.ts';
import type { VerifiedReceipt } from '../trust/verification.ts';
import { UnknownAccountError } from '../vault/errors.ts';
import type { Vault } from '../vault/vault.ts';
import { coveredFields, type RecordAudience } from './active-grants.ts';
import {
  NoFabricIdentityError,
  NotRecordsResourceError,
  RecordNotFoundError,
  RecordUnreadableError,
} from './errors.ts';

export interface RecordsOptions {
  client: LightClient;
  vault: Vault;
  trust: ChainTrust;
  /** The records resource: a FISCO BCOS `Records` contract or the Fabric `records` chaincode. */
  entry: ResourceEntry;
  /**
   * The owner: the account whose key seals the records (and, on FISCO BCOS, owns and writes
   * them); on Fabric the identity that owns and writes them (linked to that account for grants).
   */
  signer: { account: number; fabricIdentity?: string };
}

export interface PutRecordRequest {
  record: string;
  /** Field name -> plaintext value. */
  fields: Record<string, string>;
  /** Whom the keys are wrapped for besides the owner (`activeAudiences`); none: the owner only. */
  audiences: readonly RecordAudience[];
}

/** A record as its owner reads it: plaintext. */
export interface OwnRecord {
  record: string;
  fields: Record<string, string>;
}

export interface ShareKeysRequest {
  record: string;
  /** The grant to share with: its id, audience key and fields (empty: all). */
  audience: Pick<RecordAudience, 'grantId' | 'audiencePublicKey' | 'fields'>;
}

/** The method names of a records resource, by chain type. */
const METHODS = {
  'fisco-bcos': { put: 'put', get: 'get', shareKeys: 'shareKeys', readWithGrant: 'readWithGrant' },
  fabric: { put: 'PutRecord', get: 'GetRecord', shareKeys: 'ShareKeys', readWithGrant: 'ReadWithGrant' },
} as const;

export type RecordsOperation = keyof (typeof METHODS)['fabric'];

/** Whether `entry` holds records that grants cover (it publishes the grant read). */
export function isRecordsResource(entry: ResourceEntry): boolean {
  const name = METHODS[entry.chain.type].readWithGrant;
  return entry.methods.some((m) => m.name === name);
}

/** The chain's name of a records operation on `entry` (`put` on FISCO BCOS, `PutRecord` on Fabric). */
export function recordsMethod(entry: ResourceEntry, operation: RecordsOperation): string {
  return METHODS[entry.chain.type][operation];
}

/**
 * Seals `fields` under fresh keys from the owner's records secret, wraps each audience's covered
 * fields' keys to it, and writes the record (FISCO BCOS `put`, Fabric `PutRecord`): its values and
 * key blobs replace the old ones, so audiences not passed lose access to this and later writes.
 * Resolves with the verified receipt (on FISCO BCOS a revert is `status: 'reverted'`).
 */
export async function putRecord(
  options: RecordsOptions,
  request: PutRecordRequest,
): Promise<VerifiedReceipt> {
  const { vault, entry, signer } = options;
  requireRecords(entry);
  const place = placeOf(entry, request.record);
  const secret = ownerSecret(vault, signer.account);
  let sealed: Record<string, string>;
  let keys: Record<string, Uint8Array>;
  try {
    ({ sealed, keys } = await sealRecord(secret, place, request.fields));
  } finally {
    secret.fill(0);
  }
  const blobs: [string, string][] = [];
  try {
    for (const audience of request.audiences) {
      const covered = coveredFields(audience.fields, Object.keys(sealed));
      const blob = await wrapKeys(
        audience.audiencePublicKey,
        { ...place, grantId: audience.grantId },
        Object.fromEntries(covered.map((f) => [f, keys[f] as Uint8Array])),
      );
      blobs.push([audience.grantId.toLowerCase(), blob]);
    }
  } finally {
    for (const key of Object.values(keys)) key.fill(0);
  }
  const keyGrants = blobs.map(([grantId]) => grantId);
  return submitRecordsWrite(options, 'put', {
    fabric: [request.record, JSON.stringify(sealed), JSON.stringify(Object.fromEntries(blobs))],
    fisco: [request.record, Object.keys(sealed), Object.values(sealed), keyGrants, blobs.map(([, b]) => b)],
  });
}

/**
 * The owner's record as the chain stores it (sealed values), or null if it has none of that id.
 * FISCO BCOS: a `get` call from the account's address (the routers' word: 2.x has no state
 * proofs; the values authenticate themselves when opened). Fabric: `GetRecord` of the
 * identity's own id, endorsed per the chaincode's policy and checked here.
 */
export async function readSealedRecord(
  options: RecordsOptions,
  record: string,
): Promise<Record<string, string> | null> {
  const { entry } = options;
  requireRecords(entry);
  try {
    return entry.chain.type === 'fabric'
      ? await readFabric(options, record)
      : await readFisco(options, record);
  } catch (error) {
    if (isNoSuchRecord(error)) return null;
    throw error;
  }
}

/**
 * The owner's record, opened with the owner's keys: `{ record, fields }` in plaintext. Throws
 * `RecordNotFoundError` if there is none, `RecordUnreadableError` if a value does not open.
 */
export async function readOwnRecord(options: RecordsOptions, record: string): Promise<OwnRecord> {
  const sealed = await readSealedRecord(options, record);
  if (sealed === null) throw new RecordNotFoundError(options.entry.path, record);
  const keys = ownerKeys(options, record, sealed);
  try {
    return { record, fields: await opened(keys, placeOf(options.entry, record), sealed) };
  } finally {
    for (const key of Object.values(keys)) key.fill(0);
  }
}

/**
 * Shares the keys of the owner's record `record` (as written now) with one grant: the covered
 * fields' keys wrapped to its audience, set with FISCO BCOS `shareKeys` / Fabric `ShareKeys`.
 * Resolves with the verified receipt, or null when the record does not exist yet (its first
 * write will wrap for the grant if it is still active). Every value is opened first: keys of a
 * value the owner did not write are never shared (`RecordUnreadableError`).
 */
export async function shareRecordKeys(
  options: RecordsOptions,
  request: ShareKeysRequest,
): Promise<VerifiedReceipt | null> {
  const { entry } = options;
  const sealed = await readSealedRecord(options, request.record);
  if (sealed === null) return null;
  const place = placeOf(entry, request.record);
  const { grantId, audiencePublicKey } = request.audience;
  const covered = coveredFields(request.audience.fields, Object.keys(sealed));
  const coveredSealed = Object.fromEntries(covered.map((f) => [f, sealed[f] as string]));
  const keys = ownerKeys(options, request.record, coveredSealed);
  let blob: string;
  try {
    await opened(keys, place, coveredSealed);
    blob = await wrapKeys(audiencePublicKey, { ...place, grantId }, keys);
  } finally {
    for (const key of Object.values(keys)) key.fill(0);
  }
  return submitRecordsWrite(options, 'shareKeys', {
    fabric: [request.record, grantId.toLowerCase(), blob],
    fisco: [request.record, grantId, blob],
  });
}

/** Signs and submits a write of the records resource as the owner: its Fabric identity, or its account. */
function submitRecordsWrite(
  { client, vault, trust, entry, signer }: RecordsOptions,
  method: 'put' | 'shareKeys',
  args: { fabric: string[]; fisco: unknown[] },
): Promise<VerifiedReceipt> {
  if (entry.chain.type === 'fabric') {
    return submitFabricWrite(client, vault, trust, fabricIdentity(signer), {
      path: entry.path,
      channel: entry.chain.channel,
      chaincode: entry.address,
      fn: METHODS.fabric[method],
      args: args.fabric,
    });
  }
  return submitFiscoWrite(client, vault, trust, signer.account, {
    path: entry.path,
    to: entry.address,
    data: encodeCall(entry.abi as never, METHODS['fisco-bcos'][method], args.fisco),
    abi: entry.abi,
  });
}

function requireRecords(entry: ResourceEntry): void {
  if (!isRecordsResource(entry)) {
    throw new NotRecordsResourceError(
      `${entry.path} holds no records that grants cover (no ${METHODS[entry.chain.type].readWithGrant})`,
    );
  }
}

function placeOf(entry: ResourceEntry, record: string): RecordPlace {
  return { resource: entry.path, record };
}

function fabricIdentity(signer: RecordsOptions['signer']): string {
  if (!signer.fabricIdentity) throw new NoFabricIdentityError();
  return signer.fabricIdentity;
}

/** The records secret of `account`; the account key is zeroed at once, the secret is the caller's to zero. */
function ownerSecret(vault: Vault, account: number): Uint8Array {
  const key = vault.privateKey(account);
  try {
    return recordsSecret(key);
  } finally {
    key.fill(0);
  }
}

/** The owner's keys of `sealed` (a value that is not sealed is `RecordUnreadableError`). */
function ownerKeys(
  options: RecordsOptions,
  record: string,
  sealed: Record<string, string>,
): Record<string, Uint8Array> {
  const secret = ownerSecret(options.vault, options.signer.account);
  try {
    return fieldKeys(secret, placeOf(options.entry, record), sealed);
  } catch (error) {
    throw unreadable(record, error);
  } finally {
    secret.fill(0);
  }
}

async function opened(
  keys: Record<string, Uint8Array>,
  place: RecordPlace,
  sealed: Record<string, string>,
): Promise<Record<string, string>> {
  try {
    return await openRecord(keys, place, sealed);
  } catch (error) {
    throw unreadable(place.record, error);
  }
}

function unreadable(record: string, error: unknown): Error {
  return error instanceof RecordCryptoError
    ? new RecordUnreadableError(record, error.reason, error.message)
    : (error as Error);
}

async function readFisco(options: RecordsOptions, record: string): Promise<Record<string, string>> {
  const { client, vault, entry, signer } = options;
  const account = (await vault.accounts()).find((a) => a.index === signer.account);
  if (!account) throw new UnknownAccountError();
  const result = await client.call({
    path: entry.path,
    method: METHODS['fisco-bcos'].get,
    args: [record],
    from: account.address,
  });
  const [names, values] = result.values as [unknown, unknown];
  if (
    !Array.isArray(names) ||
    !Array.isArray(values) ||
    names.length !== values.length ||
    ![...names, ...values].every((v) => typeof v === 'string')
  ) {
    throw new RecordUnreadableError(record, 'malformed', `${entry.path}.get answered no fields and values`);
  }
  return Object.fromEntries(names.map((name, i) => [name as string, values[i] as string]));
}

/** Fabric ids (`WhoAmI`) by identity and resource: fixed by the identity's certificate. */
const fabricIds = new WeakMap<Vault, Map<string, string>>();

async function readFabric(options: RecordsOptions, record: string): Promise<Record<string, string>> {
  const { vault, trust, entry, signer } = options;
  const identityId = fabricIdentity(signer);
  const owner = await ownFabricId(options, identityId);
  const key = vault.fabricSigningIdentity(identityId);
  let payload: Uint8Array;
  try {
    payload = (
      await trust.fabricRead(entry.path, key, {
        chaincode: entry.address,
        fn: METHODS.fabric.get,
        args: [owner, record],
      })
    ).read.payload;
  } finally {
    key.privateKey.fill(0);
  }
  const stored = jsonValue(decodeChaincodeResult(payload)) as { data?: unknown } | null;
  const data = jsonValue(stored?.data);
  if (
    typeof data !== 'object' ||
    data === null ||
    Array.isArray(data) ||
    !Object.values(data).every((v) => typeof v === 'string')
  ) {
    throw new RecordUnreadableError(record, 'malformed', `${entry.path}.GetRecord answered no fields`);
  }
  return { ...(data as Record<string, string>) };
}

async function ownFabricId(options: RecordsOptions, identityId: string): Promise<string> {
  const { client, vault, trust, entry, signer } = options;
  let known = fabricIds.get(vault);
  if (!known) {
    known = new Map();
    fabricIds.set(vault, known);
  }
  const cacheKey = `${entry.path}\n${identityId}`;
  const cached = known.get(cacheKey);
  if (cached !== undefined) return cached;
  const me = await whoAmI({
    client,
    vault,
    trust,
    resource: entry,
    identityId,
    // WhoAmI reads with the identity alone; the account is not used.
    account: { index: signer.account, address: '' },
  });
  known.set(cacheKey, me.id);
  return me.id;
}

/** A chaincode answer that may be JSON text, parsed; anything else as it is. */
function jsonValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The contract's or chaincode's refusal of a record that is not there. */
function isNoSuchRecord(error: unknown): boolean {
  if (!(error instanceof HipError) || error.code !== HipErrorCode.chainReverted) return false;
  const text = `${String(error.details.chainMessage ?? '')}\n${error.message}`;
  return /Records: no such record|record .* does not exist/.test(text);
}
