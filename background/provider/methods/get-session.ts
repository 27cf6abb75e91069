import type { ProviderResult } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import type { RequestContext } from '../context.ts';

/** `weft_getSession`: the caller's session, or null. Never needs one. */
export function getSession(
  _params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_getSession'>> {
  return services.sessions.get(context.origin);
}
