/**
 * The relay's end of a page lane (background/provider/page-lanes.ts): loads the frame the worker
 * offered, hidden, takes the port the frame passes up, switches over on the runtime port and from
 * then on sends the relay's requests on the lane. Until the switch (and for good if the frame
 * never answers, say on a page that removes it) the runtime port carries everything, as in
 * Firefox. Requests made between the switch and the worker's `ready` wait for it, so none can
 * overtake one sent earlier on the slower runtime port.
 */
import { LANE_HANDOVER, LANE_READY, LANE_SWITCH } from './lane-protocol.ts';

/** How long the frame has to hand over its port; the worker's offer stands for 10 s. */
const LANE_WAIT_MS = 5_000;

export interface RelayLane {
  /** Sends `text` (a request as JSON) on the lane, or keeps it for `ready`; false before the switch. */
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
  /** Requests since the switch, until `ready`; null before the switch and once ready. */
  let waiting: string[] | null = null;
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
        for (const text of waiting ?? []) passed.postMessage(text);
        waiting = null;
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
    try {
      options.postOnPort(LANE_SWITCH);
    } catch {
      // The runtime port closed meanwhile: its disconnect closes this lane; nothing to switch.
      passed.close();
      port = null;
      return;
    }
    waiting = [];
  };
  const timer = setTimeout(stopWaiting, LANE_WAIT_MS);
  // Captured and stopped here, so page listeners added later never see the port. One added earlier
  // can take it and gains nothing it lacked: the lane serves this page's origin, as window.weft does.
  window.addEventListener('message', onFrame, true);
  frame.src = options.frame;
  (document.body ?? document.documentElement)?.append(frame);

  return {
    send(text) {
      if (closed || !port) return false;
      if (ready) port.postMessage(text);
      else if (waiting) waiting.push(text);
      else return false;
      return true;
    },
    close() {
      closed = true;
      waiting = null;
      stopWaiting();
      port?.close();
      port = null;
    },
  };
}
