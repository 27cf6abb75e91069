/**
 * What `weft_putRecord` and `weft_getRecord` share: their params, the session and records
 * resource they act on, and the record errors as provider errors.
 */
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { GetRecordParams, PutRecordParams, Session } from '../../../content/provider-schema.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import {
  NoFabricIdentityError,
  NotRecordsResourceError,
  RecordNotFoundError,
  RecordUnreadableError,
} from '../../records/errors.ts';
import {
  isRecordsResource,
  type RecordsOperation,
  type RecordsOptions,
  recordsMethod,
} from '../../records/records.ts';
import type { WalletServices } from '../../services.ts';
import type { FabricIdentityMeta } from '../../vault/state.ts';
import { CHAIN_ERROR, toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { objectParam, resourcePath } from './params.ts';
import { requireCovered, requireSession } from './require-session.ts';
import { sessionFabricIdentity } from './session-fabric-identity.ts';
import { describeSessionResource } from './session-resource.ts';

export const MAX_RECORD_ID_LENGTH = 200;
export const MAX_FIELDS = 64;
export const MAX_FIELD_NAME_LENGTH = 200;
export const MAX_VALUE_LENGTH = 4096;

/** The session, the records resource and the options the record functions take. */
export interface RecordsTarget {
  session: Session;
  entry: ResourceEntry;
  /** On Fabric, the session's identity (the records' owner). */
  identity?: FabricIdentityMeta;
  options: RecordsOptions;
}

/**
 * The caller's session covering `path` and the chain's method for `operation` there, and the
 * records resource at `path`; 4100 or -32602 otherwise.
 */
export async function recordsTarget(
  services: WalletServices,
  context: RequestContext,
  path: string,
  operation: RecordsOperation,
): Promise<RecordsTarget> {
  const session = await requireSession(services, context, path);
  const entry = await describeSessionResource(services, context, session, path);
  if (!isRecordsResource(entry)) {
    throw invalidParams(`${path} holds no records that grants cover (no readWithGrant)`, {
      reason: 'NOT_RECORDS',
    });
  }
  // A session limited to some methods must allow the chain's own one for this operation.
  requireCovered(session, path, recordsMethod(entry, operation));
  const identity =
    entry.chain.type === 'fabric' ? await sessionFabricIdentity(services.vault, session) : undefined;
  return {
    session,
    entry,
    ...(identity ? { identity } : {}),
    options: {
      client: services.routers.client(),
      vault: services.vault,
      trust: services.trust,
      entry,
      signer: { account: session.account, ...(identity ? { fabricIdentity: identity.id } : {}) },
    },
  };
}

export function recordId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RECORD_ID_LENGTH) {
    throw invalidParams(`record must be a record id of 1 to ${MAX_RECORD_ID_LENGTH} characters`);
  }
  return value;
}

/** `{ path, record, fields }`, checked: each failure is a -32602 naming the field. */
export function putRecordParams(params: unknown): PutRecordParams {
  const input = objectParam<PutRecordParams>(params, 'weft_putRecord');
  const path = resourcePath(input.path);
  const record = recordId(input.record);
  const { fields } = input;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw invalidParams('fields must be an object { name: value }');
  }
  const entries = Object.entries(fields);
  if (entries.length === 0 || entries.length > MAX_FIELDS) {
    throw invalidParams(`fields must hold 1 to ${MAX_FIELDS} fields`);
  }
  for (const [name, value] of entries) {
    if (name.length === 0 || name.length > MAX_FIELD_NAME_LENGTH) {
      throw invalidParams(`fields: each name must be 1 to ${MAX_FIELD_NAME_LENGTH} characters`);
    }
    if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH) {
      throw invalidParams(`fields.${name} must be a string of at most ${MAX_VALUE_LENGTH} characters`);
    }
  }
  // Entries, not assignments: a field may be named "__proto__".
  return { path, record, fields: Object.fromEntries(entries) as Record<string, string> };
}

/** `{ path, record }`, checked. */
export function getRecordParams(params: unknown): GetRecordParams {
  const input = objectParam<GetRecordParams>(params, 'weft_getRecord');
  return { path: resourcePath(input.path), record: recordId(input.record) };
}

/** A record operation's failure as the page gets it. */
export function recordsError(error: unknown): ProviderError {
  if (error instanceof RecordNotFoundError) {
    return new ProviderError(CHAIN_ERROR, error.message, { reason: 'NO_SUCH_RECORD', record: error.record });
  }
  if (error instanceof RecordUnreadableError) {
    return new ProviderError(CHAIN_ERROR, error.message, {
      reason: 'UNREADABLE',
      record: error.record,
      detail: error.reason,
    });
  }
  if (error instanceof NoFabricIdentityError) return new ProviderError(ErrorCode.unauthorized, error.message);
  if (error instanceof NotRecordsResourceError)
    return invalidParams(error.message, { reason: 'NOT_RECORDS' });
  return toProviderError(error);
}
