/**
 * Subscriptions (docs/router-protocol.md#bodies-bodyop): events of a path this router fronts,
 * polled from its chain, and events of a path another router fronts, relayed from a subscription
 * made at the next hop. A subscription lives as long as the stream it was made on.
 */
import type { ChainConnector } from '../chains/connector.ts';
import type { Channel } from '../protocol/channel.ts';
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import type { EventFrame, ResourceEvent } from '../protocol/messages.ts';
import type { Component } from './component.ts';
import type { Logger } from './log.ts';
import type { Origin } from './origin.ts';

export const MAX_SUBSCRIPTIONS_PER_STREAM = 32;

export interface SubscriptionsOptions {
  log: Logger;
}

export interface Subscriptions extends Component {
  /** Follows `path` on `connector` (a chain this router fronts) for `origin`. */
  local(origin: Origin, connector: ChainConnector, path: string): { subscription: string };
  /** Relays the events of `remote`, a subscription made at `nextHop` over `channel`, to `origin`. */
  relay(origin: Origin, nextHop: string, channel: Channel, remote: string): { subscription: string };
  unsubscribe(origin: Origin, subscription: string): { ok: true };
  /** An event a next hop pushed on its forward channel. */
  deliver(nextHop: string, frame: EventFrame): void;
  /** `origin`'s stream closed: everything it subscribed to ends. */
  closeOrigin(origin: Origin): void;
}

export function createSubscriptions(options: SubscriptionsOptions): Subscriptions {
  const { log } = options;
  let counter = 0;
  /** `${next hop}/${its subscription id}` -> where to deliver its events. */
  const relays = new Map<string, (event: ResourceEvent) => void>();
  const origins = new Set<Origin>();

  function add(origin: Origin, cancel: () => void): { subscription: string } {
    if (origin.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_STREAM) {
      cancel();
      throw new HipError(
        HipErrorCode.rateLimited,
        `at most ${MAX_SUBSCRIPTIONS_PER_STREAM} subscriptions per stream`,
      );
    }
    const subscription = `s${++counter}`;
    origin.subscriptions.set(subscription, cancel);
    origins.add(origin);
    return { subscription };
  }

  function closeOrigin(origin: Origin): void {
    for (const cancel of origin.subscriptions.values()) cancel();
    origin.subscriptions.clear();
    origins.delete(origin);
  }

  return {
    local(origin, connector, path) {
      if (!connector.events) {
        throw new HipError(
          HipErrorCode.unsupportedOperation,
          `${connector.chain.type} chains publish no events`,
        );
      }
      const controller = new AbortController();
      const events = connector.events(path, { signal: controller.signal });
      const { subscription } = add(origin, () => controller.abort());
      void (async () => {
        try {
          for await (const event of events) {
            await origin.channel.push({ type: 'event', subscription, event: { ...event, path } });
          }
        } catch (error) {
          if (!controller.signal.aborted)
            log.warn('event stream ended', { path, error: (error as Error).message });
        }
      })();
      return { subscription };
    },
    relay(origin, nextHop, channel, remote) {
      const key = `${nextHop}/${remote}`;
      const local = add(origin, () => {
        relays.delete(key);
        channel.request({ op: 'unsubscribe', subscription: remote }).catch(() => {});
      });
      relays.set(key, (event) => {
        void origin.channel.push({ type: 'event', subscription: local.subscription, event }).catch(() => {});
      });
      return local;
    },
    unsubscribe(origin, subscription) {
      const cancel = origin.subscriptions.get(subscription);
      if (!cancel)
        throw new HipError(HipErrorCode.badRequest, `no subscription ${subscription} on this stream`);
      origin.subscriptions.delete(subscription);
      cancel();
      return { ok: true };
    },
    deliver(nextHop, frame) {
      relays.get(`${nextHop}/${frame.subscription}`)?.(frame.event);
    },
    closeOrigin,
    start() {},
    stop() {
      for (const origin of [...origins]) closeOrigin(origin);
    },
  };
}
