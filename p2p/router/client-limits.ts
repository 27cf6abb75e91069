/**
 * What a router lets a request ask of it (docs/router-protocol.md#limits). A request's
 * `hopsLeft` and `timeoutMs` are the sender's word: a router caps both at its own config, so
 * no client (or member) makes it forward further or wait longer than its operator allows.
 * Light clients also get per-peer budgets: requests, and `ttmReveal`s (each may cost chain
 * reads and a flood), kept apart from member routers, who are never limited by client load.
 */
import type { RequestBody } from '../protocol/messages.ts';
import { TokenBucket } from './token-bucket.ts';

export interface ClientLimitsConfig {
  /** Requests per second per light client, sustained; bursts up to twice this. */
  clientRequestsPerSecond: number;
  /** `ttmReveal`s per second per light client, sustained; bursts up to twice this. */
  clientRevealsPerSecond: number;
}

/** Per-client token buckets, by peer id, dropped when the client leaves. */
export class ClientLimits {
  readonly #config: ClientLimitsConfig;
  readonly #requests = new Map<string, TokenBucket>();
  readonly #reveals = new Map<string, TokenBucket>();

  constructor(config: ClientLimitsConfig) {
    this.#config = config;
  }

  /** False when `peer` is over its request budget. */
  takeRequest(peer: string): boolean {
    return bucket(this.#requests, peer, this.#config.clientRequestsPerSecond).take();
  }

  /** False when `peer` is over its reveal budget. */
  takeReveal(peer: string): boolean {
    return bucket(this.#reveals, peer, this.#config.clientRevealsPerSecond).take();
  }

  forget(peer: string): void {
    this.#requests.delete(peer);
    this.#reveals.delete(peer);
  }
}

function bucket(buckets: Map<string, TokenBucket>, peer: string, rate: number): TokenBucket {
  let found = buckets.get(peer);
  if (!found) {
    found = new TokenBucket(rate);
    buckets.set(peer, found);
  }
  return found;
}

/** The hops a request may still take here: what it asks, never more than this router's limit. */
export function cappedHops(requested: number | undefined, hopLimit: number): number {
  return Math.min(requested ?? hopLimit, hopLimit);
}

/** How long a router works on a request: what the sender asks (or `fallback`), at most `max`. */
export function cappedTimeout(requested: number | undefined, fallback: number, max: number): number {
  return Math.min(requested ?? fallback, max);
}

/** `body` with a `submit`'s receipt wait capped at `max` (a missing one keeps the chain's default). */
export function withCappedWait<B extends RequestBody>(body: B, max: number): B {
  if (body.op !== 'submit' || body.timeoutMs === undefined || body.timeoutMs <= max) return body;
  return { ...body, timeoutMs: max };
}
