/**
 * A libp2p peer that speaks HIP by hand, for tests that must send what the light
 * client never would: hop budgets, oversized or malformed frames, router protocols.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { lpStream } from '@libp2p/utils';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { Channel } from '../../../p2p/protocol/channel.ts';
import type { HipErrorBody } from '../../../p2p/protocol/errors.ts';
import { decodeFrame } from '../../../p2p/protocol/frame.ts';
import { CLIENT_PROTOCOL } from '../../../p2p/protocol/ids.ts';

interface AnyFrame {
  id?: number;
  error?: HipErrorBody;
}

export async function rawClient(address: string) {
  const node = await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  const target = multiaddr(address);
  const stream = await node.dialProtocol(target, CLIENT_PROTOCOL);
  // 2 MiB on our side so the router's limit (1 MiB) is the one that bites.
  const channel = new Channel(stream, 2 * 1024 * 1024);
  return {
    channel,
    /** Opens a fresh stream on `protocol`, writes one raw frame, returns the first frame back. */
    async exchange(protocol: string, frame: Uint8Array): Promise<AnyFrame> {
      const s = await node.dialProtocol(target, protocol);
      const lp = lpStream(s);
      await lp.write(frame);
      const reply = decodeFrame(
        (await lp.read({ signal: AbortSignal.timeout(5_000) })).subarray(),
      ) as AnyFrame;
      s.abort(new Error('done'));
      return reply;
    },
    async stop() {
      channel.close();
      await node.stop();
    },
  };
}
