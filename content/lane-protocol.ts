/**
 * The page lane's messages (background/provider/page-lanes.ts), shared by the worker, the content
 * relay (relay-lane.ts) and the lane frame (lane-frame.ts).
 */

/** The frame's file in the extension; the Chromium manifest lists it in web_accessible_resources. */
export const LANE_FRAME = 'lane.html';
/** Worker -> relay, on the runtime port: the frame to load (LANE_FRAME#<nonce>). */
export interface LaneOffer {
  lane: { frame: string };
}
/** Lane frame -> worker (`runtime.sendMessage`): the nonce of the port it asks for. */
export interface LaneRequest {
  lane: string;
}
/** Worker -> lane frame (a client message carrying the port), and frame -> relay (window message). */
export const LANE_HANDOVER = 'weft:lane';
/** Relay -> worker, on the runtime port, once it holds the lane's port. */
export const LANE_SWITCH = { lane: 'switch' } as const;
/** Worker -> relay, first on the lane: from now on requests may come this way. */
export const LANE_READY = 'ready';

export function isLaneOffer(message: unknown): message is LaneOffer {
  const lane = (message as Partial<LaneOffer> | null)?.lane;
  return typeof lane === 'object' && lane !== null && typeof lane.frame === 'string';
}

/** Whether `message` is a lane frame's request for its port (a 128-bit nonce in hex). */
export function isLaneRequest(message: unknown): message is LaneRequest {
  const lane = (message as Partial<LaneRequest> | null)?.lane;
  return typeof lane === 'string' && /^[0-9a-f]{32}$/.test(lane);
}
