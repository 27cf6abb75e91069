/**
 * The wallet's links to several routers (docs/trust-model.md, "Failover"). One main link (a
 * LightClient over the configured list: subscriptions live there) and, on demand, further links
 * to single routers: the other configured ones and the origin routers the directory names for the
 * zones of the paths in use (`entry.addresses`). At most `maxLinks` further links are open at
 * once; one unused for `idleMs` is closed.
 *
 * Every request goes to the best router first (the main link's, then the configured order, then
 * origin routers; a demoted router last) and, when it stalls (no answer within a bounded wait, a
 * few seconds for reads), drops or cannot serve it, to the next. `attempt` runs a whole checked
 * operation (fetch and verify evidence, relay a signed transaction and verify its receipt) per
 * router, so an answer that fails verification moves it on too; a router that lied or stalled
 * is demoted for a while (`health`, shown in the popup). A pool is a LightClient: every caller
 * that takes one takes a pool.
 */
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import type { RequestBody, ResourceEntry, ResultOf } from '../protocol/messages.ts';
import { type FailureKind, RouterHealth, tryInTurn } from './failover.ts';
import {
  type AttemptOptions,
  LightClient,
  type LightClientOptions,
  type LightClientStatus,
  peerIdOf,
  type Subscription,
} from './light-client.ts';
import { parseRouterAddress } from './router-address.ts';

export interface RouterPoolOptions extends LightClientOptions {
  /** Makes each link, the main one included (tests make lying ones). */
  newLink?: (options: LightClientOptions) => LightClient;
  /** The bounded wait for a read's answer before the next router is asked. */
  readTimeoutMs?: number;
  /** How long a submit waits for its receipt on one router. */
  submitTimeoutMs?: number;
  /** Further links open at once (besides the main one). */
  maxLinks?: number;
  /** A further link unused this long is closed. */
  idleMs?: number;
  /** A router was demoted or came back, or links opened or closed: for the popup. */
  onChange?: () => void;
  now?: () => number;
}

/** One router the pool may use. */
interface Candidate {
  id: string;
  address: string;
}

interface Link {
  client: LightClient;
  address: string;
  lastUsed: number;
  busy: number;
}

/** A link the popup lists. */
export interface RouterLinkStatus {
  router: string;
  address: string;
  /** The main link (subscriptions), or a further one opened on demand. */
  main: boolean;
}

export const DEFAULT_READ_TIMEOUT_MS = 5_000;
export const DEFAULT_SUBMIT_TIMEOUT_MS = 20_000;
/** Allowance for dialling a router before its answer is waited for. */
const CONNECT_MS = 5_000;

/** Operations that endorse on several peers: given twice the read wait. */
const SLOW_READS: ReadonlySet<RequestBody['op']> = new Set([
  'prepare',
  'endorse',
  'blockByTxId',
  'chainProfile',
]);

/**
 * The origin router's addresses an entry names (`entry.addresses`, covered by its advert
 * signature): only WebSocket addresses the wallet may dial that end with `/p2p/<entry.router>`,
 * so noise authenticates the router the entry names and no relay can put itself there.
 */
export function originAddresses(entry: ResourceEntry): string[] {
  const addresses = (entry as { addresses?: unknown }).addresses;
  if (!Array.isArray(addresses) || typeof entry.router !== 'string' || entry.router === '') return [];
  const suffix = `/p2p/${entry.router}`;
  return addresses.filter((address): address is string => {
    if (typeof address !== 'string' || !address.endsWith(suffix)) return false;
    try {
      parseRouterAddress(address);
      return true;
    } catch {
      return false;
    }
  });
}

function zoneOf(path: string): string {
  return path.split('.')[0] ?? path;
}

export class RouterPool extends LightClient {
  readonly health: RouterHealth;
  readonly #options: RouterPoolOptions;
  readonly #main: LightClient;
  readonly #configured: Candidate[];
  /** Origin routers by zone: peer id → address. */
  readonly #learned = new Map<string, Map<string, string>>();
  readonly #links = new Map<string, Link>();
  readonly #now: () => number;
  #sweeper: ReturnType<typeof setInterval> | null = null;
  #stopped = false;

