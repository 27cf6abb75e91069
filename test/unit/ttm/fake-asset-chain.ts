/**
 * An in-memory TTM asset resource behind the `AssetChain` interface (background/ttm/asset-chain.ts),
 * modelled on the FISCO BCOS `Asset` contract and the Fabric `asset` chaincode (docs/ttm.md,
 * "Contracts and chaincode"): escrowed prepare/commit/abort under a sha256 hash lock and a
 * deadline, HTLC lock/claim/refund, every operation repeat-safe, locks that lapse at their
 * deadline by the chain's clock, and refusals as `ChainRefusedError` in each chain's own words
 * (`dialect`). Time is a `FakeClock` that tests advance instantly.
 *
 * Faults: a window of the clock in which the resource is unreachable (nothing lands) or loses
 * replies (writes land, the caller sees a passing error), a first reply lost for every write,
 * and a chain clock that lags the wallet's.
 */
import {
  type AssetChain,
  ChainRefusedError,
  type HtlcChainState,
  type HtlcOnChain,
  type Transfer,
  type TxChainState,
  type TxOnChain,
} from '../../../background/ttm/asset-chain.ts';
import { hashLockOf } from '../../../background/ttm/secret.ts';
import type { ChainType, Hex } from '../../../background/ttm/types.ts';

const ZERO32 = `0x${'0'.repeat(64)}` as Hex;
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;

/**
 * Milliseconds that pass only when told: `sleep` and `timer` wait on it, and `run` lets every
 * promise settle, then jumps to the next timer, so hours of protocol time take milliseconds.
 */
