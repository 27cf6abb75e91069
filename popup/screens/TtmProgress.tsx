/**
 * What the approval window shows once the user approved a cross-chain transaction or swap:
 * its live timeline, until the user closes the window.
 */
import type { KnownTerms } from '../../background/approvals/approval-view.ts';
import type { TtmView } from '../../background/ttm/types.ts';
import { LiveTimeline } from '../Timeline.tsx';
import { CloseRow } from './CloseRow.tsx';

/**
 * `view` is the record from the wallet's status, undefined until the coordinator logged it;
 * `terms`, its units (those of an approval's resources are read when it comes) and account names.
 */
export function TtmProgress({
  view,
  terms,
  onClose,
}: {
  view: TtmView | undefined;
  terms: KnownTerms;
  onClose: () => void;
}) {
  return (
    <section data-testid="ttm-progress">
      <h2>Approved</h2>
      <p class="muted">Closing this window does not stop it.</p>
      <LiveTimeline view={view} terms={terms} />
      <CloseRow onClose={onClose} />
    </section>
  );
}
