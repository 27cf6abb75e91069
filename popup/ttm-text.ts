/**
 * How the popup words cross-chain transactions and swaps (TTM records and their approvals).
 * Amounts are in their asset's unit, from the units the worker's balance service read (the
 * status's `balances.units`), and accounts by their names in the wallet's address book (the
 * user's accounts, contacts): the popup reads no chain itself.
 */

import { nameAddress } from '../background/approvals/address-book.ts';
import type { Approval } from '../background/approvals/approval-kinds.ts';
import type { KnownTerms } from '../background/approvals/approval-view.ts';
import { type AssetUnit, formatAmountOrRaw } from '../background/balances/amount.ts';
import {
  type ChainType,
  type SwapSide,
  swapSides,
  type TimelineEntry,
  type TransactionView,
  type TtmLeg,
  type TtmStep,
  type TtmView,
} from '../background/ttm/types.ts';

export const KIND_NAME: Record<TtmView['kind'], string> = {
  transaction: 'Cross-chain transaction',
  swap: 'Swap',
};

const STATE_TEXT: Record<TtmView['state'], string> = {
  preparing: 'Locking the funds on every chain',
  committing: 'Every chain is ready: settling',
  committed: 'Done on every chain',
  aborting: 'Undoing on every chain',
  aborted: 'Nothing was transferred on any chain',
  locking: 'Locking your side',
  locked: 'Waiting for the other party to claim',
  claiming: "Claiming the other party's side",
  completed: 'Swap completed',
  refunding: 'Taking your lock back',
  refunded: 'Your lock was refunded',
  cancelled: 'Your lock was refused: nothing happened',
  failed: 'Your lock was claimed but theirs had been refunded: the swap failed',
};

/** One line per state, beside the raw state badge. */
export function describeState(view: TtmView): string {
  // An initiator's lock waits for the participant's; a participant's, for the initiator's claim.
  if (view.kind === 'swap' && view.state === 'locked' && view.role === 'initiator') {
    return 'Waiting for the other party to lock their side';
  }
  return STATE_TEXT[view.state];
}

/** Asset units by resource path: the status's `balances.units`. */
export type Units = Readonly<Record<string, AssetUnit>>;

/**
 * A raw amount on `path` in its asset's unit ("7 WFA", decimals applied), or as the chain stores
 * it when the unit is not known or names no symbol: a bare "7" could be 7 of anything.
 */
export function amountOn(units: Units, path: string, amount: string): string {
  const unit = shownUnit(units, path);
  return unit ? formatAmountOrRaw(amount, unit) : amount;
}

/** The unit amounts on `path` are shown in: one that is known and names a symbol. */
function shownUnit(units: Units, path: string): AssetUnit | undefined {
  const unit = Object.hasOwn(units, path) ? units[path] : undefined;
  return unit?.symbol ? unit : undefined;
}

/** An account on `chain` as the address book names it: "Alice (0x7099…79C8)", or short as it is. */
function accountName(terms: KnownTerms, account: string, chain: ChainType): string {
  return nameAddress(terms.book, account, chain).label;
}

/** "pay 7 WFA from Account 1 (0xf39F…2266) to merchant". */
export function stepText(step: TtmStep, terms: KnownTerms): string {
  const amount = amountOn(terms.units, step.path, step.amount);
  return `pay ${amount} from ${accountName(terms, step.from, step.chain)} to ${accountName(terms, step.to, step.chain)}`;
}

/** What one leg pays: its steps, "; "-separated. */
export function legText(view: TransactionView, leg: TtmLeg, terms: KnownTerms): string {
  return leg.steps
    .map((i) => view.steps[i])
    .filter((step) => step !== undefined)
    .map((step) => stepText(step, terms))
    .join('; ');
}

/** One side of a swap's amount, in its unit. */
export function lockAmount(side: SwapSide, units: Units): string {
  return amountOn(units, side.path, side.amount);
}

/**
 * A timeline entry's words with its amount in the unit: the coordinator logs swap moves as
 * "locked 7 on payment.bcos.asset" (raw, it knows no units), the entry's `path` naming the asset.
 */
export function eventText(entry: TimelineEntry, units: Units): string {
  const path = entry.path;
  if (!path || !shownUnit(units, path)) return entry.event;
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return entry.event.replace(new RegExp(`(?<=^|\\s)(\\d+)(?= on ${escaped}(?![\\w.-]))`, 'g'), (amount) =>
    amountOn(units, path, amount),
  );
}

/** One line for the home list: "pay 10 WFA to Merchant (0x0000…00aa) on payment.bcos.asset, 3 TRD to merchant on trade.fab.asset". */
export function summarize(view: TtmView, terms: KnownTerms): string {
  const { units } = terms;
  if (view.kind === 'swap') {
    const { ours: give, theirs: get } = swapSides(view);
    return `give ${lockAmount(give, units)} on ${give.path} for ${lockAmount(get, units)} on ${get.path}`;
  }
  const payments = view.steps.map(
    (s) => `${amountOn(units, s.path, s.amount)} to ${accountName(terms, s.to, s.chain)} on ${s.path}`,
  );
  return `pay ${payments.join(', ')}`;
}

/**
 * Where a deadline (unix s) in an approval falls if the user approves now (unix ms). The
 * coordinator computes deadlines when the request comes in and again, with the same durations,
 * once approved, so the approval shows them counted from the moment of approval.
 */
export function ifApprovedNow(unixSeconds: number, approval: Approval, now = Date.now()): number {
  return now + (unixSeconds * 1000 - approval.createdAt);
}
