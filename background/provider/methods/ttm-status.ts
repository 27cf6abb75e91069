/**
 * `weft_ttmStatus({ id })`: a cross-chain transaction or swap this site started, as the
 * wallet's log has it now (state, per-chain legs or locks, timeline, reason); `weft_ttmList()`:
 * all of this site's, newest first, e.g. to find one again after the wallet restarted while the
 * page waited. Another site's records are never shown.
 */
import type { ProviderResult, TtmStatusParams } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import { toView } from '../../ttm/types.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams } from '../errors.ts';
import { objectParam } from './params.ts';
import { hex32Param } from './ttm-params.ts';

export async function ttmStatus(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_ttmStatus'>> {
  const id = hex32Param(objectParam<TtmStatusParams>(params, 'weft_ttmStatus').id, 'id');
  const record = await services.ttm.log.get(id);
  if (!record || record.origin !== context.origin)
    throw invalidParams(`no cross-chain transaction or swap ${id}`);
  return toView(record);
}

export async function ttmList(
  _params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_ttmList'>> {
  return (await services.ttm.log.ofOrigin(context.origin)).map(toView);
}
