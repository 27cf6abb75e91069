/**
 * Sessions per origin, CAIP-25 style: which resource paths a site may use and which
 * account answers for it. Kept in `storage.local` so they survive restarts; only the
 * user (through an approval, or by revoking in the popup) or the site itself
 * (`weft_revokeSession`) changes them.
 */
import type { Session } from '../../content/provider-schema.ts';
import type { WalletEvents } from '../events.ts';
import type { StorageAreaLike } from '../vault/storage-area.ts';

const KEY = 'sessions';

export class SessionStore {
  readonly #local: StorageAreaLike;
  readonly #events: WalletEvents;

  /** Emits `sessions:changed` for each session put or revoked. */
  constructor(local: StorageAreaLike, events: WalletEvents) {
    this.#local = local;
    this.#events = events;
  }

  async list(): Promise<Session[]> {
    const saved = (await this.#local.get(KEY))[KEY];
    return Array.isArray(saved) ? (saved as Session[]) : [];
  }

  async get(origin: string): Promise<Session | null> {
    return (await this.list()).find((s) => s.origin === origin) ?? null;
  }

  async put(session: Session): Promise<void> {
    const others = (await this.list()).filter((s) => s.origin !== session.origin);
    await this.#local.set({ [KEY]: [...others, session] });
    this.#events.emit('sessions:changed', { origin: session.origin, session });
  }

  /** Returns whether there was a session to revoke. */
  async revoke(origin: string): Promise<boolean> {
    const all = await this.list();
    const rest = all.filter((s) => s.origin !== origin);
    // Nothing to revoke, nothing to write: a page without a session must not cause writes.
    if (rest.length === all.length) return false;
    await this.#local.set({ [KEY]: rest });
    this.#events.emit('sessions:changed', { origin, session: null });
    return true;
  }
}
