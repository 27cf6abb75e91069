/**
 * The lane frame (background/provider/page-lanes.ts): loaded hidden by a page's content relay at the
 * URL the worker offered, it asks the worker for the port offered under its nonce and passes the
 * port up to the relay. The port is of use to no one else: the worker serves it only after the
 * relay switches over on its own runtime port.
 */
import browser from 'webextension-polyfill';
import { LANE_HANDOVER, type LaneRequest } from './lane-protocol.ts';

navigator.serviceWorker.onmessage = (event: MessageEvent) => {
  const port = event.ports[0];
  // Any origin: the frame cannot know its parent's, and the port is worth nothing without the relay.
  if (event.data === LANE_HANDOVER && port) window.parent.postMessage(LANE_HANDOVER, '*', [port]);
};
const request: LaneRequest = { lane: location.hash.slice(1) };
void browser.runtime.sendMessage(request).catch(() => {});
