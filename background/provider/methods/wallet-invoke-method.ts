/**
 * CAIP-27 `wallet_invokeMethod({ scope, request: { method, params } })`: one `weft_*` method,
 * run by its own handler (the same one `request({ method })` runs, so every check, approval and
 * pin applies), after checking that the session holds the scope, that the method belongs to the
 * scope, and, in a chain scope, that every resource the params name is a session resource on
 * that chain. The result is the method's own; errors are the method's own (top-level, as
 * EIP-1193 providers answer), so a dapp handles them as it would for the direct call.
 */
import { isWeftChainId, namespaceOf, parseCaip2, WALLET_SCOPE } from '../../../content/caip-ids.ts';
import {
  CHAIN_METHOD_SUFFIXES,
  chainScopeMethods,
  type InvokeMethodParams,
  WALLET_SCOPE_METHODS,
  weftMethodOf,
} from '../../../content/caip-schema.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { WalletServices } from '../../services.ts';
import type { CaipServices } from '../caip/caip-services.ts';
import { sessionChains } from '../caip/session-scopes.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import type { Methods } from '../handle-request.ts';
import { objectParam, resourcePath } from './params.ts';
import { requireSession } from './require-session.ts';

const WALLET_METHODS: readonly string[] = WALLET_SCOPE_METHODS;
/** The `weft_*` names of chain methods: known, but in a chain scope by their namespace's name. */
const WEFT_CHAIN_METHODS: readonly string[] = CHAIN_METHOD_SUFFIXES.map((suffix) => `weft_${suffix}`);

export async function walletInvokeMethod(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
  caip: CaipServices,
  methods: Methods,
): Promise<unknown> {
  const input = objectParam<InvokeMethodParams>(params, 'wallet_invokeMethod');
  const scope = input.scope ?? input.chainId;
  if (typeof scope !== 'string' || (scope !== WALLET_SCOPE && !parseCaip2(scope))) {
    throw invalidParams('scope must be a CAIP-2 chain id of the session, or "wallet"');
  }
  const inner = input.request;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
    throw invalidParams('request must be { method, params }');
  }
  const { method, params: innerParams } = inner as { method?: unknown; params?: unknown };
  if (typeof method !== 'string' || method.length === 0 || method.length > 128) {
    throw invalidParams('request.method must be a non-empty string');
  }
  if (innerParams !== undefined && (typeof innerParams !== 'object' || innerParams === null)) {
    throw invalidParams('request.params must be an array or an object');
  }
  // The handler to run: a wallet method runs under its own name, a chain method under its weft_ name.
  const handler = scopeHandler(scope, method);
  if (handler === null) {
    const known =
      WALLET_METHODS.includes(method) || WEFT_CHAIN_METHODS.includes(method) || weftMethodOf(method);
    if (!known) throw new ProviderError(ErrorCode.unsupportedMethod, `unsupported method: ${method}`);
    const offered =
      scope === WALLET_SCOPE
        ? WALLET_METHODS
        : isWeftChainId(scope)
          ? chainScopeMethods(namespaceOf(scope))
          : [];
    throw new ProviderError(
      ErrorCode.unauthorized,
      `${method} is not a method of ${scope}${offered.length > 0 ? ` (it offers ${offered.join(', ')})` : ''}`,
      { reason: 'METHOD_NOT_IN_SCOPE', scope, method },
    );
  }
  const session = await requireSession(services, context);
  if (scope !== WALLET_SCOPE) {
    const chains = await sessionChains(session, caip.ids);
    if (![...chains.values()].includes(scope as never)) {
      throw new ProviderError(ErrorCode.unauthorized, `the session does not hold the scope ${scope}`, {
        reason: 'SCOPE_NOT_AUTHORIZED',
        scope,
      });
    }
    const path = pathOf(innerParams);
    if (path !== undefined) {
      if (!session.resources.includes(path)) {
        throw new ProviderError(ErrorCode.unauthorized, `the session does not include ${path}`);
      }
      if (chains.get(path) !== scope) {
        throw new ProviderError(ErrorCode.unauthorized, `${path} is not on ${scope}`, {
          reason: 'OUT_OF_SCOPE',
          scope,
          path,
        });
      }
    }
    const subscription = subscriptionOf(innerParams);
    if (handler === 'weft_unsubscribe' && subscription !== undefined && context.channel) {
      const held = caip.subscriptions.scopeOf(context.channel, subscription);
      if (held !== undefined && held !== scope) {
        throw new ProviderError(ErrorCode.unauthorized, `subscription ${subscription} is not on ${scope}`, {
          reason: 'OUT_OF_SCOPE',
          scope,
        });
      }
    }
  }
  const run = methods[handler];
  if (!run) throw new ProviderError(ErrorCode.unsupportedMethod, `unsupported method: ${method}`);
  return run(innerParams, context);
}

/**
 * The `weft_*` handler of `method` in `scope`, or null when the scope does not offer it: a wallet
 * method in `wallet`; in a chain scope, its namespace's chain methods (`fisco_call` in `fisco:…`).
 */
function scopeHandler(scope: string, method: string): string | null {
  if (scope === WALLET_SCOPE) return WALLET_METHODS.includes(method) ? method : null;
  if (!isWeftChainId(scope) || !chainScopeMethods(namespaceOf(scope)).includes(method)) return null;
  return weftMethodOf(method);
}

/**
 * The resource a chain method's params name (`path` of its one object param), when it is a well
 * formed path; otherwise the method's own checks refuse the params (-32602).
 */
function pathOf(params: unknown): string | undefined {
  const value = Array.isArray(params) ? params[0] : params;
  const path = (value as { path?: unknown } | null | undefined)?.path;
  try {
    return resourcePath(path);
  } catch {
    return undefined;
  }
}

function subscriptionOf(params: unknown): string | undefined {
  const value = Array.isArray(params) ? params[0] : params;
  const id = (value as { subscription?: unknown } | null | undefined)?.subscription;
  return typeof id === 'string' ? id : undefined;
}
