/**
 * The wallet's links to the router network: a router pool over WebSockets (p2p/client/router-pool.ts:
 * one main link, further links on demand, failover on a lie, a stall or a drop), made from the
 * router list in `storage.local` (or, until the user saves one, the list the build shipped with:
 * default-routers.ts), its libp2p key kept there too so the wallet keeps one peer id (routers
 * rate-limit per peer). Its state is what the popup shows under "Routers": the main link, the
 * links open now and the routers demoted, and why.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Storage } from 'webextension-polyfill';
import type { Demotion } from '../../p2p/client/failover.ts';
import {
  LightClient,
  type LightClientOptions,
  type LightClientStatus,
} from '../../p2p/client/light-client.ts';
import { parseRouterAddress } from '../../p2p/client/router-address.ts';
import { type RouterLinkStatus, RouterPool } from '../../p2p/client/router-pool.ts';
import type { ResourceEntry } from '../../p2p/protocol/messages.ts';
import type { WalletEvents } from '../events.ts';
import { chooseRouterList, type RouterListSource } from './default-routers.ts';

const ROUTERS_KEY = 'routers';
const PEER_KEY = 'routerClientKey';
const DESCRIBE_TTL_MS = 60_000;

export interface RouterConnectionStatus extends LightClientStatus {
  routers: string[];
  /** `default` until the user saves a list: `routers` is then the build's default list. */
  source: RouterListSource;
  /** The build's default list (empty when it was built without one). */
  defaults: string[];
  /** The links open now: the main one and those opened on demand (origin routers included). Absent with no routers. */
  links?: RouterLinkStatus[];
  /** Routers the wallet puts last for a while because they lied, stalled or dropped, with why. Absent with no routers. */
  demoted?: Demotion[];
}

export interface RouterConnectionOptions {
  /** Makes each link of the pool (tests: lying ones). */
  newLink?: (options: LightClientOptions) => LightClient;
  /** The bounded wait for a read before the next router is asked. */
  readTimeoutMs?: number;
}

export class NoRoutersError extends Error {
  override name = 'NoRoutersError';
}

export class RouterConnection {
  readonly #storage: Storage.StorageArea;
  #client: RouterPool | null = null;
  #routers: string[] = [];
  #source: RouterListSource = 'default';
  readonly #defaults: readonly string[];
  #status: LightClientStatus = { router: null, state: 'disconnected' };
  readonly #descriptions = new Map<string, { entry: ResourceEntry; until: number }>();

  readonly #events: WalletEvents;
  readonly #options: RouterConnectionOptions;

  /**
   * Emits `routers:changed` on any change of the list or of the link's state, and
   * `routers:link` as the link comes up or goes down. `defaults` is the build's router list
   * (`__WEFT_DEFAULT_ROUTERS__`), used while the user has saved none.
   */
  constructor(
    storage: Storage.StorageArea,
    events: WalletEvents,
    defaults: readonly string[] = [],
    options: RouterConnectionOptions = {},
  ) {
    this.#storage = storage;
    this.#events = events;
    this.#defaults = defaults;
    this.#options = options;
  }