export class FakeClock {
  #ms: number;
  #seq = 0;
  /** Sorted by time, then by when they were set. */
  #timers: { at: number; seq: number; fire: () => void }[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#ms = startMs;
  }

  now = (): number => this.#ms;

  /** Unix seconds, as chains count. */
  seconds(): number {
    return Math.floor(this.#ms / 1000);
  }

  /** Calls `fire` once `ms` have passed; returns a cancel function. */
  timer(ms: number, fire: () => void): () => void {
    const entry = { at: this.#ms + Math.max(0, ms), seq: this.#seq++, fire };
    let i = this.#timers.length;
    while (i > 0 && (this.#timers[i - 1] as { at: number }).at > entry.at) i--;
    this.#timers.splice(i, 0, entry);
    return () => {
      const at = this.#timers.indexOf(entry);
      if (at >= 0) this.#timers.splice(at, 1);
    };
  }

  /** Resolves once `run` (or `advance`) moved the clock `ms` on. */
  sleep = (ms: number): Promise<void> => new Promise((resolve) => this.timer(ms, resolve));

  /** Moves the clock `ms` on, firing the timers due meanwhile. */
  async advance(ms: number): Promise<void> {
    let done = false;
    this.timer(ms, () => {
      done = true;
    });
    await this.run(() => done);
  }

  /**
   * Runs the world until `done()`: settles every pending promise (nothing here waits on real
   * I/O), then moves the clock to the earliest timer and fires it, and again. Throws if nothing
   * is left to wait for, or after `limitMs` of clock time.
   */
  async run(done: () => boolean, limitMs = 12 * 3600_000): Promise<void> {
    const end = this.#ms + limitMs;
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (done()) return;
      const next = this.#timers.shift();
      if (!next) throw new Error('stuck: not done, and nothing waits for the clock');
      if (next.at > end) throw new Error(`not done after ${limitMs} ms of clock time`);
      this.#ms = Math.max(this.#ms, next.at);
      next.fire();
    }
  }
}

export type Dialect = ChainType;

/** When the resource fails, by the clock (ms): `down` lands nothing, `lost-replies` lands writes but loses the answer. */
export interface Fault {
  kind: 'down' | 'lost-replies';
  from: number;
  until: number;
}

interface TxEntry {
  owner: string;
  hashLock: Hex;
  deadline: number;
  state: TxChainState;
  transfers: { from: string; to: string; amount: bigint }[];
  preimage?: Hex;
}

interface HtlcEntry {
  /** The caller that locked. */
  owner: string;
  from: string;
  to: string;
  amount: bigint;
  hashLock: Hex;
  timelock: number;
  state: HtlcChainState;
  preimage?: Hex;
}

/** One write the resource took, for the tests' assertions. */
export interface Landed {
  at: number;
  caller: string;
  op: 'prepare' | 'commit' | 'abort' | 'htlcLock' | 'htlcClaim' | 'htlcRefund';
  id: Hex;
  /** Whether it changed anything (a repeat does not). */
  changed: boolean;
}

export interface FakeLedgerOptions {
  path: string;
  dialect: Dialect;
  clock: FakeClock;
  /** Opening balances: FISCO BCOS addresses, or Fabric account names. */
  balances: Record<string, number | bigint>;
  /** Fabric: the identity that owns each account (only its owner may debit it). */
  owners?: Record<string, string>;
}

/** One asset resource. `as(caller)` gives the `AssetChain` a given signer sees. */
export class FakeLedger {
  readonly path: string;
  readonly dialect: Dialect;
  readonly clock: FakeClock;
  readonly balances = new Map<string, bigint>();
  readonly owners: Map<string, string>;
  readonly supply: bigint;
  readonly txs = new Map<string, TxEntry>();
  readonly htlcs = new Map<string, HtlcEntry>();
  /** Which transaction last locked an account; the lock holds while it is prepared and before its deadline. */
  readonly #locks = new Map<string, string>();
  /** Every write that landed. */
  readonly landed: Landed[] = [];
  /** Set when balances plus escrow ever differ from the supply. */
  readonly violations: string[] = [];
  faults: Fault[] = [];
  /** Every write's first reply is lost (the write lands). */
  firstReplyLost = false;
  readonly #replied = new Set<string>();
  /** Seconds the chain's clock is behind the wallet's (a block not yet produced, a Fabric proposer's clock). */
  lagS = 0;
  /** Called as a hook before each operation (tests check what the log says then). */
  onCall?: (caller: string, op: string, id: Hex) => void;
  readonly #listeners = new Set<() => void>();

  constructor(options: FakeLedgerOptions) {
    this.path = options.path;
    this.dialect = options.dialect;
    this.clock = options.clock;
    for (const [account, amount] of Object.entries(options.balances))
      this.balances.set(this.#key(account), BigInt(amount));
    this.owners = new Map(Object.entries(options.owners ?? {}));
    this.supply = [...this.balances.values()].reduce((a, b) => a + b, 0n);
  }

  /** The chain's clock, Unix seconds. */
  time(): number {
    return this.clock.seconds() - this.lagS;
  }

  balance(account: string): bigint {
    return this.balances.get(this.#key(account)) ?? 0n;
  }

  /** What prepared transactions and locked HTLCs hold. */
  escrow(): bigint {
    let total = 0n;
    for (const t of this.txs.values())
      if (t.state === 'prepared') for (const s of t.transfers) total += s.amount;
    for (const h of this.htlcs.values()) if (h.state === 'locked') total += h.amount;
    return total;
  }

  /** The transaction whose live lock holds `account`, if any. */
  lockedBy(account: string): string | undefined {
    const id = this.#locks.get(this.#key(account));
    const t = id ? this.txs.get(id) : undefined;
    return t && t.state === 'prepared' && this.time() < t.deadline ? id : undefined;
  }

  txStateOf(id: Hex): TxChainState {
    return this.txs.get(id.toLowerCase())?.state ?? 'none';
  }

  htlcStateOf(id: Hex): HtlcChainState {
    return this.htlcs.get(id.toLowerCase())?.state ?? 'none';
  }

  /** Wakes on every write that changed something. */
  on(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The resource as `caller` (FISCO BCOS: an address; Fabric: an identity id) signs and reads it. */
  as(caller: string): AssetChain {
    const me = this.#key(caller);
    const read = <T>(op: string, id: Hex, body: () => T): Promise<T> => this.#call(me, op, id, false, body);
    const write = (op: Landed['op'], id: Hex, body: () => boolean): Promise<void> =>
      this.#call(me, op, id, true, () => {
        const changed = body();
        this.landed.push({ at: this.clock.now(), caller: me, op, id: id.toLowerCase() as Hex, changed });
        if (changed) this.#changed();
      });
    return {
      path: this.path,
      lastWrite: () => undefined,
      prepare: (id, hashLock, deadline, transfers) =>
        write('prepare', id, () => this.#prepare(me, id, hashLock, deadline, transfers)),
      commit: (id, preimage) => write('commit', id, () => this.#commit(id, preimage)),
      abort: (id) => write('abort', id, () => this.#abort(me, id)),
      txState: (id) => read('txState', id, () => this.#txState(id)),
      htlcLock: (id, lock) => write('htlcLock', id, () => this.#htlcLock(me, id, lock)),
      htlcClaim: (id, preimage) => write('htlcClaim', id, () => this.#htlcClaim(id, preimage)),
      htlcRefund: (id) => write('htlcRefund', id, () => this.#htlcRefund(id)),
      htlcState: (id) => read('htlcState', id, () => this.#htlcState(id)),
    };
  }

  async #call<T>(caller: string, op: string, id: Hex, isWrite: boolean, body: () => T): Promise<T> {
    this.onCall?.(caller, op, id);
    const now = this.clock.now();
    const fault = this.faults.find((f) => f.from <= now && now < f.until);
    if (fault?.kind === 'down') throw new Error(`${this.path} unreachable`);
    const result = body();
    if (isWrite) {
      const key = `${caller} ${op} ${id}`;
      const lostOnce = this.firstReplyLost && !this.#replied.has(key);
      this.#replied.add(key);
      if (fault?.kind === 'lost-replies' || lostOnce) throw new Error(`${this.path}: the reply was lost`);
    }
    return result;
  }

  #changed(): void {
    const total = [...this.balances.values()].reduce((a, b) => a + b, 0n) + this.escrow();
    if (total !== this.supply) this.violations.push(`${this.path}: ${total} held, supply ${this.supply}`);
    for (const listener of [...this.#listeners]) listener();
  }

  #key(account: string): string {
    return this.dialect === 'fisco-bcos' ? account.toLowerCase() : account;
  }

  #refuse(fisco: string, fabric: string): never {
    throw new ChainRefusedError(this.dialect === 'fisco-bcos' ? `Asset: ${fisco}` : fabric);
  }

  #credit(account: string, amount: bigint): void {
    this.balances.set(account, (this.balances.get(account) ?? 0n) + amount);
  }

  #bytes32(value: string, what: string): string {
    if (!/^0x[0-9a-fA-F]{64}$/.test(value)) {
      if (this.dialect === 'fabric') throw new ChainRefusedError(`invalid ${what}: ${value}`);
      throw new Error(`cannot encode ${value} as bytes32`);
    }
    return value.toLowerCase();
  }

  #opens(hashLock: Hex, preimage: string): boolean {
    return hashLockOf(preimage as Hex) === hashLock;
  }

  #prepare(caller: string, idArg: Hex, hashLockArg: Hex, deadline: number, transfers: Transfer[]): boolean {
    const id = this.#bytes32(idArg, 'transaction id');
    const hashLock = this.#bytes32(hashLockArg, 'hash lock') as Hex;
    if (id === ZERO32) this.#refuse('zero id', `invalid transaction id: ${id}`);
    const now = this.time();
    // FISCO BCOS debits the sender whatever `from` says; Fabric debits each `from`, which the caller must own.
    const steps = transfers.map((t) => ({
      from: this.dialect === 'fisco-bcos' ? caller : t.from,
      to: this.#key(t.to),
      amount: BigInt(t.amount),
    }));
    const existing = this.txs.get(id);
    if (existing) {
      if (existing.state === 'aborted') this.#refuse('transaction aborted', `transaction ${id} is aborted`);
      const same =
        existing.owner === caller &&
        existing.hashLock === hashLock &&
        existing.deadline === deadline &&
        JSON.stringify(existing.transfers, big) === JSON.stringify(steps, big);
      if (!same)
        this.#refuse('transaction id already used', `transaction ${id} was prepared with other parameters`);
      return false;
    }
    if (steps.length === 0) this.#refuse('no recipients', 'invalid transfers: expected a non-empty array');
    if (now >= deadline) this.#refuse('deadline passed', 'deadline must be in the future');
    const accounts = new Set(steps.flatMap((s) => [s.from, s.to]));
    for (const s of steps) {
      if (this.dialect === 'fisco-bcos' && s.to === ZERO_ADDRESS)
        throw new ChainRefusedError('Asset: transfer to the zero address');
      if (this.dialect === 'fabric') {
        for (const name of [s.from, s.to])
          if (!this.balances.has(name)) throw new ChainRefusedError(`account ${name} does not exist`);
        if (this.owners.get(s.from) !== caller)
          throw new ChainRefusedError(`caller does not own account ${s.from}`);
      }
    }
    for (const account of accounts) {
      const holder = this.lockedBy(account);
      if (holder && holder !== id)
        this.#refuse(
          'account locked by a cross-chain transaction',
          `account ${account} is locked by a cross-chain transaction`,
        );
    }
    const debits = new Map<string, bigint>();
    for (const s of steps) debits.set(s.from, (debits.get(s.from) ?? 0n) + s.amount);
    for (const [account, debit] of debits)
      if (this.balance(account) < debit)
        this.#refuse('insufficient balance', `insufficient funds in account ${account}`);
    for (const [account, debit] of debits) this.balances.set(account, this.balance(account) - debit);
    for (const account of accounts) this.#locks.set(account, id);
    this.txs.set(id, { owner: caller, hashLock, deadline, state: 'prepared', transfers: steps });
    return true;
  }

  #commit(idArg: Hex, preimageArg: Hex): boolean {
    const id = this.#bytes32(idArg, 'transaction id');
    const preimage = this.#bytes32(preimageArg, 'preimage') as Hex;
    const t = this.txs.get(id);
    if (!t) this.#refuse('no such transaction', `transaction ${id} is not prepared`);
    if (t.state === 'aborted') this.#refuse('transaction aborted', `transaction ${id} is aborted`);
    if (!this.#opens(t.hashLock, preimage))
      this.#refuse('wrong preimage', `preimage does not match the hash lock of transaction ${id}`);
    if (t.state === 'committed') return false;
    if (this.time() >= t.deadline) this.#refuse('deadline passed', `transaction ${id} passed its deadline`);
    t.state = 'committed';
    t.preimage = preimage;
    for (const s of t.transfers) this.#credit(s.to, s.amount);
    this.#unlock(id, t);
    return true;
  }

  #abort(caller: string, idArg: Hex): boolean {
    const id = this.#bytes32(idArg, 'transaction id');
    const t = this.txs.get(id);
    if (!t) {
      // A never-prepared id is recorded as aborted, so a prepare still in flight can lock nothing.
      this.txs.set(id, { owner: caller, hashLock: ZERO32, deadline: 0, state: 'aborted', transfers: [] });
      return true;
    }
    if (t.state === 'aborted') return false;
    if (t.state === 'committed') this.#refuse('transaction committed', `transaction ${id} is committed`);
    if (t.owner !== caller && this.time() < t.deadline)
      this.#refuse(
        'only the owner may abort before the deadline',
        `only the owner may abort transaction ${id} before its deadline`,
      );
    t.state = 'aborted';
    for (const s of t.transfers) this.#credit(s.from, s.amount);
    this.#unlock(id, t);
    return true;
  }

  #unlock(id: string, t: TxEntry): void {
    for (const s of t.transfers)
      for (const account of [s.from, s.to]) if (this.#locks.get(account) === id) this.#locks.delete(account);
  }

  #txState(idArg: Hex): TxOnChain {
    const t = this.txs.get(this.#bytes32(idArg, 'transaction id'));
    if (!t) return { state: 'none', deadline: 0 };
    return {
      state: t.state,
      deadline: t.deadline,
      ...(t.state === 'committed' && t.preimage ? { preimage: t.preimage } : {}),
    };
  }

  #htlcLock(caller: string, idArg: Hex, lock: Transfer & { hashLock: Hex; timelock: number }): boolean {
    const id = this.#bytes32(idArg, 'htlc id');
    const hashLock = this.#bytes32(lock.hashLock, 'hash lock') as Hex;
    if (id === ZERO32) this.#refuse('zero id', `invalid htlc id: ${id}`);
    const from = this.dialect === 'fisco-bcos' ? caller : lock.from;
    const to = this.#key(lock.to);
    const amount = BigInt(lock.amount);
    if (this.dialect === 'fabric' && from === to)
      throw new ChainRefusedError('cannot transfer to the same account');
    const existing = this.htlcs.get(id);
    if (existing) {
      if (this.dialect === 'fabric' && existing.state === 'refunded')
        throw new ChainRefusedError(`htlc ${id} is refunded`);
      const same =
        existing.owner === caller &&
        existing.from === from &&
        existing.to === to &&
        existing.amount === amount &&
        existing.hashLock === hashLock &&
        existing.timelock === lock.timelock;
      if (!same) this.#refuse('HTLC id already used', `htlc ${id} was locked with other parameters`);
      return false;
    }
    if (this.dialect === 'fisco-bcos' && to === ZERO_ADDRESS)
      throw new ChainRefusedError('Asset: transfer to the zero address');
    if (this.time() >= lock.timelock) this.#refuse('timelock passed', 'timelock must be in the future');
    if (this.dialect === 'fabric') {
      if (!this.balances.has(from)) throw new ChainRefusedError(`account ${from} does not exist`);
      if (this.owners.get(from) !== caller)
        throw new ChainRefusedError(`caller does not own account ${from}`);
      if (!this.balances.has(to)) throw new ChainRefusedError(`account ${to} does not exist`);
    }
    if (this.lockedBy(from))
      this.#refuse(
        'account locked by a cross-chain transaction',
        `account ${from} is locked by a cross-chain transaction`,
      );
    if (this.balance(from) < amount)
      this.#refuse('insufficient balance', `insufficient funds in account ${from}`);
    this.balances.set(from, this.balance(from) - amount);
    this.htlcs.set(id, {
      owner: caller,
      from,
      to,
      amount,
      hashLock,
      timelock: lock.timelock,
      state: 'locked',
    });
    return true;
  }

  #htlcClaim(idArg: Hex, preimageArg: Hex): boolean {
    const id = this.#bytes32(idArg, 'htlc id');
    const preimage = this.#bytes32(preimageArg, 'preimage') as Hex;
    const h = this.htlcs.get(id);
    if (!h) this.#refuse('no such HTLC', `htlc ${id} does not exist`);
    if (h.state === 'refunded') this.#refuse('HTLC refunded', `htlc ${id} is refunded`);
    if (!this.#opens(h.hashLock, preimage))
      this.#refuse('wrong preimage', `preimage does not match the hash lock of htlc ${id}`);
    if (h.state === 'claimed') return false;
    if (this.time() >= h.timelock) this.#refuse('timelock passed', `htlc ${id} passed its timelock`);
    h.state = 'claimed';
    h.preimage = preimage;
    this.#credit(h.to, h.amount);
    return true;
  }

  #htlcRefund(idArg: Hex): boolean {
    const id = this.#bytes32(idArg, 'htlc id');
    const h = this.htlcs.get(id);
    if (!h) this.#refuse('no such HTLC', `htlc ${id} does not exist`);
    if (h.state === 'refunded') return false;
    if (h.state === 'claimed') this.#refuse('HTLC claimed', `htlc ${id} is claimed`);
    if (this.time() < h.timelock)
      this.#refuse('timelock not reached', `htlc ${id} cannot be refunded before its timelock`);
    h.state = 'refunded';
    this.#credit(h.from, h.amount);
    return true;
  }

  #htlcState(idArg: Hex): HtlcOnChain {
    const h = this.htlcs.get(this.#bytes32(idArg, 'htlc id'));
    if (!h) {
      const nobody = this.dialect === 'fisco-bcos' ? ZERO_ADDRESS : '';
      return { state: 'none', from: nobody, to: nobody, amount: '0', hashLock: ZERO32, timelock: 0 };
    }
    return {
      state: h.state,
      from: h.from,
      to: h.to,
      amount: h.amount.toString(),
      hashLock: h.hashLock,
      timelock: h.timelock,
      ...(h.state === 'claimed' && h.preimage ? { preimage: h.preimage } : {}),
    };
  }
}

