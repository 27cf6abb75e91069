/**
 * Fabric only: grants are signed by the Weft account, records are owned by a Fabric identity,
 * so the records chaincode keeps a link between the two (docs/grants.md, "the account link").
 * Before the first grant on Fabric the wallet asks the chaincode who the identity is
 * (`WhoAmI`, a read signed by the identity) and, if it is not linked to the account yet,
 * signs AccountLink with the account and submits `LinkAccount` with the identity.
 */
import type { TransactionReceipt } from '../../p2p/chains/connector.ts';
import { decodeChaincodeResult } from '../../p2p/chains/fabric/chaincode-result.ts';
import type { LightClient } from '../../p2p/client/light-client.ts';
import { accountLinkDigest, signDigest } from '../../p2p/grants/typed-data.ts';
import type { ResourceEntry } from '../../p2p/protocol/messages.ts';
import { submitFabricWrite } from '../signing/fabric-write.ts';
import type { ChainTrust } from '../trust/chain-trust.ts';
import type { Vault } from '../vault/vault.ts';

export interface FabricLink {
  client: LightClient;
  vault: Vault;
  trust: ChainTrust;
  /** The records resource (a Fabric one). */
  resource: ResourceEntry;
  identityId: string;
  account: { index: number; address: string };
}

/** What `WhoAmI` answers: the caller's Fabric id and the account linked to it, or "". */
export interface FabricWhoAmI {
  id: string;
  account: string;
}

export class AccountLinkError extends Error {
  override name = 'AccountLinkError';
}

export async function whoAmI(link: FabricLink): Promise<FabricWhoAmI> {
  const { vault, trust, resource, identityId } = link;
  if (resource.chain.type !== 'fabric') throw new AccountLinkError(`${resource.path} is not on Fabric`);
  // Endorsed by the peers the chaincode's policy needs, not one router's evaluate: the link decides
  // which account a grant's records belong to.
  const signer = vault.fabricSigningIdentity(identityId);
  let payload: Uint8Array;
  try {
    payload = (
      await trust.fabricRead(resource.path, signer, { chaincode: resource.address, fn: 'WhoAmI', args: [] })
    ).read.payload;
  } finally {
    signer.privateKey.fill(0);
  }
  const result = { values: [decodeChaincodeResult(payload)] };
  let value = result.values[0];
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      // Not JSON: reported below.
    }
  }
  const answer = value as Partial<FabricWhoAmI> | null;
  if (typeof answer?.id !== 'string' || typeof answer.account !== 'string') {
    throw new AccountLinkError(`${resource.path}.WhoAmI answered ${JSON.stringify(result.values[0])}`);
  }
  return { id: answer.id, account: answer.account };
}

/**
 * Makes sure the identity is linked to the account. Resolves with the LinkAccount receipt
 * if it had to link, with null if the link was there already.
 */
export async function ensureAccountLink(link: FabricLink): Promise<TransactionReceipt | null> {
  const { client, vault, trust, resource, identityId, account } = link;
  if (resource.chain.type !== 'fabric') throw new AccountLinkError(`${resource.path} is not on Fabric`);
  const me = await whoAmI(link);
  if (me.account.toLowerCase() === account.address.toLowerCase()) return null;
  const key = vault.privateKey(account.index);
  let signature: string;
  try {
    signature = signDigest(accountLinkDigest({ fabricId: me.id, account: account.address }), key);
  } finally {
    key.fill(0);
  }
  const receipt = await submitFabricWrite(client, vault, trust, identityId, {
    path: resource.path,
    channel: resource.chain.channel,
    chaincode: resource.address,
    fn: 'LinkAccount',
    args: [account.address, signature],
  });
  if (receipt.status !== 'success') {
    throw new AccountLinkError(`LinkAccount did not commit (Fabric validation code ${receipt.chainStatus})`);
  }
  return receipt;
}
