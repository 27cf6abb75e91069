/**
 * Names for the addresses and accounts an approval shows: the user's own FISCO BCOS accounts by
 * their names (and which site each signs for), the Fabric accounts the user's identities own, and
 * the user's contacts (background/contacts/). An address the wallet does not know is shown as it
 * is. Pure: the popup builds the book from the status it has.
 */
import type { ChainType } from '../ttm/types.ts';

/** A FISCO BCOS address as the wallet takes one (any case; checksums are checked where they matter). */
export const FISCO_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** A Fabric account as the asset chaincode keys it and the wallet takes it (steps, swaps, contacts). */
export const FABRIC_ACCOUNT = /^[A-Za-z0-9_.@-]{1,64}$/;

export interface KnownAddress {
  /** The account's name in the wallet, or the Fabric account itself. */
  name: string;
  /** Whose it is: "your account", "your account, identity user1", "contact". */
  note: string;
  /** The user's own, or someone the user named in their contacts. */
  kind: 'yours' | 'contact';
  /** Origins of the sessions this account signs for (FISCO BCOS). */
  signsFor: string[];
}

export interface AddressBook {
  /** By lower-case address. */
  fisco: ReadonlyMap<string, KnownAddress>;
  /** By account name. */
  fabric: ReadonlyMap<string, KnownAddress>;
}

export interface AddressBookInput {
  accounts: readonly { address: string; name: string }[];
  /** Sites' sessions: the account that signs for each. */
  sessions?: readonly { origin: string; address: string }[];
  /** Fabric accounts the user's identities own (the balance service found them). */
  fabricAccounts?: readonly { account: string; identity: string }[];
  /**
   * The user's contacts. The user's own accounts win over a contact with the same address: what
   * the wallet knows it owns is never named after someone else.
   */
  contacts?: readonly { name: string; chain: ChainType; address: string }[];
}

export function addressBook(input: AddressBookInput): AddressBook {
  const fisco = new Map<string, KnownAddress>();
  for (const account of input.accounts) {
    fisco.set(account.address.toLowerCase(), {
      name: account.name,
      note: 'your account',
      kind: 'yours',
      signsFor: [],
    });
  }
  for (const session of input.sessions ?? []) {
    fisco.get(session.address.toLowerCase())?.signsFor.push(session.origin);
  }
  const fabric = new Map<string, KnownAddress>();
  for (const { account, identity } of input.fabricAccounts ?? []) {
    fabric.set(account, {
      name: account,
      note: `your account, identity ${identity}`,
      kind: 'yours',
      signsFor: [],
    });
  }
  for (const contact of input.contacts ?? []) {
    const [book, key] =
      contact.chain === 'fisco-bcos' ? [fisco, contact.address.toLowerCase()] : [fabric, contact.address];
    if (!book.has(key)) book.set(key, { name: contact.name, note: 'contact', kind: 'contact', signsFor: [] });
  }
  return { fisco, fabric };
}

/** `0xf39Fd6e5…2266` -> `0xf39F…2266`; anything else as it is. */
export function shortAddress(address: string): string {
  return /^0x[0-9a-fA-F]{12,}$/.test(address) ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

export interface NamedAddress {
  /**
   * For sentences: "Alice (0xf39F…2266)", a bare short address, a Fabric account of the user's
   * ("user1 (yours)") or a contact's ("Merchant Co (merchant)").
   */
  label: string;
  /** With everything known about it: "Alice (0xf39F…2266, your account, signs for this site)". */
  detail: string;
  /** What the wallet knows of it, to put beside the exact value: "Alice, your account"; "" if nothing. */
  note: string;
  /** The address or account exactly as it will be used. */
  full: string;
  known: boolean;
}

/**
 * How `value` (a FISCO BCOS address or a Fabric account) on `chain` is named. `origin`, the site
 * asking: an account that signs for it says so.
 */
export function nameAddress(
  book: AddressBook,
  value: string,
  chain: ChainType,
  origin?: string,
): NamedAddress {
  if (chain === 'fisco-bcos') {
    const known = book.fisco.get(value.toLowerCase());
    const short = shortAddress(value);
    if (!known) return { label: short, detail: value, note: '', full: value, known: false };
    const notes = [known.note, ...(origin && known.signsFor.includes(origin) ? ['signs for this site'] : [])];
    return {
      label: `${known.name} (${short})`,
      detail: `${known.name} (${[short, ...notes].join(', ')})`,
      note: [known.name, ...notes].join(', '),
      full: value,
      known: true,
    };
  }
  const known = book.fabric.get(value);
  if (!known) return { label: value, detail: value, note: '', full: value, known: false };
  if (known.kind === 'contact') {
    return {
      label: `${known.name} (${value})`,
      detail: `${known.name} (${value}, ${known.note})`,
      note: `${known.name}, ${known.note}`,
      full: value,
      known: true,
    };
  }
  return {
    label: `${value} (yours)`,
    detail: `${value} (${known.note})`,
    note: known.note,
    full: value,
    known: true,
  };
}
