/**
 * Drives one side of an HTLC swap to an end (docs/ttm.md, "Swaps"). Both sides run this;
 * `ours` is the HTLC this wallet locks (and may refund), `theirs` the one it claims.
 *
 *   initiator:   locking ─▶ locked ─(participant's lock seen, in time)─▶ claiming ─▶ completed
 *   participant: locking ─▶ locked ─(secret seen on its own lock)──────▶ claiming ─▶ completed
 *   either:      locked ─(the other side missed its time)─▶ refunding ─(own timelock)─▶ refunded
 *   either:      locking ─(lock refused)─▶ cancelled
 *   either:      claiming ─(ours was claimed, theirs refunded: we came back too late)─▶ failed
 *
 * The initiator holds the secret from the start; the participant learns it from the chain when
 * the initiator claims, and claims the initiator's lock with it (routers do the same). A
 * preimage read from a chain comes through routers: it is kept only if it opens the hash lock,
 * and no claim is signed with a secret that does not.
 */
import { type AssetChain, ChainRefusedError, type HtlcChainState, type HtlcOnChain } from './asset-chain.ts';
import { type ChainWatch, type DriveContext, note, nowSeconds } from './drive-context.ts';
import { opensHashLock } from './secret.ts';
import { backoff, CLAIM_MARGIN_S, POLL_MS } from './timing.ts';
import { type Hex, type SwapRecord, type SwapSide, swapSides } from './types.ts';

/** A refund the chain refused while our lock is still there is asked again after this long. */
const REFUND_RETRY_MS = 2_000;

/** Resolves once our lock is in place (or the swap ended): what propose and accept wait for. */
export async function driveSwap(
  record: SwapRecord,
  context: DriveContext,
  onLocked: () => void,
): Promise<void> {
  const { ours, theirs } = swapSides(record);
  while (!context.stopped()) {
    switch (record.state) {
      case 'locking': {
        const locked = await lockOurs(record, ours, context);
        if (locked === 'stopped') return;
        if (locked === true) {
          record.ours = 'locked';
          record.state = 'locked';
          const by = (await context.chain(ours.path, record.signer)).lastWrite()?.by;
          note(context, record, `locked ${ours.amount} on ${ours.path}`, ours.path, by);
        } else {
          record.state = 'cancelled';
          record.reason = locked;
          note(context, record, `cancelled: ${locked}`, ours.path);
        }
        await context.save(record, `swap:${record.role}:${record.state}`);
        onLocked();
        break;
      }
      case 'locked': {
        onLocked();
        const next = await waitForOtherSide(record, context);
        if (next === 'stopped') return;
        await context.save(record, `swap:${record.role}:${record.state}`);
        break;
      }
      case 'claiming': {
        const secret = await context.openSecret(record);
        if (!opensHashLock(secret, record.hashLock)) {
          // Never sign a claim the chain must refuse. The secret is forgotten; the refund path
          // sees a real claim of ours (if there was one) and goes back to reading the secret.
          delete record.secret;
          record.state = 'refunding';
          record.reason = 'the secret held does not open the hash lock';
          note(context, record, `refunding: ${record.reason}`);
          await context.save(record, `swap:${record.role}:${record.state}`);
          break;
        }
        const claimed = await settle(
          theirs.path,
          record,
          context,
          (c) => c.htlcClaim(record.id, secret),
          'claimed',
        );
        if (claimed === 'stopped') return;
        if (claimed === true) {
          record.theirs = 'claimed';
          record.state = 'completed';
          const by = (await context.chain(theirs.path, record.signer)).lastWrite()?.by;
          note(context, record, `claimed ${theirs.amount} on ${theirs.path}`, theirs.path, by);
        } else if (record.ours === 'claimed') {
          // They have ours and theirs is gone: nothing left to do but say so.
          record.theirs = claimed.state;
          record.state = 'failed';
          record.reason = `our lock was claimed, but the claim on ${theirs.path} was refused: ${claimed.refused}`;
          note(context, record, `failed: ${record.reason}`);
        } else {
          // Too late: their timelock passed (or they refunded). Ours is still refundable after its own.
          record.theirs = claimed.state;
          record.state = 'refunding';
          record.reason = `claim refused on ${theirs.path}: ${claimed.refused}`;
          note(context, record, `refunding: ${record.reason}`);
        }
        await context.save(record, `swap:${record.role}:${record.state}`);
        break;
      }
      case 'refunding': {
        const wait = ours.timelock - nowSeconds(context);
        if (wait >= 0) {
          await context.sleep(Math.min(wait * 1000 + 1000, 5_000));
          continue;
        }
        const refunded = await settle(ours.path, record, context, (c) => c.htlcRefund(record.id), 'refunded');
        if (refunded === 'stopped') return;
        if (refunded === true) {
          record.ours = 'refunded';
          record.state = 'refunded';
          const by = (await context.chain(ours.path, record.signer)).lastWrite()?.by;
          note(context, record, `refunded ${ours.amount} on ${ours.path}`, ours.path, by);
        } else if (refunded.state === 'claimed') {
          // Claimed meanwhile: the other side had the secret, so we can claim too.
          record.ours = 'claimed';
          record.state = record.secret ? 'claiming' : 'locked';
          note(context, record, `our lock on ${ours.path} was claimed`, ours.path);
        } else {
          // Still locked (the chain's clock not yet past the timelock, a Fabric proposal time
          // off by up to 30 s): the refund becomes possible later; ask again after a pause.
          const event = `refund refused on ${ours.path}: ${refunded.refused}`;
          if (record.timeline.at(-1)?.event !== event) {
            note(context, record, event, ours.path);
            await context.save(record, `swap:${record.role}:refund-refused`);
          }
          await context.sleep(REFUND_RETRY_MS);
          break;
        }
        await context.save(record, `swap:${record.role}:${record.state}`);
        break;
      }
      default:
        onLocked();
        return;
    }
  }
}

