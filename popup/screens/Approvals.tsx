/**
 * The approval queue: for each request, the site asking, the chain and resource, and
 * exactly what will happen (the decoded call and the signing account, or the
 * resources a session would open). Approve or reject, one at a time.
 */
import { useState } from 'preact/hooks';
import type { Approval } from '../../background/approvals/approval-queue.ts';
import { errorOf, send } from '../api.ts';

interface TransactionDetails {
  path: string;
  chain: { type: string; chainId?: number; groupId?: number; channel?: string };
  contract: string;
  method: string;
  inputs: { name: string; type: string }[];
  args: unknown[];
  from: string;
  simulation?: { outcome: 'success'; values: unknown[] } | { outcome: 'revert'; reason: string };
}

function chainLabel(chain: TransactionDetails['chain']): string {
  return chain.type === 'fisco-bcos'
    ? `FISCO BCOS, chain ${chain.chainId}, group ${chain.groupId}`
    : `Fabric, channel ${chain.channel}`;
}

function Details({ approval }: { approval: Approval }) {
  if (approval.kind === 'session') {
    const d = approval.details as { resources: string[]; account: string; accountName: string };
    return (
      <>
        <p>wants to connect and use these resources:</p>
        <ul>
          {d.resources.map((r) => (
            <li key={r}>
              <code>{r}</code>
            </li>
          ))}
        </ul>
        <p>
          with your account <strong>{d.accountName}</strong> <code class="address">{d.account}</code>
        </p>
      </>
    );
  }
  const d = approval.details as unknown as TransactionDetails;
  return (
    <>
      <p>asks you to sign a transaction:</p>
      <dl class="details">
        <dt>Resource</dt>
        <dd>
          <code>{d.path}</code>
        </dd>
        <dt>Chain</dt>
        <dd>{chainLabel(d.chain)}</dd>
        <dt>Contract</dt>
        <dd>
          <code class="address">{d.contract}</code>
        </dd>
        <dt>Call</dt>
        <dd data-testid="approval-call">
          <code>
            {d.method}(
            {d.inputs
              .map((input, i) => `${input.name || `arg${i}`}: ${JSON.stringify(d.args[i])}`)
              .join(', ')}
            )
          </code>
        </dd>
        <dt>Signed by</dt>
        <dd>
          <code class="address">{d.from}</code>
        </dd>
        {d.simulation && (
          <>
            <dt>Dry run</dt>
            <dd data-testid="approval-simulation" class={d.simulation.outcome === 'revert' ? 'error' : ''}>
              {d.simulation.outcome === 'success'
                ? `succeeds, returns ${JSON.stringify(d.simulation.values)}`
                : `would fail: ${d.simulation.reason}`}
            </dd>
          </>
        )}
      </dl>
    </>
  );
}

export function Approvals({ approvals, onChange }: { approvals: Approval[]; onChange: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const current = approvals[0];
  if (!current) return null;

  const decide = async (approve: boolean) => {
    setError(errorOf(await send({ type: 'decide', id: current.id, approve })));
    onChange();
  };

  return (
    <section class="approval" data-testid="approval">
      <h2>{current.kind === 'session' ? 'Connection request' : 'Transaction request'}</h2>
      <p class="origin" data-testid="approval-origin">
        {current.origin}
      </p>
      <Details approval={current} />
      <div class="row">
        <button type="button" onClick={() => decide(false)}>
          Reject
        </button>
        <button type="button" class="primary" onClick={() => decide(true)}>
          Approve
        </button>
      </div>
      {approvals.length > 1 && <p class="muted">{approvals.length - 1} more waiting</p>}
      {error && <p class="error">{error}</p>}
    </section>
  );
}
