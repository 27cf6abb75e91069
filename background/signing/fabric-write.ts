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
import { HipError, HipErrorCode } from '../../p2p/protocol/errors.ts';
import type { ChainTrust } from '../trust/chain-trust.ts';
import { EvidenceRefusedError, type VerifiedReceipt } from '../trust/verification.ts';
import type { Vault } from '../vault/vault.ts';
import type { WriteOptions } from './fisco-write.ts';

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
  options: WriteOptions = {},
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
    // Signed once; the same envelope (one tx id) may go through several routers: Fabric commits
    // the first copy and marks any later one DUPLICATE_TXID, which only sends us to the evidence.
    const relay = async (link: LightClient) => {
      let reported = true;
      try {
        await link.submit(path, signed);
      } catch (error) {
        if (!mayHaveCommitted(error)) throw error;
        reported = false;
      }
      try {
        return await trust.fabricCommit(path, signer, fromHex(signed), proposal.txId, link);
      } catch (error) {
        // The router said it committed: no block holding it makes that a lie.
        if (reported && error instanceof EvidenceRefusedError && error.blame === 'absent') {
          throw new EvidenceRefusedError(error.path, error.reason, 'lie');
        }
        throw error;
      }
    };
    const { verdict, verification } = await client.attempt(relay, {
      path,
      ...(options.paths ? { paths: options.paths } : {}),
    });
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

/**
 * Submit failures after which the envelope may be (or be about to be) in a block: the router or
 * the chain did not say in time, or this copy was a duplicate of one already ordered.
 */
function mayHaveCommitted(error: unknown): boolean {
  if (!(error instanceof HipError)) return false;
  if (
    error.code === HipErrorCode.timeout ||
    error.code === HipErrorCode.unreachable ||
    error.code === HipErrorCode.chainTimeout
  )
    return true;
  const said = `${String(error.details.chainCode ?? '')} ${error.message}`;
  return /DUPLICATE_TXID|duplicate transaction/i.test(said);
}
