/**
 * An in-memory stand-in for the libp2p node a router component uses (`RouterNet`): peers with real
 * Ed25519 peer ids, protocol handlers, and streams that are `streamPair`s, so a component can be
 * tested alone, without transports or a whole router.
 */
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Connection, PeerId, PrivateKey, Stream, StreamHandler } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { streamPair } from '@libp2p/utils';
import type { RouterNet } from '../../../p2p/router/component.ts';

export class MemoryNode {
  readonly key: PrivateKey;
  readonly peerId: PeerId;
  readonly handlers = new Map<string, StreamHandler>();
  readonly connected = new Set<MemoryNode>();
  /** Protocols dialled from this node, in order. */
  readonly dials: string[] = [];
  readonly #hub: Map<string, MemoryNode>;

  constructor(key: PrivateKey, hub: Map<string, MemoryNode>) {
    this.key = key;
    this.peerId = peerIdFromPrivateKey(key);
    this.#hub = hub;
  }

  get id(): string {
    return this.peerId.toString();
  }

  /** This node as a component sees it. */
  get net(): RouterNet {
    return this as unknown as RouterNet;
  }

  getPeers(): PeerId[] {
    return [...this.connected].map((n) => n.peerId);
  }

  async dialProtocol(peer: PeerId, protocol: string): Promise<Stream> {
    const target = this.#hub.get(peer.toString());
    if (!target || !this.connected.has(target)) throw new Error(`${peer} is not connected`);
    const handler = target.handlers.get(protocol);
    if (!handler)
      throw Object.assign(new Error(`${protocol} not handled`), { name: 'UnsupportedProtocolError' });
    this.dials.push(protocol);
    const [outbound, inbound] = await streamPair();
    void handler(inbound, { remotePeer: this.peerId } as unknown as Connection);
    return outbound;
  }

  async handle(protocol: string, handler: StreamHandler): Promise<void> {
    this.handlers.set(protocol, handler);
  }

  async unhandle(protocol: string): Promise<void> {
    this.handlers.delete(protocol);
  }
}

export function memoryHub() {
  const nodes = new Map<string, MemoryNode>();
  return {
    async node(): Promise<MemoryNode> {
      const node = new MemoryNode(await generateKeyPair('Ed25519'), nodes);
      nodes.set(node.id, node);
      return node;
    },
    connect(a: MemoryNode, b: MemoryNode) {
      a.connected.add(b);
      b.connected.add(a);
    },
    disconnect(a: MemoryNode, b: MemoryNode) {
      a.connected.delete(b);
      b.connected.delete(a);
    },
  };
}

export async function until(check: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
