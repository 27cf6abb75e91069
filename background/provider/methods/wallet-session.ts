/**
 * CAIP-312 `wallet_getSession` and CAIP-285 `wallet_revokeSession`. The wallet issues no
 * `sessionId` (one session per site, as `weft_getSession`), so a `sessionId` a dapp passes
 * (some CAIP-294 libraries pass the announce's uuid) is ignored; any other member is -32602,
 * so junk cannot end a session.
 */
import type { ProviderResult } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import type { CaipServices } from '../caip/caip-services.ts';
import { sessionScopes } from '../caip/session-scopes.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams } from '../errors.ts';

export async function walletGetSession(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
  caip: CaipServices,
): Promise<ProviderResult<'wallet_getSession'>> {
  sessionIdOnly(params, 'wallet_getSession');
  const session = await services.sessions.get(context.origin);
  if (!session) return { sessionScopes: {} };
  const { scopes, resources } = await sessionScopes(session, caip.ids, () =>
    services.vault.fabricIdentities(),
  );
  return {
    sessionScopes: scopes,
    scopedProperties: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, { resources: v }])),
  };
}

/** `true` once the site has no session (also when it had none: nothing to tell apart). */
export async function walletRevokeSession(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'wallet_revokeSession'>> {
  sessionIdOnly(params, 'wallet_revokeSession');
  await services.sessions.revoke(context.origin);
  return true;
}

/** None, `[]`, `{}`, `[{}]`, or those with a string `sessionId`. */
function sessionIdOnly(params: unknown, method: string): void {
  if (params === undefined) return;
  const value = Array.isArray(params)
    ? params.length === 0
      ? {}
      : params.length === 1
        ? params[0]
        : null
    : params;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.entries(value).every(
      ([key, v]) => key === 'sessionId' && typeof v === 'string' && v.length <= 256,
    );
  if (!ok) throw invalidParams(`${method} takes no params but an optional sessionId`);
}
