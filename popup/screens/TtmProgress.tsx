/**
 * What the approval window shows once the user approved a cross-chain transaction or swap:
 * its live timeline, until the user closes the window.
 */
import type { TtmView } from '../../background/ttm/types.ts';
import { LiveTimeline } from '../Timeline.tsx';
import type { Units } from '../ttm-text.ts';
import { CloseRow } from './CloseRow.tsx';

/**
 * `view` is the record from the wallet's status, undefined until the coordinator logged it;
 * `units`, the status's asset units (those of an approval's resources are read when it comes).
 */
export function TtmProgress({
  view,
  units,
  onClose,
}: {
  view: TtmView | undefined;
  units: Units;
  onClose: () => void;
}) {
  return (
    <section data-testid="ttm-progress">
      <h2>Approved</h2>
      <p class="muted">Closing this window does not stop it.</p>
      <LiveTimeline view={view} units={units} />
      <CloseRow onClose={onClose} />
    </section>
  );
}
