/**
 * `weft_requestGrant({ resource, records, fields?, durationSeconds, reason, audienceKey })`:
 * a site asks the user to let it read some of their records (docs/grants.md). The popup
 * shows the site, the data (resource, chain, records, fields), until when, why, the key the
 * site will read with and the account that signs; the user may untick records or fields
 * and shorten the duration. The wallet then signs the grant with the session's account
 * (on Fabric after linking the session's Fabric identity to that account, once), keeps it
 * for the popup's Grants list and returns `{ grant, signature, grantId }`.
 */
import { getAddress, hexlify } from 'ethers';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { GrantParams, IssuedGrant } from '../../../content/provider-schema.ts';
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
import type { WalletServices } from '../../services.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { objectParam, resourcePath } from './params.ts';
import { requireSession } from './require-session.ts';
import { sessionFabricIdentity } from './session-fabric-identity.ts';

const MAX_REASON_LENGTH = 500;

/** The params, checked: `fields` filled in (empty: every field), `reason` trimmed, `audienceKey` checksummed. */
export type GrantRequest = Required<GrantParams>;

export async function requestGrant(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<IssuedGrant> {
  const request = grantRequest(params);
  // The grantee need not use the resource itself: any session says which account signs for the user.
  const session = await requireSession(services, context);
  let resource: ResourceEntry;
  try {
    resource = await services.routers.describe(request.resource);
  } catch (error) {
    throw toProviderError(error);
  }
  if (!resource.methods.some((m) => m.name.toLowerCase() === 'readwithgrant')) {
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
  let scope: GrantScope;
  try {
    scope = await services.approvals.request('grant', context.origin, details, (choice) =>
      checkGrantChoice(request, choice),
    );
  } catch (error) {
    if (!(error instanceof ApprovalRejectedError)) throw error;
    await services.activity.add({ origin: context.origin, kind: 'grant', summary, status: 'rejected' });
    throw new ProviderError(ErrorCode.userRejected, error.message);
  }

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
      origin: context.origin,
      chain: resource.chain.type,
      signer: { account: account.index, ...(fabric ? { fabricIdentity: fabric.id } : {}) },
      createdAt: Date.now(),
    });
    await services.activity.add({ origin: context.origin, kind: 'grant', summary, status: 'success' });
    return { grant, signature, grantId: id };
  } catch (error) {
    const providerError = toProviderError(error);
    await services.activity.add({
      origin: context.origin,
      kind: 'grant',
      summary,
      status: 'failed',
      error: providerError.message,
    });
    throw providerError;
  }
}

/** The params, checked: each failure is a -32602 naming the field. */
export function grantRequest(params: unknown): GrantRequest {
  const input = objectParam<GrantParams>(params, 'weft_requestGrant');
  const resource = resourcePath(input.resource, 'resource');
  const records = nameList(input.records, 'records', 1);
  const fields = input.fields === undefined ? [] : nameList(input.fields, 'fields', 0);
  const { durationSeconds, reason, audienceKey } = input;
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
  const badKey = () =>
    invalidParams('audienceKey must be the 0x address of the key the site signs its reads with');
  if (typeof audienceKey !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(audienceKey)) throw badKey();
  let key: string;
  try {
    // Checksummed; a mixed-case address with a wrong checksum is a typo, refused.
    key = getAddress(audienceKey);
  } catch {
    throw badKey();
  }
  return { resource, records, fields, durationSeconds, reason: reason.trim(), audienceKey: key };
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
