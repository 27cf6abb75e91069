/**
 * The page's subscriptions, kept alive across the worker's restarts for the content relay
 * (relay.ts). The worker keeps a page's subscriptions per port, and Chromium stops an idle worker,
 * closing the port: the relay outlives both, so this remembers each live subscription (its
 * subscribe request and the id the worker answered) and, when the port closes while it holds some,
 * asks again at once (the relay connects again, which starts the worker) to make each one again
 * under the same id (`weft_subscribe`'s `subscription`). The page keeps getting `wallet_notify`
 * under the ids it has; what was emitted while no worker ran is missed. A subscription that cannot
 * be made again (the session no longer covers it, the resource is refused) is dropped, and the page
 * is told as when the worker ends one on a session change: `sessionChanged` and `accountsChanged`
 * with the session as it is now.
 */

import type { Unchecked } from '../background/unchecked.ts';
import {
  type InvokeMethodParams,
  SUBSCRIPTION_ID,
  type SubscribeParams,
  type UnsubscribeParams,
  weftMethodOf,
} from './caip-schema.ts';
import { ErrorCode, type PortResponse, type ProviderEventName } from './provider-protocol.ts';
import type { Session } from './provider-schema.ts';

/** What the keeper follows of a page's request: subscribing and unsubscribing. */
export type Tracked =
  | { kind: 'subscribe'; path: string; scope: string | null; method: string }
  | { kind: 'unsubscribe'; subscription: string; scope: string | null };

/** The relay's connection to the worker: only which one it is matters here. */
type Link = object;

/**
 * Sends a request of the relay's own to the worker; `answer` gets the worker's answer and the
 * connection it came on, or a 4900 and null when there is none.
 */
export type Ask = (request: unknown, answer: (response: PortResponse, on: Link | null) => void) => void;

export interface KeeperDeps {
  ask: Ask;
  /** Posts an event to the page, as the relay passes on the worker's. */
  toPage: (event: ProviderEventName, data: unknown) => void;
}

/**
 * A subscription of the page: `live` on `connection` (the worker holds it there), `waiting` to be
 * made again, `asking` (a restore request in flight), or `ended` (forgotten).
 */
interface HeldSubscription {
  readonly id: string;
  readonly path: string;
  /** The chain scope it was made in (`wallet_invokeMethod`), or null (`weft_subscribe`). */
  readonly scope: string | null;
  /** The method that made it: `weft_subscribe`, or in a scope `fisco_subscribe` / `fabric_subscribe`. */
  readonly method: string;
  state: 'live' | 'waiting' | 'asking' | 'ended';
  connection: Link | null;
  /** Restore attempts since it was last live. */
  attempts: number;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Restore attempts before a subscription is given up: the first at once, then after 1, 2, 4, 8,
 * 16, 30 and 30 s (a worker just started may still be connecting to its routers).
 */
const MAX_RESTORE_ATTEMPTS = 8;
const MAX_RESTORE_DELAY_MS = 30_000;
/** Refusals that a later attempt would get again: the session, the resource, the params. */
const FINAL_CODES: ReadonlySet<number> = new Set([
  ErrorCode.unauthorized,
  ErrorCode.unsupportedMethod,
  ErrorCode.invalidRequest,
  ErrorCode.invalidParams,
  ErrorCode.limitExceeded,
]);
/** Tries at telling the page of a dropped subscription before saying the wallet is unreachable. */
const NOTICE_TRIES = 3;

/** A page's value read as the object type `T` with every field still to check, if it is an object. */
function record<T extends object>(value: unknown): Unchecked<T> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Unchecked<T>)
    : null;
}
/** The one object param of a request (`[{ ... }]` or `{ ... }`), as the worker reads it (params.ts). */
const objectParam = <T extends object>(params: unknown) =>
  record<T>(Array.isArray(params) ? params[0] : params);

