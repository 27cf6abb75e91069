/**
 * Several routers in front of one chain, reached by the wallet's router pool
 * (p2p/client/router-pool.ts), any of which a test can make lie: the lying-client set-up
 * (lying-client.ts) per router. Every link the pool opens is a `LyingLink`; what it says depends
 * on the router it is connected to, so a lie follows the router whichever link reaches it (the
 * main link or one opened on demand). The routers are real, in front of a real devnode or devpeer.
 *
 * Also a silent router: a libp2p peer that speaks the client protocol, takes every stream and
 * never answers (the slow-loris entry router of attack 12).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stream } from '@libp2p/interface';
import { webSockets } from '@libp2p/websockets';
import { createLibp2p } from 'libp2p';
import type { RouterConnection } from '../../../background/routers/router-connection.ts';
import type { ChainConnector } from '../../../p2p/chains/connector.ts';
import { LightClient, type LightClientOptions } from '../../../p2p/client/light-client.ts';
import { RouterPool, type RouterPoolOptions } from '../../../p2p/client/router-pool.ts';
import { encryption } from '../../../p2p/protocol/encryption.ts';
import { CLIENT_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import type { RequestBody, ResultOf } from '../../../p2p/protocol/messages.ts';
import { streamMuxer } from '../../../p2p/protocol/muxer.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { startRouter } from '../../../p2p/router/router.ts';
import type { Lie } from './lying-client.ts';

export interface TestRouter {
  /** The address the wallet dials (`…/ws/p2p/<id>`). */
  address: string;
  id: string;
}

/** Which router says what instead of the truth, and every operation each router was asked. */
export class Liars {
  readonly #lies = new Map<string, Map<string, Lie<never>>>();
  readonly asked: { router: string; body: RequestBody }[] = [];

  /** From now on `router` answers `op` with `lie` (until `truth`). */
  lie<Op extends RequestBody['op']>(router: TestRouter | string, op: Op, lie: Lie<Op>): void {
    const id = typeof router === 'string' ? router : router.id;
    const lies = this.#lies.get(id) ?? new Map<string, Lie<never>>();
    lies.set(op, lie as unknown as Lie<never>);
    this.#lies.set(id, lies);
  }

  /** Back to the truth: one router (every op, or one), or every router. */
  truth(router?: TestRouter | string, op?: RequestBody['op']): void {
    if (router === undefined) {
      this.#lies.clear();
      return;
    }
    const id = typeof router === 'string' ? router : router.id;
    if (op) this.#lies.get(id)?.delete(op);
    else this.#lies.delete(id);
  }

  /** What `router` was asked, as ops (`submit`, `txEvidence` …), since `from`. */
  opsOf(router: TestRouter, from = 0): string[] {
    return this.asked
      .slice(from)
      .filter((a) => a.router === router.id)
      .map((a) => a.body.op);
  }

  lieFor(router: string, op: string): Lie<never> | undefined {
    return this.#lies.get(router)?.get(op);
  }

  /** The pool's link factory: every link lies as the router it reaches does. */
  readonly newLink = (options: LightClientOptions): LightClient => new LyingLink(this, options);
}

class LyingLink extends LightClient {
  readonly #liars: Liars;

  constructor(liars: Liars, options: LightClientOptions) {
    super(options);
    this.#liars = liars;
  }

  override async request<B extends RequestBody>(
    body: B,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf[B['op']]> {
    // Which router answers decides what is said: connect first to know it.
    await this.connect();
    const router = this.status.router ?? '';
    this.#liars.asked.push({ router, body });
    const honest = () => super.request(body, options);
    const lie = this.#liars.lieFor(router, body.op) as Lie<B['op']> | undefined;
    return lie ? lie(body as never, honest as never) : honest();
  }
}

/** `count` real routers, each in front of its own connector from `connect` (all to one chain). */
export async function startRouters(
  zone: string,
  connect: () => ChainConnector,
  count: number,
): Promise<{ routers: TestRouter[]; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-failover-'));
  const started: { stop(): Promise<void> }[] = [];
  const connectors: ChainConnector[] = [];
  const routers: TestRouter[] = [];
  for (let i = 0; i < count; i++) {
    const connector = connect();
    connectors.push(connector);
    const router = await startRouter({
      config: parseRouterConfig({
        zone,
        dataDir: join(dir, `router-${i}`),
        listen: ['/ip4/127.0.0.1/tcp/0/ws'],
        admin: null,
      }),
      connectors: [connector],
      logger: createLogger('silent'),
    });
    started.push(router);
    const address = router.addresses()[0] as string;
    routers.push({ address, id: address.slice(address.lastIndexOf('/p2p/') + 5) });
  }
  return {
    routers,
    async close() {
      await Promise.all(started.map((r) => r.stop()));
      for (const connector of connectors) await (connector as { close?: () => Promise<void> }).close?.();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A peer that accepts the client protocol and never says a word: every stream is held open. */
export async function startSilentRouter(): Promise<TestRouter & { held(): number; close(): Promise<void> }> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [encryption()],
    streamMuxers: [streamMuxer()],
  });
  const streams: Stream[] = [];
  await node.handle(CLIENT_PROTOCOL, (stream: Stream) => {
    streams.push(stream);
  });
  const address = node
    .getMultiaddrs()
    .map((ma) => ma.toString())
    .find((ma) => ma.includes('/ws'));
  if (!address) throw new Error('the silent router has no WebSocket address');
  const id = node.peerId.toString();
  return {
    address: address.includes('/p2p/') ? address : `${address}/p2p/${id}`,
    id,
    held: () => streams.length,
    async close() {
      await node.stop();
    },
  };
}

/** A wallet's router pool over `routers`, its links lying as `liars` says. */
export function lyingPool(
  routers: (TestRouter | string)[],
  liars: Liars,
  options: Partial<RouterPoolOptions> = {},
): RouterPool {
  return new RouterPool({
    routers: routers.map((r) => (typeof r === 'string' ? r : r.address)),
    newLink: liars.newLink,
    ...options,
  });
}

/** What the TTM coordinator needs of the wallet's RouterConnection, over `pool`. */
export function connectionOver(pool: RouterPool): RouterConnection {
  return {
    describe: (path: string) => pool.describe(path),
    client: () => pool,
  } as unknown as RouterConnection;
}

/** Resolves after `ms`, or when `released` does (a withheld write let go when the test ends). */
export function holdUntil(ms: number, released: Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms));
    void released.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
