/**
 * CAIP-25 `wallet_createSession`: the chain-agnostic way to ask for a session. The chains asked
 * for become the resource paths they hold (all of a chain's resources, or the ones named in
 * `scopedProperties`), and the user approves those in the popup exactly as for
 * `weft_requestSession`, which this calls: one approval flow, one kind of session, each
 * resource pinned. The answer is the session as CAIP-25 scopes (caip/session-scopes.ts).
 */
import type { ChainId } from '../../../content/caip-ids.ts';
import { CaipErrorCode, type Scopes } from '../../../content/caip-schema.ts';
import type { ProviderResult, Session } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import type { CaipServices } from '../caip/caip-services.ts';
import type { ServedChain } from '../caip/chain-ids.ts';
import { parseCreateSession } from '../caip/create-session-params.ts';
import { caipError } from '../caip/errors.ts';
import { sessionScopes } from '../caip/session-scopes.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams } from '../errors.ts';
import { requestSession } from './request-session.ts';

/** As `weft_requestSession` takes at most. */
const MAX_RESOURCES = 32;

export async function walletCreateSession(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
  caip: CaipServices,
): Promise<ProviderResult<'wallet_createSession'>> {
  const request = parseCreateSession(params);
  if (request.unsupportedRequired.length > 0) {
    throw caipError(CaipErrorCode.unsupportedChains, request.unsupportedRequired.join(', '), {
      scopes: request.unsupportedRequired,
    });
  }
  let served = new Map<ChainId, ServedChain>();
  if (request.chains.size > 0) {
    try {
      served = await caip.served();
    } catch (error) {
      throw toProviderError(error);
    }
  }
  const paths: string[] = [];
  const missing: string[] = [];
  for (const [chainId, scope] of request.chains) {
    const chain = served.get(chainId);
    if (!chain) {
      if (scope.required) missing.push(chainId);
      continue;
    }
    const named = request.resources.get(chainId);
    const elsewhere = named?.filter((path) => !chain.paths.includes(path)) ?? [];
    if (elsewhere.length > 0) {
      throw caipError(
        CaipErrorCode.invalidScopedProperties,
        `${elsewhere.join(', ')} is not a resource of ${chainId}`,
        { scope: chainId, resources: elsewhere },
      );
    }
    paths.push(...(named ?? chain.paths));
  }
  if (missing.length > 0) {
    throw caipError(CaipErrorCode.unsupportedChains, `the wallet's routers reach no ${missing.join(', ')}`, {
      scopes: missing,
    });
  }
  const wanted = [...new Set(paths)];
  if (wanted.length === 0) {
    // Nothing on a chain to approve: only the wallet scope (or chains not served) was asked for.
    const existing = await services.sessions.get(context.origin);
    if (existing && request.chains.size === 0) return answer(existing, request.shape, services, caip);
    throw caipError(CaipErrorCode.unsupportedChains, 'a session needs a chain the wallet serves', {
      scopes: [...request.chains.keys()],
    });
  }
  if (wanted.length > MAX_RESOURCES) {
    throw invalidParams(
      `the chains asked for hold ${wanted.length} resources: name at most ${MAX_RESOURCES} in scopedProperties.<chain>.resources`,
    );
  }
  const granted = await requestSession([{ resources: wanted }], context, services);
  return answer(await overwritten(granted, wanted, services), request.shape, services, caip);
}

/**
 * CAIP-25 without a `sessionId`: a new `wallet_createSession` replaces the session, so resources
 * granted earlier and not asked for now are dropped (narrowing needs no approval).
 */
async function overwritten(session: Session, asked: string[], services: WalletServices): Promise<Session> {
  const kept = session.resources.filter((path) => asked.includes(path));
  if (kept.length === session.resources.length) return session;
  const keep = <T>(record: Record<string, T> | undefined) =>
    record ? Object.fromEntries(Object.entries(record).filter(([path]) => kept.includes(path))) : undefined;
  const { methods: _methods, pins: _pins, ...rest } = session;
  const methods = keep(session.methods);
  const pins = keep(session.pins);
  const narrowed: Session = {
    ...rest,
    resources: kept,
    ...(methods && Object.keys(methods).length > 0 ? { methods } : {}),
    ...(pins ? { pins } : {}),
  };
  await services.sessions.put(narrowed);
  return narrowed;
}

async function answer(
  session: Session,
  shape: 2024 | 2025,
  services: WalletServices,
  caip: CaipServices,
): Promise<ProviderResult<'wallet_createSession'>> {
  const { scopes, resources } = await sessionScopes(session, caip.ids, () =>
    services.vault.fabricIdentities(),
  );
  if (shape === 2025) {
    const withResources: Scopes = {};
    for (const [key, scope] of Object.entries(scopes)) {
      const held = resources[key];
      withResources[key] = held ? { ...scope, capabilities: { resources: held } } : scope;
    }
    return { scopes: withResources, properties: {} };
  }
  return {
    sessionScopes: scopes,
    sessionProperties: {},
    scopedProperties: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, { resources: v }])),
  };
}
