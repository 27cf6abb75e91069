/**
 * The content relay (isolated world): carries provider requests from the page to the
 * background over a `runtime.Port` and the answers back. It accepts only messages
 * that this very window posted to itself on the provider channel, and answers only
 * to this window's origin. It adds nothing about the origin: the background reads
 * that from the port's sender, which the browser fills in.
 */
import browser, { type Runtime } from 'webextension-polyfill';
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
} from './provider-protocol.ts';

interface Connection {
  port: Runtime.Port;
  /** Requests sent on this port and not yet answered. */
  inFlight: Set<string>;
}

let connection: Connection | null = null;

function reply(response: PortResponse): void {
  const message: ContentResponseMessage = { ...response, channel: CONTENT_CHANNEL };
  window.postMessage(message, window.location.origin);
}

function connect(): Connection {
  const fresh: Connection = { port: browser.runtime.connect({ name: PROVIDER_PORT }), inFlight: new Set() };
  fresh.port.onMessage.addListener((message: unknown) => {
    const { event, data } = message as Partial<PortEvent>;
    if (event !== undefined) {
      const forward: ContentEventMessage = { channel: CONTENT_CHANNEL, event, data };
      window.postMessage(forward, window.location.origin);
      return;
    }
    const response = message as PortResponse;
    if (fresh.inFlight.delete(response.id)) reply(response);
  });
  fresh.port.onDisconnect.addListener(() => {
    // The worker stopped or restarted: answers to what was in flight on this port are
    // lost. Tell the page instead of leaving it waiting; the next request opens a new port.
    if (connection === fresh) connection = null;
    for (const id of fresh.inFlight) {
      reply({
        id,
        error: { code: ErrorCode.disconnected, message: 'wallet restarted before answering; retry' },
      });
    }
    fresh.inFlight.clear();
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

function send(request: PortRequest): void {
  // postMessage would throw or drop it and the page would wait forever: answer here instead.
  const problem = unsendable(request);
  if (problem) {
    reply({ id: request.id, error: { code: ErrorCode.invalidParams, message: problem } });
    return;
  }
  connection ??= connect();
  try {
    connection.port.postMessage(request);
  } catch {
    // The port closed before its disconnect event reached us: send on a new one.
    connection = connect();
    connection.port.postMessage(request);
  }
  connection.inFlight.add(request.id);
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
  send({ id: event.data.id, request: event.data.request });
});
