import type { GetTransactionParams, ProviderResult } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams } from '../errors.ts';
import { jsonSafe } from '../json-safe.ts';
import { objectParam, resourcePath } from './params.ts';
import { requireSession } from './require-session.ts';

/** `weft_getTransaction({ path, txId })`: the chain's record of a transaction (block, sender, input), or null. */
export async function getTransaction(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_getTransaction'>> {
  const input = objectParam<GetTransactionParams>(params, 'weft_getTransaction');
  const path = resourcePath(input.path);
  const { txId } = input;
  if (typeof txId !== 'string' || txId.length === 0 || txId.length > 200)
    throw invalidParams('txId must be a string');
  await requireSession(services, context, path);
  try {
    return jsonSafe(await services.routers.client().getTransaction(path, txId));
  } catch (error) {
    throw toProviderError(error);
  }
}