/** JSON.stringify replacer for bigint amounts. */
function big(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * The routers' TTM watcher (p2p/router/ttm-watcher.ts) as the tests need it: once a secret is
 * public on any of `ledgers` (a commit or a claim), commit or claim, as `caller`, everything
 * still open under its hash lock before its deadline, `delayMs` after the event.
 */
export class FakeRouters {
  readonly #ledgers: FakeLedger[];
  readonly #clock: FakeClock;
  readonly #callers: Map<FakeLedger, string>;
  readonly #delayMs: number;
  readonly #off: (() => void)[] = [];

  constructor(
    ledgers: FakeLedger[],
    clock: FakeClock,
    options: { delayMs?: number; callers?: string[] } = {},
  ) {
    this.#ledgers = ledgers;
    this.#clock = clock;
    this.#delayMs = options.delayMs ?? 2_000;
    this.#callers = new Map(ledgers.map((l, i) => [l, options.callers?.[i] ?? routerCaller(l.dialect)]));
  }

  start(): this {
    for (const ledger of this.#ledgers)
      this.#off.push(ledger.on(() => this.#clock.timer(this.#delayMs, () => void this.finish())));
    return this;
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
  }

  /** Commits and claims what a public secret opens; a failure is left for the next event. */
  async finish(): Promise<void> {
    const secrets = new Map<string, Hex>();
    for (const ledger of this.#ledgers) {
      for (const t of ledger.txs.values()) if (t.preimage) secrets.set(t.hashLock, t.preimage);
      for (const h of ledger.htlcs.values()) if (h.preimage) secrets.set(h.hashLock, h.preimage);
    }
    for (const ledger of this.#ledgers) {
      const chain = ledger.as(this.#callers.get(ledger) as string);
      const now = ledger.time();
      for (const [id, t] of ledger.txs) {
        const secret = secrets.get(t.hashLock);
        if (secret && t.state === 'prepared' && now < t.deadline)
          await chain.commit(id as Hex, secret).catch(() => {});
      }
      for (const [id, h] of ledger.htlcs) {
        const secret = secrets.get(h.hashLock);
        if (secret && h.state === 'locked' && now < h.timelock)
          await chain.htlcClaim(id as Hex, secret).catch(() => {});
      }
    }
  }
}

export function routerCaller(dialect: Dialect): string {
  return dialect === 'fisco-bcos' ? '0x00000000000000000000000000000000000000f0' : 'router';
}

export const PAYMENT = 'payment.bcos.asset';
export const TRADE = 'trade.fab.asset';

/** What a driver test runs on: a FISCO BCOS payment asset and a Fabric trade asset on one clock. */
export interface TwoChains {
  clock: FakeClock;
  payment: FakeLedger;
  trade: FakeLedger;
  ledgers: FakeLedger[];
}

/** Both chains with these opening balances; the trade chain's accounts user1..3 are owned by the identities of those names. */
export function twoChains(balances: {
  payment: Record<string, number>;
  trade: Record<string, number>;
}): TwoChains {
  const clock = new FakeClock();
  const payment = new FakeLedger({ path: PAYMENT, dialect: 'fisco-bcos', clock, balances: balances.payment });
  const trade = new FakeLedger({
    path: TRADE,
    dialect: 'fabric',
    clock,
    balances: balances.trade,
    owners: { user1: 'user1', user2: 'user2', user3: 'user3' },
  });
  return { clock, payment, trade, ledgers: [payment, trade] };
}
