/**
 * Subscriptions (docs/router-protocol.md#subscriptions): one upstream per path per router, shared
 * by everyone who follows the path here: light clients, member routers relaying for theirs, and
 * the router's own watchers (TTM, grant revocations). The upstream is the chain's event stream for
 * a path this router fronts (a poll of the node, for FISCO BCOS) or one subscription at the next
 * hop for a path further away. It starts with the first subscriber and stops once the last one
 * leaves (unsubscribes, or its stream closes), so a hundred wallets on one path cost the chain node
 * what one does.
 *
 * An upstream that ends (the chain's stream failed, the next hop went away) fails its subscribers:
 * a stream's subscriptions join a new upstream a second later, by the route the directory has
 * then; a watcher's iterator throws, and the watcher subscribes again as it would to a connector.
 */
import type { ChainConnector, ResourceEventRecord } from '../chains/connector.ts';
import type { Channel } from '../protocol/channel.ts';
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import type { EventFrame, ResourceEvent } from '../protocol/messages.ts';
import type { ChainEvents } from './chain-events.ts';
import type { Component } from './component.ts';
import type { Logger } from './log.ts';
import type { RouterMetrics } from './metrics.ts';
import type { Origin } from './origin.ts';

export const MAX_SUBSCRIPTIONS_PER_STREAM = 32;
const RETRY_MS = 1_000;

/** Where a path's events come from. */
export type UpstreamSource =
  | { kind: 'local'; connector: ChainConnector }
  | {
      kind: 'relayed';
      nextHop: string;
      /** Subscribes at the next hop; resolves with its answer and the forward channel it came on. */
      subscribe(): Promise<{ result: unknown; channel: Channel }>;
    };

export interface SubscriptionsOptions {
  log: Logger;
  metrics: RouterMetrics;
  /** Where `path`'s events come from now, for a subscription whose upstream ended; undefined when nowhere. */
  locate(path: string): UpstreamSource | undefined;
  /** Pause before a stream's subscription joins a new upstream after its upstream ended. */
  retryMs?: number;
}

export interface Subscriptions extends Component {
  /** Subscribes `origin` to `path`, joining its upstream or starting one from `source`. */
  subscribe(origin: Origin, path: string, source: UpstreamSource): Promise<{ subscription: string }>;
  unsubscribe(origin: Origin, subscription: string): { ok: true };
  /** `origin`'s stream closed: everything it subscribed to ends. */
  closeOrigin(origin: Origin): void;
  /** The events of `path` on `connector` (a chain this router fronts) through its shared upstream. */
  readonly events: ChainEvents;
  /** An event a next hop pushed on its forward channel. */
  deliver(nextHop: string, frame: EventFrame): void;
  /** The forward channel to `peer` closed: the upstreams it carried are gone. */
  nextHopClosed(peer: string): void;
  /** Upstreams running now. */
  upstreams(): { path: string; kind: 'local' | 'relayed'; subscribers: number }[];
}

interface Subscriber {
  deliver(event: ResourceEvent): void;
  /** The upstream ended under it. */
  fail(error: Error): void;
}

interface Upstream {
  readonly path: string;
  readonly kind: 'local' | 'relayed';
  readonly subscribers: Set<Subscriber>;
  /** Settles once the upstream runs (a relayed one: the next hop answered). */
  ready: Promise<void>;
  /** `${next hop}/${its subscription id}`, once a relayed upstream is established. */
  relayKey?: string;
  ended: boolean;
  close(): void;
}

