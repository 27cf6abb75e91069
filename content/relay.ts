/**
 * The content relay (isolated world): carries provider requests from the page to the
 * background over a `runtime.Port` and the answers back. It takes requests only from
 * `weft:page` events dispatched on this window (by its own scripts: no other origin can reach
 * it) and answers with `weft:content` events on it, both synchronous, their detail JSON. It adds
 * nothing about the origin: the background reads that from the port's sender, which the browser
 * fills in.
 *
 * In Chromium the worker offers a lane (relay-lane.ts, background/provider/page-lanes.ts): a
 * MessagePort straight to it, which requests take once it is up, skipping the browser process.
 * The runtime port stays for events and to tell when the worker stops.
 *
 * It also hands the page's subscribe and unsubscribe requests, the worker's `sessionChanged` and a
 * closed port to the subscription keeper (kept-subscriptions.ts), which keeps the page's
 * subscriptions alive across the worker's restarts with requests of the relay's own.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { KeptSubscriptions, type Tracked, trackedOf } from './kept-subscriptions.ts';
import { isLaneOffer, LANE_FRAME } from './lane-protocol.ts';
import {
  CONTENT_CHANNEL,
  type ContentEventMessage,
  type ContentResponseMessage,
  ErrorCode,
  isPageRequestMessage,
  PAGE_CHANNEL,
  type PortEvent,
  type PortRequest,
  type PortResponse,
  PROVIDER_PORT,
  type ProviderEventName,
} from './provider-protocol.ts';
import { openLane, type RelayLane } from './relay-lane.ts';

/** Gets the worker's answer to one of the relay's own requests, and the port it came on (none: not sent). */
type Answer = (response: PortResponse, on: Connection | null) => void;

interface Connection {
  port: Runtime.Port;
  /** The page's requests sent on this port and not yet answered, with what the keeper follows of each. */
  inFlight: Map<string, Tracked | null>;
  /** The relay's own requests on this port (restoring subscriptions, reading the session). */
  own: Map<string, Answer>;
  /** The lane to the same worker, once offered (Chromium); it closes with the port. */
  lane: RelayLane | null;
}

let connection: Connection | null = null;
/**
 * Ids of the relay's own requests: under a random prefix, which no page request can take
 * (getRandomValues, unlike randomUUID, works on http pages too).
 */
const OWN_PREFIX = `weft-relay:${Array.from(crypto.getRandomValues(new Uint8Array(8)), hex).join('')}:`;
let ownCounter = 0;

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/**
 * Hands `message` to the page as a JSON string on the `weft:content` event, synchronously; false
 * when it is not JSON (the worker's messages are: it sent them as JSON). Page listeners run inside
 * this call, but their exceptions are reported, not thrown here.
 */
function toInpage(message: ContentResponseMessage | ContentEventMessage): boolean {
  let detail: string;
  try {
    detail = JSON.stringify(message);
  } catch {
    return false;
  }
  window.dispatchEvent(new CustomEvent(CONTENT_CHANNEL, { detail }));
  return true;
}

function reply(response: PortResponse): void {
  if (toInpage({ ...response, channel: CONTENT_CHANNEL })) return;
  // An answer that cannot be sent on: the page still gets one.
  toInpage({
    id: response.id,
    error: { code: ErrorCode.internal, message: 'the answer cannot be sent as JSON' },
    channel: CONTENT_CHANNEL,
  });
}

function toPage(event: ProviderEventName, data: unknown): void {
  toInpage({ channel: CONTENT_CHANNEL, event, data });
}

const subscriptions = new KeptSubscriptions({ ask, toPage });

/** An answer from the worker on `fresh`'s port or lane: to the relay's own request, or to the page. */
function answered(fresh: Connection, response: PortResponse): void {
  const mine = fresh.own.get(response.id);
  if (mine) {
    fresh.own.delete(response.id);
    mine(response, fresh);
    return;
  }
  if (!fresh.inFlight.has(response.id)) return;
  const tracked = fresh.inFlight.get(response.id) ?? null;
  fresh.inFlight.delete(response.id);
  if (tracked) subscriptions.answered(tracked, response, fresh);
  reply(response);
}

