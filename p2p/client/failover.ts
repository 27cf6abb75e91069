/**
 * The wallet's failover policy (docs/trust-model.md, "Failover"): which failures of a router make
 * the wallet try another one, how long a router that failed is put last, and how an operation is
 * tried through several routers, one after the other or two at once. Pure: no libp2p here, so the
 * policy is tested on its own (test/unit/client/failover.test.ts).
 */
import { HipError, HipErrorCode } from '../protocol/errors.ts';

/**
 * Why a router's answer was not used:
 * - `lie`: it failed verification against chain evidence (or the router said a write was relayed
 *   and the chain shows nothing);
 * - `stall`: no answer within the bounded wait (a router holding the stream);
 * - `down`: the connection could not be made or dropped;
 * - `busy`: the router could not serve it now (rate limit, its chain node unreachable, a receipt
 *   wait that gave up);
 * - `absent`: it does not have it (no evidence yet, an unknown path): another router may, and
 *   nothing is held against this one.
 */
export type FailureKind = 'lie' | 'stall' | 'down' | 'busy' | 'absent';

/** An error that says whose fault it is (EvidenceRefusedError carries one). */
export interface Blamed {
  readonly blame?: FailureKind | null | undefined;
}

/** How long a router is put last after each kind of failure. */
export const DEMOTE_MS: Readonly<Record<FailureKind, number>> = {
  lie: 10 * 60_000,
  stall: 2 * 60_000,
  down: 30_000,
  busy: 10_000,
  absent: 0,
};

/**
 * The kind of failure `error` is, or null for a definitive answer (the chain refused, a bad
 * request, a verified revert): asking another router would get the same answer.
 */
export function failureKind(error: unknown): FailureKind | null {
  if (typeof error === 'object' && error !== null && 'blame' in error) {
    const blame = (error as Blamed).blame;
    if (blame) return blame;
  }
  if (!(error instanceof HipError)) return null;
  switch (error.code) {
    case HipErrorCode.timeout:
      return 'stall';
    case HipErrorCode.unreachable:
    case HipErrorCode.unsupportedProtocol:
      return 'down';
    case HipErrorCode.rateLimited:
    case HipErrorCode.chainUnavailable:
    case HipErrorCode.chainTimeout:
    case HipErrorCode.hopLimitExceeded:
      return 'busy';
    case HipErrorCode.unknownResource:
      return 'absent';
    default:
      return null;
  }
}

/** A router put last for a while, and why (what the popup shows). */
export interface Demotion {
  router: string;
  kind: FailureKind;
  reason: string;
  /** When it was demoted and until when (ms since the epoch). */
  at: number;
  until: number;
}

const SEVERITY: Readonly<Record<FailureKind, number>> = { lie: 4, stall: 3, down: 2, busy: 1, absent: 0 };

/** Which routers failed lately, and the order to try routers in. */
export class RouterHealth {
  readonly #demoted = new Map<string, Demotion>();
  readonly #now: () => number;
  readonly #onChange: (() => void) | undefined;

  constructor(options: { now?: () => number; onChange?: () => void } = {}) {
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
  }

  /**
   * Puts `router` last for `DEMOTE_MS[kind]`. A lighter failure never shortens a heavier one
   * still running (a router that lied and then dropped stays demoted for the lie).
   */
  demote(router: string, kind: FailureKind, reason: string): void {
    const ms = DEMOTE_MS[kind];
    if (ms === 0) return;
    const now = this.#now();
    const current = this.demotion(router);
    if (current && SEVERITY[current.kind] > SEVERITY[kind]) return;
    this.#demoted.set(router, { router, kind, reason, at: now, until: now + ms });
    this.#onChange?.();
  }

  /**
   * A router answered and its answer was used: a `down` or `busy` demotion ends (it is back); a
   * lie or a stall is held against it until it runs out.
   */
  succeeded(router: string): void {
    const current = this.#demoted.get(router);
    if (current && (current.kind === 'down' || current.kind === 'busy')) {
      this.#demoted.delete(router);
      this.#onChange?.();
    }
  }