/**
 * What the keeper follows of a page's request: `weft_subscribe` / `weft_unsubscribe`, directly or
 * as a chain scope's `<namespace>_subscribe` / `_unsubscribe` in `wallet_invokeMethod`. The page
 * sends anything; the worker checks it, and the keeper keeps only what the worker accepted.
 */
export function trackedOf(request: unknown): Tracked | null {
  let call = record<{ method: string; params: unknown }>(request);
  if (typeof call?.method !== 'string') return null;
  let scope: string | null = null;
  let weft: string | null = call.method;
  if (call.method === 'wallet_invokeMethod') {
    const invoke = objectParam<InvokeMethodParams>(call.params);
    const named = invoke?.scope ?? invoke?.chainId;
    call = record<{ method: string; params: unknown }>(invoke?.request);
    if (typeof named !== 'string' || typeof call?.method !== 'string') return null;
    scope = named;
    weft = weftMethodOf(call.method);
  }
  const method = call.method;
  const inner = call.params;
  if (weft === 'weft_subscribe') {
    const path = objectParam<SubscribeParams>(inner)?.path;
    return typeof path === 'string' ? { kind: 'subscribe', path, scope, method } : null;
  }
  if (weft === 'weft_unsubscribe') {
    const subscription = objectParam<UnsubscribeParams>(inner)?.subscription;
    return typeof subscription === 'string' ? { kind: 'unsubscribe', subscription, scope } : null;
  }
  return null;
}

function unsubscribeRequest(sub: HeldSubscription, id: string): unknown {
  const params: [UnsubscribeParams] = [{ subscription: id }];
  if (sub.scope === null) return { method: 'weft_unsubscribe', params };
  return {
    method: 'wallet_invokeMethod',
    params: {
      scope: sub.scope,
      request: { method: sub.method.replace(/_subscribe$/, '_unsubscribe'), params },
    },
  };
}

export class KeptSubscriptions {
  readonly #ask: Ask;
  readonly #toPage: KeeperDeps['toPage'];
  /** The page's subscriptions, by the id the page knows. */
  readonly #held = new Map<string, HeldSubscription>();
  /** Whether the page is being told of dropped subscriptions (one notice for those dropped together). */
  #telling = false;

  constructor({ ask, toPage }: KeeperDeps) {
    this.#ask = ask;
    this.#toPage = toPage;
  }

  /**
   * A page's unsubscribe from one being made again, which is not the worker's yet: it ends here,
   * as the worker would end it. True when it did (the page is then answered `true` without the
   * worker); false when the request is for the worker to answer.
   */
  unsubscribedHere(tracked: Tracked | null): boolean {
    if (tracked?.kind !== 'unsubscribe') return false;
    const sub = this.#held.get(tracked.subscription);
    if (!sub || sub.state === 'live' || (tracked.scope !== null && tracked.scope !== sub.scope)) return false;
    this.#forget(sub);
    return true;
  }

