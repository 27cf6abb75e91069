/**
 * The vault controller: owns the wallet's keys and account list.
 *
 * Persistent state (the encrypted secrets and non-secret account metadata, see `state.ts`)
 * lives in an injected `storage.local`-like area; while unlocked, the decrypted secrets sit
 * in memory and, re-encrypted under a session key, in an injected `storage.session`-like
 * area so that a restarted service worker can `restore()` without the password. Operations
 * run one at a time (messages reach the worker concurrently). A failed operation changes
 * nothing: new state is written to storage first and adopted in memory only after.
 */
import { p256 } from '@noble/curves/nist.js';
import { equalBytes } from '@noble/curves/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  type FabricSigningIdentity,
  privateKeyFromPem,
  publicKeyFromCertificate,
} from '../../p2p/chains/fabric/identity.ts';
import type { WalletEvents } from '../events.ts';
import {
  type Account,
  AccountDeriver,
  defaultAccountName,
  MAX_ACCOUNT_INDEX,
  newMnemonic,
  parseMnemonic,
} from './accounts.ts';
import { decryptSecret, type EncryptedRecord, encryptSecret, PBKDF2_ITERATIONS } from './encrypt.ts';
import {
  InvalidFabricIdentityError,
  NoVaultError,
  UnknownAccountError,
  VaultExistsError,
  VaultLockedError,
  WeakPasswordError,
} from './errors.ts';
import { decodeSecrets, encodeSecrets, type VaultSecrets } from './secrets.ts';
import { endSession, resumeSession, startSession } from './session-key.ts';
import {
  type FabricIdentityMeta,
  initialVaultState,
  type PersistedVaultState,
  parsePersistedState,
  persistedState,
  VAULT_STORAGE_ITEM,
  type VaultState,
} from './state.ts';
import type { StorageAreaLike } from './storage-area.ts';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_ACCOUNT_NAME_LENGTH = 64;

export interface VaultOptions {
  /** `browser.storage.local` in the extension. */
  local: StorageAreaLike;
  /** `browser.storage.session` in the extension. */
  session: StorageAreaLike;
  /** PBKDF2 iterations for new records; defaults to `PBKDF2_ITERATIONS`. Lowered only by tests. */
  iterations?: number;
  /** Where the vault says `vault:changed`, `vault:unlocked` and `vault:locked`. */
  events: WalletEvents;
}

/** What the popup may see. */
export interface VaultView {
  hasVault: boolean;
  isUnlocked: boolean;
  accounts: Account[];
}