  status(): RouterConnectionStatus {
    return {
      ...this.#status,
      routers: this.#routers,
      source: this.#source,
      defaults: [...this.#defaults],
      ...(this.#client ? { links: this.#client.links(), demoted: this.#client.health.list() } : {}),
    };
  }

  /** Loads the saved router list (or the defaults) and connects (in the background: callers need not wait). */
  async start(): Promise<void> {
    const saved = (await this.#storage.get(ROUTERS_KEY))[ROUTERS_KEY];
    ({ routers: this.#routers, source: this.#source } = chooseRouterList(saved, this.#defaults));
    await this.#connect();
  }

  /** Validates and saves a new router list, then reconnects to it. Throws on a bad address. */
  async setRouters(routers: string[]): Promise<void> {
    for (const address of routers) parseRouterAddress(address);
    await this.#storage.set({ [ROUTERS_KEY]: routers });
    this.#routers = routers;
    this.#source = 'saved';
    await this.#connect();
  }

  /**
   * Forgets the saved list and goes back to the build's defaults. The defaults are not written to
   * storage: a later build's defaults (another local network's peer ids) then apply by themselves.
   */
  async useDefaults(): Promise<void> {
    await this.#storage.remove(ROUTERS_KEY);
    ({ routers: this.#routers, source: this.#source } = chooseRouterList(undefined, this.#defaults));
    await this.#connect();
  }

  /** Every resource the entry router can reach. */
  resources(): Promise<ResourceEntry[]> {
    return this.client().resources();
  }

  /**
   * One resource's entry. Cached for a minute per connection: every read and write needs its
   * chain type and methods, and paths do not change chain between two requests.
   */
  async describe(path: string): Promise<ResourceEntry> {
    const cached = this.#descriptions.get(path);
    if (cached && cached.until > Date.now()) return cached.entry;
    const entry = await this.client().describe(path);
    this.#descriptions.set(path, { entry, until: Date.now() + DESCRIBE_TTL_MS });
    return entry;
  }

  /**
   * The chain profile behind `path` as another configured router answers it (a second opinion
   * when a trust anchor is taken on first use), or null when there is no other router or it does
   * not answer. A short-lived client: the wallet keeps one link.
   */
  async secondOpinion(path: string): Promise<{ router: string; profile: unknown } | null> {
    const current = this.#status.router;
    const others = this.#routers.filter((address) => !current || !address.endsWith(`/p2p/${current}`));
    if (others.length === 0) return null;
    const client = new LightClient({
      routers: others,
      privateKey: await this.#peerKey(),
      requestTimeoutMs: 5_000,
    });
    try {
      const profile = await client.request({ op: 'chainProfile', path });
      return { router: client.status.router ?? others[0] ?? 'router', profile };
    } catch {
      return null;
    } finally {
      await client.stop();
    }
  }

  /** The router pool (a LightClient); throws `NoRoutersError` when the user configured none. */
  client(): RouterPool {
    if (!this.#client) throw new NoRoutersError('no routers configured: add one in the popup under Routers');
    return this.#client;
  }

  async #connect(): Promise<void> {
    await this.#client?.stop();
    this.#client = null;
    this.#descriptions.clear();
    this.#status = { router: null, state: 'disconnected' };
    this.#events.emit('routers:changed');
    if (this.#routers.length === 0) return;
    const client: RouterPool = new RouterPool({
      routers: this.#routers,
      privateKey: await this.#peerKey(),
      ...(this.#options.newLink ? { newLink: this.#options.newLink } : {}),
      ...(this.#options.readTimeoutMs ? { readTimeoutMs: this.#options.readTimeoutMs } : {}),
      onStatus: (status) => {
        if (this.#client !== client) return;
        const was = this.#status.state === 'connected';
        this.#status = status;
        this.#events.emit('routers:changed');
        const is = status.state === 'connected';
        if (was !== is) this.#events.emit('routers:link', { connected: is });
      },
      // A router demoted or back, a link opened or closed: the popup's list changes.
      onChange: () => {
        if (this.#client === client) this.#events.emit('routers:changed');
      },
    });
    this.#client = client;
    client.connect().catch(() => {
      // The client keeps retrying with backoff; the popup shows lastError meanwhile.
    });
  }

  async #peerKey(): Promise<PrivateKey> {
    const saved = (await this.#storage.get(PEER_KEY))[PEER_KEY];
    if (typeof saved === 'string') return privateKeyFromProtobuf(hexToBytes(saved));
    const key = await generateKeyPair('Ed25519');
    await this.#storage.set({ [PEER_KEY]: bytesToHex(privateKeyToProtobuf(key)) });
    return key;
  }
}
