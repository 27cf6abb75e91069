/**
 * `wallet_createSession` params, checked. They arrive from the page as anything; what comes out
 * is the chains asked for (CAIP-2 ids of Weft's namespaces, namespace-keyed scopes expanded by
 * their `references`), whether each is required, and the resources the dapp names per chain.
 * Every malformed request is a typed error: -32602 for a shape CAIP-25 names no code for, else
 * its code (docs/provider-api.md, "Errors"). Whether the wallet serves a chain is decided later,
 * against the routers (wallet-create-session.ts).
 */
import {
  type ChainId,
  FABRIC_NAMESPACE,
  FISCO_NAMESPACE,
  isNamespace,
  isWeftChainId,
  namespaceOf,
  parseCaip2,
  WALLET_SCOPE,
} from '../../../content/caip-ids.ts';
import {
  CaipErrorCode,
  CHAIN_METHOD_SUFFIXES,
  chainScopeMethods,
  subscriptionNotification,
  WALLET_SCOPE_METHODS,
} from '../../../content/caip-schema.ts';
import { invalidParams } from '../errors.ts';
import { resourcePath } from '../methods/params.ts';
import { caipError } from './errors.ts';

export interface RequestedScope {
  required: boolean;
  methods: string[];
  notifications: string[];
}

export interface SessionRequest {
  /** The CAIP-25 revision the request was written in; the answer uses the same. */
  shape: 2024 | 2025;
  /** Chains of Weft's namespaces, required and optional merged. */
  chains: Map<ChainId, RequestedScope>;
  /** The `wallet` scope, when asked for. */
  wallet: RequestedScope | null;
  /** Scopes of other namespaces (or malformed references of ours) that were required. */
  unsupportedRequired: string[];
  /** `scopedProperties[chainId].resources`: the only resources wanted on that chain. */
  resources: Map<ChainId, string[]>;
}

const MAX_SCOPES = 64;
const MAX_NAMES = 64;
const MAX_NAME_LENGTH = 128;
const MAX_RESOURCES = 32;

const WALLET_METHODS: readonly string[] = WALLET_SCOPE_METHODS;
/**
 * Every method name the wallet knows: both namespaces' chain methods, the wallet scope's, and the
 * `weft_*` names of the chain methods (known, but asked for in a scope by their namespace's name).
 */
const KNOWN_METHODS = new Set([
  ...chainScopeMethods(FISCO_NAMESPACE),
  ...chainScopeMethods(FABRIC_NAMESPACE),
  ...WALLET_METHODS,
  ...CHAIN_METHOD_SUFFIXES.map((suffix) => `weft_${suffix}`),
]);
const KNOWN_NOTIFICATIONS = new Set([
  subscriptionNotification(FISCO_NAMESPACE),
  subscriptionNotification(FABRIC_NAMESPACE),
]);
/** A scope object's members that belong in `scopedProperties` (CAIP-25 code 5301). */
const MISPLACED = ['resources', 'scopedProperties', 'capabilities'];

export function parseCreateSession(params: unknown): SessionRequest {
  const input = Array.isArray(params) && params.length === 1 ? params[0] : params;
  if (!isPlainObject(input)) throw invalidParams('wallet_createSession takes one object param');
  const { requiredScopes, optionalScopes, scopes } = input;
  const sessionProperties = 'sessionProperties' in input ? input.sessionProperties : input.properties;
  if (sessionProperties !== undefined && !isPlainObject(sessionProperties)) {
    throw caipError(CaipErrorCode.invalidSessionProperties, 'sessionProperties must be an object');
  }
  if (requiredScopes === undefined && optionalScopes === undefined && scopes === undefined) {
    throw invalidParams('wallet_createSession needs requiredScopes, optionalScopes or scopes');
  }
  const request: SessionRequest = {
    shape: scopes !== undefined && requiredScopes === undefined && optionalScopes === undefined ? 2025 : 2024,
    chains: new Map(),
    wallet: null,
    unsupportedRequired: [],
    resources: new Map(),
  };
  addScopes(request, requiredScopes, 'requiredScopes', true);
  addScopes(request, optionalScopes, 'optionalScopes', false);
  addScopes(request, scopes, 'scopes', false);
  request.resources = scopedResources(input.scopedProperties, request);
  return request;
}

