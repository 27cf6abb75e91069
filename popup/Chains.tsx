import { useState } from 'preact/hooks';
import type { AnchorView } from '../background/popup-api.ts';
import { errorOf, send } from './api.ts';

function sourceText(anchor: AnchorView): string {
  if (anchor.source.kind === 'file') return "from the operators' profile file";
  const { routers } = anchor.source;
  return routers.length > 1
    ? `agreed by ${routers.length} routers (${routers.map((r) => r.slice(-8)).join(', ')})`
    : `from one router (${routers[0]?.slice(-8) ?? '?'}), unconfirmed: import the operators' profile to confirm`;
}

/**
 * Settings › Chains: the trust anchor of each chain the wallet used (docs/trust-model.md), with
 * its fingerprint and where it came from; a profile file the chains' operators publish
 * (`npm run router -- profile`) can be pasted to anchor or re-anchor chains.
 */
export function Chains({ anchors }: { anchors: AnchorView[] }) {
  const [draft, setDraft] = useState('');
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  async function importProfiles(event: Event) {
    event.preventDefault();
    const answer = await send({ type: 'importProfiles', text: draft });
    const error = errorOf(answer);
    if (error) setMessage({ error: true, text: error });
    else if ('chains' in answer) {
      setMessage({ error: false, text: `Anchored ${answer.chains.join(', ')}` });
      setDraft('');
    }
  }

  return (
    <section class="chains">
      <h2>Chains</h2>
      {anchors.length === 0 && <p class="muted">No chain used yet: each is anchored on first use.</p>}
      <ul class="anchors" data-testid="chain-anchors">
        {anchors.map((anchor) => (
          <li key={anchor.chain} data-testid={`anchor-${anchor.chain}`}>
            <strong>{anchor.chain}</strong> <span class="muted">{anchor.type}</span>
            <div>
              fingerprint <code title={anchor.fingerprint}>{anchor.fingerprint.slice(0, 18)}…</code>
            </div>
            <div class="muted">{anchor.detail}</div>
            <div
              class={
                anchor.source.kind === 'routers' && anchor.source.routers.length < 2 ? 'warning' : 'muted'
              }
            >
              {sourceText(anchor)}
              {anchor.followedAt && ' · followed a signed change'}
            </div>
            <button
              type="button"
              class="link"
              onClick={async () =>
                setMessage({
                  error: true,
                  text:
                    errorOf(await send({ type: 'forgetAnchor', chain: anchor.chain })) ??
                    `Forgot ${anchor.chain}`,
                })
              }
            >
              Forget
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={importProfiles}>
        <label>
          Import a chain profile (JSON from the chain's operators)
          <textarea
            rows={3}
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
            data-testid="profile-import"
          />
        </label>
        <button type="submit">Import</button>
        {message && (
          <p class={message.error ? 'error' : 'status'} data-testid="profile-import-result">
            {message.text}
          </p>
        )}
      </form>
    </section>
  );
}
