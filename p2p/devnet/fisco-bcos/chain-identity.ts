/**
 * A data directory belongs to one chain, as a FISCO BCOS node's genesis fixes it: chainId,
 * groupId, the crypto (standard or guomi) and the committee account that may change sealers.
 * Reopening it as another chain is refused instead of silently mixing chains, and so is a
 * directory written by an older devnode whose blocks carry roots no verifier would accept.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DevnodeCrypto } from './sealers.ts';

/** Bumped when stored blocks change meaning (2: FISCO 2.x Merkle roots, per-sealer seals, proofs). */
export const DATA_FORMAT = 2;

export interface ChainIdentity {
  chainId: number;
  groupId: number;
  crypto: DevnodeCrypto;
  /** Lower-case address, or null when nobody may change the sealer set. */
  committee: string | null;
}

/** The data directory cannot be opened as the chain asked for. */
export class DataDirError extends Error {
  override name = 'DataDirError';
  readonly dataDir: string;
  constructor(dataDir: string, message: string) {
    super(message);
    this.dataDir = dataDir;
  }
}

/**
 * Claims `dataDir` for `wanted`, or checks it holds that chain. Returns the identity in force:
 * the committee is fixed at genesis, so a stored one wins over the one asked for.
 */
export function claimDataDir(dataDir: string, wanted: ChainIdentity): ChainIdentity {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'chain.json');
  if (!existsSync(file)) {
    if (existsSync(join(dataDir, 'blocks.jsonl'))) throw outdated(dataDir, 'no chain.json');
    writeFileSync(file, `${JSON.stringify({ format: DATA_FORMAT, ...wanted }, null, 2)}\n`);
    return wanted;
  }
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<ChainIdentity> & { format?: number };
  if (saved.format !== DATA_FORMAT) throw outdated(dataDir, `format ${saved.format ?? 1}`);
  if (
    saved.chainId !== wanted.chainId ||
    saved.groupId !== wanted.groupId ||
    saved.crypto !== wanted.crypto
  ) {
    throw new DataDirError(
      dataDir,
      `${dataDir} holds chain ${saved.chainId} group ${saved.groupId} (${saved.crypto}); refusing to open it as chain ${wanted.chainId} group ${wanted.groupId} (${wanted.crypto})`,
    );
  }
  return { ...wanted, committee: saved.committee ?? null };
}

function outdated(dataDir: string, found: string): DataDirError {
  return new DataDirError(
    dataDir,
    `${dataDir} was written by an older devnode (${found}, this one writes format ${DATA_FORMAT}: FISCO 2.x Merkle roots and sealer seals); delete the directory ${dataDir} to start a new chain`,
  );
}
