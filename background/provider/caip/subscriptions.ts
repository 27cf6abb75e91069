/**
 * Pages' subscriptions to resource events (`weft_subscribe`), each delivered as CAIP-319
 * `wallet_notify` to the one page that subscribed, on its own port. The events come from the
 * light client's `subscribe` (one router subscription per page subscription). A subscription
 * ends when the page unsubscribes, when its port closes (the page navigated or closed, or the
 * worker stops: the content relay then makes it again under the same id), or when the site's
 * session stops covering its resource (revoked by the site or in the popup). Ids are per page
 * (per port): a page may ask for its own (`weft_subscribe`'s `subscription`), which concerns no one
 * else's subscriptions.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { type ChainId, namespaceOf } from '../../../content/caip-ids.ts';
import { type NotifyParams, subscriptionNotification } from '../../../content/caip-schema.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { ResourceEvent } from '../../../p2p/protocol/messages.ts';
import type { WalletEvents } from '../../events.ts';
import { toProviderError } from '../chain-errors.ts';
import type { PageChannel } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { jsonSafe } from '../json-safe.ts';

/** What subscribing needs of the light client (background/routers: `RouterConnection.client()`). */
export interface SubscribingClient {
  subscribe(path: string, onEvent: (event: ResourceEvent) => void): Promise<{ unsubscribe(): Promise<void> }>;
}

export interface SubscriptionSources {
  routers: { client(): SubscribingClient };
  events: WalletEvents;
}

/** A page holds at most this many subscriptions (more: EIP-1474's "limit exceeded"). */
export const MAX_PER_PAGE = 32;

interface PageSubscription {
  readonly id: string;
  readonly origin: string;
  readonly channel: PageChannel;
  readonly path: string;
  readonly scope: ChainId;
  /** The client the router subscription was made on, and that subscription. */
  client: SubscribingClient | null;
  remote: { unsubscribe(): Promise<void> } | null;
  attaching: boolean;
  ended: boolean;
}

/** `data.reason` of the -32602 refusing a requested id the page holds already. */
export const SUBSCRIPTION_IN_USE = 'SUBSCRIPTION_IN_USE';

export class PageSubscriptions {
  readonly #sources: SubscriptionSources;
  /** Each page's subscriptions by id: ids are unique per page only. */
  readonly #byChannel = new Map<PageChannel, Map<string, PageSubscription>>();

  constructor(sources: SubscriptionSources) {
    this.#sources = sources;
    sources.events.on('sessions:changed', ({ origin, session }) => {
      for (const sub of this.#all()) {
        if (sub.origin === origin && !session?.resources.includes(sub.path)) void this.#end(sub);
      }
    });
    // A new router list means a new light client: its subscriptions start empty.
    sources.events.on('routers:link', ({ connected }) => {
      if (connected) this.#follow();
    });
  }

  /**
   * Subscribes `channel`'s page to `path`'s events, tagged with `scope`; returns the subscription
   * id: `requested` (already checked well-formed) when given and the page holds none by it, else a new one.
   */
  async add(
    origin: string,
    channel: PageChannel,
    path: string,
    scope: ChainId,
    requested?: string,
  ): Promise<string> {
    const held = this.#byChannel.get(channel) ?? new Map<string, PageSubscription>();
    if (held.size >= MAX_PER_PAGE) {
      throw new ProviderError(
        ErrorCode.limitExceeded,
        `a page may hold at most ${MAX_PER_PAGE} subscriptions`,
        {
          reason: 'TOO_MANY_SUBSCRIPTIONS',
          limit: MAX_PER_PAGE,
        },
      );
    }
    if (requested !== undefined && held.has(requested)) {
      throw invalidParams(`this page already holds subscription ${requested}`, {
        reason: SUBSCRIPTION_IN_USE,
        subscription: requested,
      });
    }
    let id = requested ?? newId();
    // A page that chose its ids may hold the one drawn here (2^-128, but cheap to rule out).
    while (held.has(id)) id = newId();
    const sub: PageSubscription = {
      id,
      origin,
      channel,
      path,
      scope,
      client: null,
      remote: null,
      attaching: false,
      ended: false,
    };
    held.set(id, sub);
    this.#byChannel.set(channel, held);
    channel.onClose(() => void this.#end(sub));
    try {
      await this.#attach(sub);
    } catch (error) {
      this.#forget(sub);
      sub.ended = true;
      throw toProviderError(error);
    }
    return id;
  }

  /** Ends `channel`'s subscription `id`; false when that page holds none by that id. */
  async remove(channel: PageChannel, id: string): Promise<boolean> {
    const sub = this.#byChannel.get(channel)?.get(id);
    if (!sub) return false;
    await this.#end(sub);
    return true;
  }

  /** The scope of `channel`'s subscription `id`, if it holds it. */
  scopeOf(channel: PageChannel, id: string): ChainId | undefined {
    return this.#byChannel.get(channel)?.get(id)?.scope;
  }

  /** How many subscriptions are open (for tests and the popup's diagnostics). */
  get size(): number {
    let size = 0;
    for (const held of this.#byChannel.values()) size += held.size;
    return size;
  }

  *#all(): Generator<PageSubscription> {
    for (const held of this.#byChannel.values()) yield* held.values();
  }

  #forget(sub: PageSubscription): void {
    const held = this.#byChannel.get(sub.channel);
    if (held?.get(sub.id) !== sub) return;
    held.delete(sub.id);
    if (held.size === 0) this.#byChannel.delete(sub.channel);
  }

  async #attach(sub: PageSubscription): Promise<void> {
    sub.attaching = true;
    try {
      const client = this.#sources.routers.client();
      const remote = await client.subscribe(sub.path, (event) => this.#deliver(sub, event));
      if (sub.ended) {
        await remote.unsubscribe().catch(() => {});
        return;
      }
      sub.client = client;
      sub.remote = remote;
    } finally {
      sub.attaching = false;
    }
  }

  #deliver(sub: PageSubscription, event: ResourceEvent): void {
    if (sub.ended) return;
    const params: NotifyParams = {
      scope: sub.scope,
      notification: {
        method: subscriptionNotification(namespaceOf(sub.scope)),
        params: { subscription: sub.id, result: jsonSafe(event) },
      },
    };
    sub.channel.post('wallet_notify', params);
  }

  async #end(sub: PageSubscription): Promise<void> {
    if (sub.ended) return;
    sub.ended = true;
    this.#forget(sub);
    const remote = sub.remote;
    sub.remote = null;
    await remote?.unsubscribe().catch(() => {});
  }

  /** Moves every subscription made on an earlier light client onto the current one. */
  #follow(): void {
    let client: SubscribingClient;
    try {
      client = this.#sources.routers.client();
    } catch {
      return;
    }
    for (const sub of this.#all()) {
      if (sub.ended || sub.attaching || sub.client === client) continue;
      const old = sub.remote;
      sub.remote = null;
      sub.client = null;
      void old?.unsubscribe().catch(() => {});
      // A failure leaves it detached until the next link comes up.
      void this.#attach(sub).catch(() => {});
    }
  }
}

const newId = () => `0x${bytesToHex(crypto.getRandomValues(new Uint8Array(16)))}`;
