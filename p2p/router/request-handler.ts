/**
 * Answers one request from a light client or a member router: the directory's own ops, a chain
 * this router fronts, or the next hop of the route. Counts and times every request.
 */
import type { ChainConnector, TransactionReceipt } from '../chains/connector.ts';
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import type { RequestFrame } from '../protocol/messages.ts';
import { type ClientLimits, cappedHops, withCappedWait } from './client-limits.ts';
import type { Directory } from './directory.ts';
import { executeLocal, toHipError } from './execute-local.ts';
import { assertHopsLeft, type ForwardBudget, type Forwarding } from './forwarding.ts';
import type { GrantedReads } from './granted-reads.ts';
import type { Logger } from './log.ts';
import type { RouterMetrics } from './metrics.ts';
import type { Origin } from './origin.ts';
import type { Subscriptions, UpstreamSource } from './subscriptions.ts';
import type { TtmWatcher } from './ttm-watcher.ts';

export interface RequestHandlerOptions {
  directory: Directory;
  /** Path -> the connector of the chain this router fronts it on. */
  localChains: ReadonlyMap<string, ChainConnector>;
  grantedReads: GrantedReads;
  ttm(): TtmWatcher;
  clientLimits: ClientLimits;
  forwarding: Forwarding;
  subscriptions: Subscriptions;
  metrics: RouterMetrics;
  log: Logger;
  hopLimit: number;
  maxTimeoutMs: number;
}

export type ServeRequest = (frame: RequestFrame, origin: Origin) => Promise<unknown>;

/** A path's upstream at `nextHop`: one subscription there, made with `budget`. */
function relayedSource(forwarding: Forwarding, nextHop: string, path: string, budget: ForwardBudget) {
  return {
    kind: 'relayed',
    nextHop,
    subscribe: () => forwarding.forward(nextHop, { op: 'subscribe', path }, budget),
  } satisfies UpstreamSource;
}

/**
 * Where `path`'s events come from by the directory's current route, for a subscription whose
 * upstream ended: the chain here, or the next hop with a fresh budget.
 */
export function locateUpstream(
  options: Pick<RequestHandlerOptions, 'directory' | 'localChains' | 'forwarding' | 'hopLimit'>,
  path: string,
): UpstreamSource | undefined {
  const found = options.directory.route(path);
  if (!found) return undefined;
  if (found.kind === 'local') {
    const connector = options.localChains.get(path);
    return connector ? { kind: 'local', connector } : undefined;
  }
  return relayedSource(options.forwarding, found.nextHop, path, {
    started: performance.now(),
    timeoutMs: undefined,
    hopsLeft: options.hopLimit,
    routeHops: found.entry.hops,
  });
}

export function createRequestHandler(options: RequestHandlerOptions): ServeRequest {
  const { directory, metrics, log, hopLimit, maxTimeoutMs } = options;

  async function route(frame: RequestFrame, origin: Origin, started: number): Promise<unknown> {
    const { body } = frame;
    // The sender's hop budget, never more than ours: a client asking for 64 hops gets `hopLimit`.
    const hopsLeft = cappedHops(frame.hopsLeft, hopLimit);
    if (body.op === 'resources') return directory.entries();
    if (body.op === 'unsubscribe') return options.subscriptions.unsubscribe(origin, body.subscription);
    if (body.op === 'ttmReveal') {
      const client = origin.protocol === 'client';
      if (client && !options.clientLimits.takeReveal(origin.peer)) {
        metrics.revealsDropped.inc({ reason: 'rate-limited' });
        throw new HipError(HipErrorCode.rateLimited, 'too many ttmReveals; slow down');
      }
      return options.ttm().receive(body, { peer: origin.peer, hopsLeft, client });
    }
    const found = directory.route(body.path);
    if (!found) throw new HipError(HipErrorCode.unknownResource, `no router publishes ${body.path}`);
    if (found.kind === 'local') {
      const connector = options.localChains.get(body.path);
      if (!connector) throw new HipError(HipErrorCode.unknownResource, `no chain fronts ${body.path}`);
      if (body.op === 'subscribe')
        return options.subscriptions.subscribe(origin, body.path, { kind: 'local', connector });
      if (body.op === 'readGranted') return options.grantedReads.read(connector, found.entry, body);
      if (body.op === 'ttmEvents') return options.ttm().events(body.path, body.id);
      options.grantedReads.refuseUngatedRead(found.entry, body);
      const result = await executeLocal(
        connector,
        found.entry,
        withCappedWait(body, maxTimeoutMs),
        origin.signal,
      );
      if (body.op === 'submit') options.grantedReads.observeReceipt(body.path, result as TransactionReceipt);
      return result;
    }
    const budget = { started, timeoutMs: frame.timeoutMs, hopsLeft, routeHops: found.entry.hops };
    if (body.op === 'subscribe') {
      // Joining the path's upstream costs no hop, but the request may not reach that far.
      assertHopsLeft(body.path, budget);
      return options.subscriptions.subscribe(
        origin,
        body.path,
        relayedSource(options.forwarding, found.nextHop, body.path, budget),
      );
    }
    return (await options.forwarding.forward(found.nextHop, body, budget, origin.signal)).result;
  }

  return async function serve(frame, origin) {
    const { body } = frame;
    const protocol = origin.protocol;
    const started = performance.now();
    const end = metrics.latency.startTimer({ protocol, op: body.op });
    metrics.inflight.inc({ protocol });
    try {
      const result = await abandonable(route(frame, origin, started), origin.signal);
      metrics.requests.inc({ protocol, op: body.op, outcome: 'ok' });
      return result;
    } catch (error) {
      if (error === ABANDONED) {
        metrics.requests.inc({ protocol, op: body.op, outcome: 'abandoned' });
        throw origin.signal.reason;
      }
      const hipError = toHipError(error);
      metrics.requests.inc({ protocol, op: body.op, outcome: hipError.code });
      if (hipError.code === HipErrorCode.internal)
        log.error('request failed', { op: body.op, error: String(error) });
      throw hipError;
    } finally {
      metrics.inflight.dec({ protocol });
      end();
    }
  };
}

/** Marks a request given up because its requester went away (nobody is left to answer). */
const ABANDONED: unique symbol = Symbol('abandoned');

/**
 * `work`, or ABANDONED as soon as `signal` aborts. The work itself stops where it can (a forwarded
 * request is rejected locally; a subscription left; a FISCO BCOS receipt wait stops polling); a
 * chain call, or a Fabric commit-status wait (one gRPC call), ends by its own capped timeout,
 * unobserved.
 */
function abandonable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(ABANDONED);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(ABANDONED);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