  /** Follows the worker's answer to a page's subscribe or unsubscribe made on `on`. */
  answered(tracked: Tracked, response: PortResponse, on: Link): void {
    if (!('result' in response)) return;
    if (tracked.kind === 'unsubscribe') {
      const sub = this.#held.get(tracked.subscription);
      if (sub) this.#forget(sub);
      return;
    }
    const id = response.result;
    if (typeof id !== 'string' || !SUBSCRIPTION_ID.test(id)) return;
    // One by this id being restored (the page asked for it by its id meanwhile) is the page's new one now.
    const earlier = this.#held.get(id);
    if (earlier) this.#forget(earlier);
    // Live on the connection it was answered on: when that one closes, it is made again (disconnected()).
    this.#held.set(id, {
      id,
      path: tracked.path,
      scope: tracked.scope,
      method: tracked.method,
      state: 'live',
      connection: on,
      attempts: 0,
      timer: null,
    });
  }

  /** The worker's `sessionChanged`: subscriptions to what the session no longer covers ended there. */
  sessionChanged(data: unknown): void {
    let resources: unknown[];
    if (data === null) resources = [];
    else {
      const listed = (data as Partial<Session> | undefined)?.resources;
      if (!Array.isArray(listed)) return;
      resources = listed;
    }
    for (const sub of [...this.#held.values()]) if (!resources.includes(sub.path)) this.#forget(sub);
  }

  /** The worker ended `link`'s subscriptions with it: each is made again at once, on a new one. */
  disconnected(link: Link): void {
    for (const sub of this.#held.values()) {
      if (sub.state === 'live' && sub.connection === link) this.#restore(sub);
    }
  }

  #forget(sub: HeldSubscription): void {
    if (sub.timer) clearTimeout(sub.timer);
    sub.timer = null;
    sub.state = 'ended';
    if (this.#held.get(sub.id) === sub) this.#held.delete(sub.id);
  }

  /** Makes `sub` again under its id: now on its first attempt, later (backing off) on the next ones. */
  #restore(sub: HeldSubscription): void {
    if (sub.state === 'ended' || sub.timer) return;
    sub.state = 'waiting';
    sub.connection = null;
    const delay = sub.attempts === 0 ? 0 : Math.min(1_000 * 2 ** (sub.attempts - 1), MAX_RESTORE_DELAY_MS);
    if (delay === 0) {
      this.#attempt(sub);
      return;
    }
    sub.timer = setTimeout(() => {
      sub.timer = null;
      this.#attempt(sub);
    }, delay);
  }

  #attempt(sub: HeldSubscription): void {
    if (sub.state === 'ended') return;
    sub.state = 'asking';
    sub.attempts++;
    const params: [SubscribeParams] = [{ path: sub.path, subscription: sub.id }];
    const request =
      sub.scope === null
        ? { method: 'weft_subscribe', params }
        : {
            method: 'wallet_invokeMethod',
            params: {
              scope: sub.scope,
              request: { method: sub.method, params },
            } satisfies InvokeMethodParams,
          };
    this.#ask(request, (response, on) => {
      const made = 'result' in response && typeof response.result === 'string' ? response.result : null;
      if (sub.state === 'ended') {
        // Forgotten meanwhile (unsubscribed, or its session changed): not to be kept by the worker.
        if (made) this.#ask(unsubscribeRequest(sub, made), () => {});
        return;
      }
      if (made === sub.id && on) {
        sub.state = 'live';
        sub.connection = on;
        sub.attempts = 0;
        return;
      }
      if (made) this.#ask(unsubscribeRequest(sub, made), () => {}); // another id: not what the page holds
      const code = 'error' in response ? response.error.code : ErrorCode.internal;
      if (made || FINAL_CODES.has(code) || sub.attempts >= MAX_RESTORE_ATTEMPTS) {
        this.#forget(sub);
        this.#tellPage();
        return;
      }
      sub.state = 'waiting';
      this.#restore(sub);
    });
  }

  /**
   * Tells the page that subscriptions were dropped, as the worker tells it when a session change
   * ends them: `sessionChanged` and `accountsChanged` with the session as the worker has it now
   * (the inpage provider adds CAIP-311's `wallet_sessionChanged`). A worker that cannot be asked
   * (extension reloaded or removed) leaves EIP-1193's `disconnect`.
   */
  #tellPage(tries = 0): void {
    if (tries === 0 && this.#telling) return;
    this.#telling = true;
    this.#ask({ method: 'weft_getSession' }, (response) => {
      if ('result' in response) {
        this.#telling = false;
        const session = response.result as Session | null;
        this.sessionChanged(session);
        this.#toPage('sessionChanged', session);
        this.#toPage('accountsChanged', session ? [session.address] : []);
        return;
      }
      if (tries + 1 < NOTICE_TRIES) {
        setTimeout(() => this.#tellPage(tries + 1), 1_000);
        return;
      }
      this.#telling = false;
      this.#toPage('disconnect', { code: ErrorCode.disconnected });
    });
  }
}
