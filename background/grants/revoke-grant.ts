/**
 * Revoking a grant: a transaction to the registry on the chain that holds the data, from
 * the issuer (docs/grants.md, "Revocation"). FISCO BCOS: `revoke(grantId)` signed by the
 * issuing account. Fabric: `RevokeGrant(grantId)` submitted by the Fabric identity linked
 * to that account (linked again first if the link moved). The grant is marked revoked only
 * once the chain committed the transaction; a failure leaves it valid and says why.
 */
import type { TransactionReceipt } from '../../p2p/chains/connector.ts';
import { encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import type { ResourceEntry } from '../../p2p/protocol/messages.ts';
import type { WalletServices } from '../services.ts';
import { submitFabricWrite } from '../signing/fabric-write.ts';
import { submitFiscoWrite } from '../signing/fisco-write.ts';
import { VaultLockedError } from '../vault/errors.ts';
import { type FabricIdentityMeta, fabricIdentityLabel } from '../vault/state.ts';
import { RevocationFailedError } from './errors.ts';
import { ensureAccountLink } from './fabric-link.ts';
import type { StoredGrant } from './grant-state.ts';

/** What a revocation uses: the popup API passes the worker's services. */
export type RevocationServices = Pick<WalletServices, 'grants' | 'vault' | 'routers' | 'trust' | 'activity'>;

/** Resolves with the grant marked revoked; throws (and changes nothing) if the chain did not commit. */
export async function revokeGrant(services: RevocationServices, id: string): Promise<StoredGrant> {
  if (!services.vault.isUnlocked()) throw new VaultLockedError('Unlock the wallet to revoke a grant');
  const stored = await services.grants.beginRevocation(id);
  let txId: string | undefined;
  try {
    txId = await sendRevocation(services, stored);
  } finally {
    await services.grants.endRevocation(stored.id, txId === undefined ? undefined : { txId });
  }
  return (await services.grants.get(stored.id)) ?? stored;
}

/** Signs and relays the revocation, logged in the activity; resolves with its transaction id once committed. */
async function sendRevocation(services: RevocationServices, stored: StoredGrant): Promise<string> {
  const resource = await services.routers.describe(stored.grant.resource);
  const onFabric = resource.chain.type === 'fabric';
  const method = onFabric ? 'RevokeGrant' : 'revoke';
  // On Fabric the identity linked to the issuer signs; the activity names whoever signs.
  const identity = onFabric ? await linkedIdentity(services, stored) : undefined;
  const entry = await services.activity.add({
    origin: stored.origin,
    kind: 'transaction',
    summary: `${resource.path}.${method}`,
    account: identity ? fabricIdentityLabel(identity) : stored.grant.issuer,
    status: 'submitting',
  });
  let receipt: TransactionReceipt;
  try {
    receipt = onFabric
      ? await revokeOnFabric(services, stored, resource, identity)
      : await revokeOnFisco(services, stored, resource);
  } catch (error) {
    await services.activity.settle(entry, { status: 'failed', error: (error as Error).message });
    throw error;
  }
  await services.activity.settle(entry, {
    status: receipt.status,
    txId: receipt.txId,
    blockNumber: receipt.blockNumber.toString(),
  });
  if (receipt.status !== 'success') {
    throw new RevocationFailedError(
      `The chain reverted the revocation (status ${receipt.chainStatus}); the grant is still valid`,
    );
  }
  return receipt.txId;
}

/** The wallet's Fabric identity linked to the grant's issuer when it was issued, if still held. */
async function linkedIdentity(services: RevocationServices, stored: StoredGrant) {
  const identities = await services.vault.fabricIdentities();
  return identities.find((f) => f.id === stored.signer.fabricIdentity);
}

/** The vault account that issued the grant (by address: the index is only a hint). */
async function issuingAccount(services: RevocationServices, stored: StoredGrant) {
  const accounts = await services.vault.accounts();
  const account = accounts.find((a) => a.address.toLowerCase() === stored.grant.issuer.toLowerCase());
  if (!account) {
    throw new RevocationFailedError(`The issuing account ${stored.grant.issuer} is not in this wallet`);
  }
  return account;
}

async function revokeOnFisco(
  services: RevocationServices,
  stored: StoredGrant,
  resource: ResourceEntry,
): Promise<TransactionReceipt> {
  const account = await issuingAccount(services, stored);
  const data = encodeCall(resource.abi as never, 'revoke', [stored.id]);
  return submitFiscoWrite(services.routers.client(), services.vault, services.trust, account.index, {
    path: resource.path,
    to: resource.address,
    data,
    abi: resource.abi,
  });
}

async function revokeOnFabric(
  services: RevocationServices,
  stored: StoredGrant,
  resource: ResourceEntry,
  identity: FabricIdentityMeta | undefined,
): Promise<TransactionReceipt> {
  if (resource.chain.type !== 'fabric') throw new RevocationFailedError('not a Fabric resource');
  const account = await issuingAccount(services, stored);
  if (!identity) {
    throw new RevocationFailedError(
      'The Fabric identity linked to the issuing account is not in this wallet',
    );
  }
  const identityId = identity.id;
  const client = services.routers.client();
  // RevokeGrant revokes for the account linked to the submitter: make sure that is the issuer.
  await ensureAccountLink({
    client,
    vault: services.vault,
    trust: services.trust,
    resource,
    identityId,
    account,
  });
  return submitFabricWrite(client, services.vault, services.trust, identityId, {
    path: resource.path,
    channel: resource.chain.channel,
    chaincode: resource.address,
    fn: 'RevokeGrant',
    args: [stored.id],
  });
}
