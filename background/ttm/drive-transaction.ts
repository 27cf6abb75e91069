/**
 * Drives a cross-chain transaction from whatever its log says to an end (docs/ttm.md):
 *
 *   preparing ──all legs prepared, deadline not near──▶ committing ──▶ committed
 *       └──a leg refused, or the deadline came near──▶ aborting ──▶ aborted
 *   committing ──the first chain cannot commit (deadline passed), no chain committed──▶ aborting
 *
 * The same code runs for a new transaction and for one recovered after a crash: every chain
 * operation is idempotent, and each state is saved before the actions that follow from it
 * (committing before the secret leaves the wallet, aborting before any abort is sent).
 */
import { type AssetChain, ChainRefusedError } from './asset-chain.ts';
import { type DriveContext, note, nowSeconds } from './drive-context.ts';
import { ALL_AT_ONCE_S, backoff, COMMIT_MARGIN_S } from './timing.ts';
import type { TransactionRecord, TtmLeg } from './types.ts';

type Prepared = { ok: true } | { ok: false; reason: string };

export async function driveTransaction(record: TransactionRecord, context: DriveContext): Promise<void> {
  while (!context.stopped()) {
    switch (record.state) {
      case 'preparing': {
        const outcomes = await Promise.all(record.legs.map((leg) => prepareLeg(record, leg, context)));
        if (context.stopped()) return;
        const refused = outcomes.find((o): o is { ok: false; reason: string } => !o.ok);
        if (refused) {
          abortWith(context, record, refused.reason);
        } else if (nowSeconds(context) >= commitBy(record)) {
          abortWith(context, record, 'the first deadline came too near before every chain prepared');
        } else {
          record.state = 'committing';
          note(context, record, 'committing: every chain prepared');
        }
        await context.save(record, `transaction:${record.state}`);
        break;
      }
      case 'committing': {
        if (nowSeconds(context) >= commitBy(record) && !(await committedAnywhere(record, context))) {
          // Resumed (after a crash, a closed browser) too late for the first chain to commit: if
          // the others committed now, the chains would disagree. Nothing is committed yet, so
          // abort, once a commit sent before the crash can no longer land on the first chain.
          await context.sleep(Math.max(0, (firstDeadline(record) + 1) * 1000 - context.now()));
          if (context.stopped()) return;
          if (!(await committedAnywhere(record, context))) {
            abortWith(context, record, 'the first deadline passed before any chain committed');
            await context.save(record, 'transaction:aborting');
            break;
          }
        }
        const secret = await context.openSecret(record);
        const commit = (leg: TtmLeg) => settleLeg(record, leg, context, (c) => c.commit(record.id, secret));
        const [first, ...later] = [...record.legs].sort((a, b) => a.deadline - b.deadline);
        const allAtOnce = firstDeadline(record) - nowSeconds(context) >= ALL_AT_ONCE_S;
        if (allAtOnce) {
          // Far from every deadline: commit everywhere at once (two block intervals in all). Only
          // a chain stalling for longer than this margin could still miss its deadline.
          await Promise.all(record.legs.map(commit));
        } else if (first) {
          // Near the first deadline: that chain commits first. Until it has, the secret is on no
          // chain, so if it cannot (stalled past its deadline) every chain can still abort; once
          // it has, every other chain has a deadline at least a stagger later to be committed by.
          await commit(first);
        }
        if (context.stopped()) return;
        if (first && first.state !== 'committed' && !(await committedAnywhere(record, context))) {
          abortWith(context, record, `${first.path} did not commit: ${first.error ?? 'refused'}`);
          await context.save(record, 'transaction:aborting');
          break;
        }
        // Every leg had its answer already if all went at once: a refusal is not asked again.
        if (!allAtOnce) await Promise.all(later.map(commit));
        if (context.stopped()) return;
        const missed = record.legs.filter((l) => l.state !== 'committed');
        record.state = 'committed';
        if (missed.length > 0) record.reason = `not committed on ${missed.map((l) => l.path).join(', ')}`;
        note(
          context,
          record,
          missed.length > 0 ? `committed, except ${missed.map((l) => l.path).join(', ')}` : 'committed',
        );
        await context.save(record, 'transaction:committed');
        return;
      }
      case 'aborting': {
        await Promise.all(
          record.legs.map((leg) => settleLeg(record, leg, context, (c) => c.abort(record.id))),
        );
        if (context.stopped()) return;
        record.state = 'aborted';
        note(context, record, 'aborted');
        await context.save(record, 'transaction:aborted');
        return;
      }
      default:
        return;
    }
  }
}

