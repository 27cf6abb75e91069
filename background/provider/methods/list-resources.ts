import type { ProviderResult } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { jsonSafe } from '../json-safe.ts';
import { requireSession } from './require-session.ts';

/** `weft_resources`: every resource the router network reaches, with its methods and hop count. */
export async function listResources(
  _params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_resources'>> {
  await requireSession(services, context);
  try {
    return jsonSafe(await services.routers.client().resources());
  } catch (error) {
    throw toProviderError(error);
  }
}
