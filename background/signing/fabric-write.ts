/**
 * A Fabric write signed in the wallet: a proposal signed with the user's Fabric identity,
 * endorsed through the routers, then the returned envelope, checked to be that same
 * transaction (txid, creator, chaincode, function) before it is signed too and relayed.
 * A router's "committed" is not the outcome: the block holding the envelope, signed by the
 * orderers and vouched VALID by peers of each organisation, is (docs/trust-model.md).
 * The private key is zeroed as soon as the write is verified.
 */
import type { ChainEvent } from '../../p2p/chains/connector.ts';
import { chaincodeEvent } from '../../p2p/chains/fabric/chaincode-result.ts';
import {
  fromHex,
  signPreparedTransaction,
  signProposal,
  toHex,
} from '../../p2p/chains/fabric/offline-signing.ts';
import type { LightClient } from '../../p2p/client/light-client.ts';
import type { ChainTrust } from '../trust/chain-trust.ts';
import type { VerifiedReceipt } from '../trust/verification.ts';
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
  trust: ChainTrust,
  identityId: string,
  write: FabricWrite,
): Promise<VerifiedReceipt> {
  const { path, channel, chaincode, fn, args } = write;
  const signer = vault.fabricSigningIdentity(identityId);
  try {
    const proposal = signProposal(signer, { channel, chaincode, fn, args });
    const prepared = await client.prepare(path, proposal.signed);
    // The envelope must be the transaction the user approved: same txid, creator, chaincode, function.
    const { signed, transaction } = signPreparedTransaction(signer, prepared.unsigned, {
      txId: proposal.txId,
      fn,
      chaincode,
    });
    await client.submit(path, signed);
    const { verdict, verification } = await trust.fabricCommit(path, signer, fromHex(signed), proposal.txId);
    const event = transaction.event;
    const events: ChainEvent[] = event ? [chaincodeEvent(event)] : [];
    return {
      txId: proposal.txId,
      blockNumber: verdict.blockNumber,
      status: 'success',
      chainStatus: 'VALID',
      output: toHex(transaction.response.payload),
      events,
      verified: verification,
    };
  } finally {
    signer.privateKey.fill(0);
  }
}
