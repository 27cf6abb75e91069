/**
 * The user's contacts, one `storage.local` item. Only the popup reads or changes them (through
 * background/popup-api.ts): they are the user's, never told to pages or routers. Writes go one at
 * a time, so two changes sent together never lose one another.
 */
import { getAddress } from 'ethers';
import { FABRIC_ACCOUNT, FISCO_ADDRESS } from '../approvals/address-book.ts';
import type { WalletEvents } from '../events.ts';
import { CachedItem } from '../storage/cached-item.ts';
import { CHAIN_NAME, type ChainType } from '../ttm/types.ts';
import type { StorageAreaLike } from '../vault/storage-area.ts';
import {
  addressKey,
  CONTACT_CHAINS,
  type Contact,
  type ContactInput,
  checkContactChain,
  checkContactName,
  MAX_CONTACTS,
  nameKey,
} from './contact.ts';
import {
  ContactNotFoundError,
  DuplicateContactError,
  InvalidContactError,
  TooManyContactsError,
} from './errors.ts';

export const CONTACTS_ITEM = 'contacts';

export class ContactStore {
  /** Kept in memory like the sessions (storage/cached-item.ts); background/index.ts invalidates it. */
  readonly item: CachedItem<Contact[]>;
  readonly #events: WalletEvents;
  readonly #now: () => number;
  #queue: Promise<unknown> = Promise.resolve();

  /** Emits `contacts:changed` after each change. */
  constructor(local: StorageAreaLike, events: WalletEvents, now: () => number = Date.now) {
    this.item = new CachedItem(local, CONTACTS_ITEM, parseSaved);
    this.#events = events;
    this.#now = now;
  }

  /** By name, then chain; copies. */
  async list(): Promise<Contact[]> {
    return (await this.item.get())
      .map((c) => ({ ...c }))
      .sort(
        (a, b) =>
          a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.chain.localeCompare(b.chain),
      );
  }

  /** Checks `input` (typed errors, nothing saved on any) and adds it; returns the contact as kept. */
  add(input: ContactInput): Promise<Contact> {
    return this.#exclusive(async () => {
      const name = checkContactName(input.name);
      const chain = checkContactChain(input.chain);
      const address = normalizeAddress(chain, input.address);
      const all = await this.item.get();
      if (all.length >= MAX_CONTACTS) {
        throw new TooManyContactsError(`The wallet keeps at most ${MAX_CONTACTS} contacts: remove one first`);
      }
      const sameAddress = find(all, chain, address);
      if (sameAddress) {
        throw new DuplicateContactError(
          'address',
          `This ${chain === 'fisco-bcos' ? 'address' : 'account'} is already your contact ${sameAddress.name} on ${CHAIN_NAME[chain]}`,
        );
      }
      assertNameFree(all, chain, name);
      const contact: Contact = { name, chain, address, addedAt: this.#now() };
      await this.item.set([...all, contact]);
      this.#events.emit('contacts:changed');
      return { ...contact };
    });
  }

  /** Names the contact of `address` on `chain` anew. */
  rename(chain: string, address: string, name: string): Promise<Contact> {
    return this.#exclusive(async () => {
      const on = checkContactChain(chain);
      const clean = checkContactName(name);
      const all = await this.item.get();
      const contact = find(all, on, address);
      if (!contact) throw new ContactNotFoundError();
      if (contact.name === clean) return { ...contact };
      assertNameFree(all, on, clean, contact);
      const renamed = { ...contact, name: clean };
      await this.item.set(all.map((c) => (c === contact ? renamed : c)));
      this.#events.emit('contacts:changed');
      return { ...renamed };
    });
  }

  /** Removes the contact of `address` on `chain`; returns it. */
  remove(chain: string, address: string): Promise<Contact> {
    return this.#exclusive(async () => {
      const on = checkContactChain(chain);
      const all = await this.item.get();
      const contact = find(all, on, address);
      if (!contact) throw new ContactNotFoundError();
      await this.item.set(all.filter((c) => c !== contact));
      this.#events.emit('contacts:changed');
      return { ...contact };
    });
  }

  #exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(job);
    this.#queue = run.catch(() => {});
    return run;
  }
}

/**
 * FISCO BCOS: 0x and 40 hex digits, kept checksummed; a mixed-case address whose capitals do not
 * match its checksum is refused (a typo the checksum exists to catch). Fabric: the account as is.
 */
export function normalizeAddress(chain: ChainType, address: string): string {
  const clean = address.trim();
  if (chain === 'fabric') {
    if (!FABRIC_ACCOUNT.test(clean)) {
      throw new InvalidContactError(
        'address',
        'A Fabric account has 1 to 64 letters, digits, or . _ @ - (the name the asset chaincode keys it by, e.g. merchant)',
      );
    }
    return clean;
  }
  if (!FISCO_ADDRESS.test(clean)) {
    throw new InvalidContactError('address', 'A FISCO BCOS address is 0x followed by 40 hex digits');
  }
  try {
    return getAddress(clean);
  } catch {
    throw new InvalidContactError(
      'address',
      "This address's capital letters do not match its checksum: it was probably mistyped, check where it came from",
    );
  }
}

function find(all: readonly Contact[], chain: ChainType, address: string): Contact | undefined {
  const key = addressKey(chain, address);
  return all.find((c) => c.chain === chain && addressKey(chain, c.address) === key);
}

function assertNameFree(all: readonly Contact[], chain: ChainType, name: string, except?: Contact): void {
  const key = nameKey(name);
  const taken = all.find((c) => c !== except && c.chain === chain && nameKey(c.name) === key);
  if (taken) {
    throw new DuplicateContactError(
      'name',
      `You already have a contact named ${taken.name} on ${CHAIN_NAME[chain]}`,
    );
  }
}

/** What was saved, entry by entry: one that is not a contact (an older or foreign write) is left out. */
function parseSaved(saved: unknown): Contact[] {
  if (!Array.isArray(saved)) return [];
  return saved.filter(
    (c): c is Contact =>
      typeof c === 'object' &&
      c !== null &&
      typeof c.name === 'string' &&
      (CONTACT_CHAINS as readonly unknown[]).includes(c.chain) &&
      typeof c.address === 'string' &&
      typeof c.addedAt === 'number',
  );
}
