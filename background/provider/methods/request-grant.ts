/**
 * `weft_requestGrant({ resource, records, fields?, durationSeconds, reason, audiencePublicKey })`:
 * a site asks the user to let it read some of their records (docs/grants.md). The popup
 * shows the site, the data (resource, chain, records, fields), until when, why, the key the
 * site will read with (its address) and the account that signs; the user may untick records
 * or fields and shorten the duration. The wallet then signs the grant with the session's
 * account (on Fabric after linking the session's Fabric identity to that account, once), keeps
 * it for the popup's Grants list, and shares the keys of each granted record that exists with
 * the site's public key (one `shareKeys` / `ShareKeys` transaction per record); it returns
 * `{ grant, signature, grantId, sharedKeys }`.
 */
import { computeAddress, getAddress, hexlify, SigningKey } from 'ethers';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { GrantParams, IssuedGrant, SharedKeys } from '../../../content/provider-schema.ts';
import { type Grant, grantId, type Hex, signDigest } from '../../../p2p/grants/typed-data.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import type { GrantApprovalDetails } from '../../approvals/approval-kinds.ts';
import { ApprovalRejectedError } from '../../approvals/approval-queue.ts';
import { ensureAccountLink } from '../../grants/fabric-link.ts';
import {
  checkGrantChoice,
  type GrantScope,
  MAX_GRANT_SECONDS,
  MIN_GRANT_SECONDS,
} from '../../grants/scope.ts';
import { grantValidFrom } from '../../grants/valid-from.ts';
import {
  isRecordsResource,
  type RecordsOptions,
  recordsMethod,
  shareRecordKeys,
} from '../../records/records.ts';
import type { WalletServices } from '../../services.ts';
import { EvidenceRefusedError } from '../../trust/verification.ts';
import { fabricIdentityLabel } from '../../vault/state.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { objectParam, resourcePath } from './params.ts';
import { recordsError } from './records-session.ts';
import { requireSession } from './require-session.ts';
import { sessionFabricIdentity } from './session-fabric-identity.ts';
import { describeSessionResource } from './session-resource.ts';

const MAX_REASON_LENGTH = 500;
/** A compressed (33-byte) or uncompressed (65-byte) SEC 1 public key, 0x hex. */
const PUBLIC_KEY = /^0x(?:0[23][0-9a-fA-F]{64}|04[0-9a-fA-F]{128})$/;

/**
 * The params, checked: `fields` filled in (empty: every field), `reason` trimmed,
 * `audiencePublicKey` compressed, and `audienceKey` its checksummed address.
 */
export type GrantRequest = Required<GrantParams> & { audienceKey: string };

