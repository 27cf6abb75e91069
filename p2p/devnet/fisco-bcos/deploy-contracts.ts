/**
 * Deploys Weft's FISCO BCOS contracts (the Asset, the KeyValue store and the Records contract of
 * data-access grants) through the JSON-RPC client, as the local network does at start-up, and
 * returns them as connector resources. With a data directory the addresses are kept in
 * `contracts.json`, so a restarted node reuses its contracts instead of deploying new ones; a
 * contracts.json from before a contract existed gets just the missing ones deployed, and a saved
 * contract whose code is not this build's (a contract changed since, e.g. Records before key
 * sharing) is deployed afresh, its old state left behind.
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
import type { Logger } from '../../router/log.ts';

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
  /** Told when a saved contract is replaced. */
  logger?: Logger;
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
    const stale =
      address === undefined ? undefined : await whyStale(options.client, contract, address, context);
    if (address === undefined || stale !== undefined) {
      if (address !== undefined) {
        options.logger?.warn(`saved ${contract.name} contract ${stale}: deploying it afresh`, {
          contract: contract.name,
          address,
        });
      }
      address = await deploy(options, contract, context);
      saved[contract.name] = address;
      changed = true;
    }
    resources.push({ name: contract.name, address, abi: contract.artifact.abi as never });
  }
  if (file && changed) writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  return resources;
}

/**
 * Why the contract saved at `address` cannot serve, or undefined when it can: its code must be this
 * build's (another build publishes an ABI the code does not have), and a Records contract must
 * answer for this path (under another prefix it would refuse every grant).
 */
async function whyStale(
  client: FiscoRpcClient,
  contract: ContractSpec,
  address: string,
  context: DeployContext,
): Promise<string | undefined> {
  const code = await client.request<string>('getCode', [client.groupId, address]);
  // A chain reset under an old contracts.json leaves no code there.
  if (/^(0x)?$/.test(code)) return 'has no code';
  if (!sameBuild(code, contract.artifact.deployedBytecode)) return 'is an older build';
  if (contract.artifact !== recordsArtifact) return undefined;
  const abi = contract.artifact.abi as never;
  try {
    const output = await client.callChecked({ to: address, data: encodeCall(abi, 'resourcePath', []) });
    const path = decodeResult(abi, 'resourcePath', output)[0];
    return path === contract.args(context)[0] ? undefined : `answers for ${String(path)}`;
  } catch (error) {
    if (error instanceof FiscoExecutionError) return 'does not answer resourcePath';
    throw error;
  }
}

/**
 * Whether deployed runtime code is the artifact's build. Not byte equality: the constructor writes
 * immutables (Records' path hash) into the code, where the artifact has zeros. solc ends the
 * runtime code with a CBOR metadata block (its length in the last two bytes) that hashes the
 * sources and settings, so same length and same block mean the same build; code without such a
 * block must equal the artifact's.
 */
export function sameBuild(deployedCode: string, artifactCode: string): boolean {
  const deployed = deployedCode.replace(/^0x/, '').toLowerCase();
  const artifact = artifactCode.replace(/^0x/, '').toLowerCase();
  if (deployed.length !== artifact.length) return false;
  const metadataBytes = Number.parseInt(artifact.slice(-4), 16) + 2;
  // 0xa2/0xa3: a CBOR map of 2 or 3 entries (ipfs or bzzr hash, solc version, experimental).
  const start = artifact.length - metadataBytes * 2;
  const hasMetadata = metadataBytes > 2 && start > 0 && /^a[1-5]$/.test(artifact.slice(start, start + 2));
  if (!hasMetadata) return deployed === artifact;
  return deployed.slice(start) === artifact.slice(start);
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