/** The last moment commits may start: the first deadline less a margin for the commit to land. */
export function commitBy(record: TransactionRecord): number {
  return firstDeadline(record) - COMMIT_MARGIN_S;
}

function firstDeadline(record: TransactionRecord): number {
  return Math.min(...record.legs.map((l) => l.deadline));
}

/**
 * Whether the secret is public: a leg the log or its chain has committed (the wallet before a
 * crash, or a router). Asks every chain, retrying passing failures; false once stopped.
 */
async function committedAnywhere(record: TransactionRecord, context: DriveContext): Promise<boolean> {
  if (record.legs.some((l) => l.state === 'committed')) return true;
  const delays = backoff();
  while (!context.stopped()) {
    try {
      for (const leg of record.legs) {
        const chain = await context.chain(leg.path, record.signer);
        if ((await chain.txState(record.id)).state === 'committed') return true;
      }
      return false;
    } catch {
      await context.sleep(delays.next().value);
    }
  }
  return false;
}

function abortWith(context: DriveContext, record: TransactionRecord, reason: string): void {
  record.state = 'aborting';
  record.reason = reason;
  note(context, record, `aborting: ${reason}`);
}

/**
 * Prepares one leg; a refusal or running out of time is an answer, a passing failure (router
 * unreachable, chain slow) is retried. Before every retry the chain is asked first: the
 * previous attempt may have landed.
 */
async function prepareLeg(record: TransactionRecord, leg: TtmLeg, context: DriveContext): Promise<Prepared> {
  if (leg.state === 'prepared') return { ok: true };
  const transfers = leg.steps.map((i) => record.steps[i]).filter((s) => s !== undefined);
  const delays = backoff();
  for (let attempt = 0; !context.stopped(); attempt++) {
    try {
      const chain = await context.chain(leg.path, record.signer);
      if (attempt > 0) {
        const onChain = await chain.txState(record.id);
        if (onChain.state === 'aborted')
          return { ok: false, reason: `${leg.path}: the transaction was aborted` };
      }
      await chain.prepare(record.id, record.hashLock, leg.deadline, transfers);
      leg.state = 'prepared';
      delete leg.error;
      note(context, record, `prepared on ${leg.path}`, leg.path, chain.lastWrite()?.by);
      await context.save(record, `transaction:prepared:${leg.path}`);
      return { ok: true };
    } catch (error) {
      if (error instanceof ChainRefusedError) {
        leg.error = error.message;
        return { ok: false, reason: `${leg.path}: ${error.message}` };
      }
      leg.error = (error as Error).message;
      if (nowSeconds(context) >= commitBy(record)) return { ok: false, reason: `${leg.path}: ${leg.error}` };
      await context.sleep(delays.next().value);
    }
  }
  return { ok: false, reason: 'stopped' };
}

/**
 * Commits or aborts one leg until the chain says it is done. A refusal is checked against the
 * chain's state (the operation may have been done by someone else, a router finishing a
 * commit); a refusal that stands is kept in the leg's error and ends the leg.
 */
async function settleLeg(
  record: TransactionRecord,
  leg: TtmLeg,
  context: DriveContext,
  act: (chain: AssetChain) => Promise<void>,
): Promise<void> {
  const target = record.state === 'committing' ? 'committed' : 'aborted';
  if (leg.state === target) return;
  const delays = backoff();
  while (!context.stopped()) {
    try {
      const chain = await context.chain(leg.path, record.signer);
      try {
        await act(chain);
      } catch (error) {
        if (!(error instanceof ChainRefusedError)) throw error;
        const onChain = await chain.txState(record.id);
        if (onChain.state !== target) {
          leg.error = error.message;
          note(
            context,
            record,
            `${target === 'committed' ? 'commit' : 'abort'} refused on ${leg.path}: ${error.message}`,
          );
          await context.save(record, `transaction:refused:${leg.path}`);
          return;
        }
      }
      leg.state = target;
      // An aborted leg keeps the error that made it abort (if it was this leg's).
      if (target === 'committed') delete leg.error;
      note(context, record, `${target} on ${leg.path}`, leg.path, chain.lastWrite()?.by);
      await context.save(record, `transaction:${target}:${leg.path}`);
      return;
    } catch (error) {
      leg.error = (error as Error).message;
      await context.sleep(delays.next().value);
    }
  }
}
