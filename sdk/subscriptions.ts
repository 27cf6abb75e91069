/**
 * Routes CAIP-319 `wallet_notify` notifications to the subscription they belong to. The wallet
 * sends each event only to the page that subscribed, tagged with the subscription id; one
 * listener per provider serves every subscription of the page. An event can overtake the
 * subscribe answer that names its id (both travel the same channel, the event first), so while a
 * subscribe is under way, events for ids not yet known are kept and handed over once it resolves.
 */
import type { Eip1193Provider, NotifyParams, ResourceEventListener } from './types.ts';

/** At most this many events are held for ids not known yet. */
const MAX_EARLY_EVENTS = 256;

export class NotificationRouter {
  readonly #provider: Eip1193Provider;
  readonly #handlers = new Map<string, ResourceEventListener>();
  #early: NotifyParams[] = [];
  #subscribing = 0;
  #listening = false;

  constructor(provider: Eip1193Provider) {
    this.#provider = provider;
  }

  /**
   * Runs `subscribe` (which resolves with the new subscription's id) and routes its events to
   * `onEvent`, including any that arrived before the id was known.
   */
  async add(subscribe: () => Promise<string>, onEvent: ResourceEventListener): Promise<string> {
    this.#listen();
    this.#subscribing++;
    try {
      const id = await subscribe();
      this.#handlers.set(id, onEvent);
      const early = this.#early.filter((n) => n.notification.params.subscription === id);
      this.#early = this.#early.filter((n) => n.notification.params.subscription !== id);
      for (const notification of early) this.#deliver(notification);
      return id;
    } finally {
      if (--this.#subscribing === 0) this.#early = [];
    }
  }

  /** Stops routing `id`'s events (whether or not the wallet still sends them). */
  remove(id: string): void {
    this.#handlers.delete(id);
  }

  /** How many subscriptions it routes. */
  get size(): number {
    return this.#handlers.size;
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    this.#provider.on('wallet_notify', (data) => {
      if (!isNotify(data)) return;
      const id = data.notification.params.subscription;
      if (this.#handlers.has(id)) this.#deliver(data);
      else if (this.#subscribing > 0 && this.#early.length < MAX_EARLY_EVENTS) this.#early.push(data);
    });
  }

  #deliver(data: NotifyParams): void {
    const { subscription, result } = data.notification.params;
    const handler = this.#handlers.get(subscription);
    if (!handler) return;
    try {
      handler(result, { subscription, scope: data.scope });
    } catch (error) {
      console.error(error);
    }
  }
}

function isNotify(value: unknown): value is NotifyParams {
  const params = (value as Partial<NotifyParams> | null)?.notification?.params;
  return (
    typeof (value as Partial<NotifyParams> | null)?.scope === 'string' &&
    typeof params?.subscription === 'string' &&
    typeof params.result === 'object' &&
    params.result !== null
  );
}
