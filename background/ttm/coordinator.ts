/**
 * The TTM coordinator: owns the write-ahead log and one driver per unfinished record.
 *
 * On every worker start (and whenever the vault unlocks) `resume()` loads what the log says is
 * unfinished and drives each to an end with no user action: drivers sign, so they need the
 * unlocked vault; a worker restarted while unlocked restores it from the session, and after a
 * browser restart the next unlock resumes them. Meanwhile the routers finish any commit or
 * claim whose secret is public, and no lock outlives its deadline on the chains.
 */
import type { ResourceEntry } from '../../p2p/protocol/messages.ts';
import type { RouterConnection } from '../routers/router-connection.ts';
import { pinOf, requirePinned } from '../sessions/resource-pin.ts';
import type { ChainTrust } from '../trust/chain-trust.ts';
import type { Vault } from '../vault/vault.ts';
import { type AssetChain, assetChain } from './asset-chain.ts';
import type { ChainWatch, DriveContext } from './drive-context.ts';
import { driveSwap } from './drive-swap.ts';
import { driveTransaction } from './drive-transaction.ts';
import { openSecret, sealSecret } from './secret.ts';
import { sleep } from './timing.ts';
import type { TtmLog } from './ttm-log.ts';
import type { Hex, SwapRecord, TransactionRecord, TtmRecord } from './types.ts';

export interface CoordinatorOptions {
  log: TtmLog;
  vault: Vault;
  routers: RouterConnection;
  trust: ChainTrust;
  /**
   * Called after every log write with the checkpoint's name. Only the test build passes one
   * (background/ttm/failpoints.ts, the crash harness's fault injection); production has none.
   */
  checkpoint?: (name: string) => Promise<void>;
  /**
   * Keeps a periodic wake-up (`chrome.alarms`) on while anything is unfinished (set when a
   * driver starts, cleared when the last one ends and nothing is left), so a worker the
   * browser stopped comes back to finish it (and to refund after a timelock) with no user action.
   */
  heartbeat?: (on: boolean) => void;
}

export class TtmCoordinator {
  readonly #options: CoordinatorOptions;
  readonly #running = new Map<string, Promise<void>>();
  readonly #lockWaiters = new Map<string, () => void>();
  /** Per resource path: who wants to hear of its events, and whether the routers stream them to us. */
  readonly #listeners = new Map<string, Set<() => void>>();
  readonly #subscribed = new Set<string>();
  #stopped = false;

  constructor(options: CoordinatorOptions) {
    this.#options = options;
  }

  get log(): TtmLog {
    return this.#options.log;
  }

  /** Drives every unfinished record this worker is not driving yet. Needs the unlocked vault. */
  async resume(): Promise<void> {
    const unfinished = await this.#options.log.unfinished();
    this.#options.heartbeat?.(unfinished.length > 0);
    if (!this.#options.vault.isUnlocked()) return;
    for (const record of unfinished) this.#drive(record);
  }

  /**
   * Logs a new cross-chain transaction (before anything is sent) and drives it; resolves with
   * the final record.
   */
  async runTransaction(record: TransactionRecord): Promise<TransactionRecord> {
    await this.#context().save(record, 'transaction:preparing');
    await this.#drive(record);
    return ((await this.#options.log.get(record.id)) as TransactionRecord | undefined) ?? record;
  }

  /** Logs a new swap side and drives it; resolves once our lock is in place (or the swap ended). */
  async startSwap(record: SwapRecord): Promise<SwapRecord> {
    await this.#context().save(record, `swap:${record.role}:locking`);
    const locked = new Promise<void>((resolve) => this.#lockWaiters.set(record.id, resolve));
    void this.#drive(record);
    await locked;
    return ((await this.#options.log.get(record.id)) as SwapRecord | undefined) ?? record;
  }

  /** Stops every driver at its next step; what they were doing stays in the log for resume(). */
  stop(): void {
    this.#stopped = true;
  }

  #drive(record: TtmRecord): Promise<void> {
    const running = this.#running.get(record.id);
    if (running) return running;
    const context = this.#context(record.pins);
    this.#options.heartbeat?.(true);
    const done = (async () => {
      try {
        if (record.kind === 'transaction') await driveTransaction(record, context);
        else await driveSwap(record, context, () => this.#lockWaiters.get(record.id)?.());
      } catch {
        // Vault locked mid-way or the log unavailable: the next resume() takes it from the log.
      } finally {
        this.#running.delete(record.id);
        this.#lockWaiters.get(record.id)?.();
        this.#lockWaiters.delete(record.id);
      }
      // The last driver ended: keep waking the worker only if something is still unfinished.
      if (this.#running.size === 0)
        this.#options.heartbeat?.((await this.#options.log.unfinished()).length > 0);
    })();
    this.#running.set(record.id, done);
    return done;
  }

  /** `pins`: the record's; a resource described otherwise now is refused, and its step retried or left to its deadline. */
  #context(pins: TtmRecord['pins'] = {}): DriveContext {
    const { log, vault, routers, trust, checkpoint } = this.#options;
    const chains = new Map<string, Promise<AssetChain>>();
    return {
      chain: (path, signer) => {
        const key = `${path}\n${signer.account}\n${signer.fabricIdentity ?? ''}`;
        let chain = chains.get(key);
        if (!chain) {
          chain = routers.describe(path).then((entry: ResourceEntry) => {
            // Records logged before pins existed have none: nothing to hold them to.
            if (Object.hasOwn(pins, path)) requirePinned(path, pins[path], pinOf(entry));
            return assetChain({ client: routers.client(), vault, trust, entry, signer });
          });
          chain.catch(() => chains.delete(key));
          chains.set(key, chain);
        }
        return chain;
      },
      save: async (record, name) => {
        await log.put(record);
        await checkpoint?.(name);
      },
      openSecret: async (record) => {
        if (!record.secret) throw new Error(`no secret for ${record.id}`);
        return openSecret(record.secret, record.id, vault.ttmKey());
      },
      sealSecret: async (record, secret: Hex) => {
        record.secret = await sealSecret(secret, record.id, vault.ttmKey());
      },
      watch: (path) => this.#watch(path),
      stopped: () => this.#stopped,
      now: () => Date.now(),
      sleep,
    };
  }

  #watch(path: string): ChainWatch {
    let pending = false;
    let wake: (() => void) | null = null;
    const listener = () => {
      pending = true;
      wake?.();
    };
    const listeners = this.#listeners.get(path) ?? new Set<() => void>();
    this.#listeners.set(path, listeners);
    listeners.add(listener);
    this.#subscribe(path);
    return {
      next: (maxMs) =>
        new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            wake = null;
            pending = false;
            resolve();
          };
          const timer = setTimeout(done, pending ? 0 : maxMs);
          wake = done;
        }),
      close: () => listeners.delete(listener),
    };
  }

  /** One event subscription per path, kept for the worker's life (the client renews it on reconnect). */
  #subscribe(path: string): void {
    if (this.#subscribed.has(path)) return;
    this.#subscribed.add(path);
    let client: ReturnType<RouterConnection['client']>;
    try {
      client = this.#options.routers.client();
    } catch {
      this.#subscribed.delete(path);
      return;
    }
    client
      .subscribe(path, () => {
        for (const listener of this.#listeners.get(path) ?? []) listener();
      })
      .catch(() => this.#subscribed.delete(path));
  }
}
