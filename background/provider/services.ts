/** What provider methods may use, injected by the worker (and by tests). */
import type { ActivityLog } from '../activity/activity-log.ts';
import type { ApprovalQueue } from '../approvals/approval-queue.ts';
import type { GrantStore } from '../grants/grant-store.ts';
import type { RouterConnection } from '../routers/router-connection.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { TtmCoordinator } from '../ttm/coordinator.ts';
import type { Vault } from '../vault/vault.ts';
import type { SignerDefaults } from '../wallet/defaults.ts';

export interface WalletServices {
  sessions: SessionStore;
  approvals: ApprovalQueue;
  vault: Vault;
  routers: RouterConnection;
  activity: ActivityLog;
  /** The data-access grants this wallet signed. */
  grants: GrantStore;
  /** Cross-chain transactions and swaps: the write-ahead log and its drivers. */
  ttm: TtmCoordinator;
  /** The signers new sessions start with (see wallet/defaults.ts). */
  defaults: () => Promise<SignerDefaults>;
}
