/**
 * The light client: how a wallet reaches the router network. WebSockets + noise +
 * yamux only, one connection to one router at a time, one long-lived client-protocol
 * channel over it. Runs in the MV3 service worker and in Node.
 *
 * It dials the configured routers in order, stays on the first that answers,
 * reconnects with exponential backoff when the connection drops, and fails over to
 * the next router. Reads that fail because the router went away are retried once
 * on the next router; writes are not (the caller decides, the transaction may have
 * been relayed). The wallet uses several of these through a router pool
 * (router-pool.ts), which fails over on a lie, a stall or a drop; one client alone
 * runs `attempt` once.
 */
import type { Libp2p, PrivateKey } from '@libp2p/interface';
import { webSockets } from '@libp2p/websockets';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type {
  CallResult,
  ChainBlock,
  ChainInfo,
  ChainTransaction,
  Hex,
  PreparedTransaction,
  TransactionReceipt,
} from '../chains/connector.ts';
import type { ReadProof, SignedGrant } from '../grants/typed-data.ts';
import { Channel } from '../protocol/channel.ts';
import { encryption } from '../protocol/encryption.ts';
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import { CLIENT_PROTOCOL, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_TIMEOUT_MS } from '../protocol/ids.ts';
import type {
  GrantedRecord,
  RequestBody,
  ResourceEntry,
  ResourceEvent,
  ResultOf,
} from '../protocol/messages.ts';
import { streamMuxer } from '../protocol/muxer.ts';
import { denyInsecureDial, parseRouterAddress } from './router-address.ts';

export interface LightClientOptions {
  /** Router multiaddrs, tried in order: `/ip4/127.0.0.1/tcp/4002/ws/p2p/12D3...` */
  routers: string[];
  /** Persist it to keep one peer id across restarts (routers rate-limit per peer). */
  privateKey?: PrivateKey;
  requestTimeoutMs?: number;
  /** How long a `submit` may wait for the chain's receipt (the router waits this long). */
  submitTimeoutMs?: number;
  maxMessageBytes?: number;
  /** First reconnect delay; doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  onStatus?: (status: LightClientStatus) => void;
}

export interface LightClientStatus {
  /** Router peer id the client is connected to, or null. */
  router: string | null;
  state: 'connecting' | 'connected' | 'disconnected' | 'stopped';
  lastError?: string;
}

export interface CallParams {
  path: string;
  method: string;
  args?: unknown[];
  from?: string;
  signed?: Hex;
}

/** How `attempt` runs an operation (router-pool.ts honours these; one client has one path). */
export interface AttemptOptions {
  /** Send through this many routers at once (TTM commits, claims and refunds: 2). */
  paths?: number;
  /** The resource path it is about: the origin routers known for its zone are candidates too. */
  path?: string;
}

export interface Subscription {
  readonly path: string;
  unsubscribe(): Promise<void>;
}

interface ActiveSubscription {
  path: string;
  onEvent: (event: ResourceEvent) => void;
  /** The entry router's id for it on the current channel. */
  remote: string | null;
}

const RETRYABLE = new Set<RequestBody['op']>([
  'resources',
  'describe',
  'chainInfo',
  'call',
  'getBlock',
  'getTransaction',
  // Chain evidence: reads (blockByTxId endorses a qscc query, which writes nothing).
  'endorse',
  'chainProfile',
  'txEvidence',
  'blockHeader',
  'blockByTxId',
  'ttmEvents',
]);

export class LightClient {
  readonly #routers: Multiaddr[];
  readonly #options: LightClientOptions;
  #node: Libp2p | null = null;
  #channel: Promise<Channel> | null = null;
  /** The open channel, once `#channel` resolved (what a close may concern). */
  #current: Channel | null = null;
  #next = 0;
  #backoff: number;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #status: LightClientStatus = { router: null, state: 'disconnected' };
  #stopped = false;
  readonly #subscriptions = new Set<ActiveSubscription>();
  /** Routers to dial last, until when (`avoid`). */
  readonly #avoid = new Map<string, number>();

  constructor(options: LightClientOptions) {
    if (options.routers.length === 0)
      throw new HipError(HipErrorCode.badRequest, 'no router addresses configured');
    this.#routers = options.routers.map(parseRouterAddress);
    this.#options = options;
    this.#backoff = options.backoffMs ?? 250;
  }

  get status(): LightClientStatus {
    return this.#status;
  }

  /** Connects now (otherwise the first request does). Resolves once a router answers the protocol. */
  async connect(): Promise<void> {
    await this.#ensureChannel();
  }

