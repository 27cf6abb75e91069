/**
 * The TTM drivers' context (background/ttm/drive-context.ts) faked around in-memory chains
 * (fake-asset-chain.ts): a write-ahead log that keeps copies, a `save` that can crash at any
 * checkpoint (after its write landed, as the crash harness's `hang`, or before, as a worker
 * dying mid-write), chains that refuse every call once the worker "died", the fake clock's
 * `now`/`sleep`, chain watches woken by the ledgers' writes, and secrets "sealed" in the clear.
 *
 * `runWallet` plays a wallet's life: log the new record (as the coordinator does), drive it,
 * and after each crash wait out the downtime and drive again from the last saved record (as a
 * worker start does), until the driver returns.
 *
 * Every write the wallet sends is checked against what its log said at that moment (the
 * write-ahead rule, docs/ttm.md "The log"): `violations` lists each one sent too early.
 */
import type { AssetChain } from '../../../background/ttm/asset-chain.ts';
import type { ChainWatch, DriveContext } from '../../../background/ttm/drive-context.ts';
import { type Hex, isFinal, type TtmRecord } from '../../../background/ttm/types.ts';
import type { FakeClock, FakeLedger } from './fake-asset-chain.ts';

/** Copies in, copies out, like IndexedDB. */
export class FakeLog {
  readonly #records = new Map<string, TtmRecord>();

  put(record: TtmRecord): void {
    this.#records.set(record.id, structuredClone(record));
  }

  get(id: string): TtmRecord | undefined {
    const record = this.#records.get(id);
    return record && structuredClone(record);
  }

  /** What the log says now, not copied: for checks only. */
  peek(id: string): Readonly<TtmRecord> | undefined {
    return this.#records.get(id);
  }
}

/** The worker died: thrown by `save` at the crash point and by everything the dead worker still tries. */
export class Crash extends Error {
  override name = 'Crash';
}

export type CrashMode = 'after-write' | 'before-write';

/** Where a worker dies: at its `save`th save or at the first save named `checkpoint`. */
export interface CrashSpec {
  save?: number;
  checkpoint?: string;
  mode: CrashMode;
  /** How long until the worker starts again (default 1 s), or the clock time (ms) it starts at. */
  downtimeMs?: number;
  resumeAtMs?: number;
}

/** A wallet's default chain identities: FISCO BCOS account index → address; Fabric: the identity id. */
export const ADDRESSES = [
  '0x00000000000000000000000000000000000000a1',
  '0x00000000000000000000000000000000000000b2',
  '0x00000000000000000000000000000000000000c3',
] as const;

export function defaultCaller(ledger: FakeLedger, signer: TtmRecord['signer']): string {
  if (ledger.dialect === 'fabric') return signer.fabricIdentity ?? '';
  return ADDRESSES[signer.account] ?? `0x${signer.account.toString(16).padStart(40, '0')}`;
}

export interface FakeContextOptions {
  clock: FakeClock;
  ledgers: FakeLedger[];
  log: FakeLog;
  crash?: CrashSpec;
  /** Every save, with its checkpoint name, before it can crash. */
  onSave?: (checkpoint: string, record: TtmRecord) => void;
  /** Write-ahead violations are pushed here. */
  violations?: string[];
  callerOf?: (ledger: FakeLedger, signer: TtmRecord['signer']) => string;
  /** Stands between the driver and a ledger (e.g. a router that lies about a state). */
  wrap?: (chain: AssetChain, ledger: FakeLedger) => AssetChain;
}

/** More context calls than this at one instant of the clock is a driver looping without waiting. */
const RUNAWAY_STEPS = 5_000;

export interface FakeContext {
  context: DriveContext;
  /** Checkpoints this worker passed (saved), in order. */
  saves: string[];
  /** Resolves when this worker crashes (a `Crash`), or with the error that stopped a runaway driver. */
  crashed: Promise<Error>;
  isDead(): boolean;
  /** Stops the drivers at their next step, as the coordinator's stop() does. */
  stop(): void;
}

/** What each write needs the log to say before the wallet may send it. */
const WRITE_AHEAD: Record<string, (record: Readonly<TtmRecord> | undefined) => boolean> = {
  prepare: (r) => r?.state === 'preparing',
  commit: (r) => r?.state === 'committing',
  abort: (r) => r?.state === 'aborting',
  htlcLock: (r) => r?.state === 'locking',
  htlcClaim: (r) => r?.state === 'claiming' && r.secret !== undefined,
  htlcRefund: (r) => r?.state === 'refunding',
};

