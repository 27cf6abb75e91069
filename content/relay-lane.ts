/**
 * The relay's end of a page lane (background/provider/page-lanes.ts): loads the frame the worker
 * offered, hidden, takes the port the frame passes up, switches over on the runtime port and,
 * once the worker says `ready`, sends the relay's requests on the lane. Nothing waits for it:
 * until then (and if the frame never answers, say a page that removes it) the runtime port
 * carries everything, as in Firefox.
 */
import { LANE_HANDOVER, LANE_READY, LANE_SWITCH } from './lane-protocol.ts';

/** How long the frame has to hand over its port; the worker's offer stands for 10 s. */
const LANE_WAIT_MS = 5_000;

export interface RelayLane {
  /** Sends `text` (a request as JSON) on the lane; false while it is not ready. */
  send(text: string): boolean;
  close(): void;
}

export interface LaneOptions {
  /** The frame URL the worker offered. */
  frame: string;
  /** This extension's lane frame URL (`runtime.getURL('lane.html')`): an offer of anything else is ignored. */
  frameUrl: string;
  /** Posts on the runtime port the lane is for. */
  postOnPort(message: unknown): void;
  /** Gets each message from the worker on the lane, parsed. */
  onMessage(message: unknown): void;
}

export function openLane(options: LaneOptions): RelayLane | null {
  if (!options.frame.startsWith(`${options.frameUrl}#`)) return null;
  const extensionOrigin = new URL(options.frameUrl).origin;
  let port: MessagePort | null = null;
  let ready = false;
  let closed = false;

  const frame = document.createElementNS('http://www.w3.org/1999/xhtml', 'iframe') as HTMLIFrameElement;
  frame.setAttribute('aria-hidden', 'true');
  frame.tabIndex = -1;
  frame.style.cssText = 'display:none';
  const stopWaiting = () => {
    clearTimeout(timer);
    window.removeEventListener('message', onFrame, true);
    frame.remove();
  };
  const onFrame = (event: MessageEvent) => {
    if (event.source !== frame.contentWindow || event.origin !== extensionOrigin) return;
    const passed = event.ports[0];
    if (event.data !== LANE_HANDOVER || !passed) return;
    event.stopImmediatePropagation();
    stopWaiting();
    if (closed) {
      passed.close();
      return;
    }
    port = passed;
    port.onmessage = (message: MessageEvent) => {
      if (message.data === LANE_READY) {
        ready = true;
        return;
      }
      if (typeof message.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      options.onMessage(parsed);
    };
    options.postOnPort(LANE_SWITCH);
  };
  const timer = setTimeout(stopWaiting, LANE_WAIT_MS);
  // Capture, on the window: the frame's message reaches the relay before any page listener.
  window.addEventListener('message', onFrame, true);
  frame.src = options.frame;
  (document.body ?? document.documentElement)?.append(frame);

  return {
    send(text) {
      if (!ready || closed || !port) return false;
      port.postMessage(text);
      return true;
    },
    close() {
      closed = true;
      stopWaiting();
      port?.close();
      port = null;
    },
  };
}
