/**
 * A swap request in human terms: what this user locks and pays (give) and receives (get), in
 * the assets' units, then the raw amounts the contracts take, both timelocks, and what their
 * role means for getting their funds back.
 */
import type { Approval } from '../../background/approvals/approval-kinds.ts';
import { type KnownTerms, swapSideView } from '../../background/approvals/approval-view.ts';
import { CHAIN_NAME } from '../../background/ttm/types.ts';
import { formatClock, formatFromNow } from '../format.ts';
import { ifApprovedNow } from '../ttm-text.ts';

/**
 * A timelock as a local time and "in N min". The initiator's timelocks count from the approval
 * (the coordinator sets them again then); the participant's are fixed by the proposal.
 */
function timelockText(unixSeconds: number, approval: Approval<'swap'>): string {
  const at =
    approval.details.role === 'initiator' ? ifApprovedNow(unixSeconds, approval) : unixSeconds * 1000;
  return `${formatClock(at)} (${formatFromNow(at)})`;
}

function roleText(approval: Approval<'swap'>): string {
  const { role, give, get } = approval.details;
  const moment = (unixSeconds: number) => timelockText(unixSeconds, approval);
  return role === 'initiator'
    ? `Your lock can be refunded after ${moment(give.timelock)}; ` +
        `the other party must lock before ${moment(get.timelock)}.`
    : `You lock on ${give.path}; if the other side never claims it, you get it back after ` +
        `${moment(give.timelock)}. The wallet claims theirs on ${get.path} once they reveal the ` +
        `secret, before ${moment(get.timelock)}.`;
}

export function SwapDetails({ approval, known }: { approval: Approval<'swap'>; known: KnownTerms }) {
  const d = approval.details;
  const { give, get } = d;
  const gives = swapSideView(give, known, approval.origin);
  const gets = swapSideView(get, known, approval.origin);
  return (
    <>
      <p>asks you to {d.role === 'initiator' ? 'start' : 'join'} a swap:</p>
      <p class="swap-line prose" data-testid="swap-give">
        You give: <strong>{gives.amount}</strong> on <code>{give.path}</code> ({CHAIN_NAME[give.chain]}) to{' '}
        <code class="account">{give.to}</code>
        {gives.to.known && <span class="muted"> ({gives.to.note})</span>}
      </p>
      <p class="swap-line prose" data-testid="swap-get">
        You get: <strong>{gets.amount}</strong> on <code>{get.path}</code> ({CHAIN_NAME[get.chain]}) from{' '}
        {get.from ? <code class="account">{get.from}</code> : 'the other party'}
      </p>
      <dl class="details">
        <dt>Amounts as the contracts take them</dt>
        <dd class="prose" data-testid="swap-amounts">
          you give {give.amount}, you get {get.amount}
        </dd>
        <dt>Paid from</dt>
        <dd>
          <code class="address">{give.from}</code>
          {gives.from?.known && <span class="muted">{gives.from.note}</span>}
        </dd>
        <dt>Received into</dt>
        <dd>
          <code class="address">{get.to}</code>
          {gets.to.known && <span class="muted">{gets.to.note}</span>}
        </dd>
        <dt>Your lock's timelock</dt>
        <dd class="prose" data-testid="swap-give-timelock">
          {timelockText(give.timelock, approval)}
        </dd>
        <dt>Their lock's timelock</dt>
        <dd class="prose" data-testid="swap-get-timelock">
          {timelockText(get.timelock, approval)}
        </dd>
        <dt>Hash lock</dt>
        <dd>
          <code class="address">{d.hashLock}</code>
        </dd>
      </dl>
      <p class="prose" data-testid="swap-role">
        {roleText(approval)}
      </p>
    </>
  );
}
