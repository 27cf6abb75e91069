/**
 * A requester as the router sees it: one long-lived stream from a light client (client protocol)
 * or a member router (forward protocol), the channel over it, and what it opened there
 * (subscriptions), which ends when the stream closes.
 */
import type { Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { Channel, type ChannelLimits } from '../protocol/channel.ts';
import { HipError, HipErrorCode, type HipErrorCodeValue } from '../protocol/errors.ts';
import { encodeFrame } from '../protocol/frame.ts';
import type { RouterMetrics } from './metrics.ts';

export type RequestProtocol = 'client' | 'forward';

export interface Origin {
  /** Peer id of the client or router at the other end. */
  readonly peer: string;
  readonly protocol: RequestProtocol;
  readonly channel: Channel;
  /** Subscription id -> how to cancel it; all are cancelled when the stream closes. */
  readonly subscriptions: Map<string, () => void>;
  /** Aborts when the stream closes: whatever is still being done for this requester is given up. */
  readonly signal: AbortSignal;
}

export interface OriginOptions {
  stream: Stream;
  peer: string;
  protocol: RequestProtocol;
  maxMessageBytes: number;
  /** How long the peer may stall the stream (slow loris). */
  limits?: ChannelLimits;
  onRequest(raw: unknown, origin: Origin): Promise<unknown>;
  /** The stream is gone: stop what was done for it. */
  onClose(origin: Origin): void;
}

export function openOrigin(options: OriginOptions): Origin {
  const gone = new AbortController();
  const origin: Origin = {
    peer: options.peer,
    protocol: options.protocol,
    subscriptions: new Map(),
    signal: gone.signal,
    channel: new Channel(
      options.stream,
      options.maxMessageBytes,
      {
        onRequest: (raw) => options.onRequest(raw, origin),
        onClose: () => {
          gone.abort(
            new HipError(HipErrorCode.unreachable, `${options.protocol} stream of ${options.peer} closed`),
          );
          options.onClose(origin);
        },
      },
      options.limits,
    ),
  };
  return origin;
}

/** A stream stalled by its peer is aborted after `stallMs`; each such close counted by why. */
export function stallLimits(stallMs: number, metrics: RouterMetrics): ChannelLimits {
  return { stallMs, onStall: (kind) => metrics.streamsClosed.inc({ reason: `${kind}-timeout` }) };
}

/** Tells the peer why, in one error frame, then closes the stream. */
export function refuse(stream: Stream, code: HipErrorCodeValue, message: string): void {
  lpStream(stream)
    .write(encodeFrame({ type: 'response', id: 0, error: { code, message } }))
    .then(() => stream.close())
    .catch(() => stream.abort(new Error(message)));
}
