import type { ProviderResult } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams } from '../errors.ts';

/** `weft_revokeSession`: the site ends its own session. Takes no params: junk must not end it. */
export async function revokeSession(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_revokeSession'>> {
  if (params !== undefined && !(Array.isArray(params) && params.length === 0)) {
    throw invalidParams('weft_revokeSession takes no params');
  }
  return { revoked: await services.sessions.revoke(context.origin) };
}
