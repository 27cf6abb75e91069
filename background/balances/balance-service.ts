/**
 * What the user owns: per chain, the balance of every asset resource the wallet knows of (those
 * of connected sites' sessions and those the entry router lists), for each FISCO BCOS account and
 * each Fabric identity's accounts, read through the same paths weft_call uses (the routers'
 * `call` on FISCO BCOS; on Fabric a proposal signed by the identity, endorsed per the chaincode's
 * policy and checked). Amounts come with their unit where the asset says it (`symbol()` and
 * `decimals()`; the chaincode's `Symbol` and `Decimals`).
 *
 * Balances are read while someone looks at them (a popup shows the home screen: `watch`): a
 * wallet nobody looks at, or one that only shows an approval, sends the routers no balance read.
 * While watched they follow what changes them: the assets' events (subscribed through the light
 * client), the link coming up, sessions, accounts and identities, unlocking; what changed while
 * nobody looked, or a look after a quiet while, reads them again. A failure is kept per row,
 * with the last amount read: a row is never blank.
 */
import type { Session } from '../../content/provider-schema.ts';
import type { ResourceEntry } from '../../p2p/protocol/messages.ts';
import { FABRIC_ACCOUNT } from '../approvals/address-book.ts';
import { type AssetUnit, MAX_DECIMALS, rawAmount } from './amount.ts';
import type { AssetBalances, BalanceRow, BalancesView, ChainBalances } from './types.ts';

/** The chain reads the service makes: background/balances/chain-reads.ts builds them from the wallet's parts. */
export interface BalanceReads {
  /**
   * The current link: `id` changes when the wallet makes a new one (another router list), so
   * subscriptions made on another are known to be gone; null when no router is configured.
   */
  link(): { id: object | null; connected: boolean; error?: string };
  /** Every resource the entry router can reach. */
  resources(): Promise<ResourceEntry[]>;
  describe(path: string): Promise<ResourceEntry>;
  /** A read the routers answer (weft_call's path without an identity). `raw`: the chain-native output. */
  call(
    path: string,
    method: string,
    args: unknown[],
    from?: string,
  ): Promise<{ values: unknown[]; raw: string }>;
  /** Fabric: a read signed by identity `identityId`, endorsed per the chaincode's policy and checked. */
  endorsedRead(
    path: string,
    identityId: string,
    chaincode: string,
    fn: string,
    args: string[],
  ): Promise<{ text: string; by: string }>;
  subscribe(path: string, onEvent: () => void): Promise<{ unsubscribe(): Promise<void> }>;
}

/** Whose balances: the vault's accounts and identities (metadata, readable while locked) and the sessions. */
export interface BalanceHolders {
  accounts(): Promise<{ index: number; address: string; name: string }[]>;
  fabricIdentities(): Promise<{ id: string; name: string; mspId: string; certificate: string }[]>;
  sessions(): Promise<Session[]>;
  /** Whether Fabric reads can be signed now (the vault is unlocked). */
  canSign(): boolean;
  /** The Fabric account names an identity may hold (its name, its certificate's common name). */
  fabricAccountNames(identity: { name: string; certificate: string }): string[];
}

export interface BalanceServiceOptions {
  reads: BalanceReads;
  holders: BalanceHolders;
  /** Called when the view changed (the worker emits `balances:changed`). */
  onChange: () => void;
  /** Events in a burst cost one read: wait this long after the first. */
  debounceMs?: number;
  /** A popup opened this long after the last refresh reads everything again. */
  staleMs?: number;
  now?: () => number;
}

/** The methods an asset resource reads its balances and unit with, by chain type. */
interface AssetMethods {
  balance: string;
  symbol?: string;
  decimals?: string;
  name?: string;
}

const METHOD_NAMES = {
  'fisco-bcos': { balance: 'balanceOf', symbol: 'symbol', decimals: 'decimals', name: 'name' },
  fabric: { balance: 'BalanceOf', symbol: 'Symbol', decimals: 'Decimals', name: undefined },
} as const;

/**
 * Whether `entry` is an asset (a read balance method of one argument) and with which methods it
 * reads its unit. Other resources (key/value stores, records) are no asset.
 */
export function assetMethods(entry: ResourceEntry): AssetMethods | null {
  const names = METHOD_NAMES[entry.chain.type];
  const read = (name: string | undefined, inputs: number) =>
    name !== undefined &&
    entry.methods.some((m) => m.name === name && m.kind === 'read' && m.inputs.length === inputs)
      ? name
      : undefined;
  const balance = read(names.balance, 1);
  if (!balance) return null;
  const symbol = read(names.symbol, 0);
  const decimals = read(names.decimals, 0);
  const name = read(names.name, 0);
  return {
    balance,
    ...(symbol ? { symbol } : {}),
    ...(decimals ? { decimals } : {}),
    ...(name ? { name } : {}),
  };
}