export function createSubscriptions(options: SubscriptionsOptions): Subscriptions {
  const { log, metrics } = options;
  const retryMs = options.retryMs ?? RETRY_MS;
  const upstreams = new Map<string, Upstream>();
  const relays = new Map<string, Upstream>();
  const origins = new Set<Origin>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let counter = 0;
  let stopped = false;

  function count() {
    let local = 0;
    for (const upstream of upstreams.values()) if (upstream.kind === 'local') local++;
    metrics.upstreams.set({ kind: 'local' }, local);
    metrics.upstreams.set({ kind: 'relayed' }, upstreams.size - local);
  }

  function fanOut(upstream: Upstream, event: ResourceEvent) {
    // Each subscriber's write is its own: a slow one never holds up the others.
    for (const subscriber of upstream.subscribers) subscriber.deliver(event);
  }

  /** The upstream is gone (failed, or its last subscriber left): forget it and fail who is left. */
  function end(upstream: Upstream, error?: Error) {
    if (upstream.ended) return;
    upstream.ended = true;
    if (upstreams.get(upstream.path) === upstream) upstreams.delete(upstream.path);
    if (upstream.relayKey) relays.delete(upstream.relayKey);
    upstream.close();
    count();
    const left = [...upstream.subscribers];
    upstream.subscribers.clear();
    const cause = error ?? new HipError(HipErrorCode.unreachable, `the events of ${upstream.path} stopped`);
    for (const subscriber of left) subscriber.fail(cause);
  }

  function startLocal(path: string, connector: ChainConnector): Upstream {
    if (!connector.events) {
      throw new HipError(
        HipErrorCode.unsupportedOperation,
        `${connector.chain.type} chains publish no events`,
      );
    }
    const controller = new AbortController();
    const events = connector.events(path, { signal: controller.signal });
    const upstream: Upstream = {
      path,
      kind: 'local',
      subscribers: new Set(),
      ready: Promise.resolve(),
      ended: false,
      close: () => controller.abort(),
    };
    void (async () => {
      let failure: Error | undefined;
      try {
        for await (const event of events) fanOut(upstream, { ...event, path });
      } catch (error) {
        failure = error as Error;
        if (!controller.signal.aborted) log.warn('event stream ended', { path, error: failure.message });
      }
      end(upstream, failure);
    })();
    return upstream;
  }

  function startRelayed(path: string, source: Extract<UpstreamSource, { kind: 'relayed' }>): Upstream {
    let remote: { id: string; channel: Channel } | null = null;
    const upstream: Upstream = {
      path,
      kind: 'relayed',
      subscribers: new Set(),
      ready: Promise.resolve(),
      ended: false,
      close() {
        if (remote) remote.channel.request({ op: 'unsubscribe', subscription: remote.id }).catch(() => {});
      },
    };
    upstream.ready = source.subscribe().then(
      ({ result, channel }) => {
        remote = { id: (result as { subscription: string }).subscription, channel };
        if (upstream.ended) {
          upstream.close(); // everyone left while the next hop was answering
          return;
        }
        upstream.relayKey = `${source.nextHop}/${remote.id}`;
        relays.set(upstream.relayKey, upstream);
      },
      (error: Error) => {
        end(upstream, error);
        throw error;
      },
    );
    upstream.ready.catch(() => {});
    return upstream;
  }

  /** Adds `subscriber` to `path`'s upstream, starting one from `source` if there is none. */
  async function join(path: string, source: UpstreamSource, subscriber: Subscriber): Promise<Upstream> {
    let upstream = upstreams.get(path);
    if (!upstream) {
      upstream = source.kind === 'local' ? startLocal(path, source.connector) : startRelayed(path, source);
      upstreams.set(path, upstream);
      count();
    }
    upstream.subscribers.add(subscriber);
    await upstream.ready;
    return upstream;
  }

  function leave(upstream: Upstream | null, subscriber: Subscriber) {
    if (!upstream?.subscribers.delete(subscriber)) return;
    if (upstream.subscribers.size === 0) end(upstream);
  }

  function later(run: () => void) {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, retryMs);
    timers.add(timer);
  }

  async function subscribe(origin: Origin, path: string, source: UpstreamSource) {
    if (origin.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_STREAM) {
      throw new HipError(
        HipErrorCode.rateLimited,
        `at most ${MAX_SUBSCRIPTIONS_PER_STREAM} subscriptions per stream`,
      );
    }
    const subscription = `s${++counter}`;
    let upstream: Upstream | null = null;
    let active = true;
    const subscriber: Subscriber = {
      deliver(event) {
        origin.channel.push({ type: 'event', subscription, event }).catch(() => {});
      },
      fail() {
        upstream = null;
        if (active) later(rejoin);
      },
    };
    /** The upstream ended: join the path's upstream by the route there is now, until one holds. */
    const rejoin = () => {
      if (!active) return;
      const found = options.locate(path);
      if (!found) return later(rejoin);
      join(path, found, subscriber).then(
        (joined) => {
          upstream = joined;
          if (!active) leave(joined, subscriber);
        },
        () => {
          if (active) later(rejoin);
        },
      );
    };
    origin.subscriptions.set(subscription, () => {
      active = false;
      leave(upstream, subscriber);
    });
    origins.add(origin);
    try {
      upstream = await join(path, source, subscriber);
    } catch (error) {
      origin.subscriptions.delete(subscription);
      active = false;
      throw error;
    }
    // The stream closed while the upstream was being set up: it was left then, before it was known.
    if (!active) leave(upstream, subscriber);
    return { subscription };
  }

  function closeOrigin(origin: Origin) {
    for (const cancel of origin.subscriptions.values()) cancel();
    origin.subscriptions.clear();
    origins.delete(origin);
  }

  const events: ChainEvents = (connector, path, { signal }) => ({
    async *[Symbol.asyncIterator]() {
      const queue: ResourceEvent[] = [];
      let failure: Error | null = null;
      let wake: (() => void) | null = null;
      const subscriber: Subscriber = {
        deliver(event) {
          queue.push(event);
          wake?.();
        },
        fail(error) {
          failure = error;
          wake?.();
        },
      };
      const onAbort = () => wake?.();
      signal.addEventListener('abort', onAbort);
      const upstream = await join(path, { kind: 'local', connector }, subscriber);
      try {
        while (!signal.aborted) {
          const event = queue.shift();
          if (event) {
            const { path: _path, ...record } = event;
            yield record as ResourceEventRecord;
          } else if (failure) throw failure;
          else await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        leave(upstream, subscriber);
      }
    },
  });

  return {
    subscribe,
    unsubscribe(origin, subscription) {
      const cancel = origin.subscriptions.get(subscription);
      if (!cancel)
        throw new HipError(HipErrorCode.badRequest, `no subscription ${subscription} on this stream`);
      origin.subscriptions.delete(subscription);
      cancel();
      return { ok: true };
    },
    closeOrigin,
    events,
    deliver(nextHop, frame) {
      const upstream = relays.get(`${nextHop}/${frame.subscription}`);
      if (upstream) fanOut(upstream, frame.event);
    },
    nextHopClosed(peer) {
      for (const [key, upstream] of relays) {
        if (key.startsWith(`${peer}/`))
          end(upstream, new HipError(HipErrorCode.unreachable, `${peer} went away`));
      }
    },
    upstreams: () =>
      [...upstreams.values()].map((u) => ({ path: u.path, kind: u.kind, subscribers: u.subscribers.size })),
    start() {
      stopped = false;
      count();
    },
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const origin of [...origins]) closeOrigin(origin);
      for (const upstream of [...upstreams.values()]) end(upstream);
    },
  };
}
