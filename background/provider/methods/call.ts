/**
 * `weft_call({ path, method, args })`: a read, answered by the chain through the routers,
 * no approval. On Fabric, while the wallet is unlocked and holds the site's Fabric
 * identity, the read is a proposal signed by that identity, so chaincode that answers
 * per caller (a user's own records) answers for the user; otherwise the router reads
 * under its own identity. On FISCO BCOS reads carry the session's address as `from`.
 */
import type { Session } from '../../sessions/session-store.ts';
import { signFabricRead } from '../../signing/fabric-read.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { jsonSafe } from '../json-safe.ts';
import type { WalletServices } from '../services.ts';
import { resourceCall } from './params.ts';
import { requireSession } from './require-session.ts';

export async function call(params: unknown, context: RequestContext, services: WalletServices) {
  const { path, method, args } = resourceCall(params, 'weft_call');
  const session = await requireSession(services, context, path, method);
  try {
    const client = services.routers.client();
    const signed = await fabricSignedRead(services, session, path, method, args);
    const result = await client.call({
      path,
      method,
      args,
      from: session.address,
      ...(signed ? { signed } : {}),
    });
    return jsonSafe(result);
  } catch (error) {
    throw toProviderError(error);
  }
}

async function fabricSignedRead(
  services: WalletServices,
  session: Session,
  path: string,
  method: string,
  args: unknown[],
): Promise<`0x${string}` | undefined> {
  if (!session.fabricIdentity || !services.vault.isUnlocked()) return undefined;
  const resource = await services.routers.describe(path);
  if (resource.chain.type !== 'fabric') return undefined;
  return signFabricRead(services.vault, session.fabricIdentity, {
    channel: resource.chain.channel,
    chaincode: resource.address,
    fn: method,
    args,
  });
}
