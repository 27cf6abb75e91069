/** Compiled artifacts of the contracts Weft deploys on FISCO BCOS (see compile-contracts.ts in the devnet). */
import asset from './artifacts/Asset.json' with { type: 'json' };
import keyValue from './artifacts/KeyValue.json' with { type: 'json' };
import records from './artifacts/Records.json' with { type: 'json' };

export interface ContractArtifactJson {
  contractName: string;
  abi: readonly unknown[];
  bytecode: string;
  deployedBytecode: string;
}

export const assetArtifact: ContractArtifactJson = asset;
export const keyValueArtifact: ContractArtifactJson = keyValue;
/** Per-owner records readable under data-access grants (docs/grants.md); deployed with its resource path. */
export const recordsArtifact: ContractArtifactJson = records;
