/**
 * HIP error codes. Every failed request is answered with one of these, a short
 * message, and details (for chain errors: the chain's own code and message).
 */
export const HipErrorCode = {
  /** The frame is not a valid request (bad JSON, missing or wrongly typed fields). */
  badRequest: 'BAD_REQUEST',
  /** The frame is larger than the receiver's limit. */
  tooLarge: 'TOO_LARGE',
  /** The peer speaks no version of the protocol we asked for. */
  unsupportedProtocol: 'UNSUPPORTED_PROTOCOL',
  /** No router in the network publishes this path. */
  unknownResource: 'UNKNOWN_RESOURCE',
  /** The resource does not have this method, or it is not of the kind asked (read vs write). */
  unknownMethod: 'UNKNOWN_METHOD',
  /** The operation is not available for this chain type (e.g. `prepare` on FISCO BCOS). */
  unsupportedOperation: 'UNSUPPORTED_OPERATION',
  /** The request would need more hops than its hop limit allows. */
  hopLimitExceeded: 'HOP_LIMIT_EXCEEDED',
  /** The request's deadline passed before an answer came back. */
  timeout: 'TIMEOUT',
  /** The next router on the route (or the entry router) went away mid-request. */
  unreachable: 'UNREACHABLE',
  /** The peer is not allowed to use this protocol (not a member). */
  forbidden: 'FORBIDDEN',
  /** The peer sent more requests than its limit allows. */
  rateLimited: 'RATE_LIMITED',
  /** A granted read failed the router's check. details: { reason, grantId } (docs/grants.md) */
  grantRejected: 'GRANT_REJECTED',
  /** The chain reverted the call or transaction. details: { chainCode, chainMessage, ... } */
  chainReverted: 'CHAIN_REVERTED',
  /** The chain's node refused the request (signature, nonce, block limit ...). */
  chainRejected: 'CHAIN_REJECTED',
  /** The chain's node could not be reached. */
  chainUnavailable: 'CHAIN_UNAVAILABLE',
  /** Waiting for the receipt gave up; the transaction may still commit. */
  chainTimeout: 'CHAIN_TIMEOUT',
  /** Any other chain error. */
  chainError: 'CHAIN_ERROR',
  /** A bug in the router. */
  internal: 'INTERNAL',
} as const;

export type HipErrorCodeValue = (typeof HipErrorCode)[keyof typeof HipErrorCode];

export interface HipErrorBody {
  code: HipErrorCodeValue;
  message: string;
  details?: Record<string, unknown>;
}

export class HipError extends Error {
  override name = 'HipError';
  readonly code: HipErrorCodeValue;
  readonly details: Record<string, unknown>;

  constructor(code: HipErrorCodeValue, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }

  toBody(): HipErrorBody {
    return Object.keys(this.details).length === 0
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromBody(body: HipErrorBody): HipError {
    return new HipError(body.code, body.message, body.details ?? {});
  }
}
