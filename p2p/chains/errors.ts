/**
 * Errors shared by every chain connector. Each carries a stable `name`, a short
 * message, and the chain's own code and message where the chain produced one.
 */

export class ChainError extends Error {
  override name = 'ChainError';
  /** The chain's own error code (JSON-RPC code, receipt status, gRPC status, validation code). */
  readonly code: number | string;
  readonly details: Record<string, unknown>;

  constructor(message: string, code: number | string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** The chain executed the transaction or call and it reverted / returned an error status. */
export class ChainRevertError extends ChainError {
  override name = 'ChainRevertError';
}

/** The chain's node rejected the request (bad signature, nonce reused, block limit ...). */
export class ChainRejectedError extends ChainError {
  override name = 'ChainRejectedError';
}

/** The node could not be reached or did not answer in time. */
export class ChainUnavailableError extends ChainError {
  override name = 'ChainUnavailableError';
}

/** Waiting for a receipt or commit status gave up; the transaction may still commit later. */
export class ChainTimeoutError extends ChainError {
  override name = 'ChainTimeoutError';
}

export class UnknownResourceError extends Error {
  override name = 'UnknownResourceError';
  readonly resource: string;

  constructor(resource: string) {
    super(`unknown resource: ${resource}`);
    this.resource = resource;
  }
}

/** The arguments do not fit the method's inputs (count or types): the caller's mistake, not the chain's. */
export class InvalidArgumentsError extends Error {
  override name = 'InvalidArgumentsError';
  readonly method: string;

  constructor(method: string, reason: string) {
    super(`arguments do not fit ${method}: ${reason}`);
    this.method = method;
  }
}