const laneFrameUrl = browser.runtime.getURL(LANE_FRAME);

function connect(): Connection {
  const fresh: Connection = {
    port: browser.runtime.connect({ name: PROVIDER_PORT }),
    inFlight: new Map(),
    own: new Map(),
    lane: null,
  };
  fresh.port.onMessage.addListener((message: unknown) => {
    if (isLaneOffer(message)) {
      fresh.lane ??= openLane({
        frame: message.lane.frame,
        frameUrl: laneFrameUrl,
        postOnPort: (switchOver) => fresh.port.postMessage(switchOver),
        onMessage: (response) => answered(fresh, response as PortResponse),
      });
      return;
    }
    const { event, data } = message as Partial<PortEvent>;
    if (event !== undefined) {
      // The worker ends subscriptions its session no longer covers (subscriptions.ts): so does the relay.
      if (event === 'sessionChanged') subscriptions.sessionChanged(data);
      toPage(event, data);
      return;
    }
    answered(fresh, message as PortResponse);
  });
  fresh.port.onDisconnect.addListener(() => {
    fresh.lane?.close();
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
    // The worker ended this port's subscriptions with it: the keeper makes them again, on a new port.
    subscriptions.disconnected(fresh);
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

/** `request` as the JSON the port or the lane carries, or why it cannot be sent. */
function asJson(request: PortRequest): { json: string } | { problem: string } {
  let json: string;
  try {
    json = JSON.stringify(request);
  } catch (error) {
    return { problem: `params cannot be sent: ${(error as Error).message}` }; // BigInt, cycles
  }
  return json.length > MAX_REQUEST_CHARS
    ? { problem: 'request is too large (over 16 MiB as JSON)' }
    : { json };
}

/**
 * Sends `request` (`json`, the same as text) on the lane when it is up, else on the port, opening
 * one when there is none; returns the connection it went on.
 */
function post(request: PortRequest, json: string): Connection {
  connection ??= connect();
  if (connection.lane?.send(json)) return connection;
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
  const sendable = asJson(request);
  if ('problem' in sendable) {
    reply({ id: request.id, error: { code: ErrorCode.invalidParams, message: sendable.problem } });
    return;
  }
  post(request, sendable.json).inFlight.set(request.id, tracked);
}

/** A request of the relay's own; `answer` gets the worker's answer, or a 4900 when there is none. */
function ask(request: unknown, answer: Answer): void {
  const id = `${OWN_PREFIX}${++ownCounter}`;
  let sent: Connection;
  try {
    const own: PortRequest = { id, request };
    sent = post(own, JSON.stringify(own));
  } catch {
    // No port can be opened: the extension was reloaded or removed under this page.
    answer({ id, error: { code: ErrorCode.disconnected, message: 'the wallet cannot be reached' } }, null);
    return;
  }
  sent.own.set(id, answer);
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

window.addEventListener(PAGE_CHANNEL, (event: Event) => {
  // Any script of the page can dispatch this event, with any detail: only a JSON string is read.
  let message: unknown;
  try {
    const detail: unknown = (event as CustomEvent).detail;
    if (typeof detail !== 'string') return;
    message = JSON.parse(detail);
  } catch {
    return;
  }
  if (!isPageRequestMessage(message)) return;
  // The worker ignores longer ids (serve-port.ts): such a frame would wait in inFlight forever.
  if (message.id.length > MAX_ID_LENGTH) return;
  try {
    const tracked = trackedOf(message.request);
    // Unsubscribing from one being made again: not the worker's yet, so answered here.
    if (subscriptions.unsubscribedHere(tracked)) {
      reply({ id: message.id, result: true });
      return;
    }
    send({ id: message.id, request: message.request }, tracked);
  } catch {
    // No port can be opened (the extension was reloaded or removed under this page): say so
    // rather than leave the request waiting.
    reply({
      id: message.id,
      error: { code: ErrorCode.disconnected, message: 'the wallet cannot be reached' },
    });
  }
});
