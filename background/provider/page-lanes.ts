/**
 * Page lanes (Chromium): a `MessagePort` straight between a page's content relay and this worker,
 * which the relay's requests take once it is up. A runtime-port message is routed by the browser
 * process (page renderer -> browser -> extension renderer, and back); a `MessagePort` joins the
 * two renderers directly: a page <-> worker round trip after a few idle milliseconds, as a read's
 * answer finds them, takes 0.5-0.6 ms instead of 1.2 here (README, "Where a dapp read's time goes").
 *
 * A content script cannot hand a port to a service worker, so it goes the other way round:
 * 1. On a relay's runtime port the worker offers a lane: a frame URL, `lane.html#<nonce>`.
 * 2. The relay loads that frame, hidden (it is this extension's page, listed in the manifest's
 *    web_accessible_resources); the frame asks the worker for its port (`{ lane: nonce }`).
 * 3. The worker posts one end of a new `MessageChannel` to that frame, found among its clients
 *    by its URL, once; the frame passes it up to the relay.
 * 4. The relay says `{ lane: 'switch' }` on the runtime port. Only then does the worker serve the
 *    lane, and says `ready` on it: everything the relay sent on the runtime port before has
 *    reached the worker first, so the switch reorders nothing.
 *
 * A lane serves the runtime port's requests as that port would: same origin (the browser's word
 * about the runtime port), same tab, same methods, JSON text both ways as the port carries it. It
 * grants nothing the page did not have: the port passes through the page's window, so the page's
 * own scripts can hold it too, and then they speak for their own origin, as through the provider.
 * The runtime port stays open: it carries events, tells the relay when the worker stops (the
 * lane closes with it), and carries every request until a lane is up, and always in Firefox,
 * whose background is no service worker.
 */
import { LANE_HANDOVER, LANE_READY, type LaneOffer, type LaneRequest } from '../../content/lane-protocol.ts';
import { ErrorCode, type PortResponse } from '../../content/provider-protocol.ts';

/** How long a frame has to ask for its port once offered. */
const OFFER_TTL_MS = 10_000;
/**
 * Messages on a `MessagePort` are not extension events, so they do not keep the worker from being
 * stopped after 30 s; an extension API call does. Made at most this often while a lane is used.
 */
const KEEP_ALIVE_EVERY_MS = 10_000;

/** The parts of a service worker's `clients` used here. */
export interface LaneClients {
  matchAll(options: { includeUncontrolled: boolean; type: 'window' }): Promise<readonly LaneClient[]>;
}
export interface LaneClient {
  readonly url: string;
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/** One runtime port's lane, from the offer on. */
export interface Lane {
  offer: LaneOffer;
  /** The relay's switch arrived on the runtime port: serve the lane (if its port was delivered). */
  switchOver(): void;
  /** The runtime port closed. */
  close(): void;
}

interface Offer {
  /** Answers one request (JSON text) with the response (null: none, the page left). */
  answer: (request: unknown) => Promise<PortResponse | null>;
  port: MessagePort | null;
  /** Set by the relay's switch: messages on the lane before it are dropped, not kept for later. */
  serving: boolean;
  expires: number;
}

export class PageLanes {
  readonly #clients: LaneClients;
  readonly #frameUrl: string;
  readonly #keepAlive: () => void;
  readonly #offers = new Map<string, Offer>();
  #keptAliveAt = 0;

  /** `frameUrl`: the absolute URL of LANE_FRAME; `keepAlive` calls any extension API. */
  constructor(options: { clients: LaneClients; frameUrl: string; keepAlive: () => void }) {
    this.#clients = options.clients;
    this.#frameUrl = options.frameUrl;
    this.#keepAlive = options.keepAlive;
  }

  /** A lane for one runtime port whose requests `answer` answers. */
  open(answer: Offer['answer']): Lane {
    const nonce = randomHex(16);
    const offer: Offer = { answer, port: null, serving: false, expires: Date.now() + OFFER_TTL_MS };
    this.#offers.set(nonce, offer);
    return {
      offer: { lane: { frame: `${this.#frameUrl}#${nonce}` } },
      switchOver: () => {
        const port = offer.port;
        if (offer.serving || !port) return;
        offer.serving = true;
        port.postMessage(LANE_READY);
      },
      close: () => {
        this.#offers.delete(nonce);
        offer.port?.close();
        offer.port = null;
      },
    };
  }

  /**
   * A lane frame (`senderUrl`, from the browser) asks for its port: posted to that frame, once,
   * while the offer stands. False when there is nothing to deliver.
   */
  async deliver(request: LaneRequest, senderUrl: string | undefined): Promise<boolean> {
    const offer = this.#offers.get(request.lane);
    const url = `${this.#frameUrl}#${request.lane}`;
    if (!offer || offer.port || senderUrl?.split('#')[0] !== this.#frameUrl) return false;
    if (offer.expires < Date.now()) {
      this.#offers.delete(request.lane);
      return false;
    }
    const frames = (await this.#clients.matchAll({ includeUncontrolled: true, type: 'window' })).filter(
      (client) => client.url === url,
    );
    // Two frames at one URL: one is not the relay's (a page can load the same URL); give neither.
    const frame = frames.length === 1 ? frames[0] : undefined;
    if (!frame || offer.port || !this.#offers.has(request.lane)) return false;
    const channel = new MessageChannel();
    const port = channel.port1;
    offer.port = port;
    port.onmessage = (event) => {
      if (offer.serving) void this.#serve(offer, port, event.data);
    };
    frame.postMessage(LANE_HANDOVER, [channel.port2]);
    return true;
  }

  async #serve(offer: Offer, port: MessagePort, data: unknown): Promise<void> {
    if (typeof data !== 'string') return;
    let request: unknown;
    try {
      request = JSON.parse(data);
    } catch {
      return;
    }
    this.#touch();
    const response = await offer.answer(request);
    if (!response || offer.port !== port) return;
    let text: string;
    try {
      text = JSON.stringify(response);
    } catch {
      // As on the runtime port: a result that cannot be sent is a bug in a method, not the page's.
      text = JSON.stringify({
        id: response.id,
        error: { code: ErrorCode.internal, message: 'result could not be sent' },
      });
    }
    port.postMessage(text);
  }

  #touch(): void {
    const now = Date.now();
    if (now - this.#keptAliveAt < KEEP_ALIVE_EVERY_MS) return;
    this.#keptAliveAt = now;
    this.#keepAlive();
  }
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}
