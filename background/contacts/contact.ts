/**
 * A contact: a name the user gave to someone else's FISCO BCOS address or Fabric account, so
 * approvals say "Alice (0x7099…79C8)" instead of a bare address. Types and the checks that need
 * no hashing only: the popup imports from here without pulling ethers into its bundle.
 */
import type { ChainType } from '../ttm/types.ts';
import { InvalidContactError } from './errors.ts';

export interface Contact {
  /** Trimmed, NFC, 1 to `MAX_CONTACT_NAME_LENGTH` characters; unique on its chain, whatever the case. */
  name: string;
  chain: ChainType;
  /**
   * FISCO BCOS: the 0x address, EIP-55 checksummed. Fabric: the account as the asset chaincode
   * keys it (`merchant`), case kept: the chaincode's keys are case-sensitive.
   */
  address: string;
  /** When it was added (ms since the epoch). */
  addedAt: number;
}

/** What the user enters; the store checks and normalises it. */
export interface ContactInput {
  name: string;
  chain: string;
  address: string;
}

export const MAX_CONTACT_NAME_LENGTH = 64;
export const MAX_CONTACTS = 1000;
export const CONTACT_CHAINS: readonly ChainType[] = ['fisco-bcos', 'fabric'];

/**
 * Control characters would break the one-line sentences names appear in; bidirectional
 * overrides and isolates could make a name read as something it is not ("…tnuocca ruoy").
 */
const UNSHOWABLE = /[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

export function checkContactName(name: string): string {
  const clean = name.trim().normalize('NFC');
  if (clean.length === 0) throw new InvalidContactError('name', 'Give the contact a name');
  if (clean.length > MAX_CONTACT_NAME_LENGTH) {
    throw new InvalidContactError(
      'name',
      `A contact's name has at most ${MAX_CONTACT_NAME_LENGTH} characters (this one has ${clean.length})`,
    );
  }
  if (UNSHOWABLE.test(clean)) {
    throw new InvalidContactError(
      'name',
      "A contact's name cannot contain control or text-direction characters",
    );
  }
  return clean;
}

export function checkContactChain(chain: string): ChainType {
  if (!(CONTACT_CHAINS as readonly string[]).includes(chain)) {
    throw new InvalidContactError('chain', 'A contact is on FISCO BCOS or on Fabric');
  }
  return chain as ChainType;
}

/** What two names on one chain must not share: "Alice" and "alice" are one name to the eye. */
export function nameKey(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}

/** What identifies an address on its chain: FISCO BCOS addresses in any case, Fabric accounts exactly. */
export function addressKey(chain: ChainType, address: string): string {
  const clean = address.trim();
  return chain === 'fisco-bcos' ? clean.toLowerCase() : clean;
}
