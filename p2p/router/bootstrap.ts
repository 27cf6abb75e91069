/** Keeps dialling the bootstrap routers that are not connected (they may start later or restart). */
import type { Libp2p } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import type { Component } from './component.ts';
import type { Logger } from './log.ts';

const RECONNECT_MS = 1_000;
const DIAL_TIMEOUT_MS = 3_000;

export interface BootstrapOptions {
  node: Pick<Libp2p, 'getPeers' | 'dial'>;
  /** Full multiaddrs with /p2p/<peer id>. */
  addresses: string[];
  log: Logger;
  redialMs?: number;
}

export function createBootstrap(options: BootstrapOptions): Component {
  const { node, log } = options;
  const bootstrap = options.addresses.map((a) => multiaddr(a));
  let redial: ReturnType<typeof setInterval> | null = null;

  async function dialMissing() {
    const connected = new Set(node.getPeers().map(String));
    await Promise.all(
      bootstrap
        .filter((addr) => !connected.has(addr.getComponents().find((c) => c.name === 'p2p')?.value ?? ''))
        .map((addr) =>
          node.dial(addr, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) }).catch((error: Error) => {
            log.debug('bootstrap dial failed', { addr: addr.toString(), error: error.message });
          }),
        ),
    );
  }

  return {
    async start() {
      await dialMissing();
      redial = setInterval(() => void dialMissing(), options.redialMs ?? RECONNECT_MS);
    },
    stop() {
      if (redial) clearInterval(redial);
      redial = null;
    },
  };
}
