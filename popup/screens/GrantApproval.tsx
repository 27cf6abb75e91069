/**
 * A data-access grant request in human terms: which site, which data (resource, the chain
 * and zone that hold it, records, fields), until when, why, the key the site reads with and
 * the account that signs. The user may untick records or fields and shorten the duration;
 * the worker refuses any choice wider than the request.
 */
import type { Approval, GrantApprovalDetails } from '../../background/approvals/approval-kinds.ts';
import type { GrantScope } from '../../background/grants/scope.ts';
import { formatDuration, formatTime } from '../format.ts';

/** Shorter durations the user may pick instead of the one asked. */
const SHORTER = [300, 900, 3_600, 86_400, 7 * 86_400, 30 * 86_400];

export function initialGrantChoice(d: GrantApprovalDetails): GrantScope {
  return { records: [...d.records], fields: [...d.fields], durationSeconds: d.durationSeconds };
}

/** Whether the choice grants something (the worker refuses an empty one too). */
export function grantChoiceComplete(d: GrantApprovalDetails, choice: GrantScope): boolean {
  return choice.records.length > 0 && (d.fields.length === 0 || choice.fields.length > 0);
}

function chainLabel(d: GrantApprovalDetails): string {
  const where =
    d.chain.type === 'fisco-bcos'
      ? `FISCO BCOS, chain ${d.chain.chainId}, group ${d.chain.groupId}, contract ${d.contract}`
      : `Fabric, channel ${d.chain.channel}, chaincode ${d.contract}`;
  return `${where} (zone ${d.zone}, chain ${d.chainName})`;
}

function toggled(list: string[], item: string, on: boolean, order: string[]): string[] {
  const next = on ? [...list, item] : list.filter((x) => x !== item);
  return order.filter((x) => next.includes(x));
}

export function GrantChoiceView({
  approval,
  choice,
  setChoice,
}: {
  approval: Approval<'grant'>;
  choice: GrantScope;
  setChoice: (c: GrantScope) => void;
}) {
  const d = approval.details;
  const durations = [d.durationSeconds, ...SHORTER.filter((s) => s < d.durationSeconds)];
  const until = Date.now() + choice.durationSeconds * 1000;
  return (
    <>
      <p>wants to read some of your data:</p>
      <dl class="details" data-testid="grant-details">
        <dt>Data</dt>
        <dd>
          <code>{d.resource}</code>
        </dd>
        <dt>Held on</dt>
        <dd class="prose">{chainLabel(d)}</dd>
        <dt>Records</dt>
        <dd>
          <ul class="choices">
            {d.records.map((r) => (
              <li key={r}>
                <label>
                  <input
                    type="checkbox"
                    aria-label={`record ${r}`}
                    checked={choice.records.includes(r)}
                    onChange={(e) =>
                      setChoice({
                        ...choice,
                        records: toggled(
                          choice.records,
                          r,
                          (e.target as HTMLInputElement).checked,
                          d.records,
                        ),
                      })
                    }
                  />{' '}
                  <code>{r}</code>
                </label>
              </li>
            ))}
          </ul>
        </dd>
        <dt>Fields</dt>
        <dd data-testid="grant-fields">
          {d.fields.length === 0 ? (
            'all fields of these records'
          ) : (
            <ul class="choices">
              {d.fields.map((f) => (
                <li key={f}>
                  <label>
                    <input
                      type="checkbox"
                      aria-label={`field ${f}`}
                      checked={choice.fields.includes(f)}
                      onChange={(e) =>
                        setChoice({
                          ...choice,
                          fields: toggled(choice.fields, f, (e.target as HTMLInputElement).checked, d.fields),
                        })
                      }
                    />{' '}
                    <code>{f}</code>
                  </label>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>For</dt>
        <dd>
          <select
            data-testid="grant-duration"
            value={String(choice.durationSeconds)}
            onChange={(e) =>
              setChoice({ ...choice, durationSeconds: Number((e.target as HTMLSelectElement).value) })
            }
          >
            {durations.map((s) => (
              <option key={s} value={String(s)}>
                {formatDuration(s)}
              </option>
            ))}
          </select>{' '}
          <span data-testid="grant-until">until {formatTime(until)}</span>
        </dd>
        <dt>Reason given by the site</dt>
        <dd class="prose" data-testid="grant-reason">
          “{d.reason}”
        </dd>
        <dt>The site reads with key</dt>
        <dd>
          <code class="address">{d.audienceKey}</code>
          <span class="muted">
            The fields' keys of the records that exist are shared with this key (one transaction per record).
          </span>
        </dd>
        <dt>Signed by</dt>
        <dd>
          {d.issuer.name} <code class="address">{d.issuer.address}</code>
        </dd>
        {d.fabricIdentity && (
          <>
            <dt>Fabric identity</dt>
            <dd class="prose">
              {d.fabricIdentity.name} ({d.fabricIdentity.mspId}): linked to this account first if it is not
              yet (one transaction)
            </dd>
          </>
        )}
      </dl>
      <p class="muted">Only this site can use the grant, and you can revoke it any time under Data access.</p>
    </>
  );
}