export class Vault {
  readonly #local: StorageAreaLike;
  readonly #session: StorageAreaLike;
  readonly #iterations: number;
  readonly #events: WalletEvents;
  #state: VaultState = initialVaultState();
  #deriver: AccountDeriver | null = null;
  #loaded = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: VaultOptions) {
    this.#local = options.local;
    this.#session = options.session;
    this.#iterations = options.iterations ?? PBKDF2_ITERATIONS;
    this.#events = options.events;
  }

  isUnlocked(): boolean {
    return this.#state.secrets !== null;
  }

  async hasVault(): Promise<boolean> {
    return this.#exclusive(async () => (await this.#load()).vault !== null);
  }

  /** The non-secret view for the popup. */
  async view(): Promise<VaultView> {
    return this.#exclusive(async () => {
      const state = await this.#load();
      return {
        hasVault: state.vault !== null,
        isUnlocked: this.isUnlocked(),
        accounts: copy(state.accounts),
      };
    });
  }

  /**
   * Onboarding: a new wallet from `mnemonic` (imported) or a new 12-word one. Leaves it
   * unlocked with account 0. Returns the phrase so that the popup can show it once.
   */
  async create(password: string, mnemonic?: string): Promise<{ mnemonic: string; accounts: Account[] }> {
    return this.#exclusive(async () => {
      const state = await this.#load();
      if (state.vault !== null) throw new VaultExistsError();
      checkNewPassword(password);
      const phrase = mnemonic === undefined ? newMnemonic() : parseMnemonic(mnemonic);
      const secrets: VaultSecrets = { mnemonic: phrase, fabricKeys: [] };
      const plaintext = encodeSecrets(secrets);
      const vault = await encryptSecret(plaintext, password, { iterations: this.#iterations });
      const deriver = new AccountDeriver(phrase);
      const accounts = [deriver.account(0)];
      await this.#persist({ vault, accounts, fabricIdentities: [] });
      this.#adopt(secrets, deriver);
      await startSession(this.#session, plaintext);
      plaintext.fill(0);
      this.#events.emit('vault:changed');
      return { mnemonic: phrase, accounts: copy(accounts) };
    });
  }

  /** Wrong password: `WrongPasswordError`, nothing changes (still locked, storage untouched). */
  async unlock(password: string): Promise<void> {
    return this.#exclusive(async () => {
      const state = await this.#load();
      const vault = requireVault(state.vault);
      const plaintext = await decryptSecret(vault, password);
      const secrets = decodeSecrets(plaintext);
      const deriver = new AccountDeriver(secrets.mnemonic);
      if (vault.kdf.iterations < this.#iterations) {
        // An older, weaker record: re-encrypt with today's iteration count while we hold the password.
        await this.#persist({
          ...persistedState(state),
          vault: await encryptSecret(plaintext, password, { iterations: this.#iterations }),
        });
      }
      await startSession(this.#session, plaintext);
      plaintext.fill(0);
      this.#adopt(secrets, deriver);
      await this.#reconcileAddresses();
      this.#events.emit('vault:unlocked');
    });
  }

  /** Forgets the decrypted keys and the session key; the password is needed again. */
  async lock(): Promise<void> {
    return this.#exclusive(async () => {
      this.#state.secrets = null;
      this.#deriver = null;
      await endSession(this.#session);
      this.#events.emit('vault:locked');
    });
  }

  /**
   * After a service-worker restart: unlocks from the session key if the wallet was unlocked
   * (and not locked since). Returns whether the vault is now unlocked.
   */
  async restore(): Promise<boolean> {
    return this.#exclusive(async () => {
      if (this.isUnlocked()) return true;
      const state = await this.#load();
      if (state.vault === null) {
        await endSession(this.#session);
        return false;
      }
      const plaintext = await resumeSession(this.#session);
      if (plaintext === null) return false;
      let secrets: VaultSecrets;
      try {
        secrets = decodeSecrets(plaintext);
      } catch {
        await endSession(this.#session);
        return false;
      } finally {
        plaintext.fill(0);
      }
      this.#adopt(secrets, new AccountDeriver(secrets.mnemonic));
      await this.#reconcileAddresses();
      return true;
    });
  }

  /** The accounts' public metadata (available while locked). */
  async accounts(): Promise<Account[]> {
    return this.#exclusive(async () => copy((await this.#load()).accounts));
  }

  /** Derives the next account (lowest unused index above the highest). */
  async addAccount(name?: string): Promise<Account> {
    return this.#exclusive(async () => {
      const deriver = this.#requireUnlocked();
      const { accounts } = this.#state;
      const index = accounts.reduce((max, a) => Math.max(max, a.index), -1) + 1;
      if (index > MAX_ACCOUNT_INDEX) throw new RangeError('No account index left');
      const account = deriver.account(
        index,
        name === undefined ? defaultAccountName(index) : checkName(name),
      );
      await this.#persist({ ...persistedState(this.#state), accounts: [...accounts, account] });
      this.#events.emit('vault:changed');
      return { ...account };
    });
  }

  async renameAccount(index: number, name: string): Promise<Account> {
    return this.#exclusive(async () => {
      this.#requireUnlocked();
      const clean = checkName(name);
      const { accounts } = this.#state;
      if (!accounts.some((a) => a.index === index)) throw new UnknownAccountError(`No account ${index}`);
      const renamed = accounts.map((a) => (a.index === index ? { ...a, name: clean } : a));
      await this.#persist({ ...persistedState(this.#state), accounts: renamed });
      this.#events.emit('vault:changed');
      return { ...(renamed.find((a) => a.index === index) as Account) };
    });
  }

  /** Re-encrypts under a new password (new salt and IV). Wrong old password: nothing changes. */
  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    return this.#exclusive(async () => {
      const state = await this.#load();
      const vault = requireVault(state.vault);
      checkNewPassword(newPassword);
      const plaintext = await decryptSecret(vault, oldPassword);
      decodeSecrets(plaintext);
      const next = await encryptSecret(plaintext, newPassword, { iterations: this.#iterations });
      plaintext.fill(0);
      await this.#persist({ ...persistedState(state), vault: next });
    });
  }

  /** Imported Fabric identities' public metadata (available while locked). */
  async fabricIdentities(): Promise<FabricIdentityMeta[]> {
    return this.#exclusive(async () => structuredClone((await this.#load()).fabricIdentities));
  }

  /**
   * Imports a Fabric identity (X.509 certificate + P-256 key, PEM, under an MSP id). The
   * password re-encrypts the vault with the new key; a key that does not match the
   * certificate is refused. Wrong password or bad input: nothing changes.
   */
  async importFabricIdentity(
    password: string,
    input: { name: string; mspId: string; certificate: string; privateKeyPem: string },
  ): Promise<FabricIdentityMeta> {
    return this.#exclusive(async () => {
      const state = await this.#load();
      const vault = requireVault(state.vault);
      const deriver = this.#requireUnlocked();
      const name = checkName(input.name);
      const mspId = typeof input.mspId === 'string' ? input.mspId.trim() : '';
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(mspId))
        throw new InvalidFabricIdentityError('Give the MSP id, e.g. Org1MSP');
      let matches = false;
      try {
        const key = privateKeyFromPem(input.privateKeyPem);
        matches = equalBytes(p256.getPublicKey(key, false), publicKeyFromCertificate(input.certificate));
        key.fill(0);
      } catch {
        throw new InvalidFabricIdentityError('The certificate or the key is not a P-256 PEM');
      }
      if (!matches)
        throw new InvalidFabricIdentityError('The private key does not belong to the certificate');
      const plaintext = await decryptSecret(vault, password);
      const secrets = decodeSecrets(plaintext);
      plaintext.fill(0);
      const meta: FabricIdentityMeta = {
        id: crypto.randomUUID(),
        name,
        mspId,
        certificate: input.certificate.trim(),
      };
      secrets.fabricKeys.push({ id: meta.id, privateKeyPem: input.privateKeyPem.trim() });
      const encoded = encodeSecrets(secrets);
      const next = await encryptSecret(encoded, password, { iterations: this.#iterations });
      await this.#persist({
        ...persistedState(state),
        vault: next,
        fabricIdentities: [...state.fabricIdentities, meta],
      });
      await startSession(this.#session, encoded);
      encoded.fill(0);
      this.#adopt(secrets, deriver);
      this.#events.emit('vault:changed');
      return structuredClone(meta);
    });
  }

  /** A Fabric identity with its private key, for the background's signer only. */
  fabricSigningIdentity(id: string): FabricSigningIdentity {
    this.#requireUnlocked();
    const meta = this.#state.fabricIdentities.find((f) => f.id === id);
    const secret = this.#state.secrets?.fabricKeys.find((k) => k.id === id);
    if (!meta || !secret) throw new UnknownAccountError(`No Fabric identity ${id}`);
    return {
      mspId: meta.mspId,
      certificate: meta.certificate,
      privateKey: privateKeyFromPem(secret.privateKeyPem),
    };
  }

  /**
   * The secp256k1 private key of an account, for the background's signer only: never put it
   * in a message, a log or storage. Throws `VaultLockedError` / `UnknownAccountError`.
   */
  privateKey(index: number): Uint8Array {
    const deriver = this.#requireUnlocked();
    if (!this.#state.accounts.some((a) => a.index === index))
      throw new UnknownAccountError(`No account ${index}`);
    return deriver.privateKey(index);
  }

  /**
   * The key that seals TTM secrets (background/ttm/secret.ts): derived from the recovery phrase
   * with HKDF-SHA256, so a sealed secret is as safe as the keys (only the unlocked vault opens
   * it) and still opens after the phrase is restored on another install. Zero it after use.
   */
  ttmKey(): Uint8Array {
    this.#requireUnlocked();
    const phrase = new TextEncoder().encode(this.#state.secrets?.mnemonic ?? '');
    try {
      return hkdf(sha256, phrase, utf8('weft'), utf8('ttm secrets v1'), 32);
    } finally {
      phrase.fill(0);
    }
  }

  // --- internals ---

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #load(): Promise<VaultState> {
    if (!this.#loaded) {
      const items = await this.#local.get(VAULT_STORAGE_ITEM);
      const persisted = parsePersistedState(items[VAULT_STORAGE_ITEM]);
      this.#state = { ...this.#state, ...persisted };
      this.#loaded = true;
    }
    return this.#state;
  }

  /** Writes first, then adopts: a failed write leaves memory and storage as they were. */
  async #persist(next: PersistedVaultState): Promise<void> {
    await this.#local.set({ [VAULT_STORAGE_ITEM]: next });
    this.#state = { ...this.#state, ...structuredClone(next) };
  }

  #adopt(secrets: VaultSecrets, deriver: AccountDeriver): void {
    this.#state.secrets = secrets;
    this.#deriver = deriver;
  }

  #requireUnlocked(): AccountDeriver {
    if (this.#deriver === null || this.#state.secrets === null) throw new VaultLockedError();
    return this.#deriver;
  }

  /**
   * Addresses in `storage.local` are in clear and could be altered on disk; the derivation
   * is the truth. Fix (and persist) any that differ, so the popup never shows a planted one.
   */
  async #reconcileAddresses(): Promise<void> {
    const deriver = this.#requireUnlocked();
    const { accounts } = this.#state;
    const fixed = accounts.map((a) => ({ ...a, address: deriver.address(a.index) }));
    if (fixed.some((a, i) => a.address !== accounts[i]?.address)) {
      await this.#persist({ ...persistedState(this.#state), accounts: fixed });
    }
  }
}

function requireVault(vault: EncryptedRecord | null): EncryptedRecord {
  if (vault === null) throw new NoVaultError();
  return vault;
}

function checkNewPassword(password: string): void {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD_LENGTH) {
    throw new WeakPasswordError(`The password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
}

function checkName(name: string): string {
  const clean = typeof name === 'string' ? name.trim() : '';
  if (clean.length === 0 || clean.length > MAX_ACCOUNT_NAME_LENGTH) {
    throw new RangeError(`An account name has 1 to ${MAX_ACCOUNT_NAME_LENGTH} characters`);
  }
  return clean;
}

function copy(accounts: Account[]): Account[] {
  return accounts.map((a) => ({ ...a }));
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