/** One parent object (`requiredScopes`, ...) into `request`, its scope objects checked. */
function addScopes(request: SessionRequest, value: unknown, field: string, required: boolean): void {
  if (value === undefined) return;
  if (!isPlainObject(value)) throw invalidParams(`${field} must be an object of scope objects`);
  const entries = Object.entries(value);
  if (entries.length === 0 || entries.length > MAX_SCOPES) {
    throw invalidParams(`${field} must hold 1 to ${MAX_SCOPES} scope objects`);
  }
  // Chains this parent names, to catch one named twice (by its id and in a namespace's references).
  const named = new Set<string>();
  for (const [key, scope] of entries) {
    if (!isPlainObject(scope)) throw invalidParams(`${field}.${key} must be a scope object`);
    const misplaced = MISPLACED.find((member) => member in scope);
    if (misplaced) {
      throw caipError(
        CaipErrorCode.scopedPropertiesMisplaced,
        `${field}.${key}.${misplaced} belongs in scopedProperties`,
        { scope: key },
      );
    }
    const methods = names(scope.methods, `${field}.${key}.methods`);
    const notifications = names(scope.notifications, `${field}.${key}.notifications`);
    for (const chain of chainsOf(key, scope.references, `${field}.${key}`)) {
      if (named.has(chain)) {
        throw caipError(CaipErrorCode.chainDefinedTwice, `${chain} appears twice in ${field}`, {
          scope: chain,
        });
      }
      named.add(chain);
      if (chain === WALLET_SCOPE) {
        request.wallet = merged(
          request.wallet,
          check(chain, WALLET_METHODS, [], methods, notifications, required),
        );
        continue;
      }
      if (!isWeftChainId(chain)) {
        if (required) request.unsupportedRequired.push(chain);
        continue;
      }
      const namespace = namespaceOf(chain);
      const wanted = check(
        chain,
        chainScopeMethods(namespace),
        [subscriptionNotification(namespace)],
        methods,
        notifications,
        required,
      );
      request.chains.set(chain, merged(request.chains.get(chain) ?? null, wanted));
    }
  }
}

/**
 * The methods and notifications of one scope the wallet can serve. A name the wallet does not
 * know at all is malformed (5201, 5202) wherever it is; a known one that this scope does not
 * offer refuses a required scope (5101, 5102) and is left out of an optional one.
 */
function check(
  scope: string,
  offered: readonly string[],
  offeredNotifications: readonly string[],
  methods: string[],
  notifications: string[],
  required: boolean,
): RequestedScope {
  const unknown = methods.filter((m) => !KNOWN_METHODS.has(m));
  if (unknown.length > 0) {
    throw caipError(CaipErrorCode.unknownMethods, `${unknown.join(', ')} (in ${scope})`, {
      scope,
      methods: unknown,
    });
  }
  const unknownNotifications = notifications.filter((n) => !KNOWN_NOTIFICATIONS.has(n));
  if (unknownNotifications.length > 0) {
    throw caipError(CaipErrorCode.unknownNotifications, `${unknownNotifications.join(', ')} (in ${scope})`, {
      scope,
      notifications: unknownNotifications,
    });
  }
  const elsewhere = methods.filter((m) => !offered.includes(m));
  const elsewhereNotifications = notifications.filter((n) => !offeredNotifications.includes(n));
  if (required && elsewhere.length > 0) {
    throw caipError(
      CaipErrorCode.unsupportedMethods,
      `${elsewhere.join(', ')} not in ${scope}: it offers ${offered.join(', ')}`,
      { scope, methods: elsewhere },
    );
  }
  if (required && elsewhereNotifications.length > 0) {
    throw caipError(
      CaipErrorCode.unsupportedNotifications,
      `${elsewhereNotifications.join(', ')} in ${scope}`,
      {
        scope,
        notifications: elsewhereNotifications,
      },
    );
  }
  return {
    required,
    methods: methods.filter((m) => offered.includes(m)),
    notifications: notifications.filter((n) => offeredNotifications.includes(n)),
  };
}

