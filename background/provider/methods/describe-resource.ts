import type { DescribeParams, ProviderResult } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { jsonSafe } from '../json-safe.ts';
import { objectParam, resourcePath } from './params.ts';
import { requireSession } from './require-session.ts';
import { describeSessionResource } from './session-resource.ts';

/** `weft_describe({ path })`: one resource: chain, address, methods with their inputs and outputs, ABI. */
export async function describeResource(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_describe'>> {
  const path = resourcePath(objectParam<DescribeParams>(params, 'weft_describe').path);
  const session = await requireSession(services, context);
  // A resource of the session is answered only as the user approved it (its pin).
  if (session.resources.includes(path)) {
    return jsonSafe(await describeSessionResource(services, context, session, path));
  }
  try {
    return jsonSafe(await services.routers.describe(path));
  } catch (error) {
    throw toProviderError(error);
  }
}
