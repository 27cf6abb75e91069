/**
 * A record write in human terms: which site, which resource and chain, the record, each field
 * and the value that will be written, and who will be able to read it: the user, and the sites
 * of the user's active grants covering the record, each with the fields it can read. The values
 * leave the wallet sealed; the popup is where the user sees them in plaintext.
 */
import type { Approval, RecordApprovalDetails } from '../../background/approvals/approval-kinds.ts';

function chainLabel(d: RecordApprovalDetails): string {
  return d.chain.type === 'fisco-bcos'
    ? `FISCO BCOS, chain ${d.chain.chainId}, group ${d.chain.groupId}`
    : `Fabric, channel ${d.chain.channel}`;
}

export function RecordDetails({ approval }: { approval: Approval<'record'> }) {
  const d = approval.details;
  return (
    <>
      <p>asks you to write one of your records:</p>
      <dl class="details" data-testid="record-details">
        <dt>Resource</dt>
        <dd>
          <code>{d.path}</code>
        </dd>
        <dt>Chain</dt>
        <dd>{chainLabel(d)}</dd>
        <dt>Contract</dt>
        <dd>
          <code class="address">{d.contract}</code>
        </dd>
        <dt>Record</dt>
        <dd data-testid="record-id">
          <code>{d.record}</code>
        </dd>
        <dt>Fields</dt>
        <dd>
          <ul class="choices" data-testid="record-fields">
            {d.fields.map((f) => (
              <li key={f.name}>
                <code>{f.name}</code>: <span>{f.value}</span>
              </li>
            ))}
          </ul>
        </dd>
        <dt>Readable by</dt>
        <dd>
          <p class="muted">Encrypted in this wallet; readable by:</p>
          <ul class="choices" data-testid="record-readers">
            <li>you</li>
            {d.readers.map((r) => (
              <li key={r.grantId}>
                <strong>{r.origin}</strong>:{' '}
                {r.fields.length > 0 ? (
                  r.fields.map((f, i) => (
                    <span key={f}>
                      {i > 0 && ', '}
                      <code>{f}</code>
                    </span>
                  ))
                ) : (
                  <span class="muted">none of these fields</span>
                )}
              </li>
            ))}
          </ul>
        </dd>
        <dt>Written by</dt>
        <dd>
          <code class="address">{d.from}</code>
        </dd>
        <dt>Sealed with the keys of</dt>
        <dd>
          {d.sealedBy.name} <code class="address">{d.sealedBy.address}</code>
        </dd>
      </dl>
      <p class="muted">
        Each write gets new keys: a site whose grant you revoked cannot read what you write after it.
      </p>
    </>
  );
}
