/**
 * FISCO BCOS (secp256k1) accounts from a BIP-39 mnemonic, BIP-44 path m/44'/60'/0'/0/i,
 * with @scure/bip39 and @scure/bip32 (noble's, a few kB) rather than ethers' HD wallet, which
 * brings its keystore code (aes-js, scrypt) into the worker and slows its cold start.
 */
import { HDKey } from '@scure/bip32';
import { entropyToMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { computeAddress, hexlify } from 'ethers';
import { InvalidMnemonicError } from './errors.ts';

/** The parent of every account: m/44'/60'/0'/0 (the last level is the account index). */
export const ACCOUNT_PARENT_PATH = "m/44'/60'/0'/0";
export const MAX_ACCOUNT_INDEX = 0x7fffffff;

/** What the popup and the dapp may see of an account. */
export interface Account {
  index: number;
  address: string;
  name: string;
}

export function accountPath(index: number): string {
  return `${ACCOUNT_PARENT_PATH}/${index}`;
}

export function defaultAccountName(index: number): string {
  return `Account ${index + 1}`;
}

/** A new 12-word mnemonic from 16 bytes of `crypto.getRandomValues`. */
export function newMnemonic(): string {
  return entropyToMnemonic(crypto.getRandomValues(new Uint8Array(16)), wordlist);
}

/**
 * Normalises (trim, lower case, single spaces) and validates an imported phrase: 12, 15, 18,
 * 21 or 24 English BIP-39 words with a valid checksum. Throws `InvalidMnemonicError`.
 */
export function parseMnemonic(phrase: string): string {
  if (typeof phrase !== 'string') throw new InvalidMnemonicError();
  const normalised = phrase.normalize('NFKD').trim().toLowerCase().split(/\s+/).join(' ');
  const words = normalised.split(' ').length;
  if (![12, 15, 18, 21, 24].includes(words)) {
    throw new InvalidMnemonicError(`Invalid recovery phrase: ${words} words, expected 12, 15, 18, 21 or 24`);
  }
  if (!validateMnemonic(normalised, wordlist)) throw new InvalidMnemonicError();
  return normalised;
}

/**
 * Derives accounts from one mnemonic. The BIP-39 seed (PBKDF2-SHA512, 2048 rounds) and the
 * hardened levels are computed once; each account is then one non-hardened child step.
 * Holds key material: lives only in the background, only while unlocked.
 */
export class AccountDeriver {
  readonly #parent: HDKey;

  constructor(mnemonic: string) {
    const seed = mnemonicToSeedSync(parseMnemonic(mnemonic));
    this.#parent = HDKey.fromMasterSeed(seed).derive(ACCOUNT_PARENT_PATH);
    seed.fill(0);
  }

  address(index: number): string {
    return computeAddress(hexlify(this.#child(index).publicKey as Uint8Array));
  }

  account(index: number, name = defaultAccountName(index)): Account {
    return { index, address: this.address(index), name };
  }

  /** The 32-byte secp256k1 private key, for signing inside the background only. */
  privateKey(index: number): Uint8Array {
    return Uint8Array.from(this.#child(index).privateKey as Uint8Array);
  }

  #child(index: number): HDKey {
    if (!Number.isSafeInteger(index) || index < 0 || index > MAX_ACCOUNT_INDEX) {
      throw new RangeError(`Account index out of range: ${index}`);
    }
    return this.#parent.deriveChild(index);
  }
}
