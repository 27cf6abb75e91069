/**
 * A data directory belongs to one chain and group, as a FISCO BCOS node's genesis fixes them:
 * restarting it under another chainId or groupId is refused instead of silently mixing chains.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function claimDataDir(dataDir: string, chainId: number, groupId: number): void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'chain.json');
  if (!existsSync(file)) {
    writeFileSync(file, `${JSON.stringify({ chainId, groupId }, null, 2)}\n`);
    return;
  }
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { chainId: number; groupId: number };
  if (saved.chainId !== chainId || saved.groupId !== groupId) {
    throw new Error(
      `${dataDir} holds chain ${saved.chainId} group ${saved.groupId}; refusing to open it as chain ${chainId} group ${groupId}`,
    );
  }
}
