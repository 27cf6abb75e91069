/**
 * The worker's parts, built once by background/index.ts. Provider methods and the popup API
 * take this same object, each using what it needs; tests pass only the parts they exercise.
 */
import type { ActivityLog } from './activity/activity-log.ts';
import type { ApprovalQueue } from './approvals/approval-queue.ts';
import type { BalanceService } from './balances/balance-service.ts';
import type { ContactStore } from './contacts/contact-store.ts';
import type { WalletEvents } from './events.ts';
import type { GrantStore } from './grants/grant-store.ts';
import type { RouterConnection } from './routers/router-connection.ts';
import type { SessionStore } from './sessions/session-store.ts';
import type { ChainTrust } from './trust/chain-trust.ts';
import type { TtmCoordinator } from './ttm/coordinator.ts';
import type { StorageAreaLike } from './vault/storage-area.ts';
import type { Vault } from './vault/vault.ts';
import type { AutoLock } from './wallet/auto-lock.ts';

export interface WalletServices {
  /** The extension's version, as pages (`weft_version`) and the popup see it. */
  version: string;
  /** Where the parts say what changed. */
  events: WalletEvents;
  vault: Vault;
  autoLock: AutoLock;
  routers: RouterConnection;
  /** Chain trust anchors and the checks of every outcome against chain evidence. */
  trust: ChainTrust;
  /** Per-origin sessions. */
  sessions: SessionStore;
  approvals: ApprovalQueue;
  activity: ActivityLog;
  /** What the user owns: balances of the known assets, per chain (the popup's home). */
  balances: BalanceService;
  /** The data-access grants this wallet signed. */
  grants: GrantStore;
  /** Cross-chain transactions and swaps: the write-ahead log (`ttm.log`) and its drivers. */
  ttm: TtmCoordinator;
  /** The user's contacts: for the popup only, never pages or routers. */
  contacts: ContactStore;
  /** `storage.local`, for the small settings kept there as they are (signer defaults). */
  local: StorageAreaLike;
}
