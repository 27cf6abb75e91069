/**
 * The provider's errors as classes, one per family (docs/provider-api.md, "Errors"): each has the
 * wallet's `code`, `message` and `data`, and `data` is typed by the reasons the wallet gives, so
 * `error instanceof ChainError && error.data?.reason === 'UNVERIFIED'` narrows to `{ path, detail }`.
 * Every failed SDK call rejects with one of these; `fromRpcError` turns any `{ code, message, data }`
 * (window.weft's ProviderRpcError, a JSON-RPC error object) into its class.
 */

import type { PinChange } from '../background/sessions/resource-pin.ts';
import type { CaipErrorCode } from '../content/caip-schema.ts';
import type { ErrorCode } from '../content/provider-protocol.ts';
import type { HipErrorCodeValue } from '../p2p/protocol/errors.ts';
import type { CrossChainResult, ProposeSwapResult } from './types.ts';

/** EIP-1193 and JSON-RPC codes, as content/provider-protocol.ts has them (checked at compile time). */
export const RpcCode = {
  userRejected: 4001,
  unauthorized: 4100,
  unsupportedMethod: 4200,
  disconnected: 4900,
  chainDisconnected: 4901,
  requestPending: -32002,
  limitExceeded: -32005,
  invalidRequest: -32600,
  invalidParams: -32602,
  internal: -32603,
} as const satisfies typeof ErrorCode;

/** CAIP-25's codes, as content/caip-schema.ts has them (checked at compile time). */
export const SessionErrorCode = {
  unsupportedChains: 5100,
  unsupportedMethods: 5101,
  unsupportedNotifications: 5102,
  unknownMethods: 5201,
  unknownNotifications: 5202,
  chainDefinedTwice: 5204,
  invalidScopedProperties: 5300,
  scopedPropertiesMisplaced: 5301,
  invalidSessionProperties: 5302,
} as const satisfies typeof CaipErrorCode;
export type SessionErrorCodeValue = (typeof SessionErrorCode)[keyof typeof SessionErrorCode];

/** JSON-RPC's server range as the wallet uses it: a router or the chain refused or failed. */
export const CHAIN_ERROR = -32000;
/** EIP-1474's "limit exceeded" (`weft_subscribe` beyond 32 per page). */
export const LIMIT_EXCEEDED = RpcCode.limitExceeded;

/** What any EIP-1193 provider rejects with. */
export interface RpcErrorLike {
  code: number;
  message: string;
  data?: unknown;
}

/** A router's refusal passed on as is: HIP's code as `reason`, with the router's details. */
export type RouterRefusal = { reason: HipErrorCodeValue } & Record<string, unknown>;

/** Why a granted read was refused (docs/grants.md): by the router, or by the contract or chaincode. */
export type GrantRefusalReason =
  | 'malformed'
  | 'bad-signature'
  | 'wrong-resource'
  | 'not-covered'
  | 'not-yet-valid'
  | 'expired'
  | 'wrong-audience'
  | 'stale'
  | 'replayed'
  | 'revoked'
  | 'rejected';

/** 4100's reasons. */
export type UnauthorizedData =
  /** The routers now describe the resource differently from what the user approved (its pin). */
  | { reason: 'DESCRIPTION_CHANGED'; path: string; changes: PinChange[] }
  /** A session stored before pins: ask for the resource again. */
  | { reason: 'NOT_PINNED'; path: string }
  /** `getRecord` while the wallet is locked. */
  | { reason: 'LOCKED' }
  | { reason: 'SCOPE_NOT_AUTHORIZED'; scope: string }
  | { reason: 'OUT_OF_SCOPE'; scope: string; path?: string }
  | { reason: 'METHOD_NOT_IN_SCOPE'; scope: string; method: string }
  /** A grant presented by another origin than its audience. */
  | { reason: 'wrong-origin'; audienceOrigin: string };

/** -32602's reasons: refused before anything was shown, signed or sent. */
export type InvalidParamsData =
  | { reason: 'WRITE_METHOD' | 'GRANT_METHOD' | 'RECORDS_METHOD' | 'NOT_RECORDS' | 'UNKNOWN_METHOD' }
  | RouterRefusal;

/** -32000's reasons. */
export type ChainErrorData =
  /** A router's answer the chain's evidence does not back (docs/trust-model.md). */
  | { reason: 'UNVERIFIED'; path: string; detail: string }
  | { reason: 'NO_SUCH_RECORD'; record: string }
  | { reason: 'UNREADABLE'; record: string; detail: 'wrong-key' | 'malformed' }
  /** A cross-chain transaction aborted everywhere (`CONFLICT`: another one holds an account). */
  | { reason: 'ABORTED' | 'CONFLICT'; conflict: boolean; transaction: CrossChainResult }
  | { reason: 'CANCELLED'; swap: ProposeSwapResult['swap'] }
  | { reason: 'NOT_LOCKED'; onChain: Record<string, unknown> }
  | {
      reason: GrantRefusalReason;
      refusedBy: 'router' | 'chain';
      /** The contract's or chaincode's own words, e.g. `Grant: revoked`. */
      chainReason?: string;
      grantId?: string;
    }
  | RouterRefusal;

/** The CAIP-25 family's `data`: what in the request the code is about. */
export interface SessionErrorData {
  scope?: string;
  scopes?: string[];
  methods?: string[];
  notifications?: string[];
  resources?: string[];
}

/** Any error the wallet answered: EIP-1193's ProviderRpcError, typed. */
export class WeftError<Data = unknown> extends Error {
  override name = 'WeftError';
  readonly code: number;
  readonly data: Data | undefined;

  constructor(code: number, message: string, data?: Data) {
    super(message);
    this.code = code;
    this.data = data;
  }

