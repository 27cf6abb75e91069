/**
 * Deploys Weft's FISCO BCOS contracts (the Asset and the KeyValue store) through the JSON-RPC
 * client, as the local network does at start-up, and returns them as connector resources.
 * With a data directory the addresses are kept in `contracts.json`, so a restarted node reuses
 * its contracts instead of deploying new ones.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeDeploy } from '../../chains/fisco-bcos/abi.ts';
import type { FiscoResourceConfig } from '../../chains/fisco-bcos/connector.ts';
import { assetArtifact, keyValueArtifact } from '../../chains/fisco-bcos/contracts/index.ts';
import type { FiscoRpcClient } from '../../chains/fisco-bcos/rpc-client.ts';
import type { TransactionSigner } from '../../chains/fisco-bcos/signature-scheme.ts';
import { signTransaction, transactionFields } from '../../chains/fisco-bcos/transaction.ts';

export interface DeployOptions {
  client: FiscoRpcClient;
  signer: TransactionSigner;
  chainId: number;
  dataDir?: string;
  /** Initial supply of the asset, minted to the signer. */
  assetSupply?: bigint;
  timeoutMs?: number;
}

const CONTRACTS = [
  { name: 'asset', artifact: assetArtifact, args: (supply: bigint) => ['Weft Asset', 'WFA', supply] },
  { name: 'kv', artifact: keyValueArtifact, args: () => [] },
];

export async function deployWeftContracts(options: DeployOptions): Promise<FiscoResourceConfig[]> {
  const file = options.dataDir === undefined ? undefined : join(options.dataDir, 'contracts.json');
  if (file && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    if (CONTRACTS.every((c) => saved[c.name])) {
      return CONTRACTS.map((c) => ({
        name: c.name,
        address: saved[c.name] as string,
        abi: c.artifact.abi as never,
      }));
    }
  }
  const resources: FiscoResourceConfig[] = [];
  for (const contract of CONTRACTS) {
    const data = encodeDeploy(
      contract.artifact.abi as never,
      contract.artifact.bytecode,
      contract.args(options.assetSupply ?? 1_000_000_000n),
    );
    const blockLimit = (await options.client.blockNumber()) + 500n;
    const fields = transactionFields({
      to: null,
      data,
      chainId: options.chainId,
      groupId: options.client.groupId,
      blockLimit,
    });
    const receipt = await options.client.sendAndConfirm(signTransaction(fields, options.signer).raw, {
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    resources.push({
      name: contract.name,
      address: receipt.contractAddress,
      abi: contract.artifact.abi as never,
    });
  }
  if (file) {
    const saved = Object.fromEntries(resources.map((r) => [r.name, r.address]));
    writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  }
  return resources;
}
