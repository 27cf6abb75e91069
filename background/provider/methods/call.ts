/**
 * `weft_call({ path, method, args })`: a read, answered by the chain through the routers,
 * no approval. Only a method the resource publishes as a read (FISCO BCOS: `view` / `pure`
 * in its ABI; Fabric: `kind: 'read'` in the chaincode's method list) is called: anything
 * else is refused before anything is signed or sent, since a write must go through the
 * user's approval (`weft_sendTransaction`). On Fabric, while the wallet is unlocked and
 * holds the site's Fabric identity, the read is a proposal signed by that identity, so
 * chaincode that answers per caller (a user's own records) answers for the user; otherwise
 * the router reads under its own identity. On FISCO BCOS reads carry the session's address
 * as `from`.
 *
 * A records resource's grant read (`readWithGrant` / `ReadWithGrant`) is refused: it goes
 * through `weft_readWithGrant`, whose router checks replay and revocation.
 *
 * `verified` says what backs the values (docs/trust-model.md): on Fabric with the session's
 * identity, an endorsed proposal whose endorsements satisfy the chaincode's policy (checked
 * here); otherwise only the routers' word (FISCO BCOS 2.x has no state proofs).
 */
import type { JsonSafe, ProviderResult } from '../../../content/provider-schema.ts';
import { decodeChaincodeResult } from '../../../p2p/chains/fabric/chaincode-result.ts';
import { toHex } from '../../../p2p/chains/fabric/offline-signing.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import type { WalletServices } from '../../services.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams } from '../errors.ts';
import { jsonSafe } from '../json-safe.ts';
import { resourceCall } from './params.ts';
import { requireSession } from './require-session.ts';
import { describeSessionResource } from './session-resource.ts';

/** The grant reads of records resources (FISCO BCOS, Fabric). */
const GRANT_READS: ReadonlySet<string> = new Set(['readWithGrant', 'ReadWithGrant']);

export async function call(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_call'>> {
  const { path, method, args } = resourceCall(params, 'weft_call');
  const session = await requireSession(services, context, path, method);
  if (GRANT_READS.has(method)) {
    // Through weft_readWithGrant only: there the router checks replay and revocation before the chain.
    throw invalidParams(`${path}.${method} is a read under a grant: use weft_readWithGrant`, {
      reason: 'GRANT_METHOD',
    });
  }
  const resource = await describeSessionResource(services, context, session, path);
  requireRead(resource, method);
  try {
    if (resource.chain.type === 'fabric' && session.fabricIdentity && services.vault.isUnlocked()) {
      return await endorsedRead(services, session.fabricIdentity, resource, method, args);
    }
    const result = await services.routers.client().call({ path, method, args, from: session.address });
    return {
      ...jsonSafe(result),
      verified: {
        backing: 'router',
        by:
          resource.chain.type === 'fabric'
            ? 'the routers only: evaluated by one peer (connect with a Fabric identity for endorsed reads)'
            : 'the routers only: FISCO BCOS 2.x has no state proofs',
      },
    };
  } catch (error) {
    throw toProviderError(error);
  }
}

/** A Fabric read endorsed per the chaincode's policy, the endorsements checked here. */
async function endorsedRead(
  services: WalletServices,
  identityId: string,
  resource: ResourceEntry,
  method: string,
  args: unknown[],
): Promise<ProviderResult<'weft_call'>> {
  if (!args.every((a) => ['string', 'number', 'bigint'].includes(typeof a))) {
    throw invalidParams('Fabric arguments must be strings or numbers');
  }
  const signer = services.vault.fabricSigningIdentity(identityId);
  try {
    const { read, verification } = await services.trust.fabricRead(resource.path, signer, {
      chaincode: resource.address,
      fn: method,
      args: args.map(String),
    });
    return {
      values: [decodeChaincodeResult(read.payload)] as JsonSafe<unknown[]>,
      raw: toHex(read.payload),
      verified: { backing: 'endorsed', by: verification.by },
    };
  } finally {
    signer.privateKey.fill(0);
  }
}

/** -32602 unless every method of that name on the resource is a read (overloads included). */
function requireRead(resource: ResourceEntry, method: string): void {
  const named = resource.methods.filter((m) => m.name === method);
  if (named.length === 0) {
    throw invalidParams(`${resource.path} publishes no method ${method}`, { reason: 'UNKNOWN_METHOD' });
  }
  if (named.some((m) => m.kind !== 'read')) {
    throw invalidParams(
      `${resource.path}.${method} writes: weft_call only reads, send it with weft_sendTransaction`,
      { reason: 'WRITE_METHOD' },
    );
  }
}