  resources(): Promise<ResourceEntry[]> {
    return this.request({ op: 'resources' });
  }

  describe(path: string): Promise<ResourceEntry> {
    return this.request({ op: 'describe', path });
  }

  chainInfo(path: string): Promise<ChainInfo> {
    return this.request({ op: 'chainInfo', path });
  }

  call(params: CallParams): Promise<CallResult> {
    const body: RequestBody = {
      op: 'call',
      path: params.path,
      method: params.method,
      args: params.args ?? [],
    };
    if (params.from !== undefined) body.from = params.from;
    if (params.signed !== undefined) body.signed = params.signed;
    return this.request(body);
  }

  /** Fabric: endorse a signed proposal; returns the envelope to sign next. */
  prepare(path: string, signed: Hex): Promise<PreparedTransaction> {
    return this.request({ op: 'prepare', path, signed });
  }

  /** Relays a transaction the wallet signed and waits for its receipt. */
  submit(path: string, signed: Hex, timeoutMs = this.#options.submitTimeoutMs): Promise<TransactionReceipt> {
    const body: RequestBody = { op: 'submit', path, signed };
    if (timeoutMs !== undefined) body.timeoutMs = timeoutMs;
    return this.request(body, { timeoutMs: (timeoutMs ?? DEFAULT_TIMEOUT_MS) + 5_000 });
  }

  /**
   * Runs `run` with a client that reaches one router, the one whose answers `run` then checks:
   * this client (one link, one try). A pool of links (router-pool.ts) runs it through another
   * router when one lies, stalls or drops, and through two at once when `paths` is 2.
   */
  attempt<T>(run: (link: LightClient) => Promise<T>, _options: AttemptOptions = {}): Promise<T> {
    return run(this);
  }

