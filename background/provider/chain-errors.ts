/**
 * Router and chain failures as provider errors. The chain's own code and message
 * travel in `data` so a dapp can show exactly what the chain said.
 */
import { ErrorCode } from '../../content/provider-protocol.ts';
import { HipError, HipErrorCode } from '../../p2p/protocol/errors.ts';
import { NoRoutersError } from '../routers/router-connection.ts';
import { EvidenceRefusedError } from '../trust/verification.ts';
import { ProviderError } from './errors.ts';

/** JSON-RPC server error range: a chain or router refused or failed the request. */
export const CHAIN_ERROR = -32000;

export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof NoRoutersError) return new ProviderError(ErrorCode.chainDisconnected, error.message);
  if (error instanceof EvidenceRefusedError) {
    // A router's answer the chain does not back: never a success, and said why.
    return new ProviderError(CHAIN_ERROR, error.message, {
      reason: 'UNVERIFIED',
      path: error.path,
      detail: error.reason,
    });
  }
  if (error instanceof HipError) {
    const data = { reason: error.code, ...error.details };
    switch (error.code) {
      case HipErrorCode.unreachable:
      case HipErrorCode.chainUnavailable:
      case HipErrorCode.unsupportedProtocol:
        return new ProviderError(ErrorCode.chainDisconnected, error.message, data);
      case HipErrorCode.unknownResource:
      case HipErrorCode.unknownMethod:
      case HipErrorCode.badRequest:
        return new ProviderError(ErrorCode.invalidParams, error.message, data);
      default:
        return new ProviderError(CHAIN_ERROR, error.message, data);
    }
  }
  return new ProviderError(CHAIN_ERROR, (error as Error).message ?? String(error));
}