export function fakeContext(options: FakeContextOptions): FakeContext {
  const { clock, ledgers, log, crash } = options;
  const callerOf = options.callerOf ?? defaultCaller;
  const saves: string[] = [];
  let dead = false;
  let stopped = false;
  let die: (error: Error) => void = () => {};
  const crashed = new Promise<Error>((resolve) => {
    die = resolve;
  });
  const kill = (at: string): never => {
    const error = new Crash(`the worker died at ${at}`);
    dead = true;
    die(error);
    throw error;
  };
  // A driver going round without the clock moving (a loop with no wait) is stopped and reported.
  let instant = Number.NaN;
  let steps = 0;
  const tick = () => {
    if (clock.now() !== instant) {
      instant = clock.now();
      steps = 0;
    }
    if (++steps === RUNAWAY_STEPS) {
      dead = true;
      die(
        new Error(`runaway: ${RUNAWAY_STEPS} steps at one instant; last saves ${saves.slice(-4).join(', ')}`),
      );
    }
  };
  const alive = () => {
    tick();
    if (dead) throw new Crash('the worker is dead');
  };
  const ledgerOf = (path: string) => {
    const ledger = ledgers.find((l) => l.path === path);
    if (!ledger) throw new Error(`no route to ${path}`);
    return ledger;
  };

  /** The dead send nothing; the living send only what their log allows. */
  function guard(chain: AssetChain, ledger: FakeLedger): AssetChain {
    const send =
      <A extends unknown[]>(op: keyof typeof WRITE_AHEAD, fn: (...args: A) => Promise<void>) =>
      async (...args: A) => {
        alive();
        const id = args[0] as Hex;
        const logged = log.peek(id);
        if (!WRITE_AHEAD[op]?.(logged))
          options.violations?.push(
            `${op} on ${ledger.path} sent while the log says ${logged?.state ?? 'nothing'}`,
          );
        return fn(...args);
      };
    const ask =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A) => {
        alive();
        return fn(...args);
      };
    return {
      path: chain.path,
      lastWrite: () => chain.lastWrite(),
      prepare: send('prepare', chain.prepare.bind(chain)),
      commit: send('commit', chain.commit.bind(chain)),
      abort: send('abort', chain.abort.bind(chain)),
      txState: ask(chain.txState.bind(chain)),
      htlcLock: send('htlcLock', chain.htlcLock.bind(chain)),
      htlcClaim: send('htlcClaim', chain.htlcClaim.bind(chain)),
      htlcRefund: send('htlcRefund', chain.htlcRefund.bind(chain)),
      htlcState: ask(chain.htlcState.bind(chain)),
    };
  }

  const context: DriveContext = {
    chain: async (path, signer) => {
      alive();
      const ledger = ledgerOf(path);
      const chain = ledger.as(callerOf(ledger, signer));
      return guard(options.wrap ? options.wrap(chain, ledger) : chain, ledger);
    },
    save: async (record, checkpoint) => {
      alive();
      saves.push(checkpoint);
      options.onSave?.(checkpoint, record);
      const here = crash && (crash.save === saves.length || crash.checkpoint === checkpoint);
      if (here && crash.mode === 'before-write') kill(checkpoint);
      log.put(record);
      if (here) kill(checkpoint);
    },
    openSecret: async (record) => {
      alive();
      if (!record.secret) throw new Error(`no secret for ${record.id}`);
      return record.secret.ciphertext as Hex;
    },
    sealSecret: async (record, secret) => {
      alive();
      record.secret = sealedInClear(secret);
    },
    watch: (path) => watch(ledgerOf(path), clock, () => dead),
    stopped: () => {
      tick();
      return dead || stopped;
    },
    now: clock.now,
    // A dead worker's timers never fire; resolving at once lets its driver see `stopped` and return.
    sleep: (ms) => (dead ? Promise.resolve() : clock.sleep(ms)),
  };
  return {
    context,
    saves,
    crashed,
    isDead: () => dead,
    stop: () => {
      stopped = true;
    },
  };
}

