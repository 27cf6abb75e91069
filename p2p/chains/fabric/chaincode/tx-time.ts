/**
 * A chaincode's clock, shared by every Weft chaincode (asset, records).
 */
import type { Context } from 'fabric-contract-api';

/** How far a proposal's timestamp may be from the endorsing peer's clock. */
export const CLOCK_SKEW_SECONDS = 30;

/**
 * The transaction's time in Unix seconds. The proposer chooses the timestamp and Fabric peers
 * do not bound it, so without this check a back-dated proposal could commit after a deadline
 *, a forward-dated one could abort or refund early or pass a lock as if it had expired, and a
 * grant could be read outside its window.
 * Each endorsing peer refuses a timestamp more than 30 s from its own clock; time-based rules
 * therefore hold to within 30 s.
 */
export function txTime(ctx: Context): number {
  const timestamp = ctx.stub.getTxTimestamp();
  const seconds = timestamp.seconds.toNumber() + timestamp.nanos / 1e9;
  if (Math.abs(seconds - Date.now() / 1000) > CLOCK_SKEW_SECONDS) {
    throw new Error(`transaction timestamp is more than ${CLOCK_SKEW_SECONDS} s from the peer's clock`);
  }
  return timestamp.seconds.toNumber();
}
