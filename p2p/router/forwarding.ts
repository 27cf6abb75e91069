/**
 * Forwarding (docs/router-protocol.md#forwarding): one long-lived forward channel to each next hop,
 * requests sent on with what is left of their hop and time budgets, and the forward protocol's
 * inbound side, where member routers' requests arrive.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { Channel, type SendOptions } from '../protocol/channel.ts';
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import { DEFAULT_TIMEOUT_MS, FORWARD_PROTOCOL } from '../protocol/ids.ts';
import type { EventFrame, RequestBody, RequestFrame } from '../protocol/messages.ts';
import { cappedTimeout } from './client-limits.ts';
import type { Component, RouterNet } from './component.ts';
import type { RouterMetrics } from './metrics.ts';
import { type Origin, openOrigin, refuse, stallLimits } from './origin.ts';
import { validatedRequest } from './request-validation.ts';

/** How much of a request's remaining budget a router keeps for sending the answer back. */
export const HOP_MARGIN_MS = 50;
/** Streams a member router may keep open on the forward protocol, per connection. */
const MAX_FORWARD_STREAMS = 64;

export interface ForwardingOptions {
  net: RouterNet;
  isMember(peer: PeerId): boolean;
  metrics: RouterMetrics;
  maxMessageBytes: number;
  maxTimeoutMs: number;
  /** How long a member (or a next hop) may stall a forward stream. */
  idleStreamMs: number;
  /** Answers a request a member router forwarded here. */
  serve(frame: RequestFrame, origin: Origin): Promise<unknown>;
  /** An event frame a next hop pushed for a subscription made there. */
  onEvent(nextHop: string, frame: EventFrame): void;
  /** The forward channel to `nextHop` closed: whatever it carried is gone. */
  onChannelClosed(nextHop: string): void;
  /** A requester's stream closed (or a next hop's channel did): stop what was done for it. */
  onOriginClosed(origin: Origin): void;
}

/** What one request forwarded from here has to spend. */
export interface ForwardBudget {
  /** `performance.now()` when the request arrived. */
  started: number;
  /** The request's `timeoutMs`, uncapped. */
  timeoutMs: number | undefined;
  /** Hops it may still take from here (already capped at this router's limit). */
  hopsLeft: number;
  /** Hops of the route, for the refusal's details. */
  routeHops: number;
}

export interface Forwarding extends Component {
  /** The forward channel to `peer`, opened on first use. */
  channel(peer: string): Promise<Channel>;
  /**
   * Sends `body` to `nextHop` with one hop less and the time left; resolves with its answer and the
   * channel. `signal` gives it up (the requester went away): rejected here at once, its pending
   * entry dropped (the next hop is not told: HIP has no cancel frame, it answers into the void).
   */
  forward(
    nextHop: string,
    body: RequestBody,
    budget: ForwardBudget,
    signal?: AbortSignal,
  ): Promise<{ result: unknown; channel: Channel }>;
  /** Sends `body` to `peer` outside any request's budget (reveals). */
  send(peer: string, body: RequestBody, options: SendOptions): Promise<unknown>;
}

/** HOP_LIMIT_EXCEEDED when a request with no hops left would have to go to another router. */
export function assertHopsLeft(path: string, budget: Pick<ForwardBudget, 'hopsLeft' | 'routeHops'>): void {
  if (budget.hopsLeft > 0) return;
  throw new HipError(HipErrorCode.hopLimitExceeded, `${path} is more hops away than the request allows`, {
    path,
    routeHops: budget.routeHops,
  });
}

export function createForwarding(options: ForwardingOptions): Forwarding {
  const { net, metrics, maxMessageBytes } = options;
  const channels = new Map<string, Promise<Channel>>();

  function channel(peer: string): Promise<Channel> {
    const existing = channels.get(peer);
    if (existing) return existing;
    const opening = (async () => {
      const target = net.getPeers().find((p) => p.toString() === peer);
      if (!target) throw new HipError(HipErrorCode.unreachable, `next router ${peer} is not connected`);
      const stream = await net.dialProtocol(target, FORWARD_PROTOCOL, { signal: AbortSignal.timeout(5_000) });
      return new Channel(
        stream,
        maxMessageBytes,
        {
          onClose: () => {
            channels.delete(peer);
            options.onChannelClosed(peer);
          },
          onEvent: (frame) => options.onEvent(peer, frame),
        },
        stallLimits(options.idleStreamMs, metrics),
      );
    })();
    channels.set(peer, opening);
    opening.catch(() => channels.delete(peer));
    return opening;
  }

  async function forward(nextHop: string, body: RequestBody, budget: ForwardBudget, signal?: AbortSignal) {
    assertHopsLeft('path' in body ? body.path : '', budget);
    const left =
      cappedTimeout(budget.timeoutMs, DEFAULT_TIMEOUT_MS, options.maxTimeoutMs) -
      (performance.now() - budget.started) -
      HOP_MARGIN_MS;
    if (left <= 0) throw new HipError(HipErrorCode.timeout, 'no time left to forward the request');
    metrics.forwardedHops.observe({ op: body.op }, budget.hopsLeft - 1);
    const open = await channel(nextHop);
    const result = await open.request(body, {
      timeoutMs: Math.floor(left),
      hopsLeft: budget.hopsLeft - 1,
      ...(signal ? { signal } : {}),
    });
    return { result, channel: open };
  }

  function onForwardStream(stream: Stream, connection: Connection): void {
    if (!options.isMember(connection.remotePeer)) {
      metrics.requests.inc({ protocol: 'forward', op: 'open', outcome: HipErrorCode.forbidden });
      refuse(stream, HipErrorCode.forbidden, 'only member routers may forward');
      return;
    }
    openOrigin({
      stream,
      peer: connection.remotePeer.toString(),
      protocol: 'forward',
      maxMessageBytes,
      limits: stallLimits(options.idleStreamMs, metrics),
      onRequest: (raw, origin) => options.serve(validatedRequest(raw), origin),
      onClose: options.onOriginClosed,
    });
  }

  return {
    channel,
    forward,
    send: (peer, body, sendOptions) => channel(peer).then((open) => open.request(body, sendOptions)),
    async start() {
      await net.handle(FORWARD_PROTOCOL, onForwardStream, { maxInboundStreams: MAX_FORWARD_STREAMS });
    },
    async stop() {
      await net.unhandle(FORWARD_PROTOCOL);
      for (const opening of channels.values()) opening.then((open) => open.close()).catch(() => {});
      channels.clear();
    },
  };
}
