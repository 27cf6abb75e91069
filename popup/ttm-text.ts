/** How the popup words cross-chain transactions and swaps (TTM records and their approvals). */
import type { Approval } from '../background/approvals/approval-kinds.ts';
import { type ChainType, swapSides, type TtmView } from '../background/ttm/types.ts';

export const CHAIN_NAME: Record<ChainType, string> = { 'fisco-bcos': 'FISCO BCOS', fabric: 'Fabric' };

/** A FISCO BCOS address as `0xabcd…1234`; a Fabric account name as it is. For lists, not approvals. */
export function shortAccount(account: string): string {
  return /^0x[0-9a-fA-F]{12,}$/.test(account) ? `${account.slice(0, 6)}…${account.slice(-4)}` : account;
}

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

/** One line for the home list: "pay 10 on payment.bcos.asset, 3 on trade.fab.asset". */
export function summarize(view: TtmView): string {
  if (view.kind === 'swap') {
    const { ours: give, theirs: get } = swapSides(view);
    return `give ${give.amount} on ${give.path} for ${get.amount} on ${get.path}`;
  }
  const payments = view.steps.map((s) => `${s.amount} to ${shortAccount(s.to)} on ${s.path}`);
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
