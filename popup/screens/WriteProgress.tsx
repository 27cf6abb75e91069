/**
 * What the approval window shows once the user approved a transaction or a record write: the
 * sentence they approved, then its activity entry as it goes from sending to the chain's answer,
 * with the line saying what verified the outcome (the same line as under Activity).
 */
import type { ActivityEntry } from '../../background/activity/activity-log.ts';
import type { AddressBook } from '../../background/approvals/address-book.ts';
import { ActivityRow } from '../Activity.tsx';
import { type FollowedWrite, followedEntry } from '../followed-write.ts';
import { CloseRow } from './CloseRow.tsx';

export function WriteProgress({
  write,
  entries,
  book,
  onClose,
}: {
  write: FollowedWrite;
  entries: ActivityEntry[];
  book: AddressBook;
  onClose: () => void;
}) {
  const entry = followedEntry(write, entries);
  return (
    <section data-testid="write-progress">
      <h2>Approved</h2>
      <p class="headline">{write.headline}</p>
      <p class="origin">{write.origin}</p>
      {entry ? (
        <ul class="activity" data-testid="write-outcome">
          <ActivityRow entry={entry} book={book} />
        </ul>
      ) : (
        <p class="muted">Signing and sending…</p>
      )}
      {entry?.status === 'submitting' && (
        <p class="muted">
          Waiting for the chain: the wallet checks the chain's own evidence before it says done.
        </p>
      )}
      <p class="muted">Closing this window does not stop it; Activity keeps the outcome.</p>
      <CloseRow onClose={onClose} />
    </section>
  );
}
