/**
 * What the popup shows of the user's balances (status part `balances`): per chain, each asset
 * resource the wallet knows of (the connected sites' and the network's), and per account or
 * Fabric identity its balance, what backs it, or why it could not be read. Types only: the popup
 * imports them.
 */
import type { CallVerification } from '../../content/provider-schema.ts';
import type { ChainType } from '../ttm/types.ts';
import type { AssetUnit } from './amount.ts';

export type { AssetUnit };

/** One holder's balance of one asset. */
export interface BalanceRow {
  /** FISCO BCOS address, or Fabric account name. */
  holder: string;
  /** Whose it is: the account's name, or the Fabric identity's. */
  owner: string;
  /**
   * `loading` before the first answer; `ok` with `amount`; `error` with `error` (and the last
   * amount read, if any); `none`: the Fabric identity owns no account on this asset (`error` says
   * which names were looked for).
   */
  state: 'loading' | 'ok' | 'error' | 'none';
  /** The raw amount (decimal string), the last one read: kept when a later read fails. */
  amount?: string;
  error?: string;
  /** What backs `amount`: as weft_call says it (routers only, or endorsed and checked). */
  verified?: CallVerification;
  /** When `amount` was read (unix ms). */
  readAt?: number;
}

export interface AssetBalances {
  path: string;
  /** Contract address (FISCO BCOS) or chaincode name (Fabric), once described. */
  contract?: string;
  unit?: AssetUnit;
  /** Why the unit could not be read (amounts are then shown raw). */
  unitError?: string;
  /** Why it is here: `network` (the entry router lists it) and the origins of sessions that use it. */
  sources: string[];
  /** The resource itself failed: the routers do not know it, or could not be asked. */
  error?: string;
  rows: BalanceRow[];
}

export interface ChainBalances {
  /** `zone.chain`. */
  chain: string;
  type?: ChainType;
  /** "FISCO BCOS, chain 1, group 1" / "Fabric, channel mychannel"; the path's chain until described. */
  label: string;
  assets: AssetBalances[];
}

export interface BalancesView {
  /** `idle` before the first refresh (the first popup starts them), `loading` while one runs. */
  state: 'idle' | 'loading' | 'ready';
  /** Why nothing could be listed (no routers, no link): each row says it too. */
  error?: string;
  chains: ChainBalances[];
  /** Every asset unit the wallet read, by resource path: the assets' and those approvals named. */
  units: Record<string, AssetUnit>;
  /** When the last refresh ended (unix ms). */
  updatedAt?: number;
}