export async function requestGrant(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<IssuedGrant> {
  const request = grantRequest(params);
  // The grantee need not use the resource itself: any session says which account signs for the user.
  const session = await requireSession(services, context);
  let resource: ResourceEntry;
  if (session.resources.includes(request.resource)) {
    // A resource the session covers is the one the user approved, or the grant is refused.
    resource = await describeSessionResource(services, context, session, request.resource);
  } else {
    try {
      resource = await services.routers.describe(request.resource);
    } catch (error) {
      throw toProviderError(error);
    }
  }
  if (!isRecordsResource(resource)) {
    throw invalidParams(`${request.resource} holds no records that grants cover (no readWithGrant)`);
  }
  const account = (await services.vault.accounts()).find((a) => a.index === session.account);
  if (!account) throw new ProviderError(ErrorCode.unauthorized, 'the session account is not in the wallet');
  const fabric =
    resource.chain.type === 'fabric' ? await sessionFabricIdentity(services.vault, session) : undefined;
  const [zone = '', chainName = ''] = request.resource.split('.');
  const details: GrantApprovalDetails = {
    resource: request.resource,
    zone,
    chainName,
    chain: resource.chain,
    contract: resource.address,
    records: request.records,
    fields: request.fields,
    durationSeconds: request.durationSeconds,
    reason: request.reason,
    audienceKey: request.audienceKey,
    issuer: { address: account.address, name: account.name },
    ...(fabric ? { fabricIdentity: { name: fabric.name, mspId: fabric.mspId } } : {}),
  };
  const summary = `${request.resource}: ${request.records.join(', ')}`;
  /** Who signs the chain's transactions for this grant (the grant itself is the account's). */
  const signedBy = fabric ? fabricIdentityLabel(fabric) : account.address;
  let scope: GrantScope;
  try {
    scope = await services.approvals.request('grant', context.origin, details, (choice) =>
      checkGrantChoice(request, choice),
    );
  } catch (error) {
    if (!(error instanceof ApprovalRejectedError)) throw error;
    await services.activity.add({
      origin: context.origin,
      kind: 'grant',
      summary,
      account: account.address,
      status: 'rejected',
    });
    throw new ProviderError(ErrorCode.userRejected, error.message);
  }

  let issued: Omit<IssuedGrant, 'sharedKeys'>;
  try {
    if (fabric) {
      const linked = await ensureAccountLink({
        client: services.routers.client(),
        vault: services.vault,
        trust: services.trust,
        resource,
        identityId: fabric.id,
        account,
      });
      if (linked) {
        await services.activity.add({
          origin: context.origin,
          kind: 'transaction',
          summary: `${request.resource}.LinkAccount`,
          account: signedBy,
          status: linked.status,
          txId: linked.txId,
          blockNumber: linked.blockNumber.toString(),
        });
      }
    }
    const now = Math.floor(Date.now() / 1000);
    const notBefore = await grantValidFrom(services.routers.client(), resource, now);
    const grant: Grant = {
      issuer: account.address,
      audienceOrigin: context.origin,
      audienceKey: request.audienceKey,
      resource: request.resource,
      records: scope.records,
      fields: scope.fields,
      actions: ['read'],
      notBefore,
      expiry: now + scope.durationSeconds,
      nonce: hexlify(crypto.getRandomValues(new Uint8Array(32))) as Hex,
    };
    const id = grantId(grant);
    const key = services.vault.privateKey(account.index);
    let signature: Hex;
    try {
      signature = signDigest(id, key);
    } finally {
      key.fill(0);
    }
    await services.grants.add({
      id,
      grant,
      signature,
      audiencePublicKey: request.audiencePublicKey as Hex,
      origin: context.origin,
      chain: resource.chain.type,
      signer: { account: account.index, ...(fabric ? { fabricIdentity: fabric.id } : {}) },
      createdAt: Date.now(),
    });
    await services.activity.add({
      origin: context.origin,
      kind: 'grant',
      summary,
      account: account.address,
      status: 'success',
    });
    issued = { grant, signature, grantId: id };
  } catch (error) {
    const providerError = toProviderError(error);
    await services.activity.add({
      origin: context.origin,
      kind: 'grant',
      summary,
      account: account.address,
      status: 'failed',
      error: providerError.message,
    });
    throw providerError;
  }
  const options: RecordsOptions = {
    client: services.routers.client(),
    vault: services.vault,
    trust: services.trust,
    entry: resource,
    signer: { account: account.index, ...(fabric ? { fabricIdentity: fabric.id } : {}) },
  };
  const sharedKeys = await shareGrantKeys(
    services,
    context,
    options,
    { ...issued, signedBy },
    request.audiencePublicKey as Hex,
  );
  return { ...issued, sharedKeys };
}

/**
 * Shares each granted record's keys with the new grant's audience, one transaction per record
 * that exists, each in the activity (as LinkAccount's). The grant is signed and kept whatever
 * happens here: a failure is reported per record, and the record's next write wraps keys for
 * the grant anyway while it is active.
 */
async function shareGrantKeys(
  services: WalletServices,
  context: RequestContext,
  options: RecordsOptions,
  issued: Omit<IssuedGrant, 'sharedKeys'> & { signedBy: string },
  audiencePublicKey: Hex,
): Promise<SharedKeys[]> {
  const { grant, grantId: id, signedBy } = issued;
  const audience = { grantId: id, audiencePublicKey, fields: grant.fields };
  const summary = `${options.entry.path}.${recordsMethod(options.entry, 'shareKeys')}`;
  const outcomes: SharedKeys[] = [];
  for (const record of grant.records) {
    try {
      const receipt = await shareRecordKeys(options, { record, audience });
      if (!receipt) {
        outcomes.push({ record, status: 'absent' });
        continue;
      }
      await services.activity.add({
        origin: context.origin,
        kind: 'transaction',
        summary,
        account: signedBy,
        status: receipt.status,
        txId: receipt.txId,
        blockNumber: receipt.blockNumber.toString(),
        verified: receipt.verified.by,
      });
      outcomes.push(
        receipt.status === 'success'
          ? { record, status: 'shared', txId: receipt.txId }
          : { record, status: 'failed', txId: receipt.txId, error: `the chain reverted ${summary}` },
      );
    } catch (error) {
      const message = recordsError(error).message;
      await services.activity.add({
        origin: context.origin,
        kind: 'transaction',
        summary,
        account: signedBy,
        status: error instanceof EvidenceRefusedError ? 'unverified' : 'failed',
        error: message,
      });
      outcomes.push({ record, status: 'failed', error: message });
    }
  }
  return outcomes;
}

/** The params, checked: each failure is a -32602 naming the field. */
export function grantRequest(params: unknown): GrantRequest {
  const input = objectParam<GrantParams>(params, 'weft_requestGrant');
  const resource = resourcePath(input.resource, 'resource');
  const records = nameList(input.records, 'records', 1);
  const fields = input.fields === undefined ? [] : nameList(input.fields, 'fields', 0);
  const { durationSeconds, reason, audiencePublicKey } = input;
  if (
    typeof durationSeconds !== 'number' ||
    !Number.isSafeInteger(durationSeconds) ||
    durationSeconds < MIN_GRANT_SECONDS ||
    durationSeconds > MAX_GRANT_SECONDS
  ) {
    throw invalidParams(
      `durationSeconds must be a whole number of seconds from ${MIN_GRANT_SECONDS} to ${MAX_GRANT_SECONDS}`,
    );
  }
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw invalidParams(`reason must say why, in 1 to ${MAX_REASON_LENGTH} characters`);
  }
  if (audiencePublicKey === undefined && (input as { audienceKey?: unknown }).audienceKey !== undefined) {
    throw invalidParams(
      'audienceKey is no longer taken: pass audiencePublicKey, the public key of the key the site reads with (the grant names its address)',
    );
  }
  const badKey = () =>
    invalidParams(
      'audiencePublicKey must be the 0x secp256k1 public key (33 or 65 bytes) of the key the site reads with',
    );
  if (typeof audiencePublicKey !== 'string' || !PUBLIC_KEY.test(audiencePublicKey)) throw badKey();
  let publicKey: string;
  let address: string;
  try {
    // Throws for bytes that are not a point on the curve.
    publicKey = SigningKey.computePublicKey(audiencePublicKey, true);
    address = getAddress(computeAddress(publicKey));
  } catch {
    throw badKey();
  }
  return {
    resource,
    records,
    fields,
    durationSeconds,
    reason: reason.trim(),
    audiencePublicKey: publicKey,
    audienceKey: address,
  };
}

/** 1..64 (or 0..64) distinct names of 1 to 200 characters, as a grant may hold them. */
function nameList(value: unknown, field: string, min: number): string[] {
  if (
    !Array.isArray(value) ||
    value.length < min ||
    value.length > 64 ||
    !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 200)
  ) {
    throw invalidParams(`${field} must list ${min} to 64 names of 1 to 200 characters`);
  }
  if (new Set(value).size !== value.length) throw invalidParams(`${field} lists a name twice`);
  return value as string[];
}
