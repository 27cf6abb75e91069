import type { ActivityEntry } from '../background/activity/activity-log.ts';

const LABEL: Record<ActivityEntry['status'], string> = {
  submitting: 'sending…',
  success: 'done',
  reverted: 'reverted',
  rejected: 'rejected',
  failed: 'failed',
};

const VERB: Record<ActivityEntry['kind'], string> = {
  session: 'connect',
  transaction: 'send',
  grant: 'grant access to',
};

/** Recent requests from sites and how they ended, newest first. */
export function Activity({ entries }: { entries: ActivityEntry[] }) {
  return (
    <section>
      <h2>Activity</h2>
      {entries.length === 0 && <p class="muted">Nothing yet.</p>}
      <ul class="activity" data-testid="activity">
        {entries.slice(0, 20).map((entry) => (
          <li key={entry.id} class={`activity-${entry.status}`}>
            <span class="status-label">{LABEL[entry.status]}</span> {VERB[entry.kind]}{' '}
            <code>{entry.summary}</code>
            <div class="muted">
              {entry.origin}
              {entry.txId && ` · tx ${entry.txId.slice(0, 10)}… in block ${entry.blockNumber}`}
              {entry.error && ` · ${entry.error}`}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
