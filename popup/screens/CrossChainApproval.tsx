/**
 * A cross-chain transaction request in human terms: every transfer, grouped by the asset
 * resource (and chain) it happens on, each resource's deadline, and who signs. One approval
 * covers every chain: the coordinator prepares, then commits or aborts, them all.
 */
import type { NamedAddress } from '../../background/approvals/address-book.ts';
import type { Approval, CrossChainApprovalDetails } from '../../background/approvals/approval-kinds.ts';
import { type KnownTerms, stepView } from '../../background/approvals/approval-view.ts';
import { CHAIN_NAME, type ChainType, type TtmStep } from '../../background/ttm/types.ts';
import { formatClock, formatFromNow } from '../format.ts';
import { ifApprovedNow } from '../ttm-text.ts';

interface ResourceGroup {
  path: string;
  chain: ChainType;
  steps: TtmStep[];
  deadline?: number;
}

/** Steps by resource, in the order of the legs (then any step whose resource has no leg). */
function byResource(d: CrossChainApprovalDetails): ResourceGroup[] {
  const groups = new Map<string, ResourceGroup>();
  for (const leg of d.legs) groups.set(leg.path, { ...leg, steps: [] });
  for (const step of d.steps) {
    const group = groups.get(step.path) ?? { path: step.path, chain: step.chain, steps: [] };
    group.steps.push(step);
    groups.set(step.path, group);
  }
  return [...groups.values()];
}

/** An account exactly as it will be used, and whose it is when the wallet knows. */
function Account({ named }: { named: NamedAddress }) {
  return (
    <>
      <code class="account">{named.full}</code>
      {named.known && <span class="muted"> ({named.note})</span>}
    </>
  );
}

export function CrossChainDetails({
  approval,
  known,
}: {
  approval: Approval<'crossChain'>;
  known: KnownTerms;
}) {
  const d = approval.details;
  const groups = byResource(d);
  const onFisco = d.legs.some((leg) => leg.chain === 'fisco-bcos') || !d.signer.fabric;
  return (
    <>
      <p>
        asks you to approve one transaction on {groups.length} resource{groups.length === 1 ? '' : 's'}:
      </p>
      <ul class="ttm-parts" aria-label="Steps">
        {groups.map((group) => (
          <li key={group.path} class="ttm-part">
            <ul class="choices">
              {group.steps.map((step, i) => {
                const shown = stepView(step, known, approval.origin);
                return (
                  <li key={i} data-testid="ttm-step" class="prose">
                    On <code>{group.path}</code> ({CHAIN_NAME[group.chain]}): pay{' '}
                    <strong>{shown.amount}</strong> from <Account named={shown.from} /> to{' '}
                    <Account named={shown.to} />
                  </li>
                );
              })}
            </ul>
            {group.deadline !== undefined && (
              <p class="muted" data-testid="ttm-leg-deadline">
                Deadline on {group.path}: {formatClock(ifApprovedNow(group.deadline, approval))} (
                {formatFromNow(ifApprovedNow(group.deadline, approval))})
              </p>
            )}
          </li>
        ))}
      </ul>
      <dl class="details">
        {onFisco && (
          <>
            <dt>Signed on FISCO BCOS by</dt>
            <dd>
              <code class="address">{d.signer.fisco}</code>
            </dd>
          </>
        )}
        {d.signer.fabric && (
          <>
            <dt>Signed on Fabric by</dt>
            <dd class="prose">{d.signer.fabric}</dd>
          </>
        )}
        <dt>Transaction id</dt>
        <dd>
          <code class="address">{d.id}</code>
        </dd>
      </dl>
      <p class="prose" data-testid="ttm-explanation">
        All steps happen on every chain or on none: if one chain refuses, the others are undone.
      </p>
      <p class="muted">Deadlines count from your approval; each chain must settle before its own.</p>
    </>
  );
}