function merged(before: RequestedScope | null, now: RequestedScope): RequestedScope {
  if (!before) return { ...now, methods: [...now.methods], notifications: [...now.notifications] };
  return {
    required: before.required || now.required,
    methods: [...new Set([...before.methods, ...now.methods])],
    notifications: [...new Set([...before.notifications, ...now.notifications])],
  };
}

/** The chains a scope key stands for: itself (a CAIP-2 id or `wallet`), or a namespace's references. */
function chainsOf(key: string, references: unknown, field: string): string[] {
  if (key === WALLET_SCOPE) {
    if (references !== undefined) throw invalidParams(`${field}.references: the wallet scope has none`);
    return [WALLET_SCOPE];
  }
  if (parseCaip2(key)) {
    if (references !== undefined) {
      throw invalidParams(`${field}.references: a scope keyed by a chain id names no other chains`);
    }
    return [key];
  }
  if (!isNamespace(key)) throw invalidParams(`${field}: not a CAIP-2 chain id or a namespace`);
  // A namespace without references authorizes no chain of it (CAIP-217).
  const refs = references === undefined ? [] : names(references, `${field}.references`);
  const chains = refs.map((ref) => `${key}:${ref}`);
  const bad = chains.find((chain) => !parseCaip2(chain));
  if (bad) throw invalidParams(`${field}.references: ${bad} is not a CAIP-2 chain id`);
  if (key !== FISCO_NAMESPACE && key !== FABRIC_NAMESPACE && chains.length === 0) return [key];
  return chains;
}

/** `scopedProperties`: per chain asked for, `{ resources }` narrowing the session on that chain. */
function scopedResources(value: unknown, request: SessionRequest): Map<ChainId, string[]> {
  const resources = new Map<ChainId, string[]>();
  if (value === undefined) return resources;
  if (!isPlainObject(value)) {
    throw caipError(CaipErrorCode.invalidScopedProperties, 'scopedProperties must be an object');
  }
  for (const [key, properties] of Object.entries(value)) {
    if (!isPlainObject(properties)) {
      throw caipError(CaipErrorCode.invalidScopedProperties, `scopedProperties.${key} must be an object`);
    }
    if (properties.resources === undefined) continue;
    if (!request.chains.has(key as ChainId)) {
      throw caipError(
        CaipErrorCode.invalidScopedProperties,
        `scopedProperties.${key}: not a chain scope of this request`,
        { scope: key },
      );
    }
    const list = properties.resources;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_RESOURCES) {
      throw caipError(
        CaipErrorCode.invalidScopedProperties,
        `scopedProperties.${key}.resources must list 1 to ${MAX_RESOURCES} resource paths`,
      );
    }
    const paths = list.map((path, i) => {
      try {
        return resourcePath(path, `scopedProperties.${key}.resources[${i}]`);
      } catch (error) {
        throw caipError(CaipErrorCode.invalidScopedProperties, (error as Error).message);
      }
    });
    resources.set(key as ChainId, [...new Set(paths)]);
  }
  return resources;
}

/** An optional list of method or notification names. */
function names(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    value.length > MAX_NAMES ||
    !value.every((n) => typeof n === 'string' && n.length > 0 && n.length <= MAX_NAME_LENGTH)
  ) {
    throw invalidParams(`${field} must list up to ${MAX_NAMES} names`);
  }
  return [...new Set(value as string[])];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
