/** The two steps every TTM method ends with: the user's one approval, then the coordinator. */
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { ApprovalDetails } from '../../approvals/approval-kinds.ts';
import { ApprovalRejectedError, noChoice } from '../../approvals/approval-queue.ts';
import type { WalletServices } from '../../services.ts';
import { type SwapRecord, type SwapView, toView } from '../../ttm/types.ts';
import { CHAIN_ERROR } from '../chain-errors.ts';
import { ProviderError } from '../errors.ts';

/** Shows the approval; a rejection (or a closed window) becomes 4001. Nothing is logged before it. */
export async function approveTtm<K extends 'crossChain' | 'swap'>(
  services: WalletServices,
  kind: K,
  origin: string,
  details: ApprovalDetails[K],
): Promise<void> {
  try {
    await services.approvals.request(kind, origin, details, noChoice);
  } catch (error) {
    if (!(error instanceof ApprovalRejectedError)) throw error;
    throw new ProviderError(ErrorCode.userRejected, error.message);
  }
}

/** Logs and starts one side of a swap; resolves once its lock is on chain, -32000 if refused. */
export async function startSwapSide(services: WalletServices, record: SwapRecord): Promise<SwapView> {
  const locked = await services.ttm.startSwap(record);
  if (locked.state === 'cancelled') {
    throw new ProviderError(CHAIN_ERROR, `swap cancelled: ${locked.reason}`, {
      reason: 'CANCELLED',
      swap: toView(locked),
    });
  }
  return toView(locked);
}
