/**
 * The vault controller's slice of state and its metadata (MetaMask-core style): each field
 * declares whether it is written to `storage.local` (`persist`) and whether it is secret in
 * clear (`secret`). The metadata type forbids persisting a secret field; `persistedState`
 * picks exactly the persisted fields, so what reaches disk follows from this table.
 */
import type { Account } from './accounts.ts';
import type { EncryptedRecord } from './encrypt.ts';
import { parseRecord } from './encrypt.ts';
import { VaultCorruptError } from './errors.ts';
import type { VaultSecrets } from './secrets.ts';

/** An imported Fabric identity's public half; its private key is in the encrypted secrets under `id`. */
export interface FabricIdentityMeta {
  id: string;
  name: string;
  mspId: string;
  /** X.509 certificate, PEM. */
  certificate: string;
}

/** How approvals and the activity name a Fabric identity that signs: `user1 (Org1MSP)`. */
export function fabricIdentityLabel(identity: Pick<FabricIdentityMeta, 'name' | 'mspId'>): string {
  return `${identity.name} (${identity.mspId})`;
}

export interface VaultState {
  /** The password-encrypted secrets; `null` before onboarding. */
  vault: EncryptedRecord | null;
  /** Non-secret account metadata (index, address, name), readable while locked. */
  accounts: Account[];
  /** Imported Fabric identities (public metadata), readable while locked. */
  fabricIdentities: FabricIdentityMeta[];
  /** The decrypted secrets while unlocked, `null` while locked. */
  secrets: VaultSecrets | null;
}

/** A secret field may never persist: only ciphertext and public metadata reach `storage.local`. */
export type FieldMetadata = { persist: true; secret: false } | { persist: false; secret: boolean };

export const vaultStateMetadata = {
  vault: { persist: true, secret: false },
  accounts: { persist: true, secret: false },
  fabricIdentities: { persist: true, secret: false },
  secrets: { persist: false, secret: true },
} as const satisfies { [K in keyof VaultState]: FieldMetadata };

type PersistedKey = {
  [K in keyof VaultState]: (typeof vaultStateMetadata)[K]['persist'] extends true ? K : never;
}[keyof VaultState];

export type PersistedVaultState = Pick<VaultState, PersistedKey>;

/** The `storage.local` item that holds the persisted fields. */
export const VAULT_STORAGE_ITEM = 'weft.vault';

export function initialVaultState(): VaultState {
  return { vault: null, accounts: [], fabricIdentities: [], secrets: null };
}

export function persistedState(state: VaultState): PersistedVaultState {
  const out: Record<string, unknown> = {};
  for (const [key, meta] of Object.entries(vaultStateMetadata)) {
    if (meta.persist) out[key] = structuredClone(state[key as keyof VaultState]);
  }
  return out as PersistedVaultState;
}

/** Validates what `storage.local` returned; `undefined` (nothing stored) gives the initial state. */
export function parsePersistedState(value: unknown): PersistedVaultState {
  if (value === undefined) return { vault: null, accounts: [], fabricIdentities: [] };
  const corrupt = (what: string) => new VaultCorruptError(`Stored wallet state corrupt: ${what}`);
  if (typeof value !== 'object' || value === null) throw corrupt('not an object');
  const {
    vault,
    accounts,
    fabricIdentities = [],
  } = value as {
    vault?: unknown;
    accounts?: unknown;
    fabricIdentities?: unknown;
  };
  if (vault !== null) parseRecord(vault);
  if (!Array.isArray(accounts)) throw corrupt('accounts missing');
  const seen = new Set<number>();
  for (const account of accounts as unknown[]) {
    const a = account as Partial<Account> | null;
    if (
      typeof a !== 'object' ||
      a === null ||
      !Number.isSafeInteger(a.index) ||
      typeof a.address !== 'string' ||
      typeof a.name !== 'string' ||
      seen.has(a.index as number)
    ) {
      throw corrupt('malformed account');
    }
    seen.add(a.index as number);
  }
  const identitiesOk =
    Array.isArray(fabricIdentities) &&
    fabricIdentities.every((f: Partial<FabricIdentityMeta> | null) =>
      ['id', 'name', 'mspId', 'certificate'].every(
        (k) => typeof f?.[k as keyof FabricIdentityMeta] === 'string',
      ),
    );
  if (!identitiesOk) throw corrupt('malformed Fabric identity');
  return {
    vault: vault as EncryptedRecord | null,
    accounts: accounts as Account[],
    fabricIdentities: fabricIdentities as FabricIdentityMeta[],
  };
}
