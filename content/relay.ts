/**
 * The content relay (isolated world): carries provider requests from the page to the
 * background over a `runtime.Port` and the answers back. It accepts only messages
 * that this very window posted to itself on the provider channel, and answers only
 * to this window's origin. It adds nothing about the origin: the background reads
 * that from the port's sender, which the browser fills in.
 *
 * It also keeps the page's subscriptions alive across the worker's restarts. The worker keeps a
 * page's subscriptions per port, and Chromium stops an idle worker, closing the port: this script
 * outlives both, so it remembers each live subscription (its subscribe request and the id the
 * worker answered) and, when the port closes while it holds some, connects again at once (which
 * starts the worker) and makes each one again under the same id (`weft_subscribe`'s
 * `subscription`). The page keeps getting `wallet_notify` under the ids it has; what was emitted
 * while no worker ran is missed. A subscription that cannot be made again (the session no longer
 * covers it, the resource is refused) is dropped, and the page is told as when the worker ends one
 * on a session change: `sessionChanged` and `accountsChanged` with the session as it is now.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import {
  type InvokeMethodParams,
  SUBSCRIPTION_ID,
  type SubscribeParams,
  type UnsubscribeParams,
  weftMethodOf,
} from './caip-schema.ts';
import {
  CONTENT_CHANNEL,
  type ContentEventMessage,
  type ContentResponseMessage,
  ErrorCode,
  isPageRequestMessage,
  type PortEvent,
  type PortRequest,
  type PortResponse,
  PROVIDER_PORT,
  type ProviderEventName,
} from './provider-protocol.ts';
import type { Session } from './provider-schema.ts';

/** What the relay follows of a page's request: subscribing and unsubscribing. */
type Tracked =
  | { kind: 'subscribe'; path: string; scope: string | null; method: string }
  | { kind: 'unsubscribe'; subscription: string; scope: string | null };

/** Gets the worker's answer to one of the relay's own requests, and the port it came on (none: not sent). */
type Answer = (response: PortResponse, on: Connection | null) => void;

interface Connection {
  port: Runtime.Port;
  /** The page's requests sent on this port and not yet answered, with what the relay follows of each. */
  inFlight: Map<string, Tracked | null>;
  /** The relay's own requests on this port (restoring subscriptions, reading the session). */
  own: Map<string, Answer>;
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
  connection: Connection | null;
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
  -32005, // limit exceeded
]);
/** Tries at telling the page of a dropped subscription before saying the wallet is unreachable. */
const NOTICE_TRIES = 3;

let connection: Connection | null = null;
/** The page's subscriptions, by the id the page knows. */
const held = new Map<string, HeldSubscription>();
/**
 * Ids of the relay's own requests: under a random prefix, which no page request can take
 * (getRandomValues, unlike randomUUID, works on http pages too).
 */
const OWN_PREFIX = `weft-relay:${Array.from(crypto.getRandomValues(new Uint8Array(8)), hex).join('')}:`;
let ownCounter = 0;
/** Whether the page is being told of dropped subscriptions (one notice for those dropped together). */
let telling = false;

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function reply(response: PortResponse): void {
  const message: ContentResponseMessage = { ...response, channel: CONTENT_CHANNEL };
  window.postMessage(message, window.location.origin);
}

function toPage(event: ProviderEventName, data: unknown): void {
  const forward: ContentEventMessage = { channel: CONTENT_CHANNEL, event, data };
  window.postMessage(forward, window.location.origin);
}

function connect(): Connection {
  const fresh: Connection = {
    port: browser.runtime.connect({ name: PROVIDER_PORT }),
    inFlight: new Map(),
    own: new Map(),
  };
  fresh.port.onMessage.addListener((message: unknown) => {
    const { event, data } = message as Partial<PortEvent>;
    if (event !== undefined) {
      // The worker ends subscriptions its session no longer covers (subscriptions.ts): so does the relay.
      if (event === 'sessionChanged') sessionChanged(data);
      toPage(event, data);
      return;
    }
    const response = message as PortResponse;
    const mine = fresh.own.get(response.id);
    if (mine) {
      fresh.own.delete(response.id);
      mine(response, fresh);
      return;
    }
    if (!fresh.inFlight.has(response.id)) return;
    const tracked = fresh.inFlight.get(response.id) ?? null;
    fresh.inFlight.delete(response.id);
    if (tracked) answered(tracked, response, fresh);
    reply(response);
  });
  fresh.port.onDisconnect.addListener(() => {
    // The worker stopped or restarted: answers to what was in flight on this port are
    // lost. Tell the page instead of leaving it waiting; the next request opens a new port.
    if (connection === fresh) connection = null;
    for (const id of fresh.inFlight.keys()) {
      reply({
        id,
        error: { code: ErrorCode.disconnected, message: 'wallet restarted before answering; retry' },
      });
    }
    fresh.inFlight.clear();
    const own = [...fresh.own];
    fresh.own.clear();
    for (const [id, answer] of own) {
      answer(
        { id, error: { code: ErrorCode.disconnected, message: 'wallet restarted before answering' } },
        null,
      );
    }
    // The worker ended this port's subscriptions with it: made again at once, on a new port.
    for (const sub of held.values()) {
      if (sub.state === 'live' && sub.connection === fresh) restore(sub);
    }
  });
  return fresh;
}

