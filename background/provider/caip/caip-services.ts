/**
 * What the chain-agnostic methods share in the worker: the chain ids (from the trust anchors),
 * the pages' subscriptions, and a short-lived list of the chains the routers reach (asked by
 * every `wallet_createSession` and discovery prompt; a page prompting in a loop must not make the
 * wallet list the routers' resources in a loop).
 */
import type { ChainId } from '../../../content/caip-ids.ts';
import type { WalletServices } from '../../services.ts';
import { ChainIds, type ServedChain } from './chain-ids.ts';
import { PageSubscriptions } from './subscriptions.ts';

const SERVED_TTL_MS = 30_000;

export class CaipServices {
  readonly ids: ChainIds;
  readonly subscriptions: PageSubscriptions;
  #served: { until: number; chains: Promise<Map<ChainId, ServedChain>> } | null = null;

  constructor(services: Pick<WalletServices, 'trust' | 'routers' | 'events'>) {
    this.ids = new ChainIds(services);
    this.subscriptions = new PageSubscriptions(services);
    // The routers' resources change with the router list.
    services.events.on('routers:changed', () => {
      this.#served = null;
    });
  }

  /** The chains the routers reach, by CAIP-2 id (kept 30 s; a failure is not kept). */
  served(): Promise<Map<ChainId, ServedChain>> {
    if (this.#served && this.#served.until > Date.now()) return this.#served.chains;
    const chains = this.ids.served();
    const entry = { until: Date.now() + SERVED_TTL_MS, chains };
    this.#served = entry;
    chains.catch(() => {
      if (this.#served === entry) this.#served = null;
    });
    return chains;
  }
}