async function lockOurs(
  record: SwapRecord,
  ours: SwapSide,
  context: DriveContext,
): Promise<true | string | 'stopped'> {
  const delays = backoff();
  while (!context.stopped()) {
    if (nowSeconds(context) >= ours.timelock - CLAIM_MARGIN_S) {
      const landed = await landedAfterAll(record, ours, context);
      return landed === false ? 'the timelock came too near before the lock landed' : landed;
    }
    try {
      const chain = await context.chain(ours.path, record.signer);
      await chain.htlcLock(record.id, {
        from: ours.from ?? '',
        to: ours.to,
        amount: ours.amount,
        hashLock: record.hashLock,
        timelock: ours.timelock,
      });
      const locked = chain.lastWrite();
      if (locked) ours.lockTx = locked.txId;
      return true;
    } catch (error) {
      if (error instanceof ChainRefusedError) return error.message;
      await context.sleep(delays.next().value);
    }
  }
  return 'stopped';
}

/**
 * Too near the timelock to lock, yet a lock sent earlier (by this worker before a reply was lost,
 * or by one that died before logging `locked`) may have landed: a lock the record called
 * cancelled would never be refunded, and the other side could even claim it. A lock lands only
 * before its timelock, so this waits for it to pass, then asks the chain whether ours is there.
 */
async function landedAfterAll(
  record: SwapRecord,
  ours: SwapSide,
  context: DriveContext,
): Promise<boolean | 'stopped'> {
  await context.sleep(Math.max(0, (ours.timelock + 1) * 1000 - context.now()));
  const delays = backoff();
  while (!context.stopped()) {
    try {
      const lock = await (await context.chain(ours.path, record.signer)).htlcState(record.id, ours.lockTx);
      return (
        lock.state !== 'none' &&
        lock.from.toLowerCase() === (ours.from ?? '').toLowerCase() &&
        matches(lock, record.hashLock, ours)
      );
    } catch {
      await context.sleep(delays.next().value);
    }
  }
  return 'stopped';
}

/**
 * Waits in `locked` until the swap can move on, and sets the next state:
 * - initiator: the participant's lock matches the proposal → claiming (we hold the secret);
 * - participant: the initiator claimed our lock, revealing the secret → claiming;
 * - either: the other side's chance passed → refunding.
 */
