/**
 * The client protocol (docs/router-protocol.md#limits): light clients' streams, each a long-lived
 * channel of requests, validated and held to the per-client budgets before they are served.
 */
import type { Connection, Stream } from '@libp2p/interface';
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import { CLIENT_PROTOCOL } from '../protocol/ids.ts';
import type { ClientLimits } from './client-limits.ts';
import type { Component, RouterNet } from './component.ts';
import type { RouterMetrics } from './metrics.ts';
import { type Origin, openOrigin, refuse, stallLimits } from './origin.ts';
import type { ServeRequest } from './request-handler.ts';
import { validatedRequest } from './request-validation.ts';

export interface ClientServiceOptions {
  net: RouterNet;
  clientLimits: ClientLimits;
  metrics: RouterMetrics;
  maxMessageBytes: number;
  /** Streams a light client may keep open on the client protocol, over all its connections. */
  maxClientStreams: number;
  /** How long a client may stall a stream (slow loris). */
  idleStreamMs: number;
  serve: ServeRequest;
  onOriginClosed(origin: Origin): void;
}

export interface ClientService extends Component {
  /** A client left: its budgets go with it. */
  forget(peer: string): void;
}

export function createClientService(options: ClientServiceOptions): ClientService {
  const { clientLimits, metrics } = options;

  /** Open client streams per peer: libp2p caps streams per connection, and a peer may open several. */
  const streams = new Map<string, number>();

  function onClientStream(stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString();
    const open = streams.get(peer) ?? 0;
    if (open >= options.maxClientStreams) {
      metrics.streamsClosed.inc({ reason: 'too-many-streams' });
      refuse(stream, HipErrorCode.rateLimited, `at most ${options.maxClientStreams} client streams per peer`);
      return;
    }
    streams.set(peer, open + 1);
    openOrigin({
      stream,
      peer,
      protocol: 'client',
      maxMessageBytes: options.maxMessageBytes,
      limits: stallLimits(options.idleStreamMs, metrics),
      onRequest: async (raw, origin) => {
        if (!clientLimits.takeRequest(peer)) {
          metrics.requests.inc({ protocol: 'client', op: 'any', outcome: HipErrorCode.rateLimited });
          throw new HipError(HipErrorCode.rateLimited, 'too many requests; slow down');
        }
        return options.serve(validatedRequest(raw), origin);
      },
      onClose: (origin) => {
        const left = (streams.get(peer) ?? 1) - 1;
        if (left > 0) streams.set(peer, left);
        else streams.delete(peer);
        options.onOriginClosed(origin);
      },
    });
  }

  return {
    forget: (peer) => clientLimits.forget(peer),
    async start() {
      await options.net.handle(CLIENT_PROTOCOL, onClientStream, {
        maxInboundStreams: options.maxClientStreams,
        runOnLimitedConnection: false,
      });
    },
    async stop() {
      await options.net.unhandle(CLIENT_PROTOCOL);
    },
  };
}
