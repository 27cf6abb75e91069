/**
 * Cross-chain transactions and swaps, newest first: kind, site, what, where it stands and
 * when. A click opens its timeline (current: the status brings each change).
 */
import { useState } from 'preact/hooks';
import type { KnownTerms } from '../background/approvals/approval-view.ts';
import type { TtmView } from '../background/ttm/types.ts';
import { formatTime } from './format.ts';
import { Timeline } from './Timeline.tsx';
import { KIND_NAME, summarize } from './ttm-text.ts';

function CrossChainRow({ view, terms }: { view: TtmView; terms: KnownTerms }) {
  const [open, setOpen] = useState(false);
  const timelineId = `ttm-${view.id}`;
  return (
    <li class="crosschain" data-testid="crosschain-item" data-ttm-id={view.id}>
      <button
        type="button"
        class="crosschain-toggle"
        aria-expanded={open}
        aria-controls={open ? timelineId : undefined}
        onClick={() => setOpen(!open)}
      >
        <span class="row">
          <strong>{KIND_NAME[view.kind]}</strong>
          <span class="status-label" data-testid="crosschain-state">
            {view.state}
          </span>
        </span>
        <span class="crosschain-summary">{summarize(view, terms)}</span>
        <span class="muted">
          {view.origin} · {formatTime(view.createdAt)}
        </span>
      </button>
      {open && (
        <div id={timelineId}>
          <Timeline view={view} terms={terms} />
        </div>
      )}
    </li>
  );
}

/** `terms`: the units amounts are shown in and the names of the accounts the wallet knows. */
export function CrossChain({ items, terms }: { items: TtmView[]; terms: KnownTerms }) {
  return (
    <section>
      <h2>Cross-chain</h2>
      {items.length === 0 && <p class="muted">No cross-chain transactions or swaps yet.</p>}
      <ul class="crosschain-list" data-testid="crosschain">
        {items.map((view) => (
          <CrossChainRow key={view.id} view={view} terms={terms} />
        ))}
      </ul>
    </section>
  );
}
