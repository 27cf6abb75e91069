/**
 * Sessions per origin, CAIP-25 style: which resource paths a site may use and which
 * account answers for it. Kept in `storage.local` so they survive restarts; only the
 * user (through an approval, or by revoking in the popup) or the site itself
 * (`weft_revokeSession`) changes them.
 */
import type { Session } from '../../content/provider-schema.ts';
import type { WalletEvents } from '../events.ts';
import { CachedItem } from '../storage/cached-item.ts';
import type { StorageAreaLike } from '../vault/storage-area.ts';

export class SessionStore {
  /** Every provider request reads the caller's session: kept in memory (storage/cached-item.ts). */
  readonly item: CachedItem<Session[]>;
  readonly #events: WalletEvents;

  /** Emits `sessions:changed` for each session put or revoked. */
  constructor(local: StorageAreaLike, events: WalletEvents) {
    this.item = new CachedItem(local, 'sessions', (saved) =>
      Array.isArray(saved) ? (saved as Session[]) : [],
    );
    this.#events = events;
  }

  /** Copies: a caller changing what it got must not change the wallet's sessions. */
  async list(): Promise<Session[]> {
    return structuredClone(await this.item.get());
  }

  async get(origin: string): Promise<Session | null> {
    const session = (await this.item.get()).find((s) => s.origin === origin);
    return session ? structuredClone(session) : null;
  }

  async put(session: Session): Promise<void> {
    const others = (await this.item.get()).filter((s) => s.origin !== session.origin);
    await this.item.set([...others, structuredClone(session)]);
    this.#events.emit('sessions:changed', { origin: session.origin, session });
  }

  /** Returns whether there was a session to revoke. */
  async revoke(origin: string): Promise<boolean> {
    const all = await this.item.get();
    const rest = all.filter((s) => s.origin !== origin);
    // Nothing to revoke, nothing to write: a page without a session must not cause writes.
    if (rest.length === all.length) return false;
    await this.item.set(rest);
    this.#events.emit('sessions:changed', { origin, session: null });
    return true;
  }
}
