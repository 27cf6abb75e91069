/**
 * Serves one content relay's port: each message is a request, each answer goes back
 * on the same port under the request's id. The origin is read once from the port's
 * sender; the messages themselves carry none that is believed.
 */
import type { Runtime } from 'webextension-polyfill';
import { LANE_SWITCH } from '../../content/lane-protocol.ts';
import type { PortEvent, PortRequest, PortResponse } from '../../content/provider-protocol.ts';
import { ErrorCode } from '../../content/provider-protocol.ts';
import type { PageChannel, RequestContext } from './context.ts';
import { handleRequest, type Methods } from './handle-request.ts';
import type { PageEvents } from './page-events.ts';
import type { PageLanes } from './page-lanes.ts';
import { senderOrigin } from './sender-origin.ts';

const MAX_ID_LENGTH = 128;

export function servePort(
  port: Runtime.Port,
  extensionId: string,
  methods: Methods,
  events: PageEvents,
  /** Chromium's service worker: a direct lane to the relay (page-lanes.ts); null where there is none. */
  lanes: PageLanes | null = null,
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
  /** The answer to one request, from the runtime port or the lane; null when there is none to send. */
  const answer = async (message: unknown): Promise<PortResponse | null> => {
    const { id, request } = (message ?? {}) as Partial<PortRequest>;
    if (typeof id !== 'string' || id.length > MAX_ID_LENGTH) return null;
    const outcome = await handleRequest(request, context, methods);
    return open ? { id, ...outcome } : null;
  };
  const lane = lanes?.open(answer) ?? null;
  if (lane) {
    port.onDisconnect.addListener(() => lane.close());
    port.postMessage(lane.offer);
  }
  port.onMessage.addListener(async (message: unknown) => {
    if ((message as { lane?: unknown } | null)?.lane === LANE_SWITCH.lane) {
      lane?.switchOver();
      return;
    }
    const response = await answer(message);
    if (!response) return;
    const { id } = response;
    try {
      port.postMessage(response);
    } catch {
      // A result that cannot be cloned is a bug in a method, not something the page did.
      port.postMessage({ id, error: { code: ErrorCode.internal, message: 'result could not be sent' } });
    }
  });
}
