/**
 * `weft_scopes`: the CAIP-217 scopes the wallet serves (each chain its routers reach, by CAIP-2
 * id, and the `wallet` scope), without accounts. Needs no session: it is what the inpage
 * provider announces when a dapp prompts for wallets (CAIP-294), so a dapp knows the chain ids
 * to ask for. The chains are those of the wallet's router network, the same for every user of it.
 */
import { namespaceOf } from '../../../content/caip-ids.ts';
import { chainScopeMethods, type Scopes, subscriptionNotification } from '../../../content/caip-schema.ts';
import type { CaipServices } from '../caip/caip-services.ts';
import { walletScope } from '../caip/session-scopes.ts';
import { toProviderError } from '../chain-errors.ts';
import { invalidParams } from '../errors.ts';

export async function servedScopes(params: unknown, caip: CaipServices): Promise<Scopes> {
  if (params !== undefined && !(Array.isArray(params) && params.length === 0)) {
    throw invalidParams('weft_scopes takes no params');
  }
  let chains: Awaited<ReturnType<CaipServices['served']>>;
  try {
    chains = await caip.served();
  } catch (error) {
    throw toProviderError(error);
  }
  const scopes: Scopes = {};
  for (const chainId of [...chains.keys()].sort()) {
    const namespace = namespaceOf(chainId);
    scopes[chainId] = {
      methods: chainScopeMethods(namespace),
      notifications: [subscriptionNotification(namespace)],
    };
  }
  const { accounts: _none, ...wallet } = walletScope();
  scopes.wallet = wallet;
  return scopes;
}
