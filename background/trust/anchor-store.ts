/**
 * The wallet's trust anchors, one per chain (`zone.chain`), in `storage.local`: the chain
 * profile the wallet checks every answer against, where it came from, and when. An anchor
 * changes only when the chain's own signed evidence moves it (a sealer-set change signed by
 * the old quorum, docs/trust-model.md) or when the user imports or forgets one.
 */
import type { ChainProfile } from '../../p2p/chains/chain-profile.ts';
import type { WalletEvents } from '../events.ts';
import { CachedItem } from '../storage/cached-item.ts';
import type { StorageAreaLike } from '../vault/storage-area.ts';

export const ANCHORS_KEY = 'anchors';

/** Where an anchor came from, as the popup shows it. */
export type AnchorSource =
  /** First use: the routers (peer ids) whose answers agreed; one router means unconfirmed. */
  | { kind: 'routers'; routers: string[] }
  /** A profile file the chain's operators published, imported by the user. */
  | { kind: 'file' };

export interface StoredAnchor {
  /** `zone.chain`. */
  chain: string;
  profile: ChainProfile;
  source: AnchorSource;
  /** Genesis block hash (FISCO BCOS) or config block hash (Fabric): what names the chain. */
  fingerprint: string;
  takenAt: number;
  /** Last time chain evidence moved it (a sealer-set or config change). */
  followedAt?: number;
}

export class AnchorStore {
  /** Every resource a request uses is checked against its chain's anchor: kept in memory. */
  readonly item: CachedItem<Record<string, StoredAnchor>>;
  readonly #events: WalletEvents;
  /** Serialises read-modify-write of the map. */
  #queue: Promise<unknown> = Promise.resolve();

  /** Emits `anchors:changed` with the chain each time one is stored or removed. */
  constructor(local: StorageAreaLike, events: WalletEvents) {
    this.item = new CachedItem(local, ANCHORS_KEY, (saved) =>
      saved && typeof saved === 'object' ? (saved as Record<string, StoredAnchor>) : {},
    );
    this.#events = events;
  }

  async list(): Promise<StoredAnchor[]> {
    return Object.values(await this.#all()).sort((a, b) => a.chain.localeCompare(b.chain));
  }

  async get(chain: string): Promise<StoredAnchor | undefined> {
    const anchor = (await this.item.get())[chain];
    return anchor && structuredClone(anchor);
  }

  put(anchor: StoredAnchor): Promise<void> {
    return this.#update((all) => {
      all[anchor.chain] = anchor;
    }, anchor.chain);
  }

  remove(chain: string): Promise<void> {
    return this.#update((all) => {
      delete all[chain];
    }, chain);
  }

  /** A copy: callers (and #update) change it freely. */
  async #all(): Promise<Record<string, StoredAnchor>> {
    return structuredClone(await this.item.get());
  }

  #update(change: (all: Record<string, StoredAnchor>) => void, chain: string): Promise<void> {
    const run = this.#queue.then(async () => {
      const all = await this.#all();
      change(all);
      await this.item.set(all);
      this.#events.emit('anchors:changed', { chain });
    });
    this.#queue = run.catch(() => {});
    return run;
  }
}
