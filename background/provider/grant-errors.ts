/**
 * A refused granted read as a provider error. Routers refuse with HIP `GRANT_REJECTED` and a
 * reason (docs/grants.md, "Errors"); past the router the contract or chaincode refuses with
 * `CHAIN_REVERTED` and a message starting `Grant:`. Either way the dapp gets -32000 with
 * `data.reason` in the router's spelling (`revoked`, `expired`, ...) and `data.refusedBy`.
 */
import { HipError, HipErrorCode } from '../../p2p/protocol/errors.ts';
import { CHAIN_ERROR, toProviderError } from './chain-errors.ts';
import { ProviderError } from './errors.ts';

/** `Grant: not yet valid` and the like (Records.sol, record-contract.ts): lower-case words. */
const CHAIN_REASON = /Grant: ([a-z]+(?: [a-z]+)*)/;

export function grantReadError(error: unknown): ProviderError {
  if (!(error instanceof HipError)) return toProviderError(error);
  if (error.code === HipErrorCode.grantRejected) {
    const reason = typeof error.details.reason === 'string' ? error.details.reason : 'rejected';
    return new ProviderError(CHAIN_ERROR, `The grant was refused (${reason}): ${error.message}`, {
      ...error.details,
      reason,
      refusedBy: 'router',
    });
  }
  if (error.code === HipErrorCode.chainReverted) {
    // The chain's own message first; the router's wording of it may add text around it.
    const words = [error.details.chainMessage, error.message]
      .map((text) => (typeof text === 'string' ? CHAIN_REASON.exec(text)?.[1] : undefined))
      .find((found) => found !== undefined);
    if (words) {
      const chainReason = `Grant: ${words}`;
      return new ProviderError(CHAIN_ERROR, `The chain refused the grant: ${chainReason}`, {
        reason: words.replaceAll(' ', '-'),
        refusedBy: 'chain',
        chainReason,
        ...(error.details.chainCode !== undefined ? { chainCode: error.details.chainCode } : {}),
      });
    }
  }
  return toProviderError(error);
}
