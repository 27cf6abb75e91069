/**
 * Fabric errors. Each keeps what the Gateway reported: the gRPC status code and
 * message, the endorsers' / orderers' ErrorDetail entries, the chaincode status
 * (>= 400) and message, or the transaction's validation code. No fabric-gateway
 * import here: the wallet bundle can use these classes too.
 */
import { ChainRejectedError, ChainRevertError, ChainTimeoutError, ChainUnavailableError } from '../errors.ts';
import { validationCodeName } from './validation-codes.ts';

/** gRPC status names (grpc-js `status` enum), to keep errors readable. */
const GRPC_STATUS: Record<number, string> = {
  0: 'OK',
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

export interface FabricErrorDetail {
  address: string;
  mspId: string;
  message: string;
}

/** What every gRPC-level Fabric error carries. */
export interface GrpcFailure {
  grpcCode: number;
  grpcStatus: string;
  grpcMessage: string;
  errorDetails: FabricErrorDetail[];
  /** Gateway method: Evaluate, Endorse, Submit, CommitStatus, ChaincodeEvents. */
  method: string;
  txId?: string;
}

function failureDetails(failure: GrpcFailure): Record<string, unknown> {
  return { ...failure };
}

/** The Gateway or a peer behind it refused the request (bad signature, unknown channel or chaincode, duplicate, malformed). */
export class FabricRejectedError extends ChainRejectedError {
  override name = 'FabricRejectedError';
  readonly failure: GrpcFailure;
  constructor(failure: GrpcFailure) {
    super(describe(failure), failure.grpcCode, failureDetails(failure));
    this.failure = failure;
  }
}

/** The chaincode ran and answered with status >= 400 (a thrown error in a contract is 500). */
export class FabricChaincodeError extends ChainRevertError {
  override name = 'FabricChaincodeError';
  readonly chaincodeStatus: number;
  readonly chaincodeMessage: string;
  readonly failure: GrpcFailure;
  constructor(chaincodeStatus: number, chaincodeMessage: string, failure: GrpcFailure) {
    super(`chaincode returned ${chaincodeStatus}: ${chaincodeMessage}`, chaincodeStatus, {
      ...failureDetails(failure),
      chaincodeStatus,
      chaincodeMessage,
    });
    this.chaincodeStatus = chaincodeStatus;
    this.chaincodeMessage = chaincodeMessage;
    this.failure = failure;
  }
}

/** The transaction was ordered but invalidated at commit (MVCC_READ_CONFLICT, DUPLICATE_TXID, ...). */
export class FabricCommitError extends ChainRevertError {
  override name = 'FabricCommitError';
  readonly validationCode: number;
  readonly validationCodeName: string;
  readonly txId: string;
  readonly blockNumber: bigint;
  constructor(validationCode: number, txId: string, blockNumber: bigint) {
    const codeName = validationCodeName(validationCode);
    super(`transaction ${txId} failed to commit with status code ${validationCode} (${codeName})`, codeName, {
      validationCode,
      validationCodeName: codeName,
      txId,
      blockNumber: blockNumber.toString(),
    });
    this.validationCode = validationCode;
    this.validationCodeName = codeName;
    this.txId = txId;
    this.blockNumber = blockNumber;
  }
}

/** The Gateway could not be reached, or no endorser / orderer was available. */
export class FabricUnavailableError extends ChainUnavailableError {
  override name = 'FabricUnavailableError';
  readonly failure: GrpcFailure;
  constructor(failure: GrpcFailure) {
    super(describe(failure), failure.grpcCode, failureDetails(failure));
    this.failure = failure;
  }
}

/** A deadline passed (the transaction may still commit). */
export class FabricTimeoutError extends ChainTimeoutError {
  override name = 'FabricTimeoutError';
  readonly failure: GrpcFailure;
  constructor(failure: GrpcFailure) {
    super(describe(failure), failure.grpcCode, failureDetails(failure));
    this.failure = failure;
  }
}

function describe(failure: GrpcFailure): string {
  const details = failure.errorDetails
    .map((d) => d.message)
    .filter((m) => m && !failure.grpcMessage.includes(m));
  const suffix = details.length > 0 ? ` (${details.join('; ')})` : '';
  return `${failure.method} ${failure.grpcStatus}: ${failure.grpcMessage}${suffix}`;
}

const CHAINCODE_RESPONSE = /chaincode response (\d+), ([\s\S]*)$/;

/** The shape of @hyperledger/fabric-gateway's GatewayError (and Endorse/Submit/CommitStatus errors). */
interface GatewayErrorLike {
  code: number;
  message: string;
  details?: Array<{ address?: string; mspId?: string; message?: string }>;
  transactionId?: string;
}

function isGatewayError(error: unknown): error is GatewayErrorLike {
  return (
    error instanceof Error &&
    typeof (error as Partial<GatewayErrorLike>).code === 'number' &&
    Array.isArray((error as Partial<GatewayErrorLike>).details)
  );
}

/** Strips grpc-js's "10 ABORTED: " prefix. */
function grpcMessage(error: GatewayErrorLike): string {
  const cause = (error as { cause?: { details?: unknown } }).cause;
  if (typeof cause?.details === 'string') return cause.details;
  return error.message.replace(/^\d+ [A-Z_]+: /, '');
}

/** Maps an error thrown by the Gateway client to the typed errors above; others pass through. */
export function toFabricError(error: unknown, method: string, txId?: string): Error {
  if (!isGatewayError(error)) return error instanceof Error ? error : new Error(String(error));
  const failure: GrpcFailure = {
    grpcCode: error.code,
    grpcStatus: GRPC_STATUS[error.code] ?? String(error.code),
    grpcMessage: grpcMessage(error),
    errorDetails: (error.details ?? []).map((d) => ({
      address: d.address ?? '',
      mspId: d.mspId ?? '',
      message: d.message ?? '',
    })),
    method,
    ...((error.transactionId ?? txId) ? { txId: error.transactionId ?? txId } : {}),
  };
  for (const message of [failure.grpcMessage, ...failure.errorDetails.map((d) => d.message)]) {
    const match = CHAINCODE_RESPONSE.exec(message);
    if (match) return new FabricChaincodeError(Number(match[1]), match[2] ?? '', failure);
  }
  if (error.code === 4) return new FabricTimeoutError(failure);
  // UNAVAILABLE is also how the Gateway reports a channel it has no config for: that is a refusal.
  if (error.code === 14 && !failure.grpcMessage.startsWith('failed to get config for channel')) {
    return new FabricUnavailableError(failure);
  }
  return new FabricRejectedError(failure);
}
