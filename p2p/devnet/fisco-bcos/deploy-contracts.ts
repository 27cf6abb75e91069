/**
 * Deploys Weft's FISCO BCOS contracts (the Asset, the KeyValue store and the Records contract of
 * data-access grants) through the JSON-RPC client, as the local network does at start-up, and
 * returns them as connector resources. With a data directory the addresses are kept in
 * `contracts.json`, so a restarted node reuses its contracts instead of deploying new ones; a
 * contracts.json from before a contract existed gets just the missing ones deployed.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeResult, encodeCall, encodeDeploy } from '../../chains/fisco-bcos/abi.ts';
import type { FiscoResourceConfig } from '../../chains/fisco-bcos/connector.ts';
import {
  assetArtifact,
  type ContractArtifactJson,
  keyValueArtifact,
  recordsArtifact,
} from '../../chains/fisco-bcos/contracts/index.ts';
import { FiscoExecutionError } from '../../chains/fisco-bcos/errors.ts';
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
  /**
   * `zone.chain` the resources are published under; the Records contract is deployed with its
   * own path, `<resourcePrefix>.records`, which grants must name. The local network's is the default.
   */
  resourcePrefix?: string;
  timeoutMs?: number;
}

interface DeployContext {
  assetSupply: bigint;
  resourcePrefix: string;
}

interface ContractSpec {
  name: string;
  artifact: ContractArtifactJson;
  args(context: DeployContext): unknown[];
}

export const DEFAULT_RESOURCE_PREFIX = 'payment.bcos';

const CONTRACTS: ContractSpec[] = [
  { name: 'asset', artifact: assetArtifact, args: (c) => ['Weft Asset', 'WFA', c.assetSupply] },
  { name: 'kv', artifact: keyValueArtifact, args: () => [] },
  { name: 'records', artifact: recordsArtifact, args: (c) => [`${c.resourcePrefix}.records`] },
];

export async function deployWeftContracts(options: DeployOptions): Promise<FiscoResourceConfig[]> {
  const context: DeployContext = {
    assetSupply: options.assetSupply ?? 1_000_000_000n,
    resourcePrefix: options.resourcePrefix ?? DEFAULT_RESOURCE_PREFIX,
  };
  const file = options.dataDir === undefined ? undefined : join(options.dataDir, 'contracts.json');
  const saved: Record<string, string> =
    file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  const resources: FiscoResourceConfig[] = [];
  let changed = false;
  for (const contract of CONTRACTS) {
    let address = saved[contract.name];
    if (address === undefined || !(await stillMatches(options.client, contract, address, context))) {
      address = await deploy(options, contract, context);
      saved[contract.name] = address;
      changed = true;
    }
    resources.push({ name: contract.name, address, abi: contract.artifact.abi as never });
  }
  if (file && changed) writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  return resources;
}

/** A saved Records contract answers for one path; under another prefix it would refuse every grant. */
async function stillMatches(
  client: FiscoRpcClient,
  contract: ContractSpec,
  address: string,
  context: DeployContext,
): Promise<boolean> {
  if (contract.artifact !== recordsArtifact) return true;
  const abi = contract.artifact.abi as never;
  try {
    const output = await client.callChecked({ to: address, data: encodeCall(abi, 'resourcePath', []) });
    return decodeResult(abi, 'resourcePath', output)[0] === contract.args(context)[0];
  } catch (error) {
    // No code there (a chain reset under an old contracts.json): deploy afresh.
    if (error instanceof FiscoExecutionError) return false;
    throw error;
  }
}

async function deploy(
  options: DeployOptions,
  contract: ContractSpec,
  context: DeployContext,
): Promise<string> {
  const data = encodeDeploy(
    contract.artifact.abi as never,
    contract.artifact.bytecode,
    contract.args(context),
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
  return receipt.contractAddress;
}
