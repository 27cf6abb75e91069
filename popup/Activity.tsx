import { useState } from 'preact/hooks';
import type { ActivityEntry } from '../background/activity/activity-log.ts';
import { type AddressBook, FISCO_ADDRESS, nameAddress } from '../background/approvals/address-book.ts';

const LABEL: Record<ActivityEntry['status'], string> = {
  submitting: 'sending…',
  success: 'done',
  reverted: 'reverted',
  rejected: 'rejected',
  failed: 'failed',
  unverified: 'unverified',
};

const VERB: Record<ActivityEntry['kind'], string> = {
  session: 'connect',
  transaction: 'send',
  grant: 'grant access to',
};

/**
 * Who acted, as the wallet names them: "Account 1 (0xf39F…2266)", or a Fabric identity as the
 * entry has it ("user1 (Org1MSP)").
 */
function actor(account: string, book: AddressBook): string {
  return FISCO_ADDRESS.test(account) ? nameAddress(book, account, 'fisco-bcos').label : account;
}

/** One entry: what, for whom, by which account, how it ended, its chain reference and what verified it. */
export function ActivityRow({ entry, book }: { entry: ActivityEntry; book: AddressBook }) {
  return (
    <li class={`activity-${entry.status}`}>
      <span class="status-label">{LABEL[entry.status]}</span> {VERB[entry.kind]} <code>{entry.summary}</code>
      <div class="muted">
        {entry.origin}
        {entry.account && <span data-testid="activity-account"> · by {actor(entry.account, book)}</span>}
        {entry.txId && ` · tx ${entry.txId.slice(0, 10)}… in block ${entry.blockNumber}`}
        {entry.error && ` · ${entry.error}`}
      </div>
      {entry.verified && (
        <div class="verified" data-testid="activity-verified">
          ✓ {entry.verified}
        </div>
      )}
    </li>
  );
}

/** Rows rendered per page: the popup opens fast with a full log, and the rest is a click away. */
export const ACTIVITY_PAGE = 10;

/** Recent requests from sites and how they ended, newest first (the log's order), a page at a time. */
export function Activity({ entries, book }: { entries: ActivityEntry[]; book: AddressBook }) {
  const [pages, setPages] = useState(1);
  const shown = entries.slice(0, pages * ACTIVITY_PAGE);
  const older = entries.length - shown.length;
  return (
    <section>
      <h2>
        Activity{' '}
        {entries.length > 0 && (
          <span class="muted" data-testid="activity-count">
            {shown.length} of {entries.length}
          </span>
        )}
      </h2>
      {entries.length === 0 && <p class="muted">Nothing yet.</p>}
      <ul class="activity" data-testid="activity">
        {shown.map((entry) => (
          <ActivityRow key={entry.id} entry={entry} book={book} />
        ))}
      </ul>
      {older > 0 && (
        <button
          type="button"
          class="link"
          data-testid="activity-older"
          onClick={() => setPages((p) => p + 1)}
        >
          Show {Math.min(older, ACTIVITY_PAGE)} older ({older} not shown)
        </button>
      )}
    </section>
  );
}