  /** `data.reason` when the wallet gave one. */
  get reason(): string | undefined {
    const reason = (this.data as { reason?: unknown } | undefined)?.reason;
    return typeof reason === 'string' ? reason : undefined;
  }

  /** The plain `{ code, message, data? }` a JSON-RPC answer carries. */
  toJSON(): RpcErrorLike {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** 4001: the user declined in the popup, or closed it. */
export class UserRejectedError extends WeftError {
  override name = 'UserRejectedError';
  constructor(message: string, data?: unknown) {
    super(RpcCode.userRejected, message, data);
  }
}

/** 4100: no session, a resource or scope outside it, a changed or unpinned resource, a locked wallet. */
export class UnauthorizedError extends WeftError<UnauthorizedData> {
  override name = 'UnauthorizedError';
  constructor(message: string, data?: UnauthorizedData) {
    super(RpcCode.unauthorized, message, data);
  }
}

/** 4200: not a method of the wallet (nor, through `wallet_invokeMethod`, of any scope). */
export class UnsupportedMethodError extends WeftError {
  override name = 'UnsupportedMethodError';
  constructor(message: string, data?: unknown) {
    super(RpcCode.unsupportedMethod, message, data);
  }
}

/** 4900: the wallet's worker stopped before answering; retry (subscriptions carry on by themselves). */
export class DisconnectedError extends WeftError {
  override name = 'DisconnectedError';
  constructor(message: string, data?: unknown) {
    super(RpcCode.disconnected, message, data);
  }
}

/** 4901: no router reachable for the chain. */
export class ChainDisconnectedError extends WeftError<RouterRefusal> {
  override name = 'ChainDisconnectedError';
  constructor(message: string, data?: RouterRefusal) {
    super(RpcCode.chainDisconnected, message, data);
  }
}

/** -32002: this site already has 3 requests waiting for the user. */
export class RequestPendingError extends WeftError<{ reason: 'TOO_MANY_PENDING'; limit: number }> {
  override name = 'RequestPendingError';
  constructor(message: string, data?: { reason: 'TOO_MANY_PENDING'; limit: number }) {
    super(RpcCode.requestPending, message, data);
  }
}

/** -32600: not `{ method, params }`. */
export class InvalidRequestError extends WeftError {
  override name = 'InvalidRequestError';
  constructor(message: string, data?: unknown) {
    super(RpcCode.invalidRequest, message, data);
  }
}

/** -32602: params that do not fit the method. */
export class InvalidParamsError extends WeftError<InvalidParamsData> {
  override name = 'InvalidParamsError';
  constructor(message: string, data?: InvalidParamsData) {
    super(RpcCode.invalidParams, message, data);
  }
}

/** -32603: a bug in the wallet. */
export class InternalError extends WeftError {
  override name = 'InternalError';
  constructor(message: string, data?: unknown) {
    super(RpcCode.internal, message, data);
  }
}

/** -32000: a router or the chain refused or failed, or their answer did not verify. */
export class ChainError extends WeftError<ChainErrorData> {
  override name = 'ChainError';
  constructor(message: string, data?: ChainErrorData) {
    super(CHAIN_ERROR, message, data);
  }
}

/** -32005: the page already holds 32 subscriptions. */
export class LimitExceededError extends WeftError<{ reason: 'TOO_MANY_SUBSCRIPTIONS'; limit: number }> {
  override name = 'LimitExceededError';
  constructor(message: string, data?: { reason: 'TOO_MANY_SUBSCRIPTIONS'; limit: number }) {
    super(LIMIT_EXCEEDED, message, data);
  }
}

/** 5100-5302: `wallet_createSession` refused the request as CAIP-25 says; `data` names what. */
export class SessionRequestError extends WeftError<SessionErrorData> {
  override name = 'SessionRequestError';
  declare readonly code: SessionErrorCodeValue;
  constructor(code: SessionErrorCodeValue, message: string, data?: SessionErrorData) {
    super(code, message, data);
  }
}

const SESSION_CODES: readonly number[] = Object.values(SessionErrorCode);

/** Whether `value` has an RPC error's shape (`code` a number, `message` a string). */
export function isRpcError(value: unknown): value is RpcErrorLike {
  const error = value as Partial<RpcErrorLike> | null;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof error.code === 'number' &&
    typeof error.message === 'string'
  );
}

/**
 * The class of an RPC error by its code (a `WeftError` for codes no family has). Anything that is
 * not an RPC error comes back unchanged: a bug in the dapp should not pass for a wallet's answer.
 */
export function fromRpcError(error: unknown): unknown {
  if (error instanceof WeftError || !isRpcError(error)) return error;
  const { code, message } = error;
  const data = error.data as never;
  switch (code) {
    case RpcCode.userRejected:
      return new UserRejectedError(message, error.data);
    case RpcCode.unauthorized:
      return new UnauthorizedError(message, data);
    case RpcCode.unsupportedMethod:
      return new UnsupportedMethodError(message, error.data);
    case RpcCode.disconnected:
      return new DisconnectedError(message, error.data);
    case RpcCode.chainDisconnected:
      return new ChainDisconnectedError(message, data);
    case RpcCode.requestPending:
      return new RequestPendingError(message, data);
    case RpcCode.invalidRequest:
      return new InvalidRequestError(message, error.data);
    case RpcCode.invalidParams:
      return new InvalidParamsError(message, data);
    case RpcCode.internal:
      return new InternalError(message, error.data);
    case CHAIN_ERROR:
      return new ChainError(message, data);
    case LIMIT_EXCEEDED:
      return new LimitExceededError(message, data);
  }
  if (SESSION_CODES.includes(code))
    return new SessionRequestError(code as SessionErrorCodeValue, message, data);
  return new WeftError(code, message, error.data);
}
