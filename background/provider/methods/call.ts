import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { jsonSafe } from '../json-safe.ts';
import type { WalletServices } from '../services.ts';
import { argList, methodName, objectParam, resourcePath } from './params.ts';
import { requireSession } from './require-session.ts';

/** `weft_call({ path, method, args })`: a read, answered by the chain through the routers. No approval. */
export async function call(params: unknown, context: RequestContext, services: WalletServices) {
  const input = objectParam(params, 'weft_call');
  const path = resourcePath(input.path);
  const method = methodName(input.method);
  const args = argList(input.args);
  const session = await requireSession(services, context, path);
  try {
    const result = await services.routers.client().call({ path, method, args, from: session.address });
    return jsonSafe(result);
  } catch (error) {
    throw toProviderError(error);
  }
}
