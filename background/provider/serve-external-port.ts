/**
 * CAIP-341's transport: a page that read the extension id from the CAIP-294 announce connects
 * with `chrome.runtime.connect(extensionId)` (`externally_connectable`) and speaks plain JSON-RPC
 * on the port: `{ id, jsonrpc: '2.0', method, params }` in, `{ id, jsonrpc: '2.0', result | error }`
 * out, and the CAIP notifications (`wallet_notify`, `wallet_sessionChanged`) as
 * `{ jsonrpc: '2.0', method, params }`. The same methods answer as through the content relay;
 * the origin is the browser's word about the port's sender, as there.
 *
 * Chromium delivers such ports only from origins the manifest's `externally_connectable.matches`
 * lists (it allows no pattern for every site), and to `runtime.onConnectExternal`.
 */
import type { Runtime } from 'webextension-polyfill';
import type { PortEvent } from '../../content/provider-protocol.ts';
import type { PageChannel, RequestContext } from './context.ts';
import { handleRequest, type Methods } from './handle-request.ts';
import type { PageEvents } from './page-events.ts';

const MAX_ID_LENGTH = 128;

/** A web page's origin from an external port's sender: no extension id, a tab, an http(s) origin. */
export function externalSenderOrigin(sender: Runtime.MessageSender | undefined): string | null {
  if (!sender || sender.id !== undefined || !sender.tab) return null;
  let origin = (sender as { origin?: string }).origin ?? null;
  if (!origin && sender.url) {
    try {
      origin = new URL(sender.url).origin;
    } catch {
      return null;
    }
  }
  return origin && /^https?:\/\/[^/]+$/.test(origin) ? origin : null;
}

export function serveExternalPort(port: Runtime.Port, methods: Methods, events: PageEvents): void {
  const origin = externalSenderOrigin(port.sender);
  if (!origin) {
    port.disconnect();
    return;
  }
  let open = true;
  const closed = new Set<() => void>();
  const send = (message: unknown) => {
    if (!open) return;
    try {
      port.postMessage(message);
    } catch {
      // Closed meanwhile: its disconnect listener cleans up.
    }
  };
  const tabId = port.sender?.tab?.id;
  const context: RequestContext = { origin, ...(tabId === undefined ? {} : { tabId }) };
  /** Worker events, as the JSON-RPC notifications of the chain-agnostic API (the others are the relay's). */
  const notify = (event: PortEvent['event'], data: unknown) => {
    if (event === 'wallet_notify') send({ jsonrpc: '2.0', method: 'wallet_notify', params: data });
    if (event === 'sessionChanged') void sessionChanged(data);
  };
  const sessionChanged = async (session: unknown) => {
    if (session === null) {
      send({ jsonrpc: '2.0', method: 'wallet_sessionChanged', params: { sessionScopes: {} } });
      return;
    }
    const outcome = await handleRequest({ method: 'wallet_getSession' }, context, methods);
    if ('result' in outcome) {
      const { sessionScopes } = outcome.result as { sessionScopes: unknown };
      send({ jsonrpc: '2.0', method: 'wallet_sessionChanged', params: { sessionScopes } });
    }
  };
  context.channel = {
    get open() {
      return open;
    },
    post: notify,
    onClose(listener) {
      if (open) closed.add(listener);
      else listener();
    },
  } satisfies PageChannel;
  // Page events reach this port through the same registry as the relays' ports, translated.
  const translator = { postMessage: (message: PortEvent) => notify(message.event, message.data) };
  events.add(origin, translator as unknown as Runtime.Port);
  port.onDisconnect.addListener(() => {
    open = false;
    events.remove(origin, translator as unknown as Runtime.Port);
    for (const listener of closed) {
      try {
        listener();
      } catch (error) {
        console.error('weft: a page channel close listener failed', error);
      }
    }
    closed.clear();
  });
  port.onMessage.addListener(async (message: unknown) => {
    const { id, method, params } = (message ?? {}) as { id?: unknown; method?: unknown; params?: unknown };
    // A notification from the page (no id) asks for nothing; ids are numbers or short strings.
    if (typeof id !== 'number' && (typeof id !== 'string' || id.length > MAX_ID_LENGTH)) return;
    const outcome = await handleRequest(
      params === undefined ? { method } : { method, params },
      context,
      methods,
    );
    send({ id, jsonrpc: '2.0', ...outcome });
  });
}
