/**
 * A Fabric read signed by the user's identity: a proposal the router has evaluated as is,
 * so chaincode that answers per caller (`GetClientIdentity`) answers for the user.
 */
import type { Hex } from '../../p2p/chains/connector.ts';
import { signProposal } from '../../p2p/chains/fabric/offline-signing.ts';
import type { Vault } from '../vault/vault.ts';

export function signFabricRead(
  vault: Vault,
  identityId: string,
  read: { channel: string; chaincode: string; fn: string; args: unknown[] },
): Hex {
  const signer = vault.fabricSigningIdentity(identityId);
  try {
    const args = read.args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a)));
    return signProposal(signer, { channel: read.channel, chaincode: read.chaincode, fn: read.fn, args })
      .signed;
  } finally {
    signer.privateKey.fill(0);
  }
}
