/**
 * The decrypted contents of the vault: what the password (and, while unlocked, the session
 * key) protects. Serialised as UTF-8 JSON before encryption.
 */
import { parseMnemonic } from './accounts.ts';
import { VaultCorruptError } from './errors.ts';

/** An imported Fabric private key (PKCS#8 PEM); its certificate and MSP id are public metadata. */
export interface FabricKeySecret {
  id: string;
  privateKeyPem: string;
}

export interface VaultSecrets {
  mnemonic: string;
  fabricKeys: FabricKeySecret[];
}

const utf8 = new TextEncoder();

export function encodeSecrets(secrets: VaultSecrets): Uint8Array<ArrayBuffer> {
  return utf8.encode(JSON.stringify({ mnemonic: secrets.mnemonic, fabricKeys: secrets.fabricKeys }));
}

/** Parses decrypted contents; anything unexpected is a `VaultCorruptError` (the text is never echoed). */
export function decodeSecrets(bytes: Uint8Array): VaultSecrets {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new VaultCorruptError('Vault contents are not valid JSON');
  }
  const { mnemonic, fabricKeys = [] } = (value ?? {}) as { mnemonic?: unknown; fabricKeys?: unknown };
  if (typeof mnemonic !== 'string') throw new VaultCorruptError('Vault contents lack a mnemonic');
  try {
    parseMnemonic(mnemonic);
  } catch {
    throw new VaultCorruptError('Vault contents hold an invalid mnemonic');
  }
  const keysOk =
    Array.isArray(fabricKeys) &&
    fabricKeys.every(
      (k: unknown) =>
        typeof k === 'object' &&
        k !== null &&
        typeof (k as FabricKeySecret).id === 'string' &&
        typeof (k as FabricKeySecret).privateKeyPem === 'string',
    );
  if (!keysOk) throw new VaultCorruptError('Vault contents hold malformed Fabric keys');
  return { mnemonic, fabricKeys: fabricKeys as FabricKeySecret[] };
}
