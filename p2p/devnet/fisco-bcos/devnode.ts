/**
 * Starts a simulated FISCO BCOS 2.x node ("devnode"): the JSON-RPC server over a `Ledger`, and
 * a sealer that cuts a block every `blockIntervalMs` while transactions are pending. Tests use
 * `startDevnode({ port: 0 })` and `sealNow()`; the CLI wraps the same function.
 */
import type { AddressInfo } from 'node:net';
import { Ledger, type LedgerOptions } from './ledger.ts';
import { createRpcServer } from './rpc-server.ts';

export interface DevnodeOptions extends Partial<LedgerOptions> {
  /** 0 picks a free port. */
  port?: number;
  /** Loopback by default. */
  host?: string;
  /** Milliseconds between sealing attempts; 0 seals only on `sealNow()`. */
  blockIntervalMs?: number;
  maxRequestBytes?: number;
  /** Called when a background seal fails (the devnode keeps running). */
  onError?: (error: unknown) => void;
}

export interface Devnode {
  url: string;
  port: number;
  chainId: number;
  groupId: number;
  ledger: Ledger;
  /** Seals pending transactions now; with `force`, an empty block too. Returns the new height. */
  sealNow(force?: boolean): Promise<bigint>;
  /** Stops cutting blocks on the interval (a stalled chain) until `resumeSealing()`; RPC still answers. */
  pauseSealing(): void;
  resumeSealing(): void;
  close(): Promise<void>;
}

export const DEVNODE_VERSION = '2.9.1';

export async function startDevnode(options: DevnodeOptions = {}): Promise<Devnode> {
  const chainId = options.chainId ?? 1;
  const groupId = options.groupId ?? 1;
  const ledger = await Ledger.open({ nodeVersion: DEVNODE_VERSION, ...options, chainId, groupId });
  const server = createRpcServer({
    ledger,
    maxRequestBytes: options.maxRequestBytes ?? 32 * 1024 * 1024,
    clientVersion: {
      'Build Time': '20260101 00:00:00',
      'Build Type': 'Weft devnode (simulated, Node.js)',
      'Chain Id': String(chainId),
      'FISCO-BCOS Version': DEVNODE_VERSION,
      'Git Branch': 'weft-devnode',
      'Git Commit Hash': '0000000000000000000000000000000000000000',
      'Supported Version': '2.9.0',
    },
  });
  // Outlive clients' idle keep-alive (undici drops idle sockets after 4 s) so a request never
  // races the server closing its socket.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const interval = options.blockIntervalMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let paused = false;
  const tick = () => {
    (paused ? Promise.resolve() : ledger.seal())
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        if (!closed) timer = setTimeout(tick, interval);
      });
  };
  if (interval > 0) timer = setTimeout(tick, interval);

  return {
    url: `http://${host}:${port}/`,
    port,
    chainId,
    groupId,
    ledger,
    async sealNow(force = false) {
      await ledger.seal(force);
      return ledger.blockNumber;
    },
    pauseSealing() {
      paused = true;
    },
    resumeSealing() {
      paused = false;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ledger.close();
    },
  };
}
