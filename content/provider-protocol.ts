/**
 * The provider channel: the message shapes that travel page <-> content relay <->
 * background, and the EIP-1193 / JSON-RPC error codes they carry. Imported by the
 * inpage provider, the content relay and the background, so all three agree.
 */

/**
 * The page <-> relay hops are `CustomEvent`s dispatched on the page's window: synchronous, unlike
 * `window.postMessage` (a queued task each way). Their `detail` is always a JSON string, the one
 * kind of value that crosses between the page's world and the relay's unchanged in Chromium and
 * Firefox (objects meet Xrays there); the port to the worker is JSON anyway. The message inside
 * still names its channel, which each side checks.
 *
 * Event type of the inpage provider's requests to the relay (detail: a `PageRequestMessage`).
 */
export const PAGE_CHANNEL = 'weft:page';
/** Event type of the relay's answers and events to the inpage provider (detail: `ContentResponseMessage` / `ContentEventMessage`). */
export const CONTENT_CHANNEL = 'weft:content';
/** Name of the `runtime.Port` between a content relay and the background. */
export const PROVIDER_PORT = 'weft:provider';

/** Standard codes: EIP-1193 provider errors and JSON-RPC 2.0 request errors. */
export const ErrorCode = {
  userRejected: 4001,
  unauthorized: 4100,
  unsupportedMethod: 4200,
  disconnected: 4900,
  chainDisconnected: 4901,
  /** The origin has too many requests waiting for the user (docs/provider-api.md, Errors). */
  requestPending: -32002,
  /** EIP-1474's "limit exceeded": a page holds too many subscriptions. */
  limitExceeded: -32005,
  invalidRequest: -32600,
  invalidParams: -32602,
  internal: -32603,
} as const;

/** What a dapp sees when a request fails (EIP-1193 ProviderRpcError shape). */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** Page -> relay, as JSON. `request` is whatever the dapp passed; the background validates it. */
export interface PageRequestMessage {
  channel: typeof PAGE_CHANNEL;
  id: string;
  request: unknown;
}

/** Relay -> background over the port. */
export interface PortRequest {
  id: string;
  request: unknown;
}

/** Background -> relay -> page. */
export type PortResponse = { id: string; result: unknown } | { id: string; error: RpcErrorObject };

/**
 * Background -> relay -> page, unasked: EIP-1193 events (`sessionChanged`, `accountsChanged`,
 * `connect`, `disconnect`) and CAIP-319 `wallet_notify` (to the subscribing page only).
 */
export interface PortEvent {
  event: ProviderEventName;
  data: unknown;
}

/**
 * Events `weft.on` takes. The inpage provider makes two of them itself: `message` (EIP-1193's
 * legacy name for a subscription's event, from `wallet_notify`) and `wallet_sessionChanged`
 * (CAIP-311, from `sessionChanged`).
 */
export const PROVIDER_EVENTS = [
  'connect',
  'disconnect',
  'accountsChanged',
  'sessionChanged',
  'message',
  'wallet_notify',
  'wallet_sessionChanged',
] as const;
export type ProviderEventName = (typeof PROVIDER_EVENTS)[number];

/** Relay -> page, as JSON. */
export type ContentResponseMessage = PortResponse & { channel: typeof CONTENT_CHANNEL };
export type ContentEventMessage = PortEvent & { channel: typeof CONTENT_CHANNEL };

export function isPageRequestMessage(value: unknown): value is PageRequestMessage {
  const m = value as Partial<PageRequestMessage> | null;
  return typeof m === 'object' && m !== null && m.channel === PAGE_CHANNEL && typeof m.id === 'string';
}

export function isContentResponseMessage(value: unknown): value is ContentResponseMessage {
  const m = value as Partial<ContentResponseMessage> | null;
  return typeof m === 'object' && m !== null && m.channel === CONTENT_CHANNEL && typeof m.id === 'string';
}

export function isContentEventMessage(value: unknown): value is ContentEventMessage {
  const m = value as Partial<ContentEventMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.channel === CONTENT_CHANNEL &&
    typeof m.event === 'string' &&
    (PROVIDER_EVENTS as readonly string[]).includes(m.event)
  );
}
