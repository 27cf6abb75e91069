/**
 * A site's session as CAIP-25 scopes. The session itself stays what the user approved: resource
 * paths, each pinned, and the signers (background/sessions/). Its scopes are derived: one per
 * chain holding a session resource (keyed by the chain's CAIP-2 id), with the methods and
 * notifications the wallet offers there and the session's signer on that chain as a CAIP-10
 * account, plus the `wallet` scope for the methods that span chains.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  type ChainId,
  FABRIC_NAMESPACE,
  fabricAccountId,
  fiscoAccountId,
  namespaceOf,
  WALLET_SCOPE,
} from '../../../content/caip-ids.ts';
import {
  chainScopeMethods,
  type ScopeObject,
  type Scopes,
  subscriptionNotification,
  WALLET_SCOPE_METHODS,
} from '../../../content/caip-schema.ts';
import type { Session } from '../../../content/provider-schema.ts';
import type { ChainIds } from './chain-ids.ts';

/** The Fabric identity a session names, as the vault describes it (public parts only). */
export interface FabricIdentityInfo {
  id: string;
  mspId: string;
  certificate: string;
}

/** Each session resource's chain id; a resource whose chain cannot be named now is left out. */
export async function sessionChains(session: Session, ids: ChainIds): Promise<Map<string, ChainId>> {
  const chains = new Map<string, ChainId>();
  await Promise.all(
    session.resources.map(async (path) => {
      try {
        chains.set(path, await ids.of(path));
      } catch {
        // Not resolvable now (no router, no anchor yet): it has no scope until it is.
      }
    }),
  );
  return chains;
}

/** The session's scopes, with the resources of each chain scope (`scopedProperties`). */
export async function sessionScopes(
  session: Session,
  ids: ChainIds,
  fabricIdentities: () => Promise<FabricIdentityInfo[]>,
): Promise<{ scopes: Scopes; resources: Record<string, string[]> }> {
  const chains = await sessionChains(session, ids);
  const resources: Record<string, string[]> = {};
  for (const path of session.resources) {
    const chainId = chains.get(path);
    if (chainId) resources[chainId] = [...(resources[chainId] ?? []), path];
  }
  const fabric = session.fabricIdentity
    ? (await fabricIdentities()).find((f) => f.id === session.fabricIdentity)
    : undefined;
  const scopes: Scopes = {};
  for (const chainId of Object.keys(resources).sort() as ChainId[]) {
    scopes[chainId] = {
      methods: chainScopeMethods(namespaceOf(chainId)),
      notifications: [subscriptionNotification(namespaceOf(chainId))],
      accounts: accountsOn(chainId, session, fabric),
    };
  }
  scopes[WALLET_SCOPE] = walletScope();
  return { scopes, resources };
}

export function walletScope(): ScopeObject {
  return { methods: [...WALLET_SCOPE_METHODS], notifications: [], accounts: [] };
}

/** The session's signer on `chainId`: its FISCO BCOS account, or its Fabric identity if it has one. */
function accountsOn(chainId: ChainId, session: Session, fabric: FabricIdentityInfo | undefined): string[] {
  if (!chainId.startsWith(`${FABRIC_NAMESPACE}:`)) return [fiscoAccountId(chainId, session.address)];
  if (!fabric) return [];
  try {
    return [fabricAccountId(chainId, fabric.mspId, certificateFingerprint(fabric.certificate))];
  } catch {
    return []; // an MSP id too long for CAIP-10: the identity still signs, it has no CAIP-10 name
  }
}

/** SHA-256 (hex) of a PEM certificate's DER bytes: the fingerprint tools such as openssl print. */
export function certificateFingerprint(pem: string): string {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem)?.[1];
  if (!body) throw new Error('not a PEM certificate');
  const der = Uint8Array.from(atob(body.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  return bytesToHex(sha256(der));
}