async function waitForOtherSide(record: SwapRecord, context: DriveContext): Promise<'moved' | 'stopped'> {
  const { ours, theirs } = swapSides(record);
  // The initiator waits for a lock on their chain, the participant for a claim on its own.
  const watch = context.watch(record.role === 'initiator' ? theirs.path : ours.path);
  try {
    return await watchForOtherSide(record, context, watch);
  } finally {
    watch.close();
  }
}

async function watchForOtherSide(
  record: SwapRecord,
  context: DriveContext,
  watch: ChainWatch,
): Promise<'moved' | 'stopped'> {
  const { ours, theirs } = swapSides(record);
  while (!context.stopped()) {
    try {
      if (record.role === 'initiator') {
        const lock = await (await context.chain(theirs.path, record.signer)).htlcState(
          record.id,
          theirs.lockTx,
        );
        if (lock.state === 'locked' && matches(lock, record.hashLock, theirs)) {
          if (nowSeconds(context) < theirs.timelock - CLAIM_MARGIN_S) {
            record.theirs = 'locked';
            record.state = 'claiming';
            note(
              context,
              record,
              `the other side locked ${theirs.amount} on ${theirs.path}`,
              theirs.path,
              lock.verified,
            );
            return 'moved';
          }
        }
        if (nowSeconds(context) >= theirs.timelock - CLAIM_MARGIN_S) {
          record.state = 'refunding';
          record.reason = `no matching lock on ${theirs.path} in time`;
          note(context, record, `refunding: ${record.reason}`);
          return 'moved';
        }
      } else {
        const mine = await (await context.chain(ours.path, record.signer)).htlcState(record.id, ours.lockTx);
        const revealed = mine.state === 'claimed' ? mine.preimage : undefined;
        if (revealed && !opensHashLock(revealed, record.hashLock)) {
          // A router answered for the chain with a wrong secret: ignore it, keep watching.
          const event = `ignored a secret reported on ${ours.path} that does not open the hash lock`;
          if (record.timeline.at(-1)?.event !== event) note(context, record, event, ours.path);
        } else if (revealed) {
          await context.sealSecret(record, revealed);
          record.ours = 'claimed';
          record.state = 'claiming';
          note(
            context,
            record,
            `the other side claimed on ${ours.path}: the secret is public`,
            ours.path,
            mine.verified,
          );
          return 'moved';
        }
        if (mine.state === 'refunded' || nowSeconds(context) >= ours.timelock) {
          record.state = 'refunding';
          record.reason = `the other side did not claim on ${ours.path} in time`;
          note(context, record, `refunding: ${record.reason}`);
          return 'moved';
        }
      }
    } catch {
      // Routers unreachable or the chain slow: look again at the next poll.
    }
    await watch.next(POLL_MS);
  }
  return 'stopped';
}

/** The lock the other side made is the one the proposal describes (or pays more). */
function matches(lock: HtlcOnChain, hashLock: Hex, side: SwapSide): boolean {
  return (
    lock.hashLock.toLowerCase() === hashLock.toLowerCase() &&
    lock.to.toLowerCase() === side.to.toLowerCase() &&
    BigInt(lock.amount) >= BigInt(side.amount) &&
    lock.timelock === side.timelock
  );
}

/** A claim or refund the chain refused, with the lock's state on the chain then. */
interface Refused {
  refused: string;
  state: HtlcChainState;
}

/** Claims or refunds until the chain shows `target`; a refusal that stands is returned with the lock's state. */
async function settle(
  path: string,
  record: SwapRecord,
  context: DriveContext,
  act: (chain: AssetChain) => Promise<void>,
  target: 'claimed' | 'refunded',
): Promise<true | Refused | 'stopped'> {
  const delays = backoff();
  while (!context.stopped()) {
    try {
      const chain = await context.chain(path, record.signer);
      try {
        await act(chain);
        return true;
      } catch (error) {
        if (!(error instanceof ChainRefusedError)) throw error;
        const state = (await chain.htlcState(record.id)).state;
        return state === target ? true : { refused: error.message, state };
      }
    } catch {
      await context.sleep(delays.next().value);
    }
  }
  return 'stopped';
}
