/**
 * What `connect()` asks the wallet for. By chain (`scopes`): CAIP-25's `wallet_createSession`,
 * each scope's `resources` moved to `scopedProperties` where CAIP-25 wants them, and methods and
 * notifications defaulting to all the scope offers. By resource path (`resources`): CAIP-25 names
 * chains, not paths, and no method tells a page which chain holds a path before it has a session,
 * so this asks with `weft_requestSession` (the same approval, the same session) and reads the
 * session's scopes back with `wallet_getSession`.
 */
import type { CHAIN_METHOD_SUFFIXES, WALLET_SCOPE_METHODS } from '../content/caip-schema.ts';
import { isChainScope, namespaceOf, WALLET_SCOPE } from './ids.ts';
import type { CreateSessionParams, ScopeMethodName, Scopes, SessionParams } from './types.ts';

/** The suffixes of a chain scope's methods, as content/caip-schema.ts lists them (checked at compile time). */
export const CHAIN_METHOD_SUFFIX_LIST = [
  'call',
  'sendTransaction',
  'describe',
  'getTransaction',
  'putRecord',
  'getRecord',
  'subscribe',
  'unsubscribe',
] as const satisfies typeof CHAIN_METHOD_SUFFIXES;

/** The `wallet` scope's methods, as content/caip-schema.ts lists them (checked at compile time). */
export const WALLET_METHOD_LIST = [
  'weft_resources',
  'weft_requestGrant',
  'weft_readWithGrant',
  'weft_sendCrossChainTransaction',
  'weft_proposeSwap',
  'weft_acceptSwap',
  'weft_ttmStatus',
  'weft_ttmList',
] as const satisfies typeof WALLET_SCOPE_METHODS;

/** One scope asked for. */
export interface ScopeRequest {
  /** Default: every method the scope offers (the wallet grants a scope's methods as a whole). */
  methods?: ScopeMethodName[];
  /** Default: the chain's `<namespace>_subscription`; none in `wallet`. */
  notifications?: string[];
  /** A chain scope only: just these resources of the chain (default: every one the routers list there). */
  resources?: string[];
}

/** Scopes by CAIP-2 chain id, or `wallet`. */
export type ScopeRequests = Record<string, ScopeRequest>;

export interface ConnectByScopes {
  /** Scopes the session must have: a chain the wallet cannot serve fails the request (5100). */
  scopes: ScopeRequests;
  /** Scopes it may have: left out when the wallet cannot serve them. */
  optionalScopes?: ScopeRequests;
}

export interface ConnectByResources {
  /** 1 to 32 resource paths (`zone.chain.resource`). */
  resources: string[];
  /** Per path, the only methods of its contract or chaincode the site will use. */
  methods?: Record<string, string[]>;
}

export type ConnectOptions = ConnectByScopes | ConnectByResources;

/** `wallet_createSession`'s params for `connect({ scopes })` (CAIP-25, 2024 shape). */
export function createSessionParams(options: ConnectByScopes): CreateSessionParams {
  const scopedProperties: Record<string, { resources: string[] }> = {};
  const convert = (requests: ScopeRequests): Scopes => {
    const scopes: Scopes = {};
    for (const [scope, request] of Object.entries(requests)) {
      scopes[scope] = {
        methods: request.methods ?? defaultMethods(scope),
        notifications: request.notifications ?? defaultNotifications(scope),
      };
      if (request.resources) scopedProperties[scope] = { resources: [...request.resources] };
    }
    return scopes;
  };
  const params: CreateSessionParams = { requiredScopes: convert(options.scopes) };
  if (options.optionalScopes) params.optionalScopes = convert(options.optionalScopes);
  if (Object.keys(scopedProperties).length > 0) params.scopedProperties = scopedProperties;
  params.sessionProperties = {};
  return params;
}

/** `weft_requestSession`'s params for `connect({ resources })`. */
export function requestSessionParams(options: ConnectByResources): SessionParams {
  return options.methods
    ? { resources: [...options.resources], methods: options.methods }
    : { resources: [...options.resources] };
}

function defaultMethods(scope: string): string[] {
  if (scope === WALLET_SCOPE) return [...WALLET_METHOD_LIST];
  // Another namespace's scope: let the wallet say it does not serve it (5100).
  if (!isChainScope(scope)) return [];
  const namespace = namespaceOf(scope);
  return CHAIN_METHOD_SUFFIX_LIST.map((suffix) => `${namespace}_${suffix}`);
}

function defaultNotifications(scope: string): string[] {
  return isChainScope(scope) ? [`${namespaceOf(scope)}_subscription`] : [];
}
