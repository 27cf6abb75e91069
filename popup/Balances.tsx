/**
 * Home › What you own: per chain, each asset the wallet knows (the network's and the connected
 * sites'), each account's or Fabric identity's balance in the asset's unit, and what backs it
 * (FISCO BCOS: the routers' word, as weft_call says; Fabric: the endorsements the wallet checked).
 * A row that could not be read says why, beside the last amount read.
 */

import { shortAddress } from '../background/approvals/address-book.ts';
import { formatAmountOrRaw } from '../background/balances/amount.ts';
import type { AssetBalances, BalanceRow, BalancesView } from '../background/balances/types.ts';
import { send } from './api.ts';
import { formatClock } from './format.ts';

function sourcesText(asset: AssetBalances): string {
  const sites = asset.sources.filter((s) => s !== 'network');
  const parts = [
    ...(asset.sources.includes('network') ? ['on the network'] : []),
    ...(sites.length > 0 ? [`used by ${sites.join(', ')}`] : []),
  ];
  return parts.join(' · ');
}

function Row({ row, asset }: { row: BalanceRow; asset: AssetBalances }) {
  if (row.state === 'loading') {
    return (
      <li class="balance" data-testid="balance-row">
        <span class="muted">reading…</span>
      </li>
    );
  }
  if (row.state === 'none') {
    return (
      <li class="balance" data-testid="balance-row">
        <span class="muted">{row.error}</span>
      </li>
    );
  }
  return (
    <li class={`balance balance-${row.state}`} data-testid="balance-row" data-holder={row.holder}>
      <div class="row">
        <span>
          <strong>{row.owner}</strong>{' '}
          {row.holder !== row.owner && (
            <code class="account" title={row.holder}>
              {shortAddress(row.holder)}
            </code>
          )}
        </span>
        {row.amount !== undefined && (
          <strong class="amount" data-testid="balance-amount">
            {formatAmountOrRaw(row.amount, asset.unit)}
          </strong>
        )}
      </div>
      {row.verified && row.amount !== undefined && (
        <div
          class={row.verified.backing === 'endorsed' ? 'verified' : 'muted'}
          data-testid="balance-verified"
        >
          {row.verified.backing === 'endorsed' ? '✓ ' : ''}
          {row.verified.by}
        </div>
      )}
      {row.state === 'error' && (
        <div class="error" data-testid="balance-error">
          {row.error}
          {row.readAt !== undefined && ` (amount as read at ${formatClock(row.readAt)})`}
        </div>
      )}
    </li>
  );
}

export function Balances({ view }: { view: BalancesView }) {
  const empty = view.chains.length === 0;
  return (
    <section data-testid="balances">
      <div class="row">
        <h2>What you own</h2>
        <button type="button" class="link" onClick={() => send({ type: 'refreshBalances' })}>
          {view.state === 'loading' ? 'reading…' : 'refresh'}
        </button>
      </div>
      {view.error && (
        <p class="error" data-testid="balances-error">
          {view.error}
        </p>
      )}
      {empty && !view.error && (
        <p class="muted">
          {view.state === 'ready'
            ? 'No asset reachable: the routers list none and no connected site uses one.'
            : 'Reading balances…'}
        </p>
      )}
      {view.chains.map((chain) => (
        <div class="balance-chain" key={chain.chain} data-testid={`balances-${chain.chain}`}>
          <h3>
            {chain.chain} <span class="muted">{chain.label}</span>
          </h3>
          {chain.assets.map((asset) => (
            <div class="balance-asset" key={asset.path} data-testid={`asset-${asset.path}`}>
              <div>
                <code>{asset.path}</code>
                {asset.unit?.name && <span> {asset.unit.name}</span>}
                {asset.unit?.symbol && <span class="muted"> ({asset.unit.symbol})</span>}
              </div>
              <div class="muted">{sourcesText(asset)}</div>
              {asset.error && <p class="error">{asset.error}</p>}
              {asset.unitError && (
                <p class="muted">unit unknown ({asset.unitError}): amounts shown as the chain stores them</p>
              )}
              <ul class="balances">
                {asset.rows.map((row) => (
                  <Row key={`${row.owner}|${row.holder}`} row={row} asset={asset} />
                ))}
              </ul>
            </div>
          ))}
        </div>
      ))}
    </section>
  );
}
