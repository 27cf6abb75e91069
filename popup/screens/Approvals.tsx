/**
 * The approval queue: for each request, the site asking, the chain and resource, and
 * exactly what will happen (the decoded call and the signing account, or the
 * resources a session would open). Approve or reject, one at a time.
 */
import { useState } from 'preact/hooks';
import type {
  Approval,
  SessionApprovalDetails,
  SessionChoice,
  SessionResourceDescription,
  TransactionApprovalDetails,
} from '../../background/approvals/approval-kinds.ts';
import type { GrantScope } from '../../background/grants/scope.ts';
import { type PinChange, type ResourcePin, shortHash } from '../../background/sessions/resource-pin.ts';
import { errorOf, send } from '../api.ts';
import { useTick } from '../clock.ts';
import { CrossChainDetails } from './CrossChainApproval.tsx';
import { GrantChoiceView, grantChoiceComplete, initialGrantChoice } from './GrantApproval.tsx';
import { RecordDetails } from './RecordApproval.tsx';
import { SwapDetails } from './SwapApproval.tsx';

function chainLabel(chain: TransactionApprovalDetails['chain']): string {
  return chain.type === 'fisco-bcos'
    ? `FISCO BCOS, chain ${chain.chainId}, group ${chain.groupId}`
    : `Fabric, channel ${chain.channel}`;
}

function pinnedChainLabel(chain: ResourcePin['chain']): string {
  return chain.type === 'fisco-bcos'
    ? `FISCO BCOS, chain ${chain.chainId}, group ${chain.groupId}`
    : `Fabric, channel ${chain.channel}`;
}

/** A pin's value of one changed field, as the change list shows it. */
function changedValue(change: PinChange, which: 'pinned' | 'now'): string {
  const value = change[which];
  return change.field === 'abiHash' || change.field === 'anchor' ? shortHash(value) : value;
}

/**
 * What approving pins of one resource: its chain, contract or chaincode, ABI hash (and trust
 * anchor); when the site's session had pinned another description, what changed, old and new.
 */
function ResourceDescriptionView({ described }: { described: SessionResourceDescription | undefined }) {
  if (!described) return null;
  if ('unavailable' in described) {
    return (
      <div class="muted" data-testid="session-description">
        description unavailable now ({described.unavailable}): nothing is pinned, the site must ask again
        before using it
      </div>
    );
  }
  const { pin, changes } = described;
  return (
    <div class="muted" data-testid="session-description">
      {pinnedChainLabel(pin.chain)} · {pin.chain.type === 'fabric' ? 'chaincode' : 'contract'}{' '}
      <code class="address">{pin.address}</code> · ABI {shortHash(pin.abiHash)}
      {pin.anchor && ` · anchor ${shortHash(pin.anchor)}`}
      {changes && changes.length > 0 && (
        <div class="error" data-testid="session-description-changed">
          Changed since you approved it:{' '}
          {changes
            .map((c) => `${c.field} ${changedValue(c, 'pinned')} → ${changedValue(c, 'now')}`)
            .join('; ')}
        </div>
      )}
    </div>
  );
}

/** A session request: the user picks the signing account (and Fabric identity) and may untick resources. */
function SessionChoiceView({
  details,
  choice,
  setChoice,
}: {
  details: SessionApprovalDetails;
  choice: SessionChoice;
  setChoice: (c: SessionChoice) => void;
}) {
  const toggle = (path: string, on: boolean) =>
    setChoice({
      ...choice,
      resources: on ? [...choice.resources, path] : choice.resources.filter((r) => r !== path),
    });
  return (
    <>
      <p>wants to connect and use these resources:</p>
      <ul class="choices">
        {details.resources.map((r) => (
          <li key={r}>
            <label>
              <input
                type="checkbox"
                checked={choice.resources.includes(r)}
                onChange={(e) => toggle(r, (e.target as HTMLInputElement).checked)}
              />{' '}
              <code>{r}</code>
              {details.methods[r] && <span class="muted"> only {details.methods[r]?.join(', ')}</span>}
            </label>
            <ResourceDescriptionView described={details.descriptions?.[r]} />
          </li>
        ))}
      </ul>
      <label>
        Signing account
        <select
          data-testid="session-account"
          value={String(choice.account)}
          onChange={(e) => setChoice({ ...choice, account: Number((e.target as HTMLSelectElement).value) })}
        >
          {details.accounts.map((a) => (
            <option key={a.index} value={String(a.index)}>
              {a.name} {a.address.slice(0, 10)}…
            </option>
          ))}
        </select>
      </label>
      {details.fabricIdentities.length > 0 && (
        <label>
          Fabric identity
          <select
            value={choice.fabricIdentity}
            onChange={(e) => setChoice({ ...choice, fabricIdentity: (e.target as HTMLSelectElement).value })}
          >
            {details.fabricIdentities.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name} ({f.mspId})
              </option>
            ))}
          </select>
        </label>
      )}
    </>
  );
}

