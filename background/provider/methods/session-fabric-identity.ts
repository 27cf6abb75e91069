import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { Session } from '../../../content/provider-schema.ts';
import type { FabricIdentityMeta } from '../../vault/state.ts';
import type { Vault } from '../../vault/vault.ts';
import { ProviderError } from '../errors.ts';

/**
 * The Fabric identity that signs for a site: the session's, else the wallet's first one;
 * 4100 when the wallet holds none.
 */
export async function sessionFabricIdentity(vault: Vault, session: Session): Promise<FabricIdentityMeta> {
  const identities = await vault.fabricIdentities();
  const identity = identities.find((f) => f.id === session.fabricIdentity) ?? identities[0];
  if (!identity) {
    throw new ProviderError(
      ErrorCode.unauthorized,
      'no Fabric identity in the wallet: import one in the popup',
    );
  }
  return identity;
}
