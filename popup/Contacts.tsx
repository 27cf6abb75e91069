import { useState } from 'preact/hooks';
import { CONTACT_CHAINS, type Contact, MAX_CONTACT_NAME_LENGTH } from '../background/contacts/contact.ts';
import { CHAIN_NAME, type ChainType } from '../background/ttm/types.ts';
import { errorOf, send } from './api.ts';

/** What the address field asks for on each chain. */
const ADDRESS_HINT: Record<ChainType, { label: string; placeholder: string }> = {
  'fisco-bcos': { label: 'Address', placeholder: '0x… (40 hex digits)' },
  fabric: { label: 'Fabric account', placeholder: 'merchant' },
};

function ContactRow({ contact }: { contact: Contact }) {
  const [mode, setMode] = useState<'show' | 'rename' | 'remove'>('show');
  const [error, setError] = useState<string | null>(null);
  const { chain, address } = contact;

  const rename = async (event: Event) => {
    event.preventDefault();
    const name = String(new FormData(event.target as HTMLFormElement).get('name'));
    const failed = errorOf(await send({ type: 'renameContact', chain, address, name }));
    setError(failed);
    if (!failed) setMode('show');
  };

  const remove = async () => {
    const failed = errorOf(await send({ type: 'removeContact', chain, address }));
    setError(failed);
    if (failed) setMode('show');
  };

  return (
    <li data-testid="contact" data-chain={chain} data-address={address}>
      {mode === 'rename' ? (
        <form onSubmit={rename} class="inline">
          <input
            name="name"
            value={contact.name}
            maxLength={MAX_CONTACT_NAME_LENGTH}
            aria-label="Contact name"
          />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setMode('show')}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <strong>{contact.name}</strong> <span class="muted">{CHAIN_NAME[chain]}</span>{' '}
          {mode === 'remove' ? (
            <span>
              remove?{' '}
              <button type="button" class="link" onClick={remove}>
                yes, remove
              </button>{' '}
              <button type="button" class="link" onClick={() => setMode('show')}>
                keep
              </button>
            </span>
          ) : (
            <>
              <button type="button" class="link" onClick={() => setMode('rename')}>
                rename
              </button>{' '}
              <button type="button" class="link" onClick={() => setMode('remove')}>
                remove
              </button>
            </>
          )}
        </>
      )}
      <code class="address">{address}</code>
      {error && <p class="error">{error}</p>}
    </li>
  );
}

/**
 * Contacts: names for other people's FISCO BCOS addresses and Fabric accounts, which approvals
 * then use ("Send 7 WFA to Alice (0x7099…79C8)"). The worker checks what is entered
 * (background/contacts/); they stay in the wallet, never told to sites or routers.
 */
export function Contacts({ contacts }: { contacts: Contact[] }) {
  const [chain, setChain] = useState<ChainType>('fisco-bcos');
  const [error, setError] = useState<string | null>(null);

  const add = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const failed = errorOf(
      await send({
        type: 'addContact',
        name: String(data.get('name') ?? ''),
        chain,
        address: String(data.get('address') ?? ''),
      }),
    );
    setError(failed);
    if (!failed) {
      // The chain stays chosen: contacts are often added a few on one chain.
      for (const field of ['name', 'address'])
        (form.elements.namedItem(field) as HTMLInputElement).value = '';
    }
  };

  return (
    <section class="contacts">
      <h2>Contacts</h2>
      {contacts.length === 0 && (
        <p class="muted">None yet: name the addresses you pay, and approvals will call them by name.</p>
      )}
      <ul class="accounts" data-testid="contacts">
        {contacts.map((contact) => (
          <ContactRow key={`${contact.chain} ${contact.address}`} contact={contact} />
        ))}
      </ul>
      <form onSubmit={add} data-testid="contact-form">
        <label>
          Name
          <input name="name" required maxLength={MAX_CONTACT_NAME_LENGTH} autocomplete="off" />
        </label>
        <label>
          Chain{' '}
          <select
            name="chain"
            value={chain}
            onChange={(e) => setChain((e.target as HTMLSelectElement).value as ChainType)}
          >
            {CONTACT_CHAINS.map((c) => (
              <option key={c} value={c}>
                {CHAIN_NAME[c]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {ADDRESS_HINT[chain].label}
          <input
            name="address"
            required
            placeholder={ADDRESS_HINT[chain].placeholder}
            autocomplete="off"
            spellcheck={false}
          />
        </label>
        <button type="submit">Add contact</button>
        {error && (
          <p class="error" data-testid="contact-error">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
