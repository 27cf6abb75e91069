/**
 * Serves one content relay's port: each message is a request, each answer goes back
 * on the same port under the request's id. The origin is read once from the port's
 * sender; the messages themselves carry none that is believed.
 */
import type { Runtime } from 'webextension-polyfill';
import type { PortEvent, PortRequest, PortResponse } from '../../content/provider-protocol.ts';
import { ErrorCode } from '../../content/provider-protocol.ts';
import type { PageChannel, RequestContext } from './context.ts';
import { handleRequest, type Methods } from './handle-request.ts';
import type { PageEvents } from './page-events.ts';
import { senderOrigin } from './sender-origin.ts';

const MAX_ID_LENGTH = 128;

export function servePort(
  port: Runtime.Port,
  extensionId: string,
  methods: Methods,
  events: PageEvents,
): void {
  const origin = senderOrigin(port.sender, extensionId);
  if (!origin) {
    port.disconnect();
    return;
  }
  const tabId = port.sender?.tab?.id;
  let open = true;
  const closed = new Set<() => void>();
  const channel: PageChannel = {
    get open() {
      return open;
    },
    post(event, data) {
      if (!open) return;
      try {
        port.postMessage({ event, data } satisfies PortEvent);
      } catch {
        // Closed meanwhile; its disconnect listener ends what the page had open.
      }
    },
    onClose(listener) {
      if (open) closed.add(listener);
      else listener();
    },
  };
  const context: RequestContext = tabId === undefined ? { origin, channel } : { origin, tabId, channel };
  events.add(origin, port);
  port.onDisconnect.addListener(() => {
    open = false;
    events.remove(origin, port);
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
    const { id, request } = (message ?? {}) as Partial<PortRequest>;
    if (typeof id !== 'string' || id.length > MAX_ID_LENGTH) return;
    const outcome = await handleRequest(request, context, methods);
    if (!open) return;
    const response: PortResponse = { id, ...outcome };
    try {
      port.postMessage(response);
    } catch {
      // A result that cannot be cloned is a bug in a method, not something the page did.
      port.postMessage({ id, error: { code: ErrorCode.internal, message: 'result could not be sent' } });
    }
  });
}
