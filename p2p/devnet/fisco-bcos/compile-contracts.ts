/**
 * Compiles the Solidity sources in p2p/chains/fisco-bcos/contracts with the npm `solc`
 * package into the committed artifacts. Run after editing a contract:
 *   node p2p/devnet/fisco-bcos/compile-contracts.ts
 * A unit test recompiles and compares, so committed artifacts cannot go stale.
 * Lives in the devnet (not under p2p/chains) because it needs the file system.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

export const contractsDir = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../chains/fisco-bcos/contracts',
);
export const artifactsDir = join(contractsDir, 'artifacts');

/** FISCO BCOS 2.x runs an EVM of the Constantinople/Istanbul era: no PUSH0, so stay before Shanghai. */
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'london',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const;

export interface ContractArtifact {
  contractName: string;
  sourceName: string;
  compiler: { version: string; settings: typeof settings };
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<
    string,
    Record<
      string,
      { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }
    >
  >;
}

export function compileContracts(): ContractArtifact[] {
  const sources: Record<string, { content: string }> = {};
  for (const file of readdirSync(contractsDir)
    .filter((f) => f.endsWith('.sol'))
    .sort()) {
    sources[file] = { content: readFileSync(join(contractsDir, file), 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const artifacts: ContractArtifact[] = [];
  for (const [sourceName, contracts] of Object.entries(output.contracts)) {
    for (const [contractName, c] of Object.entries(contracts)) {
      artifacts.push({
        contractName,
        sourceName,
        compiler: { version: solc.version(), settings },
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      });
    }
  }
  return artifacts;
}

export function artifactText(artifact: ContractArtifact): string {
  return `${JSON.stringify(artifact, null, 2)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const artifact of compileContracts()) {
    const file = join(artifactsDir, `${artifact.contractName}.json`);
    writeFileSync(file, artifactText(artifact));
    console.log(`wrote ${file}`);
  }
}
