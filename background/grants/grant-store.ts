/**
 * The grants this wallet signed (controller with declared state metadata, see grant-state.ts):
 * kept in `storage.local` so the popup can list them (who, what, when, last used) and revoke
 * them across restarts. Changes run one at a time and are written before they are adopted,
 * so a failed write changes nothing.
 */
import type { WalletEvents } from '../events.ts';
import type { StorageAreaLike } from '../vault/storage-area.ts';
import { GrantNotFoundError, GrantRevokedError } from './errors.ts';
import {
  GRANTS_STORAGE_ITEM,
  type GrantState,
  initialGrantState,
  type PersistedGrantState,
  parsePersistedGrantState,
  persistedGrantState,
  type StoredGrant,
} from './grant-state.ts';

/** A grant as the popup sees it. */
export interface GrantView extends StoredGrant {
  /** A revocation is being sent now. */
  revoking: boolean;
}

export class GrantStore {
  readonly #local: StorageAreaLike;
  readonly #events: WalletEvents;
  #state: GrantState = initialGrantState();
  #loaded = false;
  #queue: Promise<unknown> = Promise.resolve();

  /** Emits `grants:changed` for each grant added, used, or being or been revoked. */
  constructor(local: StorageAreaLike, events: WalletEvents) {
    this.#local = local;
    this.#events = events;
  }

  /** Newest first. */
  async list(): Promise<GrantView[]> {
    return this.#exclusive(async () => {
      const { grants, revoking } = await this.#load();
      return grants.map((g) => ({ ...structuredClone(g), revoking: revoking.includes(g.id) }));
    });
  }

  async get(id: string): Promise<StoredGrant | null> {
    return this.#exclusive(async () => {
      const found = (await this.#load()).grants.find((g) => sameId(g.id, id));
      return found ? structuredClone(found) : null;
    });
  }

  async add(grant: StoredGrant): Promise<void> {
    return this.#exclusive(async () => {
      const { grants } = await this.#load();
      if (grants.some((g) => sameId(g.id, grant.id))) throw new Error(`grant ${grant.id} is stored already`);
      await this.#persist({ grants: [structuredClone(grant), ...grants] });
      this.#events.emit('grants:changed', { id: grant.id });
    });
  }

  /** Notes a read relayed with grant `id`; returns false if this wallet did not issue it. */
  async markUsed(id: string, at = Date.now()): Promise<boolean> {
    return this.#exclusive(async () => {
      const { grants } = await this.#load();
      if (!grants.some((g) => sameId(g.id, id))) return false;
      await this.#persist({ grants: grants.map((g) => (sameId(g.id, id) ? { ...g, lastUsedAt: at } : g)) });
      this.#events.emit('grants:changed', { id });
      return true;
    });
  }

  /**
   * Claims grant `id` for a revocation: throws if it is unknown, revoked, or being revoked.
   * Pair with `endRevocation`.
   */
  async beginRevocation(id: string): Promise<StoredGrant> {
    return this.#exclusive(async () => {
      const state = await this.#load();
      const grant = state.grants.find((g) => sameId(g.id, id));
      if (!grant) throw new GrantNotFoundError();
      if (grant.revokedAt !== undefined) throw new GrantRevokedError('This grant is revoked already');
      if (state.revoking.includes(grant.id)) throw new GrantRevokedError('This grant is being revoked now');
      state.revoking = [...state.revoking, grant.id];
      this.#events.emit('grants:changed', { id: grant.id });
      return structuredClone(grant);
    });
  }

  /** Ends a revocation: with `committed` (its transaction), the grant is marked revoked. */
  async endRevocation(id: string, committed?: { txId: string; at?: number }): Promise<void> {
    return this.#exclusive(async () => {
      const state = await this.#load();
      state.revoking = state.revoking.filter((r) => !sameId(r, id));
      if (committed) {
        const at = committed.at ?? Date.now();
        await this.#persist({
          grants: state.grants.map((g) =>
            sameId(g.id, id) ? { ...g, revokedAt: at, revocationTxId: committed.txId } : g,
          ),
        });
      }
      this.#events.emit('grants:changed', { id });
    });
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #load(): Promise<GrantState> {
    if (!this.#loaded) {
      const items = await this.#local.get(GRANTS_STORAGE_ITEM);
      this.#state = { ...this.#state, ...parsePersistedGrantState(items[GRANTS_STORAGE_ITEM]) };
      this.#loaded = true;
    }
    return this.#state;
  }

  /** Writes first, then adopts: a failed write leaves memory and storage as they were. */
  async #persist(next: PersistedGrantState): Promise<void> {
    await this.#local.set({ [GRANTS_STORAGE_ITEM]: persistedGrantState({ ...this.#state, ...next }) });
    this.#state = { ...this.#state, ...structuredClone(next) };
  }
}

/** Grant ids are hex: compare them case-insensitively (a dapp may echo them in either case). */
function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
