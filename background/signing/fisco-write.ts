/**
 * A FISCO BCOS write signed in the wallet: RLP with the chain's ids and a `blockLimit`
 * just ahead of the current block, signed with one of the vault's accounts (the key is
 * zeroed once signed), relayed through the routers; resolves with the receipt.
 */
import type { Hex, TransactionReceipt } from '../../p2p/chains/connector.ts';
import { EcdsaSigner } from '../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../p2p/chains/fisco-bcos/transaction.ts';
import type { LightClient } from '../../p2p/client/light-client.ts';
import type { Vault } from '../vault/vault.ts';

/** Margin under FISCO BCOS's 1000-block window for `blockLimit`. */
const BLOCK_LIMIT_MARGIN = 500n;

export async function submitFiscoWrite(
  client: LightClient,
  vault: Vault,
  account: number,
  write: { path: string; to: string; data: Hex },
): Promise<TransactionReceipt> {
  const info = await client.chainInfo(write.path);
  if (info.chain.type !== 'fisco-bcos') throw new Error('the resource moved to another chain type');
  const fields = transactionFields({
    to: write.to,
    data: write.data,
    chainId: info.chain.chainId,
    groupId: info.chain.groupId,
    blockLimit: info.blockNumber + BLOCK_LIMIT_MARGIN,
  });
  const key = vault.privateKey(account);
  let signed: Hex;
  try {
    signed = signTransaction(fields, new EcdsaSigner(key)).raw;
  } finally {
    key.fill(0);
  }
  return client.submit(write.path, signed);
}
