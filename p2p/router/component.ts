/**
 * How a router is put together (the way js-libp2p composes its services): each part is a factory
 * that takes its dependencies and options and returns an object with its own state, `start()`,
 * `stop()` and its methods. `startRouter` (router.ts) creates them, starts them in order and stops
 * them in reverse; each can be created alone in a test with fakes for what it depends on.
 */
import type { Libp2p } from '@libp2p/interface';

export interface Component {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/** What the components use of the libp2p node: a test can pass an in-memory network instead. */
export type RouterNet = Pick<Libp2p, 'getPeers' | 'dialProtocol' | 'handle' | 'unhandle'>;
