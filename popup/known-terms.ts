/** What the popup knows to put approvals in human terms: names from the wallet and the contacts, units from the balance service. */

import { addressBook } from '../background/approvals/address-book.ts';
import type { KnownTerms } from '../background/approvals/approval-view.ts';
import type { WalletStatus } from '../background/popup-api.ts';

export function knownTerms(status: WalletStatus): KnownTerms {
  const fabricAccounts = status.balances.chains
    .filter((chain) => chain.type === 'fabric')
    .flatMap((chain) => chain.assets.flatMap((asset) => asset.rows))
    // Rows with an amount are accounts the chaincode said the identity owns.
    .filter((row) => row.holder !== '' && row.amount !== undefined)
    .map((row) => ({ account: row.holder, identity: row.owner }));
  return {
    book: addressBook({
      accounts: status.vault.accounts,
      sessions: status.sessions,
      fabricAccounts,
      contacts: status.contacts,
    }),
    units: status.balances.units,
  };
}
