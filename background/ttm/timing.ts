/**
 * The coordinator's clocks and margins (docs/ttm.md, "Deadlines"). Times on chains are Unix
 * seconds; the wallet's own timers are milliseconds.
 */

/** Default time from approval to the first leg's deadline. */
export const DEFAULT_TIMEOUT_S = 120;
export const MIN_TIMEOUT_S = 20;
export const MAX_TIMEOUT_S = 24 * 3600;
/**
 * Each later leg's deadline is this much after the one before: once a secret is public on one
 * chain, whoever finishes the others (the wallet after a restart, a router) has this long.
 */
export const LEG_STAGGER_S = 60;
/**
 * Commits go to every chain at once while the first deadline is at least this far off (a chain
 * would have to stall this long to miss it); nearer, the first chain commits before the others.
 */
export const ALL_AT_ONCE_S = LEG_STAGGER_S;
/** Commits start only while the first deadline is at least this far off; otherwise abort. */
export const COMMIT_MARGIN_S = 8;

/** Default initiator timelock of a swap; the participant's is half as long. */
export const DEFAULT_TIMELOCK_S = 600;
export const MIN_TIMELOCK_S = 30;
/** The initiator claims only while the participant's timelock is at least this far off. */
export const CLAIM_MARGIN_S = 5;
/** A participant accepts only while its own timelock would be at least this far off. */
export const ACCEPT_WINDOW_S = 10;

/** How often a swap looks at the other chain while waiting, besides at each of its events. */
export const POLL_MS = 1_000;
/** Retries of a chain operation that failed for a passing reason: from this, doubling, to the max. */
export const RETRY_MS = 250;
export const MAX_RETRY_MS = 4_000;

/** The real clocks: the coordinator hands `Date.now` and `sleep` to the drivers through their context. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry delays: 250, 500, 1000 … capped. */
export function* backoff(): Generator<number, never> {
  for (let delay = RETRY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_MS)) yield delay;
}
