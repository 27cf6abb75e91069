/**
 * Errors as a FISCO BCOS 2.x node reports them over JSON-RPC. Codes and messages follow
 * libjson-rpc-cpp (the -32xxx family, used by the 2.x RPC module) and FISCO-BCOS release-2.x
 * librpc/Common.h + Rpc.cpp (the -400xx family). A txpool refusal or an undecodable
 * transaction surfaces as -32603 with `boost::diagnostic_information` of the C++ exception,
 * which names the reason (TxPool::submitTransactions).
 */

export class NodeError extends Error {
  readonly code: number;
  /** HTTP status to answer with; the JSON-RPC body is the same. */
  readonly httpStatus: number;
  constructor(code: number, message: string, httpStatus = 200) {
    super(message);
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

export const JSON_PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;

export const GROUP_ID_DOES_NOT_EXIST = -40001;
export const BLOCK_HASH_DOES_NOT_EXIST = -40003;
export const BLOCK_NUMBER_DOES_NOT_EXIST = -40004;
export const CALL_NEEDS_FROM = -40006;
export const INVALID_SYSTEM_CONFIG = -40008;

export const parseError = () =>
  new NodeError(JSON_PARSE_ERROR, 'JSON_PARSE_ERROR: The JSON-Object is not JSON-Valid');
export const invalidRequest = (httpStatus = 200) =>
  new NodeError(
    INVALID_REQUEST,
    'INVALID_JSON_REQUEST: The JSON sent is not a valid JSON-RPC Request object',
    httpStatus,
  );
export const methodNotFound = () =>
  new NodeError(
    METHOD_NOT_FOUND,
    'METHOD_NOT_FOUND: The method being requested is not available on this server',
  );
export const invalidParams = () =>
  new NodeError(
    INVALID_PARAMS,
    'INVALID_PARAMS: Invalid method parameters (invalid name and/or type) recognised',
  );
export const groupIdDoesNotExist = () => new NodeError(GROUP_ID_DOES_NOT_EXIST, 'GroupID does not exist');
export const blockHashDoesNotExist = () =>
  new NodeError(BLOCK_HASH_DOES_NOT_EXIST, 'BlockHash does not exist');
export const blockNumberDoesNotExist = () =>
  new NodeError(BLOCK_NUMBER_DOES_NOT_EXIST, 'BlockNumber does not exist');
export const callNeedsFrom = () => new NodeError(CALL_NEEDS_FROM, "Call needs a 'from' field");
export const invalidSystemConfig = () => new NodeError(INVALID_SYSTEM_CONFIG, 'Invalid System Config');

/** `FixedHash::abridged()`: the first four bytes and an ellipsis. */
export function abridged(hash: string): string {
  return `${hash.replace(/^0x/, '').slice(0, 8)}…`;
}

/** A C++ exception as `boost::diagnostic_information` renders it, wrapped in -32603. */
function diagnostic(type: string, what: string, comment: string): NodeError {
  return new NodeError(
    INTERNAL_ERROR,
    `Dynamic exception type: boost::wrapexcept<${type}>\nstd::exception::what: ${what}\n[dev::tag_comment*] = ${comment}\n`,
  );
}

/** TxPool::submitTransactions refusals, e.g. `BlockLimitCheckFailed, txBlockLimit=..., txHash=...`. */
export const transactionRefused = (comment: string) =>
  diagnostic('dev::eth::TransactionRefused', 'TransactionRefused', comment);

export const badRlp = (detail: string) => diagnostic('dev::BadRLP', 'BadRLP', detail);
export const invalidTransactionFormat = (detail: string) =>
  diagnostic('dev::eth::InvalidTransactionFormat', 'InvalidTransactionFormat', detail);
export const invalidSignature = (detail: string) =>
  diagnostic('dev::eth::InvalidSignature', 'InvalidSignature', detail);