/** "FISCO BCOS, chain 1, group 1" / "Fabric, channel mychannel". */
export function chainLabel(chain: ResourceEntry['chain']): string {
  return chain.type === 'fisco-bcos'
    ? `FISCO BCOS, chain ${chain.chainId}, group ${chain.groupId}`
    : `Fabric, channel ${chain.channel}`;
}

/** `zone.chain` of a `zone.chain.resource` path. */
export function chainOf(path: string): string {
  return path.split('.').slice(0, 2).join('.');
}

interface AssetState {
  path: string;
  entry?: ResourceEntry;
  methods?: AssetMethods;
  sources: Set<string>;
  error?: string;
  unitError?: string;
  rows: BalanceRow[];
  /** The link its subscription lives on. */
  subscribedOn?: object;
  unsubscribe?: () => Promise<void>;
}

function message(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

export class BalanceService {
  readonly #reads: BalanceReads;
  readonly #holders: BalanceHolders;
  readonly #onChange: () => void;
  readonly #debounceMs: number;
  readonly #staleMs: number;
  readonly #now: () => number;

  readonly #assets = new Map<string, AssetState>();
  readonly #units = new Map<string, AssetUnit>();
  /** `path|identity|account` of Fabric accounts an identity was seen to own (owners never change). */
  readonly #owned = new Set<string>();
  /** Fabric `ClientID()` per identity id: derived from its certificate, it never changes. */
  readonly #clientIds = new Map<string, string>();

  /** Whether some popup shows the balances now. */
  #watched = false;
  /** Something changed while nobody looked: the next look reads everything. */
  #dirty = true;
  #state: BalancesView['state'] = 'idle';
  #error: string | undefined;
  #updatedAt: number | undefined;
  /** The refresh running, and whether another was asked meanwhile (everything, or these paths). */
  #running: Promise<void> | null = null;
  #again: Set<string> | 'all' | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #pending: Set<string> | 'all' | null = null;

  constructor(options: BalanceServiceOptions) {
    this.#reads = options.reads;
    this.#holders = options.holders;
    this.#onChange = options.onChange;
    this.#debounceMs = options.debounceMs ?? 300;
    this.#staleMs = options.staleMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  /** The balances as known now. */
  view(): BalancesView {
    return this.#view();
  }

  /**
   * Whether some popup shows the balances. The first look (or one after something changed
   * unseen, or after `staleMs`) reads everything; what is read comes through `onChange`.
   */
  watch(on: boolean): void {
    this.#watched = on;
    if (!on) return;
    const stale = this.#updatedAt === undefined || this.#now() - this.#updatedAt > this.#staleMs;
    if (this.#dirty || (stale && !this.#running)) {
      this.#dirty = false;
      this.#request('all', 0);
    }
  }

  /** Reads everything again now (the user asked). */
  refresh(): Promise<void> {
    this.#dirty = false;
    return this.#run('all');
  }

  /** Something that decides what to read changed (sessions, accounts, identities, unlocking). */
  changed(): void {
    this.#later('all');
  }

  /** The link came up (read everything: it may be a new one) or went down (every row says so). */
  linkChanged(connected: boolean): void {
    if (connected) this.#later('all', 0);
    else {
      this.#failAll(this.#linkError());
      this.#onChange();
    }
  }

  /**
   * Reads the units of `paths` not known yet (an approval names them: its amounts are shown in
   * them), whether or not balances have started.
   */
  async learnUnits(paths: readonly string[]): Promise<void> {
    const unknown = [...new Set(paths)].filter((p) => !this.#units.has(p));
    if (unknown.length === 0 || !this.#reads.link().connected) return;
    let learnt = false;
    await Promise.all(
      unknown.map(async (path) => {
        try {
          const entry = this.#assets.get(path)?.entry ?? (await this.#reads.describe(path));
          const methods = assetMethods(entry);
          if (!methods) return;
          this.#units.set(path, await this.#readUnit(entry, methods));
          learnt = true;
        } catch {
          // The approval shows raw amounts, as before; its own request reports what failed.
        }
      }),
    );
    if (learnt) this.#onChange();
  }

  /** Ends the subscriptions (the worker is going away, or tests end). */
  async stop(): Promise<void> {
    this.#watched = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await Promise.all([...this.#assets.values()].map((a) => this.#unsubscribe(a)));
  }

  /** Reads `what` soon if someone looks; otherwise when someone next does. */
  #later(what: Set<string> | 'all', delay = this.#debounceMs): void {
    if (this.#watched) this.#request(what, delay);
    else this.#dirty = true;
  }

  #request(what: Set<string> | 'all', delay = this.#debounceMs): void {
    this.#pending = merge(this.#pending, what);
    if (this.#timer) {
      if (delay > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const pending = this.#pending;
      this.#pending = null;
      if (pending) void this.#run(pending).catch(() => {});
    }, delay);
  }

  /** One refresh at a time; one asked while one runs runs after it (merged with any other). */
  #run(what: Set<string> | 'all'): Promise<void> {
    if (this.#running) {
      this.#again = merge(this.#again, what);
      return this.#running;
    }
    const run = (async () => {
      try {
        if (what === 'all') await this.#refreshAll();
        else await Promise.all([...what].map((path) => this.#refreshAsset(path)));
      } finally {
        this.#running = null;
        const again = this.#again;
        this.#again = null;
        if (again) void this.#run(again).catch(() => {});
      }
    })();
    this.#running = run;
    return run;
  }

  #linkError(): string {
    const link = this.#reads.link();
    if (!link.id) return 'no routers configured: add one under Routers';
    return `no link to the routers${link.error ? `: ${link.error}` : ' yet'}`;
  }

  #failAll(error: string): void {
    this.#error = error;
    for (const asset of this.#assets.values()) {
      asset.rows = asset.rows.map((row) => (row.state === 'none' ? row : { ...row, state: 'error', error }));
    }
  }

  async #refreshAll(): Promise<void> {
    this.#state = 'loading';
    this.#onChange();
    try {
      if (!this.#reads.link().connected) {
        this.#failAll(this.#linkError());
        return;
      }
      this.#error = undefined;
      const wanted = await this.#wantedAssets();
      for (const [path, asset] of this.#assets) {
        if (!wanted.has(path)) {
          this.#assets.delete(path);
          void this.#unsubscribe(asset);
        }
      }
      for (const asset of wanted.values()) this.#assets.set(asset.path, asset);
      await Promise.all([...wanted.keys()].map((path) => this.#refreshAsset(path)));
    } finally {
      this.#state = 'ready';
      this.#updatedAt = this.#now();
      this.#onChange();
    }
  }

  /** The assets to show: every asset the entry router lists, and the sessions' resources that are assets. */
  async #wantedAssets(): Promise<Map<string, AssetState>> {
    const wanted = new Map<string, AssetState>();
    const take = (path: string, source: string, entry?: ResourceEntry, error?: string) => {
      const known = this.#assets.get(path);
      const asset = wanted.get(path) ?? {
        path,
        sources: new Set<string>(),
        rows: known?.rows ?? [],
        ...(known?.subscribedOn ? { subscribedOn: known.subscribedOn } : {}),
        ...(known?.unsubscribe ? { unsubscribe: known.unsubscribe } : {}),
      };
      asset.sources.add(source);
      if (entry) {
        asset.entry = entry;
        const methods = assetMethods(entry);
        if (methods) asset.methods = methods;
        delete asset.error;
      } else if (error && !asset.entry) asset.error = error;
      wanted.set(path, asset);
    };
    /** Listed, but no asset: a session's key/value store or records need no second look. */
    const notAssets = new Set<string>();
    try {
      for (const entry of await this.#reads.resources()) {
        if (assetMethods(entry)) take(entry.path, 'network', entry);
        else notAssets.add(entry.path);
      }
    } catch (error) {
      this.#error = `the routers could not list the network's resources: ${message(error)}`;
    }
    const sessions = await this.#holders.sessions();
    await Promise.all(
      sessions.flatMap((session) =>
        session.resources.map(async (path) => {
          const listed = wanted.get(path);
          if (listed?.entry) {
            listed.sources.add(session.origin);
            return;
          }
          if (notAssets.has(path)) return;
          try {
            const entry = await this.#reads.describe(path);
            if (assetMethods(entry)) take(path, session.origin, entry);
          } catch (error) {
            // Not known to be an asset, but the site uses it: the user sees why it has no balance.
            take(path, session.origin, undefined, `the routers could not describe it: ${message(error)}`);
          }
        }),
      ),
    );
    return wanted;
  }

  async #refreshAsset(path: string): Promise<void> {
    const asset = this.#assets.get(path);
    if (!asset?.entry || !asset.methods) return;
    const { entry, methods } = asset;
    await this.#subscribe(asset);
    if (!this.#units.has(path)) {
      try {
        this.#units.set(path, await this.#readUnit(entry, methods));
        delete asset.unitError;
      } catch (error) {
        asset.unitError = message(error);
      }
    }
    asset.rows =
      entry.chain.type === 'fisco-bcos'
        ? await this.#fiscoRows(asset, entry, methods)
        : await this.#fabricRows(asset, entry, methods);
    this.#onChange();
  }

  async #subscribe(asset: AssetState): Promise<void> {
    const link = this.#reads.link().id;
    if (!link || asset.subscribedOn === link) return;
    // The old link's subscription went with it.
    asset.subscribedOn = link;
    try {
      const subscription = await this.#reads.subscribe(asset.path, () => this.#later(new Set([asset.path])));
      asset.unsubscribe = () => subscription.unsubscribe();
    } catch {
      // Without events the balances still refresh on the link, sessions and each popup opening.
      delete asset.subscribedOn;
    }
  }

  async #unsubscribe(asset: AssetState): Promise<void> {
    const unsubscribe = asset.unsubscribe;
    delete asset.unsubscribe;
    delete asset.subscribedOn;
    await unsubscribe?.().catch(() => {});
  }

  async #readUnit(entry: ResourceEntry, methods: AssetMethods): Promise<AssetUnit> {
    const text = async (method: string | undefined): Promise<string | undefined> => {
      if (!method) return undefined;
      const { values, raw } = await this.#reads.call(entry.path, method, []);
      return entry.chain.type === 'fabric' ? fabricText(raw) : String(values[0] ?? '');
    };
    const [symbol, decimals, name] = await Promise.all([
      text(methods.symbol),
      text(methods.decimals),
      text(methods.name),
    ]);
    const places = decimals === undefined ? 0 : Number(decimals);
    if (!Number.isInteger(places) || places < 0 || places > MAX_DECIMALS) {
      throw new RangeError(`the asset says ${decimals} decimals`);
    }
    return { symbol: symbol ?? '', decimals: places, ...(name ? { name } : {}) };
  }

  async #fiscoRows(asset: AssetState, entry: ResourceEntry, methods: AssetMethods): Promise<BalanceRow[]> {
    const accounts = await this.#holders.accounts();
    // The routers on the way only relay what the origin router read: one word, however many hops.
    const by = `as reported by the router fronting ${entry.path.split('.').slice(0, 2).join('.')}: FISCO BCOS 2.x has no state proofs`;
    return Promise.all(
      accounts.map(async (account): Promise<BalanceRow> => {
        const before = previous(asset, account.address);
        const row = { holder: account.address, owner: account.name };
        try {
          const { values } = await this.#reads.call(
            entry.path,
            methods.balance,
            [account.address],
            account.address,
          );
          return {
            ...row,
            state: 'ok',
            amount: rawAmount(values[0]).toString(),
            verified: { backing: 'router', by },
            readAt: this.#now(),
          };
        } catch (error) {
          return failed(row, before, error);
        }
      }),
    );
  }

  async #fabricRows(asset: AssetState, entry: ResourceEntry, methods: AssetMethods): Promise<BalanceRow[]> {
    const identities = await this.#holders.fabricIdentities();
    if (identities.length === 0) {
      return [
        {
          holder: '',
          owner: '',
          state: 'none',
          error: 'no Fabric identity in this wallet: import one to see its accounts here',
        },
      ];
    }
    if (!this.#holders.canSign()) {
      const error = 'unlock the wallet: Fabric balances are read signed by your identity';
      return identities.map((identity) =>
        failed({ holder: identity.name, owner: identity.name }, previous(asset, identity.name), error),
      );
    }
    const rows = await Promise.all(
      identities.map(async (identity): Promise<BalanceRow[]> => {
        const read = (fn: string, args: string[]) =>
          this.#reads.endorsedRead(entry.path, identity.id, entry.address, fn, args);
        const names = this.#holders
          .fabricAccountNames(identity)
          .filter((name, i, all) => FABRIC_ACCOUNT.test(name) && all.indexOf(name) === i);
        try {
          const owned = await this.#ownedAccounts(entry.path, identity.id, names, read);
          if (owned.length === 0) {
            return [
              {
                holder: identity.name,
                owner: identity.name,
                state: 'none',
                error: `${identity.name} owns no account here (looked for ${names.join(', ') || 'none'})`,
              },
            ];
          }
          return await Promise.all(
            owned.map(async (account): Promise<BalanceRow> => {
              const row = { holder: account, owner: identity.name };
              try {
                const { text, by } = await read(methods.balance, [account]);
                return {
                  ...row,
                  state: 'ok',
                  amount: rawAmount(text).toString(),
                  verified: { backing: 'endorsed', by },
                  readAt: this.#now(),
                };
              } catch (error) {
                return failed(row, previous(asset, account), error);
              }
            }),
          );
        } catch (error) {
          return [
            failed({ holder: identity.name, owner: identity.name }, previous(asset, identity.name), error),
          ];
        }
      }),
    );
    return rows.flat();
  }

  /**
   * The names among `names` the identity owns on this asset: the chaincode's `OwnerOf(name)`
   * against `ClientID()`, both read as the identity, endorsed (a router cannot vouch for an owner).
   */
  async #ownedAccounts(
    path: string,
    identityId: string,
    names: string[],
    read: (fn: string, args: string[]) => Promise<{ text: string }>,
  ): Promise<string[]> {
    const key = (name: string) => `${path}|${identityId}|${name}`;
    const unknown = names.filter((name) => !this.#owned.has(key(name)));
    if (unknown.length > 0) {
      let me = this.#clientIds.get(identityId);
      if (me === undefined) {
        me = (await read('ClientID', [])).text;
        this.#clientIds.set(identityId, me);
      }
      for (const name of unknown) {
        try {
          if ((await read('OwnerOf', [name])).text === me) this.#owned.add(key(name));
        } catch (error) {
          // No such account (yet): the next refresh looks again.
          if (!/does not exist/.test(message(error))) throw error;
        }
      }
    }
    return names.filter((name) => this.#owned.has(key(name)));
  }

  #view(): BalancesView {
    const chains = new Map<string, ChainBalances>();
    const assets = [...this.#assets.values()]
      .filter((a) => a.methods || (a.error && [...a.sources].some((s) => s !== 'network')))
      .sort((a, b) => a.path.localeCompare(b.path));
    for (const asset of assets) {
      const chain = chainOf(asset.path);
      const group = chains.get(chain) ?? {
        chain,
        label: chain,
        assets: [],
      };
      if (asset.entry) {
        group.type = asset.entry.chain.type;
        group.label = chainLabel(asset.entry.chain);
      }
      const unit = this.#units.get(asset.path);
      const shown: AssetBalances = {
        path: asset.path,
        sources: [...asset.sources].sort((a, b) =>
          a === 'network' ? -1 : b === 'network' ? 1 : a.localeCompare(b),
        ),
        rows: asset.rows,
        ...(asset.entry ? { contract: asset.entry.address } : {}),
        ...(unit ? { unit } : {}),
        ...(asset.unitError ? { unitError: asset.unitError } : {}),
        ...(asset.error ? { error: asset.error } : {}),
      };
      if (asset.methods && shown.rows.length === 0 && this.#state !== 'ready') {
        shown.rows = [{ holder: '', owner: '', state: 'loading' }];
      }
      group.assets.push(shown);
      chains.set(chain, group);
    }
    return {
      state: this.#state,
      ...(this.#error ? { error: this.#error } : {}),
      chains: [...chains.values()],
      units: Object.fromEntries(this.#units),
      ...(this.#updatedAt !== undefined ? { updatedAt: this.#updatedAt } : {}),
    };
  }
}

function merge(a: Set<string> | 'all' | null, b: Set<string> | 'all'): Set<string> | 'all' {
  if (a === 'all' || b === 'all') return 'all';
  return new Set([...(a ?? []), ...b]);
}

function previous(asset: AssetState, holder: string): BalanceRow | undefined {
  return asset.rows.find((row) => row.holder.toLowerCase() === holder.toLowerCase());
}

/** A failed read: the error, with the last amount read (and what backed it) kept. */
function failed(
  row: { holder: string; owner: string },
  before: BalanceRow | undefined,
  error: unknown,
): BalanceRow {
  return {
    ...row,
    state: 'error',
    error: typeof error === 'string' ? error : message(error),
    ...(before?.amount !== undefined ? { amount: before.amount } : {}),
    ...(before?.verified ? { verified: before.verified } : {}),
    ...(before?.readAt !== undefined ? { readAt: before.readAt } : {}),
  };
}

/** A Fabric answer's bytes (hex) as text: balances stay exact (no JSON number rounding). */
function fabricText(raw: string): string {
  const hex = raw.startsWith('0x') ? raw.slice(2) : raw;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return new TextDecoder().decode(bytes);
}
