/**
 * The approval queue: for each request, the site asking, the chain and resource, and
 * exactly what will happen: in human terms ("Send 7 WFA to Alice (0xf39F…2266)", amounts in the
 * asset's unit, known addresses named, background/approvals/approval-view.ts) with the exact call
 * one click away, or the resources a session would open. Approve or reject, one at a time.
 */
import { useState } from 'preact/hooks';
import type {
  Approval,
  SessionApprovalDetails,
  SessionChoice,
  SessionResourceDescription,
} from '../../background/approvals/approval-kinds.ts';
import { chainText, type KnownTerms, transactionView } from '../../background/approvals/approval-view.ts';
import type { GrantScope } from '../../background/grants/scope.ts';
import { type PinChange, type ResourcePin, shortHash } from '../../background/sessions/resource-pin.ts';
import { errorOf, send } from '../api.ts';
import { useTick } from '../clock.ts';
import type { FollowedWrite } from '../followed-write.ts';
import { CrossChainDetails } from './CrossChainApproval.tsx';
import { GrantChoiceView, grantChoiceComplete, initialGrantChoice } from './GrantApproval.tsx';
import { RecordDetails } from './RecordApproval.tsx';
import { SwapDetails } from './SwapApproval.tsx';

function pinnedChainLabel(chain: ResourcePin['chain']): string {
  return chainText(chain);
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

/**
 * A write in human terms: one sentence, the arguments by name (amounts in the asset's unit, known
 * accounts named), where it runs, who signs, the dry run; the exact call stays one click away.
 */
function TransactionDetailsView({
  approval,
  known,
}: {
  approval: Approval<'transaction'>;
  known: KnownTerms;
}) {
  const d = approval.details;
  const view = transactionView(approval, known);
  return (
    <>
      <p>asks you to sign a transaction:</p>
      <p class="headline" data-testid="approval-headline">
        {view.headline}
      </p>
      <dl class="details">
        {view.args.length > 0 && (
          <>
            <dt>Arguments</dt>
            <dd>
              <ul class="args" data-testid="approval-args">
                {view.args.map((arg) => (
                  <li key={arg.name}>
                    <span class="muted">{arg.name}</span> {arg.shown}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        <dt>Chain</dt>
        <dd class="prose" data-testid="approval-chain">
          {view.chain}
        </dd>
        <dt>{d.chain.type === 'fabric' ? 'Chaincode' : 'Contract'}</dt>
        <dd data-testid="approval-contract">
          <code class="account">{d.contract}</code>
          <div class="muted">{d.path}</div>
        </dd>
        <dt>Signed by</dt>
        <dd class="prose">{view.signer}</dd>
        <dt>Dry run</dt>
        <dd
          data-testid="approval-simulation"
          class={`prose ${view.dryRun.outcome === 'revert' ? 'error' : view.dryRun.outcome === 'none' ? 'muted' : ''}`}
        >
          {view.dryRun.text}
        </dd>
      </dl>
      <details class="raw" data-testid="approval-raw">
        <summary>Details: the exact call</summary>
        <dl class="details">
          <dt>Resource</dt>
          <dd>
            <code>{d.path}</code>
          </dd>
          <dt>Method and arguments</dt>
          <dd data-testid="approval-call">
            <code>{view.call}</code>
          </dd>
          {view.args.length > 0 && (
            <>
              <dt>Argument types</dt>
              <dd>
                <code>{view.args.map((a) => `${a.name}: ${a.type}`).join(', ')}</code>
              </dd>
            </>
          )}
          <dt>Signed by</dt>
          <dd>
            <code class="address">{d.from}</code>
          </dd>
          {view.unit && (
            <>
              <dt>Unit</dt>
              <dd class="prose">
                {view.unit.symbol || 'none named'}, {view.unit.decimals} decimal
                {view.unit.decimals === 1 ? '' : 's'} (as the asset reports it)
              </dd>
            </>
          )}
        </dl>
      </details>
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
  known,
  onFollow,
  onFollowWrite,
  onUnfollow,
}: {
  approvals: Approval[];
  known: KnownTerms;
  /** Called with the TTM id once the user approved a cross-chain transaction or swap. */
  onFollow?: (ttmId: string) => void;
  /** Called once the user approved a transaction or a record write. */
  onFollowWrite?: (write: FollowedWrite) => void;
  /** The approval that was to be followed was refused after all. */
  onUnfollow?: () => void;
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
      body = <CrossChainDetails approval={current} known={known} />;
      break;
    case 'swap':
      body = <SwapDetails approval={current} known={known} />;
      break;
    case 'transaction':
      body = <TransactionDetailsView approval={current} known={known} />;
      break;
  }

  /** What the window shows once `current` is approved (its progress), if anything: says whether it follows. */
  const follow = (approvedAt: number): boolean => {
    // Approving these starts a cross-chain transaction or swap whose progress the window then shows.
    if (current.kind === 'crossChain' || current.kind === 'swap') {
      onFollow?.(current.details.id);
      return true;
    }
    // A write: the window then shows how it ended and what verified it.
    if (current.kind === 'transaction') {
      const { headline } = transactionView(current, known);
      onFollowWrite?.({ origin: current.origin, path: current.details.path, headline, since: approvedAt });
      return true;
    }
    if (current.kind === 'record') {
      const d = current.details;
      const fields = `${d.fields.length} field${d.fields.length === 1 ? '' : 's'}`;
      const headline = `Write the record ${d.record} (${fields}) on ${d.path}`;
      onFollowWrite?.({ origin: current.origin, path: d.path, headline, since: approvedAt });
      return true;
    }
    return false;
  };

  const decide = async (approve: boolean) => {
    // Followed before the worker answers: the queue may empty first, and the window must not show
    // home in between (a popup showing home has the worker read balances).
    const following = approve && follow(Date.now());
    const request = approve && choice ? { choice } : {};
    const failed = errorOf(await send({ type: 'decide', id: current.id, approve, ...request }));
    setError(failed);
    // A refused choice keeps the request waiting with what the user picked.
    if (failed) {
      if (following) onUnfollow?.();
      return;
    }
    setSessionChoice(null);
    setGrantChoice(null);
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