  /**
   * Puts `router` (a peer id) last in the dialling order until `until` (ms since the epoch), and
   * leaves it now if connected to it (subscriptions move with the link). Used when it lied or stalled.
   */
  avoid(router: string, until: number): void {
    this.#avoid.set(router, until);
    const current = this.#current;
    if (!current || this.#status.router !== router || this.#routers.length < 2) return;
    this.#lost(router, current, `left ${router}: it failed the wallet`);
    current.close();
  }

  /**
   * A read under a data-access grant (docs/grants.md): `proof` must be fresh (a new nonce and
   * `issuedAt` for every attempt: the router refuses a read it has answered before).
   */
  readGranted(
    path: string,
    grant: SignedGrant,
    proof: ReadProof,
    timeoutMs?: number,
  ): Promise<GrantedRecord> {
    return this.request(
      { op: 'readGranted', path, grant, proof },
      timeoutMs === undefined ? {} : { timeoutMs },
    );
  }

  getBlock(path: string, number: bigint): Promise<ChainBlock | null> {
    return this.request({ op: 'getBlock', path, number });
  }

  getTransaction(path: string, txId: string): Promise<ChainTransaction | null> {
    return this.request({ op: 'getTransaction', path, txId });
  }

  /**
   * Calls `onEvent` for each event the resource emits from now on. Delivery is at most
   * once: after a reconnection the client subscribes again, and events in the gap are
   * missed (check receipts for anything that matters).
   */
  async subscribe(path: string, onEvent: (event: ResourceEvent) => void): Promise<Subscription> {
    const active: ActiveSubscription = { path, onEvent, remote: null };
    active.remote = (await this.request({ op: 'subscribe', path })).subscription;
    this.#subscriptions.add(active);
    return {
      path,
      unsubscribe: async () => {
        this.#subscriptions.delete(active);
        const channel = await this.#channel?.catch(() => null);
        if (active.remote && channel && !channel.closed) {
          await channel.request({ op: 'unsubscribe', subscription: active.remote }).catch(() => {});
        }
      },
    };
  }

  /** Any client-protocol request, typed by its op. */
  async request<B extends RequestBody>(
    body: B,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf[B['op']]> {
    const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      const channel = await this.#ensureChannel();
      return (await channel.request(body, { timeoutMs })) as ResultOf[B['op']];
    } catch (error) {
      if (
        !(error instanceof HipError) ||
        error.code !== HipErrorCode.unreachable ||
        !RETRYABLE.has(body.op)
      ) {
        throw error;
      }
      const channel = await this.#ensureChannel();
      return (await channel.request(body, { timeoutMs })) as ResultOf[B['op']];
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#setStatus({ router: null, state: 'stopped' });
    const node = this.#node;
    this.#node = null;
    this.#channel = null;
    this.#current = null;
    await node?.stop();
  }

  async #libp2p(): Promise<Libp2p> {
    if (this.#node) return this.#node;
    const node = await createLibp2p({
      ...(this.#options.privateKey ? { privateKey: this.#options.privateKey } : {}),
      transports: [webSockets()],
      connectionEncrypters: [encryption()],
      streamMuxers: [streamMuxer()],
      connectionGater: { denyDialMultiaddr: denyInsecureDial },
    });
    // stop() while the node was being made: it saw no node to stop, so this one must not live on.
    if (this.#stopped) {
      await node.stop();
      throw new HipError(HipErrorCode.unreachable, 'light client is stopped');
    }
    this.#node = node;
    return node;
  }

  #ensureChannel(): Promise<Channel> {
    if (this.#stopped)
      return Promise.reject(new HipError(HipErrorCode.unreachable, 'light client is stopped'));
    this.#channel ??= this.#open();
    return this.#channel;
  }

  /** One pass over the router list, starting at the current one; the first that opens the protocol wins. */
  async #open(): Promise<Channel> {
    this.#setStatus({ router: null, state: 'connecting' });
    const node = await this.#libp2p();
    const errors: string[] = [];
    let unsupported = 0;
    for (const index of this.#dialOrder()) {
      const address = this.#routers[index] as Multiaddr;
      try {
        const stream = await node.dialProtocol(address, CLIENT_PROTOCOL, {
          signal: AbortSignal.timeout(5_000),
        });
        this.#next = index;
        this.#backoff = this.#options.backoffMs ?? 250;
        const router = peerIdOf(address);
        const channel = new Channel(stream, this.#options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, {
          onClose: () => this.#lost(router, channel),
          onEvent: (frame) => {
            for (const active of this.#subscriptions) {
              if (active.remote === frame.subscription) active.onEvent(frame.event);
            }
          },
        });
        this.#current = channel;
        this.#setStatus({ router, state: 'connected' });
        this.#resubscribe(channel);
        return channel;
      } catch (error) {
        if ((error as Error).name === 'UnsupportedProtocolError') unsupported++;
        errors.push(`${address.toString()}: ${(error as Error).message}`);
      }
    }
    this.#channel = null;
    const lastError = errors.join('; ');
    this.#setStatus({ router: null, state: 'disconnected', lastError });
    this.#scheduleReconnect();
    if (unsupported === this.#routers.length) {
      throw new HipError(HipErrorCode.unsupportedProtocol, `no router speaks ${CLIENT_PROTOCOL}`, {
        tried: errors,
      });
    }
    throw new HipError(HipErrorCode.unreachable, 'no router reachable', { tried: errors });
  }

  /** Indexes of the router list from the current one on, the routers being avoided last. */
  #dialOrder(): number[] {
    const now = Date.now();
    const order = this.#routers.map((_, i) => (this.#next + i) % this.#routers.length);
    const avoided = (index: number) => {
      const id = peerIdOf(this.#routers[index] as Multiaddr);
      const until = this.#avoid.get(id);
      if (until !== undefined && until <= now) this.#avoid.delete(id);
      return until !== undefined && until > now;
    };
    return [...order.filter((i) => !avoided(i)), ...order.filter(avoided)];
  }

  /** After a reconnection: the new entry router knows none of our subscriptions. */
  #resubscribe(channel: Channel): void {
    for (const active of this.#subscriptions) {
      active.remote = null;
      channel
        .request({ op: 'subscribe', path: active.path })
        .then((result) => {
          active.remote = (result as { subscription: string }).subscription;
        })
        .catch(() => {});
    }
  }

  /** `channel` closed (or was left): only the current one's loss concerns the link. */
  #lost(router: string, channel: Channel, why = `connection to ${router} closed`): void {
    if (this.#stopped || channel !== this.#current) return;
    this.#current = null;
    this.#channel = null;
    // Prefer another router next time: the one that dropped us may be going away.
    this.#next = (this.#next + 1) % this.#routers.length;
    this.#setStatus({ router: null, state: 'disconnected', lastError: why });
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#reconnectTimer) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(delay * 2, this.#options.maxBackoffMs ?? 10_000);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#stopped || this.#channel) return;
      this.#ensureChannel().catch(() => {});
    }, delay);
  }

  #setStatus(status: LightClientStatus): void {
    this.#status = status;
    this.#options.onStatus?.(status);
  }
}

/** The peer id a router address ends with (`/p2p/<id>`). */
export function peerIdOf(address: Multiaddr): string {
  return address.getComponents().find((c) => c.name === 'p2p')?.value ?? address.toString();
}
