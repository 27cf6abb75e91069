/**
 * The signer a new site session starts with, per chain type: a FISCO BCOS account
 * index and a Fabric identity id. The user changes them on the home screen and can
 * still pick another signer for each site when approving its session.
 */
import type { StorageAreaLike } from '../vault/storage-area.ts';

export interface SignerDefaults {
  fiscoAccount: number;
  fabricIdentity?: string;
}

const KEY = 'signerDefaults';

export async function loadDefaults(local: StorageAreaLike): Promise<SignerDefaults> {
  const saved = (await local.get(KEY))[KEY] as Partial<SignerDefaults> | undefined;
  return {
    fiscoAccount: typeof saved?.fiscoAccount === 'number' ? saved.fiscoAccount : 0,
    ...(typeof saved?.fabricIdentity === 'string' ? { fabricIdentity: saved.fabricIdentity } : {}),
  };
}

export async function saveDefaults(
  local: StorageAreaLike,
  change: Partial<SignerDefaults>,
): Promise<SignerDefaults> {
  const next = { ...(await loadDefaults(local)), ...change };
  await local.set({ [KEY]: next });
  return next;
}
