import { useEffect, useState } from 'preact/hooks';
import type { RouterConnectionStatus } from '../background/routers/router-connection.ts';
import { errorOf, isError, send } from './api.ts';
import { describeDemotion } from './router-words.ts';

function describeState(status: RouterConnectionStatus): string {
  if (status.routers.length === 0) return 'No routers configured';
  if (status.state === 'connected') return `Connected to ${status.router?.slice(-8) ?? 'a router'}`;
  if (status.state === 'connecting') return 'Connecting…';
  return `Not connected${status.lastError ? `: ${status.lastError}` : ''}`;
}

/** Where the list comes from, in plain words: the build's defaults, the user's own list, or nothing yet. */
function describeSource(status: RouterConnectionStatus): string {
  const n = status.defaults.length;
  if (status.source === 'default') {
    return n > 0
      ? `Using the ${n === 1 ? 'router' : `${n} routers`} this wallet was built with. Edit the list and save to use your own.`
      : 'This wallet was built without routers: enter the WebSocket address of at least one router ' +
          '(/ip4/…/tcp/…/ws/p2p/<peer id>; npm start prints the local network’s) and save. ' +
          'Until then no chain is reachable.';
  }
  if (status.routers.length === 0)
    return 'You saved an empty list: no chain is reachable until you add a router.';
  return 'Using the list you saved.';
}

/** The links open now, and the routers set aside for a while (a lie, a stall, a drop) with why. */
function LinksAndDemotions({ status }: { status: RouterConnectionStatus }) {
  const links = status.links ?? [];
  const demoted = status.demoted ?? [];
  if (links.length === 0 && demoted.length === 0) return null;
  return (
    <>
      {links.length > 0 && (
        <ul class="resources" data-testid="router-links">
          {links.map((link) => (
            <li key={link.address}>
              {link.main ? 'main link' : 'also using'} <code>{link.router.slice(-8)}</code>
            </li>
          ))}
        </ul>
      )}
      {demoted.length > 0 && (
        <ul class="resources" data-testid="router-demoted">
          {demoted.map((d) => (
            <li key={d.router} class={d.kind === 'lie' ? 'error' : 'muted'}>
              {describeDemotion(d)}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Settings › Routers: the WebSocket addresses of the routers the wallet uses, and the link's state. */
export function Routers({ status }: { status: RouterConnectionStatus }) {
  const listed = status.routers.join('\n');
  const [draft, setDraft] = useState(listed);
  const [error, setError] = useState<string | null>(null);
  const [reachable, setReachable] = useState<string[] | null>(null);
  const connectedTo = status.state === 'connected' ? status.router : null;
  const canUseDefaults = status.source === 'saved' && status.defaults.length > 0;

  // The list changed in the worker (saved, or back to the defaults): show it.
  useEffect(() => setDraft(listed), [listed]);

  useEffect(() => {
    setReachable(null);
    if (!connectedTo) return;
    send({ type: 'resources' }).then((answer) => {
      if (!isError(answer))
        setReachable(answer.resources.map((r) => `${r.path} (${r.hops} hop${r.hops === 1 ? '' : 's'})`));
    });
  }, [connectedTo]);

  async function save(event: Event) {
    event.preventDefault();
    const routers = draft
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const answer = await send({ type: 'setRouters', routers });
    setError(errorOf(answer));
  }

  async function useDefaults() {
    setError(errorOf(await send({ type: 'useDefaultRouters' })));
  }

  return (
    <section class="routers">
      <h2>Routers</h2>
      <p class={`status router-${status.state}`} data-testid="router-status">
        {describeState(status)}
      </p>
      <p class="muted" data-testid="router-source">
        {describeSource(status)}
      </p>
      <LinksAndDemotions status={status} />
      {reachable && (
        <ul class="resources" data-testid="router-resources">
          {reachable.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      <form onSubmit={save}>
        <label>
          One router multiaddr per line
          <textarea
            rows={3}
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
            data-testid="router-list"
          />
        </label>
        <button type="submit">Save</button>
        {canUseDefaults && (
          <button type="button" onClick={useDefaults} data-testid="router-defaults">
            Use the built-in routers
          </button>
        )}
        {error && <p class="error">{error}</p>}
      </form>
    </section>
  );
}
