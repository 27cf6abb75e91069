/**
 * The TTM watcher's wiring into the router (docs/router-protocol.md#ttm-revealed-secrets): the
 * watcher finishes what a revealed secret allows on this router's chains; this part floods its
 * reveals to the member routers over the forward protocol and catches up a member that connects.
 */
import type { ChainConnector } from '../chains/connector.ts';
import type { ChainEvents } from './chain-events.ts';
import type { Component } from './component.ts';
import type { Forwarding } from './forwarding.ts';
import type { Logger } from './log.ts';
import type { RouterMetrics } from './metrics.ts';
import { createOwnWriter, type OwnWriter } from './own-writes.ts';
import { createTtmWatcher, type TtmReveal, type TtmWatcher } from './ttm-watcher.ts';

/** What a reveal sent on its own (not answering a request) may wait for its answer. */
const REVEAL_TIMEOUT_MS = 10_000;

export interface TtmServiceOptions {
  connectors: ChainConnector[];
  /** Where the router's own FISCO BCOS key lives (its writes as itself). */
  dataDir: string;
  forwarding: Pick<Forwarding, 'send'>;
  /** Peer ids of the member routers connected now. */
  connectedMembers(): string[];
  log: Logger;
  metrics: RouterMetrics;
  hopLimit: number;
  /** Where the TTM assets' events come from (the router's shared upstreams). */
  events?: ChainEvents;
  writer?: OwnWriter;
}

export interface TtmService extends Component {
  /** The watcher; there from `start()` on. */
  readonly watcher: TtmWatcher;
  /** A member connected: it is sent the secrets revealed in the last minutes, which it may have missed. */
  memberConnected(peer: string): void;
}

export function createTtmService(options: TtmServiceOptions): TtmService {
  const { log, hopLimit } = options;
  let watcher: TtmWatcher | null = null;

  /** Sends a reveal to one member router; a lost one only costs speed. */
  function sendReveal(peer: string, reveal: TtmReveal, hopsLeft: number) {
    options.forwarding
      .send(peer, { op: 'ttmReveal', ...reveal }, { timeoutMs: REVEAL_TIMEOUT_MS, hopsLeft })
      .catch((error: Error) => log.debug('ttm reveal not delivered', { peer, error: error.message }));
  }

  return {
    get watcher(): TtmWatcher {
      if (!watcher) throw new Error('the ttm service is not started');
      return watcher;
    },
    memberConnected(peer) {
      for (const reveal of watcher?.recent() ?? []) sendReveal(peer, reveal, hopLimit - 1);
    },
    start() {
      watcher ??= createTtmWatcher({
        connectors: options.connectors,
        writer: options.writer ?? createOwnWriter({ dataDir: options.dataDir }),
        log,
        metrics: options.metrics,
        hopLimit,
        ...(options.events ? { events: options.events } : {}),
        broadcast(reveal, hopsLeft, except) {
          for (const peer of options.connectedMembers()) {
            if (peer !== except) sendReveal(peer, reveal, hopsLeft);
          }
        },
      });
    },
    stop() {
      watcher?.close();
    },
  };
}