  constructor(options: RouterPoolOptions) {
    const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    const submitTimeoutMs = options.submitTimeoutMs ?? DEFAULT_SUBMIT_TIMEOUT_MS;
    super({ routers: options.routers, requestTimeoutMs: readTimeoutMs, submitTimeoutMs });
    this.#options = { ...options, readTimeoutMs, submitTimeoutMs };
    this.#now = options.now ?? Date.now;
    this.health = new RouterHealth({ now: this.#now, onChange: () => options.onChange?.() });
    this.#configured = options.routers.map((address) => ({
      id: peerIdOf(parseRouterAddress(address)),
      address,
    }));
    this.#main = this.#newLink(options.routers, options.onStatus);
  }

  override get status(): LightClientStatus {
    return this.#main.status;
  }

  override connect(): Promise<void> {
    return this.#main.connect();
  }

  /** Events come over the main link (it subscribes again wherever it reconnects). */
  override subscribe(path: string, onEvent: Parameters<LightClient['subscribe']>[1]): Promise<Subscription> {
    return this.#main.subscribe(path, onEvent);
  }

  override async request<B extends RequestBody>(
    body: B,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf[B['op']]> {
    if (body.op === 'subscribe' || body.op === 'unsubscribe') return this.#main.request(body, options);
    const path = 'path' in body ? body.path : undefined;
    const timeoutMs = options.timeoutMs ?? this.#waitFor(body.op);
    const ask = (link: LightClient) => link.request(body, { timeoutMs });
    await this.#mainReady();
    const candidates = this.#candidates(path);
    // A granted read's proof is good for one router only (it refuses one it has seen): one try.
    const tried = body.op === 'readGranted' ? candidates.slice(0, 1) : candidates;
    const result = await tryInTurn(tried, (c) => this.#use(c, ask), {
      attemptTimeoutMs: timeoutMs + CONNECT_MS,
      onFailure: (c, kind, error) => this.#failed(c, kind, error),
      onSuccess: (c) => this.health.succeeded(c.id),
    });
    if (body.op === 'describe') this.learn(result as ResourceEntry);
    if (body.op === 'resources') for (const entry of result as ResourceEntry[]) this.learn(entry);
    return result;
  }

  /**
   * Runs `run` through one router after another until it succeeds: a lie (a verification error
   * `run` throws), a stall or a drop moves it on and demotes that router. With `paths: 2` it runs
   * through two routers at once (the first success wins; the other's failure is not one).
   */
  override async attempt<T>(
    run: (link: LightClient) => Promise<T>,
    options: AttemptOptions = {},
  ): Promise<T> {
    await this.#mainReady();
    return tryInTurn(this.#candidates(options.path), (c) => this.#use(c, run), {
      fanout: options.paths ?? 1,
      onFailure: (c, kind, error) => this.#failed(c, kind, error),
      onSuccess: (c) => this.health.succeeded(c.id),
    });
  }

  override avoid(router: string, until: number): void {
    this.#main.avoid(router, until);
  }

  /** Remembers the origin router an entry names, for its zone (called on every describe). */
  learn(entry: ResourceEntry): void {
    const addresses = originAddresses(entry);
    if (addresses.length === 0 || typeof entry.path !== 'string') return;
    const zone = zoneOf(entry.path);
    const known = this.#learned.get(zone) ?? new Map<string, string>();
    this.#learned.set(zone, known);
    if (!known.has(entry.router)) known.set(entry.router, addresses[0] as string);
  }

  /** The links open now: the main one (when connected) and the further ones. */
  links(): RouterLinkStatus[] {
    const main = this.#main.status;
    const links: RouterLinkStatus[] = [];
    if (main.state === 'connected' && main.router) {
      const address = this.#configured.find((c) => c.id === main.router)?.address ?? '';
      links.push({ router: main.router, address, main: true });
    }
    for (const [router, link] of this.#links) links.push({ router, address: link.address, main: false });
    return links;
  }

  /** The routers a request about `path` may go through, in the order to try them. */
  candidates(path?: string): string[] {
    return this.#candidates(path).map((c) => c.id);
  }

  override async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = null;
    const links = [...this.#links.values()];
    this.#links.clear();
    await Promise.all([this.#main.stop(), ...links.map((l) => l.client.stop())]);
    await super.stop();
  }

  /**
   * Lets the main link finish connecting (for at most the dial allowance) before routers are
   * picked: its router is then asked over it rather than over a second link to the same router.
   */
  async #mainReady(): Promise<void> {
    if (this.#main.status.state === 'connected' || this.#stopped) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#main.connect().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CONNECT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  #waitFor(op: RequestBody['op']): number {
    const read = this.#options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    return SLOW_READS.has(op) ? read * 2 : read;
  }

  #candidates(path?: string): Candidate[] {
    const list = [...this.#configured];
    if (path) {
      for (const [id, address] of this.#learned.get(zoneOf(path)) ?? []) {
        if (!list.some((c) => c.id === id)) list.push({ id, address });
      }
    }
    const main = this.#main.status;
    const current = main.state === 'connected' ? main.router : null;
    // The main link's router first: it is connected already.
    list.sort((a, b) => Number(b.id === current) - Number(a.id === current));
    return this.health.order(list, (c) => c.id);
  }

  async #use<T>(candidate: Candidate, run: (link: LightClient) => Promise<T>): Promise<T> {
    // Stopped (the user changed the router list): nothing more is opened for what was in flight.
    if (this.#stopped) throw new HipError(HipErrorCode.unreachable, 'the router pool is stopped');
    const main = this.#main.status;
    if (main.state === 'connected' && main.router === candidate.id) return run(this.#main);
    const link = this.#link(candidate);
    link.busy++;
    try {
      return await run(link.client);
    } finally {
      link.busy--;
      link.lastUsed = this.#now();
    }
  }

  #link(candidate: Candidate): Link {
    let link = this.#links.get(candidate.id);
    if (link) return link;
    const max = this.#options.maxLinks ?? 3;
    if (this.#links.size >= max) {
      // Full: close the link unused longest that nothing is waiting on (or go one over).
      const idle = [...this.#links.entries()]
        .filter(([, l]) => l.busy === 0)
        .sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0];
      if (idle) this.#drop(idle[0]);
    }
    link = {
      client: this.#newLink([candidate.address]),
      address: candidate.address,
      lastUsed: this.#now(),
      busy: 0,
    };
    this.#links.set(candidate.id, link);
    this.#sweepSoon();
    this.#options.onChange?.();
    return link;
  }

  #newLink(routers: string[], onStatus?: LightClientOptions['onStatus']): LightClient {
    const { readTimeoutMs, submitTimeoutMs, privateKey, maxMessageBytes, backoffMs, maxBackoffMs } =
      this.#options;
    const options: LightClientOptions = {
      routers,
      ...(privateKey ? { privateKey } : {}),
      ...(readTimeoutMs !== undefined ? { requestTimeoutMs: readTimeoutMs } : {}),
      ...(submitTimeoutMs !== undefined ? { submitTimeoutMs } : {}),
      ...(maxMessageBytes !== undefined ? { maxMessageBytes } : {}),
      ...(backoffMs !== undefined ? { backoffMs } : {}),
      ...(maxBackoffMs !== undefined ? { maxBackoffMs } : {}),
      ...(onStatus ? { onStatus } : {}),
    };
    return this.#options.newLink?.(options) ?? new LightClient(options);
  }

  #failed(candidate: Candidate, kind: FailureKind, error: unknown): void {
    if (this.#stopped || kind === 'absent') return;
    this.health.demote(candidate.id, kind, `${kind}: ${(error as Error)?.message ?? String(error)}`);
    const until = this.health.demotion(candidate.id)?.until;
    // Leave a router that lied or stalled on the main link too; a further link to it is closed.
    if (until !== undefined && (kind === 'lie' || kind === 'stall')) this.#main.avoid(candidate.id, until);
    if (kind !== 'busy') this.#drop(candidate.id);
  }

  #drop(router: string): void {
    const link = this.#links.get(router);
    if (!link) return;
    this.#links.delete(router);
    void link.client.stop().catch(() => {});
    this.#options.onChange?.();
  }

  #sweepSoon(): void {
    if (this.#sweeper || this.#stopped) return;
    const idleMs = this.#options.idleMs ?? 60_000;
    this.#sweeper = setInterval(
      () => {
        const now = this.#now();
        for (const [router, link] of this.#links) {
          if (link.busy === 0 && now - link.lastUsed >= idleMs) this.#drop(router);
        }
        if (this.#links.size === 0 && this.#sweeper) {
          clearInterval(this.#sweeper);
          this.#sweeper = null;
        }
      },
      Math.max(50, Math.floor(idleMs / 2)),
    );
    // Node: an idle sweep must not keep a process alive (the browser has no unref).
    (this.#sweeper as { unref?: () => void }).unref?.();
  }
}
