/**
 * Cross-chain transactions and swaps, newest first: kind, site, what, where it stands and
 * when. A click opens its timeline (current: the status brings each change).
 */
import { useState } from 'preact/hooks';
import type { TtmView } from '../background/ttm/types.ts';
import { formatTime } from './format.ts';
import { Timeline } from './Timeline.tsx';
import { KIND_NAME, summarize, type Units } from './ttm-text.ts';

function CrossChainRow({ view, units }: { view: TtmView; units: Units }) {
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
        <span class="crosschain-summary">{summarize(view, units)}</span>
        <span class="muted">
          {view.origin} · {formatTime(view.createdAt)}
        </span>
      </button>
      {open && (
        <div id={timelineId}>
          <Timeline view={view} units={units} />
        </div>
      )}
    </li>
  );
}

/** `units`: the status's asset units, which the amounts are shown in. */
export function CrossChain({ items, units }: { items: TtmView[]; units: Units }) {
  return (
    <section>
      <h2>Cross-chain</h2>
      {items.length === 0 && <p class="muted">No cross-chain transactions or swaps yet.</p>}
      <ul class="crosschain-list" data-testid="crosschain">
        {items.map((view) => (
          <CrossChainRow key={view.id} view={view} units={units} />
        ))}
      </ul>
    </section>
  );
}