function initialSessionChoice(d: SessionApprovalDetails): SessionChoice {
  const fabricIdentity = d.current.fabricIdentity ?? d.fabricIdentities[0]?.id;
  return {
    resources: [...d.resources],
    account: d.current.account,
    ...(fabricIdentity ? { fabricIdentity } : {}),
  };
}

function TransactionDetailsView({ details: d }: { details: TransactionApprovalDetails }) {
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

const TITLE: Record<Approval['kind'], string> = {
  session: 'Connection request',
  transaction: 'Transaction request',
  grant: 'Data access request',
  record: 'Record write request',
  crossChain: 'Cross-chain transaction request',
  swap: 'Swap request',
};

export function Approvals({
  approvals,
  onFollow,
}: {
  approvals: Approval[];
  /** Called with the TTM id once the user approved a cross-chain transaction or swap. */
  onFollow?: (ttmId: string) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  // Approvals show moments counted from now (deadlines if approved now, a grant's end): keep them true.
  useTick(1000);
  const current = approvals[0];
  // What the user picked so far, per approval id: a refused choice stays on screen to correct.
  const [sessionChoice, setSessionChoice] = useState<{ id: string; value: SessionChoice } | null>(null);
  const [grantChoice, setGrantChoice] = useState<{ id: string; value: GrantScope } | null>(null);
  if (!current) return null;

  let body: preact.ComponentChild;
  let choice: SessionChoice | GrantScope | undefined;
  let canApprove = true;
  switch (current.kind) {
    case 'session': {
      const value =
        sessionChoice?.id === current.id ? sessionChoice.value : initialSessionChoice(current.details);
      choice = value;
      body = (
        <SessionChoiceView
          details={current.details}
          choice={value}
          setChoice={(picked) => setSessionChoice({ id: current.id, value: picked })}
        />
      );
      break;
    }
    case 'grant': {
      const value = grantChoice?.id === current.id ? grantChoice.value : initialGrantChoice(current.details);
      choice = value;
      canApprove = grantChoiceComplete(current.details, value);
      body = (
        <GrantChoiceView
          approval={current}
          choice={value}
          setChoice={(picked) => setGrantChoice({ id: current.id, value: picked })}
        />
      );
      break;
    }
    case 'record':
      body = <RecordDetails approval={current} />;
      break;
    case 'crossChain':
      body = <CrossChainDetails approval={current} />;
      break;
    case 'swap':
      body = <SwapDetails approval={current} />;
      break;
    case 'transaction':
      body = <TransactionDetailsView details={current.details} />;
      break;
  }

  const decide = async (approve: boolean) => {
    const request = approve && choice ? { choice } : {};
    const failed = errorOf(await send({ type: 'decide', id: current.id, approve, ...request }));
    setError(failed);
    // A refused choice keeps the request waiting with what the user picked.
    if (!failed) {
      setSessionChoice(null);
      setGrantChoice(null);
      // Approving these starts a cross-chain transaction or swap whose progress the window then shows.
      if (approve && (current.kind === 'crossChain' || current.kind === 'swap'))
        onFollow?.(current.details.id);
    }
  };

  return (
    <section class="approval" data-testid="approval">
      <h2>{TITLE[current.kind]}</h2>
      <p class="origin" data-testid="approval-origin">
        {current.origin}
      </p>
      {body}
      <div class="row">
        <button type="button" onClick={() => decide(false)}>
          Reject
        </button>
        <button type="button" class="primary" disabled={!canApprove} onClick={() => decide(true)}>
          Approve
        </button>
      </div>
      {approvals.length > 1 && <p class="muted">{approvals.length - 1} more waiting</p>}
      {error && <p class="error">{error}</p>}
    </section>
  );
}
