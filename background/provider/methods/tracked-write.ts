/**
 * A write the user approved, from submission to its verified receipt, with its activity entry
 * kept up to date: `submitting`, then the receipt's status and what verified it, or `failed`
 * (`unverified` when the chain's evidence did not back the router) with the error the page gets.
 */
import type { ProviderResult } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import { EvidenceRefusedError, type VerifiedReceipt } from '../../trust/verification.ts';
import { toProviderError } from '../chain-errors.ts';
import type { ProviderError } from '../errors.ts';
import { jsonSafe } from '../json-safe.ts';

export interface TrackedWrite {
  services: WalletServices;
  origin: string;
  /** What the activity list shows, e.g. `payment.bcos.asset.transfer`. */
  summary: string;
  /** Who signs, as the approval showed it (the activity entry's `account`). */
  account: string;
  submit: () => Promise<VerifiedReceipt>;
  /** How a failure reaches the page (default: as a chain error). */
  toError?: (error: unknown) => ProviderError;
}

export async function trackedWrite(write: TrackedWrite): Promise<ProviderResult<'weft_sendTransaction'>> {
  const { services, origin, summary, account, submit, toError = toProviderError } = write;
  const id = await services.activity.add({
    origin,
    kind: 'transaction',
    summary,
    account,
    status: 'submitting',
  });
  try {
    const receipt = await submit();
    await services.activity.settle(id, {
      status: receipt.status,
      txId: receipt.txId,
      blockNumber: receipt.blockNumber.toString(),
      verified: receipt.verified.by,
    });
    return jsonSafe(receipt);
  } catch (error) {
    const providerError = toError(error);
    await services.activity.settle(id, {
      status: error instanceof EvidenceRefusedError ? 'unverified' : 'failed',
      error: providerError.message,
    });
    throw providerError;
  }
}