/**
 * Largest request the relay sends, as JSON characters: the port refuses messages over 64 MiB
 * (as UTF-8) without telling the page, and no real request comes near this.
 */
const MAX_REQUEST_CHARS = 16 * 1024 * 1024;
/** Longest request id the worker answers; the inpage provider's are about 40 characters. */
const MAX_ID_LENGTH = 128;

/** Why the port cannot carry `request` (it travels as JSON), or null when it can. */
function unsendable(request: PortRequest): string | null {
  let json: string;
  try {
    json = JSON.stringify(request);
  } catch (error) {
    return `params cannot be sent: ${(error as Error).message}`; // BigInt, cycles
  }
  return json.length > MAX_REQUEST_CHARS ? 'request is too large (over 16 MiB as JSON)' : null;
}

/** Posts `request` on the port, opening one when there is none; returns the port's connection. */
function post(request: PortRequest): Connection {
  connection ??= connect();
  try {
    connection.port.postMessage(request);
  } catch {
    // The port closed before its disconnect event reached us: send on a new one.
    connection = connect();
    connection.port.postMessage(request);
  }
  return connection;
}

function send(request: PortRequest, tracked: Tracked | null): void {
  // postMessage would throw or drop it and the page would wait forever: answer here instead.
  const problem = unsendable(request);
  if (problem) {
    reply({ id: request.id, error: { code: ErrorCode.invalidParams, message: problem } });
    return;
  }
  post(request).inFlight.set(request.id, tracked);
}

/** A request of the relay's own; `answer` gets the worker's answer, or a 4900 when there is none. */
function ask(request: unknown, answer: Answer): void {
  const id = `${OWN_PREFIX}${++ownCounter}`;
  let sent: Connection;
  try {
    sent = post({ id, request });
  } catch {
    // No port can be opened: the extension was reloaded or removed under this page.
    answer({ id, error: { code: ErrorCode.disconnected, message: 'the wallet cannot be reached' } }, null);
    return;
  }
  sent.own.set(id, answer);
}

/** A page's value read as the object type `T` with every field still to check, if it is an object. */
type Unchecked<T> = { [K in keyof T]?: unknown };
function record<T extends object>(value: unknown): Unchecked<T> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Unchecked<T>)
    : null;
}
/** The one object param of a request (`[{ ... }]` or `{ ... }`), as the worker reads it (params.ts). */
const objectParam = <T extends object>(params: unknown) =>
  record<T>(Array.isArray(params) ? params[0] : params);

/**
 * What the relay follows of a page's request: `weft_subscribe` / `weft_unsubscribe`, directly or
 * as a chain scope's `<namespace>_subscribe` / `_unsubscribe` in `wallet_invokeMethod`. The page
 * sends anything; the worker checks it, and the relay keeps only what the worker accepted.
 */
