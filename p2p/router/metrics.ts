/** Router metrics in Prometheus text format (prom-client), one registry per router. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface RouterMetrics {
  registry: Registry;
  peers: Gauge<'kind'>;
  requests: Counter<'protocol' | 'op' | 'outcome'>;
  forwardedHops: Histogram<'op'>;
  latency: Histogram<'protocol' | 'op'>;
  routes: Gauge<'kind'>;
  grantRejections: Counter<'reason'>;
  ttmCompletions: Counter<'kind'>;
  advertsDropped: Counter<'reason'>;
  revealsDropped: Counter<'reason'>;
  upstreams: Gauge<'kind'>;
  inflight: Gauge<'protocol'>;
  streamsClosed: Counter<'reason'>;
  connectionsRefused: Counter<'reason'>;
}

export function createRouterMetrics(): RouterMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    peers: new Gauge({
      name: 'weft_router_peers',
      help: 'Connected peers by kind (router member or light client)',
      labelNames: ['kind'],
      registers,
    }),
    requests: new Counter({
      name: 'weft_router_requests_total',
      help: 'Requests handled, by protocol, operation and outcome (ok or an error code)',
      labelNames: ['protocol', 'op', 'outcome'],
      registers,
    }),
    forwardedHops: new Histogram({
      name: 'weft_router_forward_hops',
      help: 'Router-to-router hops a forwarded request still had when this router sent it on',
      labelNames: ['op'],
      buckets: [0, 1, 2, 3, 4, 6, 8, 16],
      registers,
    }),
    latency: new Histogram({
      name: 'weft_router_request_seconds',
      help: 'Time to answer a request, by protocol and operation',
      labelNames: ['protocol', 'op'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    routes: new Gauge({
      name: 'weft_router_routes',
      help: 'Resource paths in the directory, local or learned',
      labelNames: ['kind'],
      registers,
    }),
    grantRejections: new Counter({
      name: 'weft_router_grant_rejections_total',
      help: 'Granted reads this router refused, by reason (docs/grants.md)',
      labelNames: ['reason'],
      registers,
    }),
    ttmCompletions: new Counter({
      name: 'weft_router_ttm_completions_total',
      help: 'Transactions committed (kind="tx") and HTLCs claimed (kind="htlc") by this router with a revealed secret',
      labelNames: ['kind'],
      registers,
    }),
    advertsDropped: new Counter({
      name: 'weft_router_adverts_dropped_total',
      help: 'Route adverts from member routers this router refused, by reason (docs/router-protocol.md#signed-adverts)',
      labelNames: ['reason'],
      registers,
    }),
    revealsDropped: new Counter({
      name: 'weft_router_reveals_dropped_total',
      help: "Light clients' ttmReveals this router did not pass on: rate-limited (over the per-client budget) or unknown-hash-lock (docs/router-protocol.md#limits)",
      labelNames: ['reason'],
      registers,
    }),
    upstreams: new Gauge({
      name: 'weft_router_upstream_subscriptions',
      help: 'Event upstreams running, one per followed path shared by all its subscribers: local (the chain, polled) or relayed (a subscription at the next hop)',
      labelNames: ['kind'],
      registers,
    }),
    inflight: new Gauge({
      name: 'weft_router_inflight_requests',
      help: 'Requests this router is answering now, by protocol; a request whose requester went away is given up at once',
      labelNames: ['protocol'],
      registers,
    }),
    streamsClosed: new Counter({
      name: 'weft_router_streams_closed_total',
      help: 'Streams this router closed on a peer, by reason: read-timeout (a frame begun and not finished), write-timeout (answers not read), too-many-streams (over the per-client cap) (docs/router-protocol.md#limits)',
      labelNames: ['reason'],
      registers,
    }),
    connectionsRefused: new Counter({
      name: 'weft_router_connections_refused_total',
      help: "Inbound connections this router refused, by reason: per-ip, per-peer, max-clients (light clients' caps; members are never refused) or handshakes-per-ip (before the peer is known) (docs/router-protocol.md#limits)",
      labelNames: ['reason'],
      registers,
    }),
  };
}
