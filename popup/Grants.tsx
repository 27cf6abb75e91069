/**
 * Data access: the grants this wallet signed, newest first: who may read (the site), what
 * (resource, records, fields), when (granted, until, last used) and whether it still holds.
 * Revoke sends a revocation transaction to the chain that holds the data and waits for it;
 * a failure is shown here and the grant stays valid.
 */
import { useState } from 'preact/hooks';
import type { GrantView } from '../background/grants/grant-store.ts';
import { errorOf, send } from './api.ts';
import { usePassed } from './clock.ts';
import { formatTime } from './format.ts';

function state(
  grant: GrantView,
  busy: boolean,
  expired: boolean,
): 'revoking' | 'revoked' | 'expired' | 'active' {
  if (grant.revokedAt !== undefined) return 'revoked';
  if (busy || grant.revoking) return 'revoking';
  return expired ? 'expired' : 'active';
}

const LABEL = { active: 'active', expired: 'expired', revoked: 'revoked', revoking: 'revoking…' };

function GrantRow({ grant }: { grant: GrantView }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { resource, records, fields, expiry } = grant.grant;
  const now = state(grant, busy, usePassed(expiry * 1000));

  const revoke = async () => {
    setBusy(true);
    setError(null);
    setError(errorOf(await send({ type: 'revokeGrant', id: grant.id })));
    setBusy(false);
  };

  return (
    <li class={`grant grant-${now}`} data-testid="grant" data-grant-id={grant.id}>
      <div class="row">
        <strong>{grant.origin}</strong>
        <span class="status-label" data-testid="grant-state">
          {LABEL[now]}
        </span>
      </div>
      <div>
        reads <code>{resource}</code> record{records.length === 1 ? '' : 's'}{' '}
        <code>{records.join(', ')}</code>
        {': '}
        {fields.length === 0 ? 'all fields' : `only ${fields.join(', ')}`}
      </div>
      <div class="muted">
        granted {formatTime(grant.createdAt)} · until {formatTime(expiry * 1000)}
      </div>
      <div class="muted" data-testid="grant-last-used">
        last used {grant.lastUsedAt === undefined ? 'never' : formatTime(grant.lastUsedAt)}
      </div>
      {grant.revokedAt !== undefined && (
        <div class="muted" data-testid="grant-revocation">
          revoked {formatTime(grant.revokedAt)}
          {grant.revocationTxId && ` · tx ${grant.revocationTxId.slice(0, 10)}…`}
        </div>
      )}
      {now === 'active' && (
        <button type="button" class="link" onClick={revoke}>
          Revoke
        </button>
      )}
      {error && <p class="error">Not revoked: {error}</p>}
    </li>
  );
}

export function Grants({ grants }: { grants: GrantView[] }) {
  return (
    <section>
      <h2>Data access</h2>
      {grants.length === 0 && <p class="muted">No site may read your records.</p>}
      <ul class="grants" data-testid="grants">
        {grants.map((grant) => (
          <GrantRow key={grant.id} grant={grant} />
        ))}
      </ul>
    </section>
  );
}
