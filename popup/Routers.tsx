import { useEffect, useState } from 'preact/hooks';
import type { RouterConnectionStatus } from '../background/routers/router-connection.ts';
import { errorOf, isError, send } from './api.ts';

function describeState(status: RouterConnectionStatus): string {
  if (status.routers.length === 0) return 'No routers configured';
  if (status.state === 'connected') return `Connected to ${status.router?.slice(-8) ?? 'a router'}`;
  if (status.state === 'connecting') return 'Connecting…';
  return `Not connected${status.lastError ? `: ${status.lastError}` : ''}`;
}

/** Settings › Routers: the WebSocket addresses of the routers the wallet uses, and the link's state. */
export function Routers({ status }: { status: RouterConnectionStatus }) {
  const [draft, setDraft] = useState(status.routers.join('\n'));
  const [error, setError] = useState<string | null>(null);
  const [reachable, setReachable] = useState<string[] | null>(null);
  const connectedTo = status.state === 'connected' ? status.router : null;

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

  return (
    <section class="routers">
      <h2>Routers</h2>
      <p class={`status router-${status.state}`} data-testid="router-status">
        {describeState(status)}
      </p>
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
        {error && <p class="error">{error}</p>}
      </form>
    </section>
  );
}