function trackedOf(request: unknown): Tracked | null {
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

/** Follows the worker's answer to a page's subscribe or unsubscribe made on `on`. */
function answered(tracked: Tracked, response: PortResponse, on: Connection): void {
  if (!('result' in response)) return;
  if (tracked.kind === 'unsubscribe') {
    const sub = held.get(tracked.subscription);
    if (sub) forget(sub);
    return;
  }
  const id = response.result;
  if (typeof id !== 'string' || !SUBSCRIPTION_ID.test(id)) return;
  // One by this id being restored (the page asked for it by its id meanwhile) is the page's new one now.
  const earlier = held.get(id);
  if (earlier) forget(earlier);
  // Live on the port it was answered on: when that one closes, it is made again (connect()).
  held.set(id, {
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

function forget(sub: HeldSubscription): void {
  if (sub.timer) clearTimeout(sub.timer);
  sub.timer = null;
  sub.state = 'ended';
  if (held.get(sub.id) === sub) held.delete(sub.id);
}

/** The worker's `sessionChanged`: subscriptions to what the session no longer covers ended there. */
function sessionChanged(data: unknown): void {
  let resources: unknown[];
  if (data === null) resources = [];
  else {
    const listed = (data as Partial<Session> | undefined)?.resources;
    if (!Array.isArray(listed)) return;
    resources = listed;
  }
  for (const sub of [...held.values()]) if (!resources.includes(sub.path)) forget(sub);
}

/** Makes `sub` again under its id: now on its first attempt, later (backing off) on the next ones. */
function restore(sub: HeldSubscription): void {
  if (sub.state === 'ended' || sub.timer) return;
  sub.state = 'waiting';
  sub.connection = null;
  const delay = sub.attempts === 0 ? 0 : Math.min(1_000 * 2 ** (sub.attempts - 1), MAX_RESTORE_DELAY_MS);
  if (delay === 0) {
    attempt(sub);
    return;
  }
  sub.timer = setTimeout(() => {
    sub.timer = null;
    attempt(sub);
  }, delay);
}

function attempt(sub: HeldSubscription): void {
  if (sub.state === 'ended') return;
  sub.state = 'asking';
  sub.attempts++;
  const params: [SubscribeParams] = [{ path: sub.path, subscription: sub.id }];
  const request =
    sub.scope === null
      ? { method: 'weft_subscribe', params }
      : {
          method: 'wallet_invokeMethod',
          params: { scope: sub.scope, request: { method: sub.method, params } } satisfies InvokeMethodParams,
        };
  ask(request, (response, on) => {
    const made = 'result' in response && typeof response.result === 'string' ? response.result : null;
    if (sub.state === 'ended') {
      // Forgotten meanwhile (unsubscribed, or its session changed): not to be kept by the worker.
      if (made) ask(unsubscribeRequest(sub, made), () => {});
      return;
    }
    if (made === sub.id && on) {
      sub.state = 'live';
      sub.connection = on;
      sub.attempts = 0;
      return;
    }
    if (made) ask(unsubscribeRequest(sub, made), () => {}); // another id: not what the page holds
    const code = 'error' in response ? response.error.code : ErrorCode.internal;
    if (made || FINAL_CODES.has(code) || sub.attempts >= MAX_RESTORE_ATTEMPTS) {
      forget(sub);
      tellPage();
      return;
    }
    sub.state = 'waiting';
    restore(sub);
  });
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

/**
 * Tells the page that subscriptions were dropped, as the worker tells it when a session change
 * ends them: `sessionChanged` and `accountsChanged` with the session as the worker has it now
 * (the inpage provider adds CAIP-311's `wallet_sessionChanged`). A worker that cannot be asked
 * (extension reloaded or removed) leaves EIP-1193's `disconnect`.
 */
function tellPage(tries = 0): void {
  if (tries === 0 && telling) return;
  telling = true;
  ask({ method: 'weft_getSession' }, (response) => {
    if ('result' in response) {
      telling = false;
      const session = response.result as Session | null;
      sessionChanged(session);
      toPage('sessionChanged', session);
      toPage('accountsChanged', session ? [session.address] : []);
      return;
    }
    if (tries + 1 < NOTICE_TRIES) {
      setTimeout(() => tellPage(tries + 1), 1_000);
      return;
    }
    telling = false;
    toPage('disconnect', { code: ErrorCode.disconnected });
  });
}

/**
 * The extension's id for the inpage provider's CAIP-294 announce (its CAIP-341 target): a string
 * crosses from this isolated world to the page's, where the inpage script cannot read the id.
 * Sent now and whenever the inpage script says it is ready, whichever of the two ran first.
 */
const helloInpage = () =>
  window.dispatchEvent(new CustomEvent('weft:relayHello', { detail: browser.runtime.id }));
window.addEventListener('weft:inpageHello', helloInpage);
helloInpage();

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window || event.origin !== window.location.origin) return;
  if (!isPageRequestMessage(event.data)) return;
  // The worker ignores longer ids (serve-port.ts): such a frame would wait in inFlight forever.
  if (event.data.id.length > MAX_ID_LENGTH) return;
  const tracked = trackedOf(event.data.request);
  if (tracked?.kind === 'unsubscribe') {
    // One being made again is not the worker's yet: it ends here, as the worker would end it.
    const sub = held.get(tracked.subscription);
    if (sub && sub.state !== 'live' && (tracked.scope === null || tracked.scope === sub.scope)) {
      forget(sub);
      reply({ id: event.data.id, result: true });
      return;
    }
  }
  send({ id: event.data.id, request: event.data.request }, tracked);
});