  demotion(router: string): Demotion | undefined {
    const current = this.#demoted.get(router);
    if (current && current.until <= this.#now()) {
      this.#demoted.delete(router);
      return undefined;
    }
    return current;
  }

  isDemoted(router: string): boolean {
    return this.demotion(router) !== undefined;
  }

  /** The demotions still running, latest first. */
  list(): Demotion[] {
    return [...this.#demoted.keys()]
      .map((router) => this.demotion(router))
      .filter((d): d is Demotion => d !== undefined)
      .sort((a, b) => b.at - a.at);
  }

  /**
   * `routers` in the order to try them: those in good standing as given, then the demoted ones,
   * the one whose demotion ends first first (a last resort: better than giving up).
   */
  order<T>(routers: readonly T[], idOf: (router: T) => string): T[] {
    const good: T[] = [];
    const demoted: [T, number][] = [];
    for (const router of routers) {
      const demotion = this.demotion(idOf(router));
      if (demotion) demoted.push([router, demotion.until]);
      else good.push(router);
    }
    demoted.sort((a, b) => a[1] - b[1]);
    return [...good, ...demoted.map(([router]) => router)];
  }
}

export interface TryOptions<C> {
  /** How many candidates run at once: 1 tries them in turn; 2 sends through two routers at once. */
  fanout?: number;
  /** Each try is given up on (as a stall) after this long; none when unset. */
  attemptTimeoutMs?: number;
  /** A try failed with a failure another router might not have: whose, and why. */
  onFailure?(candidate: C, kind: FailureKind, error: unknown): void;
  onSuccess?(candidate: C): void;
  classify?(error: unknown): FailureKind | null;
}

/** No candidate answered in time: the error a try that outlived `attemptTimeoutMs` fails with. */
export class AttemptTimeoutError extends HipError {
  constructor(ms: number) {
    super(HipErrorCode.timeout, `no answer within ${ms} ms`);
  }
}

/**
 * Runs `run` on `candidates` until one succeeds, and resolves with the first success. A failure
 * of a kind another router might not share starts the next candidate; a definitive one ends it
 * (once every try still running has settled, so a duplicate answer on one path of a two-path
 * send does not hide the other path's success). When every candidate failed, rejects with the
 * most telling error: a definitive answer, else a lie, else the first failure.
 */
export function tryInTurn<C, T>(
  candidates: readonly C[],
  run: (candidate: C) => Promise<T>,
  options: TryOptions<C> = {},
): Promise<T> {
  const fanout = Math.max(1, options.fanout ?? 1);
  const classify = options.classify ?? failureKind;
  return new Promise<T>((resolve, reject) => {
    if (candidates.length === 0) {
      reject(new HipError(HipErrorCode.unreachable, 'no router to ask'));
      return;
    }
    let next = 0;
    let running = 0;
    let done = false;
    let definitive: { error: unknown } | null = null;
    let lie: { error: unknown } | null = null;
    let first: { error: unknown } | null = null;

    const finish = () => {
      if (done || running > 0) return;
      if (!definitive && next < candidates.length) return;
      done = true;
      reject((definitive ?? lie ?? first ?? { error: new Error('no router answered') }).error);
    };
    const start = () => {
      while (!done && !definitive && running < fanout && next < candidates.length) {
        const candidate = candidates[next++] as C;
        running++;
        void attempt(candidate);
      }
      finish();
    };
    const attempt = async (candidate: C) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const tried = run(candidate);
        const value =
          options.attemptTimeoutMs === undefined
            ? await tried
            : await Promise.race([
                tried,
                new Promise<never>((_, fail) => {
                  const ms = options.attemptTimeoutMs as number;
                  timer = setTimeout(() => fail(new AttemptTimeoutError(ms)), ms);
                }),
              ]);
        running--;
        options.onSuccess?.(candidate);
        if (!done) {
          done = true;
          resolve(value);
        }
      } catch (error) {
        running--;
        const kind = classify(error);
        if (kind === null) {
          definitive ??= { error };
        } else {
          options.onFailure?.(candidate, kind, error);
          if (kind === 'lie') lie ??= { error };
          first ??= { error };
        }
        start();
      } finally {
        clearTimeout(timer);
      }
    };
    start();
  });
}
