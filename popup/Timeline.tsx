/**
 * Where a cross-chain transaction or swap is: its state, each chain's part (transaction legs,
 * or the two HTLCs of a swap), the coordinator's timeline and, once it failed, why.
 */
import { useState } from 'preact/hooks';
import type { KnownTerms } from '../background/approvals/approval-view.ts';
import {
  CHAIN_NAME,
  type SwapView,
  swapSides,
  type TransactionView,
  type TtmView,
} from '../background/ttm/types.ts';
import { usePassed } from './clock.ts';
import { formatClock } from './format.ts';
import { describeState, eventText, KIND_NAME, legText, lockAmount } from './ttm-text.ts';

/** After this long without a record, say so (the coordinator may have failed before logging it). */
const ABSENT_HINT_MS = 10_000;

const FAILED = new Set(['aborted', 'refunded', 'cancelled', 'failed']);
const UNDOING = new Set(['aborting', 'refunding']);

function tone(state: string): 'done' | 'failed' | 'undoing' | 'busy' {
  if (state === 'committed' || state === 'completed') return 'done';
  if (FAILED.has(state)) return 'failed';
  return UNDOING.has(state) ? 'undoing' : 'busy';
}

function clockOf(unixSeconds: number): string {
  return formatClock(unixSeconds * 1000);
}

function Legs({ view, terms }: { view: TransactionView; terms: KnownTerms }) {
  return (
    <ul class="ttm-parts" aria-label="Chains">
      {view.legs.map((leg) => (
        <li key={leg.path} class={`ttm-part tone-${tone(leg.state)}`} data-leg-path={leg.path}>
          <div class="row">
            <span>
              <code>{leg.path}</code> <span class="muted">{CHAIN_NAME[leg.chain]}</span>
            </span>
            <span class="status-label" data-testid="ttm-leg-state">
              {leg.state}
            </span>
          </div>
          <div class="muted">
            {legText(view, leg, terms)}
            {' · '}deadline {clockOf(leg.deadline)}
          </div>
          {leg.error && (
            <div class="error" data-testid="ttm-leg-error">
              {leg.error}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Where an HTLC is; `none` reads better as what it means. */
function lockText(lock: SwapView['ours']): string {
  return lock === 'none' ? 'not locked' : lock;
}

function SwapLocks({ view, terms }: { view: SwapView; terms: KnownTerms }) {
  const { ours: give, theirs: get } = swapSides(view);
  return (
    <ul class="ttm-parts" aria-label="Locks">
      <li class="ttm-part">
        <div class="row">
          <span>
            Your lock: {lockAmount(give, terms.units)} on <code>{give.path}</code>{' '}
            <span class="muted">{CHAIN_NAME[give.chain]}</span>
          </span>
          <span class="status-label" data-testid="swap-ours">
            {lockText(view.ours)}
          </span>
        </div>
        <div class="muted">refundable from {clockOf(give.timelock)}</div>
      </li>
      <li class="ttm-part">
        <div class="row">
          <span>
            Their lock: {lockAmount(get, terms.units)} on <code>{get.path}</code>{' '}
            <span class="muted">{CHAIN_NAME[get.chain]}</span>
          </span>
          <span class="status-label" data-testid="swap-theirs">
            {lockText(view.theirs)}
          </span>
        </div>
        <div class="muted">claimable until {clockOf(get.timelock)}</div>
      </li>
    </ul>
  );
}

/** One record as it stands; `terms` put its amounts in their units and name the accounts the wallet knows. */
export function Timeline({ view, terms }: { view: TtmView; terms: KnownTerms }) {
  const showReason = view.reason && (FAILED.has(view.state) || UNDOING.has(view.state));
  return (
    <section
      class={`ttm tone-${tone(view.state)}`}
      data-testid="ttm-timeline"
      data-ttm-id={view.id}
      aria-label={`${KIND_NAME[view.kind]} progress`}
    >
      <p class="ttm-head" aria-live="polite">
        <span class="ttm-badge" data-testid="ttm-state">
          {view.state}
        </span>{' '}
        {describeState(view)}
      </p>
      {showReason && (
        <p class="error prose" data-testid="ttm-reason">
          {view.reason}
        </p>
      )}
      {view.kind === 'transaction' ? (
        <Legs view={view} terms={terms} />
      ) : (
        <SwapLocks view={view} terms={terms} />
      )}
      <ol class="ttm-events" aria-label="Timeline">
        {view.timeline.map((entry, i) => (
          // Entries are only ever appended: the index is stable.
          <li key={i} data-testid="ttm-event">
            <time dateTime={new Date(entry.at).toISOString()}>{formatClock(entry.at)}</time>{' '}
            {eventText(entry, terms.units)}
            {entry.verified && (
              <div class="verified" data-testid="ttm-event-verified">
                ✓ {entry.verified}
              </div>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

/**
 * One record's timeline, or, until the coordinator has logged it, a note that it is starting.
 * The record comes with the status the worker keeps sending (each log write changes it).
 */
export function LiveTimeline({ view, terms }: { view: TtmView | undefined; terms: KnownTerms }) {
  const [shownAt] = useState(Date.now);
  const absentTooLong = usePassed(shownAt + ABSENT_HINT_MS);
  if (view) return <Timeline view={view} terms={terms} />;
  return (
    <p class="status" role="status" data-testid="ttm-starting">
      Starting…
      {absentTooLong && ' The wallet has not logged it yet.'}
    </p>
  );
}
