import { useState } from 'preact/hooks';
import type { WalletStatus } from '../../background/popup-api.ts';
import type { Account } from '../../background/vault/accounts.ts';
import { errorOf, send } from '../api.ts';
import { Routers } from '../Routers.tsx';

function AccountRow({ account, onChange }: { account: Account; onChange: () => void }) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const save = async (event: Event) => {
    event.preventDefault();
    const name = String(new FormData(event.target as HTMLFormElement).get('name'));
    const failed = errorOf(await send({ type: 'renameAccount', index: account.index, name }));
    setError(failed);
    if (!failed) setEditing(false);
    onChange();
  };

  return (
    <li data-testid={`account-${account.index}`}>
      {editing ? (
        <form onSubmit={save} class="inline">
          <input name="name" value={account.name} maxLength={64} aria-label="Account name" />
          <button type="submit">Save</button>
        </form>
      ) : (
        <>
          <strong>{account.name}</strong>{' '}
          <button type="button" class="link" onClick={() => setEditing(true)}>
            rename
          </button>
        </>
      )}
      <code class="address">{account.address}</code>
      {error && <p class="error">{error}</p>}
    </li>
  );
}

export function Home({ status, onChange }: { status: WalletStatus; onChange: () => void }) {
  const [autoLockError, setAutoLockError] = useState<string | null>(null);

  const setAutoLock = async (event: Event) => {
    const minutes = Number((event.target as HTMLSelectElement).value);
    setAutoLockError(errorOf(await send({ type: 'setAutoLock', minutes })));
    onChange();
  };

  return (
    <>
      <section>
        <div class="row">
          <h2>FISCO BCOS accounts</h2>
          <button
            type="button"
            onClick={async () => {
              await send({ type: 'lock' });
              onChange();
            }}
          >
            Lock
          </button>
        </div>
        <ul class="accounts">
          {status.vault.accounts.map((account) => (
            <AccountRow key={account.index} account={account} onChange={onChange} />
          ))}
        </ul>
        <button
          type="button"
          onClick={async () => {
            await send({ type: 'addAccount' });
            onChange();
          }}
        >
          Add account
        </button>
      </section>
      <section>
        <label>
          Lock after{' '}
          <select value={String(status.autoLockMinutes)} onChange={setAutoLock} data-testid="auto-lock">
            {[1, 5, 15, 30, 60, 240].map((m) => (
              <option key={m} value={String(m)}>
                {m} min idle
              </option>
            ))}
          </select>
        </label>
        {autoLockError && <p class="error">{autoLockError}</p>}
      </section>
      <section>
        <h2>Connected sites</h2>
        {status.sessions.length === 0 && <p class="muted">None yet.</p>}
        <ul class="sessions">
          {status.sessions.map((session) => (
            <li key={session.origin} data-testid={`session-${session.origin}`}>
              <strong>{session.origin}</strong>{' '}
              <button
                type="button"
                class="link"
                onClick={async () => {
                  await send({ type: 'revokeSession', origin: session.origin });
                  onChange();
                }}
              >
                revoke
              </button>
              <div class="muted">{session.resources.join(', ')}</div>
            </li>
          ))}
        </ul>
      </section>
      <Routers status={status.routers} onChange={onChange} />
    </>
  );
}
