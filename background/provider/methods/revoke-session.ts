import type { RequestContext } from '../context.ts';
import type { WalletServices } from '../services.ts';

/** `weft_revokeSession`: the site ends its own session. */
export async function revokeSession(
  _params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<{ revoked: boolean }> {
  return { revoked: await services.sessions.revoke(context.origin) };
}
