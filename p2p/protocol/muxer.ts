/**
 * yamux, as routers and light clients use it, granting receive window the way Go's yamux does:
 * once half the window is used, rather than after every data frame.
 *
 * js-yamux answers each data frame it receives with a window update. On a channel of small
 * request and answer frames that doubles the frames on the wire: every request wakes the client
 * once for the router's window update and once more for the answer, and every answer wakes the
 * router for the client's update. The window sizes do not change and the peer still never
 * waits (half the window is always left), so peers granting eagerly interoperate.
 */
import { yamux } from '@chainsafe/libp2p-yamux';
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream';

interface WindowState {
  state: StreamState;
  recvWindow: number;
  recvWindowCapacity: number;
  sendWindowUpdate(): void;
}

let patched = false;

/** Makes every yamux stream in this process grant window lazily; idempotent. */
function grantWindowLazily(): void {
  if (patched) return;
  patched = true;
  const prototype = YamuxStream.prototype as unknown as WindowState;
  const eager = prototype.sendWindowUpdate;
  if (typeof eager !== 'function') return;
  prototype.sendWindowUpdate = function (this: WindowState) {
    // Until established the update carries the SYN/ACK flags, and a paused stream decides itself.
    if (this.state === StreamState.Established && this.recvWindowCapacity > this.recvWindow / 2) return;
    eager.call(this);
  };
}

export function streamMuxer(): ReturnType<typeof yamux> {
  grantWindowLazily();
  return yamux();
}
