/**
 * The ChainAgnostic provider API beside the `weft_*` methods (docs/provider-api.md, "Chain-agnostic
 * API"): CAIP-294 discovery, CAIP-25 sessions (`wallet_createSession`, `wallet_getSession`,
 * `wallet_revokeSession`, `wallet_sessionChanged`), CAIP-27 `wallet_invokeMethod`, CAIP-319
 * `wallet_notify`, and the CAIP-25 error codes. Types and constants only, no wallet code: the
 * inpage provider, the worker and a dapp SDK import it.
 */
import type { ResourceEvent } from '../p2p/protocol/messages.ts';
import type { ChainId, ChainNamespace } from './caip-ids.ts';
import type { JsonSafe } from './provider-schema.ts';

/** A CAIP-217 scope object: what a session may do on one chain (or, keyed by a namespace, on its `references`). */
export interface ScopeObject {
  /** Only in a namespace-keyed scope (`fisco`): the chains it stands for, as CAIP-2 references. */
  references?: string[];
  methods: string[];
  notifications: string[];
  /** CAIP-10 accounts; present in what the wallet answers. */
  accounts?: string[];
  /** 2025-shaped answers only: `{ resources }`, the session's resources on this chain. */
  capabilities?: { resources: string[] };
}

/** Scope objects by scope string: a CAIP-2 chain id, `wallet`, or (requests only) a namespace. */
export type Scopes = Record<string, ScopeObject>;

/**
 * `wallet_createSession` params. Both CAIP-25 shapes are taken: the 2024 one
 * (`requiredScopes`, `optionalScopes`, `scopedProperties`, `sessionProperties`, as MetaMask's
 * Multichain API) and the 2025 one (`scopes`, `properties`), answered in the shape asked in.
 */
export interface CreateSessionParams {
  requiredScopes?: Scopes;
  optionalScopes?: Scopes;
  /** 2025 shape: every scope is optional. */
  scopes?: Scopes;
  /**
   * Per chain scope: `{ resources: ['zone.chain.resource', ...] }` narrows the session to those
   * resources of the chain. Without it the user is shown every resource of the chain.
   */
  scopedProperties?: Record<string, { resources?: string[] }>;
  sessionProperties?: Record<string, unknown>;
  properties?: Record<string, unknown>;
}

/** What `wallet_createSession` (2024 shape), `wallet_getSession` and `wallet_sessionChanged` carry. */
export interface SessionScopesResult {
  sessionScopes: Scopes;
  /** `wallet_createSession` only: always empty (the wallet keeps no session properties). */
  sessionProperties?: Record<string, never>;
}

/** `wallet_createSession`'s answer to a request in the 2025 shape. */
export interface CreateSessionResult2025 {
  scopes: Scopes;
  properties: Record<string, never>;
}

/** CAIP-27: one method of a scope the session holds. `chainId` is the 2025 spelling of `scope`. */
export interface InvokeMethodParams {
  scope?: string;
  chainId?: string;
  request: { method: string; params?: unknown };
}

/** `weft_subscribe`: resource events of a session resource, delivered as `wallet_notify`. */
export interface SubscribeParams {
  path: string;
  /**
   * The id to give the subscription instead of a new one (`SUBSCRIPTION_ID`'s form). The content
   * relay asks for it when it makes a page's subscriptions again after the wallet's worker
   * restarted, so the page keeps its ids. Ids are per page: refused (-32602) when malformed or
   * when this page already holds a subscription by that id.
   */
  subscription?: string;
}

/** A subscription id, as `weft_subscribe` answers it and takes it back: 16 bytes, 0x and lowercase hex. */
export const SUBSCRIPTION_ID = /^0x[0-9a-f]{32}$/;

export interface UnsubscribeParams {
  subscription: string;
}

/** One resource event as the page gets it: JSON-safe (the block number as a decimal string). */
export type ResourceEventJson = JsonSafe<ResourceEvent>;

/** CAIP-319 `wallet_notify` params: a subscription's event, tagged with its chain's scope. */
export interface NotifyParams {
  scope: ChainId;
  notification: {
    /** `fisco_subscription` or `fabric_subscription`, by the scope's namespace. */
    method: string;
    params: { subscription: string; result: ResourceEventJson };
  };
}

/** The EIP-1193 `message` event for the same event (for listeners of the legacy name). */
export interface ProviderMessage {
  type: string;
  data: { subscription: string; result: ResourceEventJson };
}

/**
 * What a chain scope offers, named in its namespace as chains' RPC methods are (`eth_call` in
 * `eip155`): `fisco_call`, `fabric_sendTransaction`, ... Each is the `weft_*` method of the same
 * suffix (`weft_call`, `weft_sendTransaction`, ...), run by the same handler.
 */
export const CHAIN_METHOD_SUFFIXES = [
  'call',
  'sendTransaction',
  'describe',
  'getTransaction',
  'putRecord',
  'getRecord',
  'subscribe',
  'unsubscribe',
] as const;

/** The methods of a chain scope of `namespace` (`fisco` or `fabric`). */
export function chainScopeMethods(namespace: ChainNamespace): string[] {
  return CHAIN_METHOD_SUFFIXES.map((suffix) => `${namespace}_${suffix}`);
}

/** The notification a chain scope sends: `<namespace>_subscription` (as `eth_subscription`). */
export function subscriptionNotification(namespace: ChainNamespace): string {
  return `${namespace}_subscription`;
}

/** The `weft_*` method a chain scope's method runs (`fisco_call` -> `weft_call`), or null. */
export function weftMethodOf(method: string): string | null {
  const match = /^(fisco|fabric)_([A-Za-z]+)$/.exec(method);
  const suffix = match?.[2];
  return suffix && (CHAIN_METHOD_SUFFIXES as readonly string[]).includes(suffix) ? `weft_${suffix}` : null;
}

/** Methods of the `wallet` scope: not bound to one chain (they name their resources, on any chain). */
export const WALLET_SCOPE_METHODS = [
  'weft_resources',
  'weft_requestGrant',
  'weft_readWithGrant',
  'weft_sendCrossChainTransaction',
  'weft_proposeSwap',
  'weft_acceptSwap',
  'weft_ttmStatus',
  'weft_ttmList',
] as const;

/** CAIP-294's wallet data (with CAIP-341's extension id target). */
export interface WalletData {
  uuid: string;
  name: string;
  icon: string;
  rdns: string;
  /** CAIP-341 spells it `target`; CAIP-294's own example `targets`: the same array under both. */
  target?: { type: string; value: unknown }[];
  targets?: { type: string; value: unknown }[];
  scopes?: Scopes;
}

/** The `caip294:wallet_announce` event's detail. */
export interface WalletAnnounce {
  id: number;
  jsonrpc: '2.0';
  method: 'wallet_announce';
  params: WalletData;
}

/**
 * CAIP-25's failure codes. Malformed `wallet_createSession` params that no code names are
 * -32602; the user's refusal is EIP-1193's 4001.
 */
export const CaipErrorCode = {
  unsupportedChains: 5100,
  unsupportedMethods: 5101,
  unsupportedNotifications: 5102,
  unknownMethods: 5201,
  unknownNotifications: 5202,
  chainDefinedTwice: 5204,
  invalidScopedProperties: 5300,
  scopedPropertiesMisplaced: 5301,
  invalidSessionProperties: 5302,
} as const;