/** The coordinator keeps secrets sealed with the vault's key; here the "seal" is the secret itself. */
export function sealedInClear(secret: Hex): { iv: string; ciphertext: string } {
  return { iv: 'in the clear', ciphertext: secret };
}

function watch(ledger: FakeLedger, clock: FakeClock, dead: () => boolean): ChainWatch {
  let pending = false;
  let wake: (() => void) | null = null;
  const off = ledger.on(() => {
    pending = true;
    wake?.();
  });
  return {
    next: (maxMs) =>
      new Promise<void>((resolve) => {
        if (pending || dead()) {
          pending = false;
          resolve();
          return;
        }
        const cancel = clock.timer(maxMs, () => done());
        const done = () => {
          cancel();
          wake = null;
          pending = false;
          resolve();
        };
        wake = done;
      }),
    close: () => {
      off();
    },
  };
}

export interface RunWalletOptions<R extends TtmRecord> {
  clock: FakeClock;
  ledgers: FakeLedger[];
  log?: FakeLog;
  /** The new record, logged under `startCheckpoint` before the driver starts (the coordinator's first save). */
  record: R;
  startCheckpoint: string;
  drive: (record: R, context: DriveContext) => Promise<void>;
  /** Where the worker dies in each incarnation (0 first), if it does. */
  crashes?: (incarnation: number) => CrashSpec | undefined;
  onSave?: (checkpoint: string, record: TtmRecord) => void;
  violations?: string[];
  callerOf?: FakeContextOptions['callerOf'];
  wrap?: FakeContextOptions['wrap'];
}

export interface WalletRun<R extends TtmRecord> {
  /** The last record the log holds (undefined: the worker died before the first write landed). */
  final: R | undefined;
  /** Every checkpoint passed, across incarnations. */
  checkpoints: string[];
  incarnations: number;
  crashes: string[];
  /** Clock time (ms) of each crash. */
  crashedAt: number[];
}

/**
 * A wallet's life with crashes: resolves once a driver returns without crashing (or the worker
 * died before its first log write). Throws whatever else a driver throws: the coordinator
 * would swallow it and retry at the next start, which is a bug worth seeing here.
 */
export async function runWallet<R extends TtmRecord>(options: RunWalletOptions<R>): Promise<WalletRun<R>> {
  const { clock, record } = options;
  const log = options.log ?? new FakeLog();
  const run: WalletRun<R> = {
    final: undefined,
    checkpoints: [],
    incarnations: 0,
    crashes: [],
    crashedAt: [],
  };
  for (let incarnation = 0; ; incarnation++) {
    if (incarnation > 40) throw new Error(`still not done after ${incarnation} worker starts`);
    const crash = options.crashes?.(incarnation);
    const fake = fakeContext({
      clock,
      ledgers: options.ledgers,
      log,
      ...(crash ? { crash } : {}),
      onSave: (name, r) => {
        run.checkpoints.push(name);
        options.onSave?.(name, r);
      },
      ...(options.violations ? { violations: options.violations } : {}),
      ...(options.callerOf ? { callerOf: options.callerOf } : {}),
      ...(options.wrap ? { wrap: options.wrap } : {}),
    });
    run.incarnations++;
    const driving = (async () => {
      if (incarnation === 0) {
        await fake.context.save(record, options.startCheckpoint);
        await options.drive(record, fake.context);
        return;
      }
      const saved = log.get(record.id) as R | undefined;
      // The coordinator resumes only what is unfinished.
      if (saved && !isFinal(saved)) await options.drive(saved, fake.context);
    })();
    const outcome = await Promise.race([
      driving.then(
        () => 'returned' as const,
        (error: unknown) => error,
      ),
      fake.crashed,
    ]);
    if (outcome === 'returned') break;
    if (!(outcome instanceof Crash)) throw outcome;
    // The dead worker's driver may still be unwinding: it can no longer reach a chain or the log.
    driving.catch(() => {});
    run.crashes.push(outcome.message);
    run.crashedAt.push(clock.now());
    if (!log.peek(record.id)) break;
    const wait =
      crash?.resumeAtMs !== undefined ? crash.resumeAtMs - clock.now() : (crash?.downtimeMs ?? 1_000);
    await clock.sleep(wait);
  }
  run.final = log.get(record.id) as R | undefined;
  return run;
}
