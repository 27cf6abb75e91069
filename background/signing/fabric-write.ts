/**
 * A Fabric write signed in the wallet: a proposal signed with the user's Fabric identity,
 * endorsed through the routers, then the returned envelope, checked to be that same
 * transaction (txid, creator, chaincode, function) before it is signed too and relayed.
 * The private key is zeroed as soon as the write is done.
 */
import type { TransactionReceipt } from '../../p2p/chains/connector.ts';
import { signPreparedTransaction, signProposal } from '../../p2p/chains/fabric/offline-signing.ts';
import type { LightClient } from '../../p2p/client/light-client.ts';
import type { Vault } from '../vault/vault.ts';

export interface FabricWrite {
  /** Resource path the routers know the chaincode under. */
  path: string;
  channel: string;
  chaincode: string;
  fn: string;
  args: string[];
}

export async function submitFabricWrite(
  client: LightClient,
  vault: Vault,
  identityId: string,
  write: FabricWrite,
): Promise<TransactionReceipt> {
  const { path, channel, chaincode, fn, args } = write;
  const signer = vault.fabricSigningIdentity(identityId);
  try {
    const proposal = signProposal(signer, { channel, chaincode, fn, args });
    const prepared = await client.prepare(path, proposal.signed);
    // The envelope must be the transaction the user approved: same txid, creator, chaincode, function.
    const { signed } = signPreparedTransaction(signer, prepared.unsigned, {
      txId: proposal.txId,
      fn,
      chaincode,
    });
    return await client.submit(path, signed);
  } finally {
    signer.privateKey.fill(0);
  }
}
