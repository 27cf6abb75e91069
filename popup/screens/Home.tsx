import { useState } from 'preact/hooks';
import type { WalletStatus } from '../../background/popup-api.ts';
import type { Account } from '../../background/vault/accounts.ts';
import { Activity } from '../Activity.tsx';
import { errorOf, send } from '../api.ts';
import { Balances } from '../Balances.tsx';
import { Chains } from '../Chains.tsx';
import { Contacts } from '../Contacts.tsx';
import { CrossChain } from '../CrossChain.tsx';
import { Grants } from '../Grants.tsx';
import { knownTerms } from '../known-terms.ts';
import { Routers } from '../Routers.tsx';

function AccountRow({ account, isDefault }: { account: Account; isDefault: boolean }) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const save = async (event: Event) => {
    event.preventDefault();
    const name = String(new FormData(event.target as HTMLFormElement).get('name'));
    const failed = errorOf(await send({ type: 'renameAccount', index: account.index, name }));
    setError(failed);
    if (!failed) setEditing(false);
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
          </button>{' '}
          {isDefault ? (
            <span class="muted">default for new sites</span>
          ) : (
            <button
              type="button"
              class="link"
              onClick={() => send({ type: 'setDefaults', fiscoAccount: account.index })}
            >
              make default
            </button>
          )}
        </>
      )}
      <code class="address">{account.address}</code>
      {error && <p class="error">{error}</p>}
    </li>
  );
}

/** Fabric identities: X.509 + P-256 key under an MSP id, imported from PEM (e.g. from a Fabric CA). */
function FabricIdentities({ status }: { status: WalletStatus }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const field = (name: string) => String(new FormData(form).get(name) ?? '');
    const failed = errorOf(
      await send({
        type: 'importFabricIdentity',
        name: field('name'),
        mspId: field('mspId'),
        certificate: field('certificate'),
        privateKeyPem: field('privateKeyPem'),
        password: field('password'),
      }),
    );
    setError(failed);
    if (!failed) {
      form.reset();
      setOpen(false);
    }
  };

  return (
    <section>
      <h2>Fabric identities</h2>
      <ul class="accounts">
        {status.fabricIdentities.map((identity) => (
          <li key={identity.id} data-testid="fabric-identity">
            <strong>{identity.name}</strong> <span class="muted">{identity.mspId}</span>{' '}
            {(status.defaults.fabricIdentity ?? status.fabricIdentities[0]?.id) === identity.id ? (
              <span class="muted">default for new sites</span>
            ) : (
              <button
                type="button"
                class="link"
                onClick={() => send({ type: 'setDefaults', fabricIdentity: identity.id })}
              >
                make default
              </button>
            )}
          </li>
        ))}
      </ul>
      {open ? (
        <form onSubmit={submit} data-testid="fabric-import">
          <label>
            Name
            <input name="name" required maxLength={64} />
          </label>
          <label>
            MSP id
            <input name="mspId" required placeholder="Org1MSP" />
          </label>
          <label>
            Certificate (PEM)
            <textarea name="certificate" rows={3} required />
          </label>
          <label>
            Private key (PEM)
            <textarea name="privateKeyPem" rows={3} required autocomplete="off" />
          </label>
          <label>
            Wallet password
            <input type="password" name="password" required autocomplete="current-password" />
          </label>
          <button type="submit">Import identity</button>
          {error && <p class="error">{error}</p>}
        </form>
      ) : (
        <button type="button" onClick={() => setOpen(true)}>
          Import a Fabric identity
        </button>
      )}
    </section>
  );
}

/** Sends the user's actions; what they change comes back in `status` (popup/status-feed.ts). */
export function Home({ status }: { status: WalletStatus }) {
  const [autoLockError, setAutoLockError] = useState<string | null>(null);
  const terms = knownTerms(status);

  const setAutoLock = async (event: Event) => {
    const minutes = Number((event.target as HTMLSelectElement).value);
    setAutoLockError(errorOf(await send({ type: 'setAutoLock', minutes })));
  };

  return (
    <>
      <Balances view={status.balances} />
      <section>
        <div class="row">
          <h2>FISCO BCOS accounts</h2>
          <button type="button" onClick={() => send({ type: 'lock' })}>
            Lock
          </button>
        </div>
        <ul class="accounts">
          {status.vault.accounts.map((account) => (
            <AccountRow
              key={account.index}
              account={account}
              isDefault={status.defaults.fiscoAccount === account.index}
            />
          ))}
        </ul>
        <button type="button" onClick={() => send({ type: 'addAccount' })}>
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
      <FabricIdentities status={status} />
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
                onClick={() => send({ type: 'revokeSession', origin: session.origin })}
              >
                revoke
              </button>
              <div class="muted">{session.resources.join(', ')}</div>
            </li>
          ))}
        </ul>
      </section>
      <Contacts contacts={status.contacts} />
      <CrossChain items={status.ttm} terms={terms} />
      <Grants grants={status.grants} />
      <Activity entries={status.activity} book={terms.book} />
      <Routers status={status.routers} />
      <Chains anchors={status.anchors} />
    </>
  );
}
