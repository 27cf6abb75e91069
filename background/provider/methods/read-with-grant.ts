/**
 * `weft_readWithGrant({ grant, signature, read, readSignature })`: a read under a grant
 * (docs/grants.md). The wallet's own check is the origin: only a page whose origin, as the
 * browser reports it, is the grant's `audienceOrigin` may present it, so a grant copied to
 * another site is useless even with its key. Everything else (signatures, window, replay,
 * revocation, fields) is checked by the router fronting the data and by the chain, whose
 * refusal comes back with its reason. No session is needed: the grant is the permission.
 * The answer is the router's: the covered fields as the chain stores them (sealed) and `key`,
 * the blob of their keys the owner wrapped to the grant's audience; the page opens them with
 * its audience private key (`openGranted`, p2p/grants/record-crypto.ts). The wallet cannot.
 */
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { GrantedReadParams, ProviderResult } from '../../../content/provider-schema.ts';
import { grantedReadSchema, grantSchema, signature65 } from '../../../p2p/grants/schema.ts';
import { type Grant, type GrantedRead, grantId, type Hex } from '../../../p2p/grants/typed-data.ts';
import type { GrantedRecord } from '../../../p2p/protocol/messages.ts';
import type { WalletServices } from '../../services.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { grantReadError } from '../grant-errors.ts';
import { objectParam, resourcePath } from './params.ts';

export async function readWithGrant(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_readWithGrant'>> {
  const { grant, signature, read, readSignature } = grantedReadParams(params);
  if (context.origin !== grant.audienceOrigin) {
    throw new ProviderError(
      ErrorCode.unauthorized,
      `this grant is for ${grant.audienceOrigin}; ${context.origin} may not use it`,
      { reason: 'wrong-origin', audienceOrigin: grant.audienceOrigin },
    );
  }
  let result: GrantedRecord;
  try {
    result = await services.routers
      .client()
      .readGranted(grant.resource, { grant, signature }, { read, signature: readSignature });
  } catch (error) {
    throw grantReadError(error);
  }
  // "Last used" in the popup's Grants list, for the grants this wallet issued.
  await services.grants.markUsed(grantIdOf(grant)).catch(() => false);
  return {
    record: result.record,
    fields: result.fields,
    key: typeof result.key === 'string' ? result.key : '',
  };
}

function grantedReadParams(params: unknown): GrantedReadParams {
  const input = objectParam<GrantedReadParams>(params, 'weft_readWithGrant');
  const grant = grantSchema.safeParse(input.grant);
  if (!grant.success) throw invalidParams('grant is not a Weft grant (see docs/grants.md)');
  resourcePath(grant.data.resource, 'grant.resource');
  if (!signature65.safeParse(input.signature).success) {
    throw invalidParams('signature must be the grant’s 65-byte signature, 0x hex');
  }
  const read = grantedReadSchema.safeParse(input.read);
  if (!read.success) throw invalidParams('read must be a GrantedRead { grant, record, nonce, issuedAt }');
  if (!signature65.safeParse(input.readSignature).success) {
    throw invalidParams('readSignature must be a 65-byte signature by the audience key, 0x hex');
  }
  return {
    grant: grant.data as Grant,
    signature: input.signature as Hex,
    read: read.data as GrantedRead,
    readSignature: input.readSignature as Hex,
  };
}

/** The id, or "" for a grant that does not hash (a bad address checksum): no stored grant matches it. */
function grantIdOf(grant: Grant): string {
  try {
    return grantId(grant);
  } catch {
    return '';
  }
}
