/**
 * The Close button under a write that is under way: the work goes on in the worker, so closing only
 * leaves the screen (`onClose`) and the approval window (the toolbar popup, which cannot close
 * itself that way, shows the wallet again).
 */
export function CloseRow({ onClose }: { onClose: () => void }) {
  return (
    <div class="row">
      <span />
      <button
        type="button"
        class="primary"
        onClick={() => {
          onClose();
          window.close();
        }}
      >
        Close
      </button>
    </div>
  );
}
