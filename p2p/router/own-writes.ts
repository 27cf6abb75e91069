/**
 * Writes a router makes as itself, never for a user: today only finishing a trusted transaction
 * or an HTLC whose secret is already public (docs/ttm.md), which the contract and chaincode allow
 * anyone to do.
 *
 * FISCO BCOS accepts any signer, so each router keeps its own secp256k1 key in its data
 * directory (`fisco-bcos.key`, mode 0600, created on first use; the account needs no balance).
 * Fabric writes go out under the router's own identity, the one its connector already uses
 * for commit status and events.
 */
import { join } from 'node:path';
import type { Interface } from 'ethers';
import type { ChainConnector, ResourceDescription, TransactionReceipt } from '../chains/connector.ts';
import { FabricConnector } from '../chains/fabric/connector.ts';
import { contractInterface, encodeCall } from '../chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../chains/fisco-bcos/connector.ts';
import type { EcdsaSigner } from '../chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../chains/fisco-bcos/transaction.ts';
import { loadOrCreateEcdsaKey } from './peer-key.ts';

/** How far ahead of the current block a router's FISCO BCOS transaction stays valid (the node allows 1000). */
const BLOCK_LIMIT_MARGIN = 500n;

export class OwnWriteUnsupportedError extends Error {
  override name = 'OwnWriteUnsupportedError';
}

export interface OwnWriter {
  /** Sends `method(args)` to the resource as the router; a FISCO BCOS revert comes back as a receipt. */
  write(
    connector: ChainConnector,
    description: ResourceDescription,
    method: string,
    args: unknown[],
  ): Promise<TransactionReceipt>;
}

export function createOwnWriter(options: { dataDir: string; timeoutMs?: number }): OwnWriter {
  let fiscoSigner: EcdsaSigner | null = null;
  const interfaces = new Map<string, Interface>();
  const timeoutMs = options.timeoutMs ?? 30_000;

  return {
    async write(connector, description, method, args) {
      if (connector instanceof FabricConnector) {
        return connector.submitAsRouter({ resource: description.path, method, args, timeoutMs });
      }
      if (connector instanceof FiscoBcosConnector) {
        fiscoSigner ??= loadOrCreateEcdsaKey(join(options.dataDir, 'fisco-bcos.key'));
        let iface = interfaces.get(description.path);
        if (!iface) {
          iface = contractInterface(description.abi as never);
          interfaces.set(description.path, iface);
        }
        const fields = transactionFields({
          to: description.address,
          data: encodeCall(iface, method, args),
          chainId: connector.chain.chainId,
          groupId: connector.chain.groupId,
          blockLimit: (await connector.blockNumber()) + BLOCK_LIMIT_MARGIN,
        });
        const signed = signTransaction(fields, fiscoSigner).raw;
        return connector.submit({ resource: description.path, signed, timeoutMs });
      }
      throw new OwnWriteUnsupportedError(`the router cannot write to ${description.path} as itself`);
    },
  };
}
