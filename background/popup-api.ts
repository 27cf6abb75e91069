/**
 * Requests from the popup to the worker. The popup is extension code (the worker
 * checks the sender), so these need no approval; secrets still only flow popup ->
 * worker, except the new recovery phrase, shown once at creation.
 */
import type { ResourceEntry } from '../p2p/protocol/messages.ts';
import type { ActivityEntry, ActivityLog } from './activity/activity-log.ts';
import type { Approval, ApprovalQueue } from './approvals/approval-queue.ts';
import type { StoredGrant } from './grants/grant-state.ts';
import type { GrantStore, GrantView } from './grants/grant-store.ts';
import { revokeGrant } from './grants/revoke-grant.ts';
import type { RouterConnection, RouterConnectionStatus } from './routers/router-connection.ts';
import type { Session, SessionStore } from './sessions/session-store.ts';
import type { TtmLog } from './ttm/ttm-log.ts';
import { type TtmView, toView } from './ttm/types.ts';
import type { Account } from './vault/accounts.ts';
import type { FabricIdentityMeta } from './vault/state.ts';
import type { StorageAreaLike } from './vault/storage-area.ts';
import type { Vault, VaultView } from './vault/vault.ts';
import type { AutoLock } from './wallet/auto-lock.ts';
import { loadDefaults, type SignerDefaults, saveDefaults } from './wallet/defaults.ts';

export type PopupRequest =
  | { type: 'status' }
  | { type: 'setRouters'; routers: string[] }
  | { type: 'resources' }
  | { type: 'createVault'; password: string; mnemonic?: string }
  | { type: 'unlock'; password: string }
  | { type: 'lock' }
  | { type: 'addAccount' }
  | { type: 'renameAccount'; index: number; name: string }
  | { type: 'setAutoLock'; minutes: number }
  | { type: 'decide'; id: string; approve: boolean; choice?: Record<string, unknown> }
  | { type: 'revokeSession'; origin: string }
  | { type: 'revokeGrant'; id: string }
  | { type: 'ttm'; id: string }
  | { type: 'setDefaults'; fiscoAccount?: number; fabricIdentity?: string }
  | {
      type: 'importFabricIdentity';
      password: string;
      name: string;
      mspId: string;
      certificate: string;
      privateKeyPem: string;
    };

export interface WalletStatus {
  version: string;
  /** How long this worker instance has run: shows restarts during development. */
  workerUptimeMs: number;
  routers: RouterConnectionStatus;
  vault: VaultView;
  autoLockMinutes: number;
  approvals: Approval[];
  sessions: Session[];
  fabricIdentities: FabricIdentityMeta[];
  activity: ActivityEntry[];
  /** Data-access grants the wallet signed, newest first. */
  grants: GrantView[];
  /** Cross-chain transactions and swaps (TTM), newest first, without their secrets. */
  ttm: TtmView[];
  defaults: SignerDefaults;
}

export type PopupResponse =
  | WalletStatus
  | { ok: true }
  | { resources: ResourceEntry[] }
  | { mnemonic: string; accounts: Account[] }
  | { account: Account }
  | { grant: StoredGrant }
  | { ttm: TtmView | null }
  | { error: string; name: string };

export interface PopupContext {
  version: string;
  startedAt: number;
  routers: RouterConnection;
  vault: Vault;
  autoLock: AutoLock;
  sessions: SessionStore;
  approvals: ApprovalQueue;
  activity: ActivityLog;
  grants: GrantStore;
  /** The TTM write-ahead log. */
  ttm: TtmLog;
  /** `storage.local`, for the small settings this API reads and writes itself. */
  local: StorageAreaLike;
}

const ok = { ok: true as const };

function failure(error: unknown): { error: string; name: string } {
  const e = error as Error;
  return { error: e.message, name: e.name };
}

function isString(value: unknown, max = 1024): value is string {
  return typeof value === 'string' && value.length <= max;
}

/**
 * What the user does in the popup: these push auto-lock back (once the wallet is unlocked).
 * The popup's own refreshes (`status` every second, `resources`, `ttm` while a timeline is
 * shown) are not, and neither is anything a page asks (provider requests never touch).
 */
const USER_ACTIONS: ReadonlySet<unknown> = new Set([
  'createVault',
  'unlock',
  'addAccount',
  'renameAccount',
  'setAutoLock',
  'decide',
  'importFabricIdentity',
  'setDefaults',
  'revokeGrant',
  'revokeSession',
  'setRouters',
]);

export async function handlePopupMessage(message: unknown, context: PopupContext): Promise<PopupResponse> {
  const request = (message ?? {}) as Record<string, unknown>;
  const response = await answer(request, context);
  if (USER_ACTIONS.has(request.type) && context.vault.isUnlocked()) {
    await context.autoLock.touch().catch(() => {});
  }
  return response;
}

async function answer(request: Record<string, unknown>, context: PopupContext): Promise<PopupResponse> {
  const { vault, autoLock } = context;
  try {
    switch (request.type) {
      case 'status': {
        // Independent reads: in parallel, the popup waits for this before its first real screen.
        const [view, autoLockMinutes, sessions, fabricIdentities, activity, grants, defaults, ttm] =
          await Promise.all([
            vault.view(),
            autoLock.minutes(),
            context.sessions.list(),
            vault.fabricIdentities(),
            context.activity.list(),
            context.grants.list(),
            loadDefaults(context.local),
            context.ttm.views(),
          ]);
        return {
          version: context.version,
          workerUptimeMs: Date.now() - context.startedAt,
          routers: context.routers.status(),
          vault: view,
          autoLockMinutes,
          approvals: context.approvals.pending(),
          sessions,
          fabricIdentities,
          activity,
          grants,
          ttm,
          defaults,
        };
      }
      case 'setRouters': {
        const { routers } = request;
        if (!Array.isArray(routers) || !routers.every((r) => isString(r))) {
          return { error: 'routers must be a list of multiaddr strings', name: 'TypeError' };
        }
        await context.routers.setRouters(routers);
        return ok;
      }
      case 'resources':
        return { resources: await context.routers.resources() };
      case 'createVault': {
        const { password, mnemonic } = request;
        if (!isString(password) || (mnemonic !== undefined && !isString(mnemonic))) {
          return { error: 'password (and mnemonic) must be strings', name: 'TypeError' };
        }
        return await vault.create(password, mnemonic);
      }
      case 'unlock':
        if (!isString(request.password)) return { error: 'password must be a string', name: 'TypeError' };
        await vault.unlock(request.password);
        return ok;
      case 'lock':
        await vault.lock();
        await autoLock.cancel();
        return ok;
      case 'addAccount':
        return { account: await vault.addAccount() };
      case 'renameAccount': {
        const { index, name } = request;
        if (typeof index !== 'number' || !isString(name)) {
          return { error: 'index must be a number and name a string', name: 'TypeError' };
        }
        return { account: await vault.renameAccount(index, name) };
      }
      case 'setAutoLock':
        if (typeof request.minutes !== 'number')
          return { error: 'minutes must be a number', name: 'TypeError' };
        await autoLock.setMinutes(request.minutes);
        return ok;
      case 'decide': {
        if (!isString(request.id) || typeof request.approve !== 'boolean') {
          return { error: 'id must be a string and approve a boolean', name: 'TypeError' };
        }
        if (request.approve && !vault.isUnlocked())
          return { error: 'unlock the wallet first', name: 'VaultLockedError' };
        const choice =
          typeof request.choice === 'object' && request.choice !== null
            ? (request.choice as Record<string, unknown>)
            : {};
        if (!context.approvals.decide(request.id, request.approve, choice)) {
          return { error: 'that request is no longer waiting', name: 'Error' };
        }
        return ok;
      }
      case 'importFabricIdentity': {
        const { password, name, mspId, certificate, privateKeyPem } = request;
        if (
          ![password, name, mspId].every((v) => isString(v)) ||
          ![certificate, privateKeyPem].every((v) => isString(v, 16_384))
        ) {
          return { error: 'password, name, MSP id, certificate and key must be strings', name: 'TypeError' };
        }
        await vault.importFabricIdentity(password as string, {
          name: name as string,
          mspId: mspId as string,
          certificate: certificate as string,
          privateKeyPem: privateKeyPem as string,
        });
        return ok;
      }
      case 'setDefaults': {
        const { fiscoAccount, fabricIdentity } = request;
        const change: Partial<SignerDefaults> = {};
        if (typeof fiscoAccount === 'number') {
          if (!(await vault.accounts()).some((a) => a.index === fiscoAccount)) {
            return { error: `no account ${fiscoAccount}`, name: 'RangeError' };
          }
          change.fiscoAccount = fiscoAccount;
        }
        if (typeof fabricIdentity === 'string') {
          if (!(await vault.fabricIdentities()).some((f) => f.id === fabricIdentity)) {
            return { error: 'no such Fabric identity', name: 'RangeError' };
          }
          change.fabricIdentity = fabricIdentity;
        }
        await saveDefaults(context.local, change);
        return ok;
      }
      case 'revokeGrant':
        if (!isString(request.id, 100)) return { error: 'id must be a grant id', name: 'TypeError' };
        // Waits for the chain to commit the revocation: the popup shows the outcome.
        return { grant: await revokeGrant(context, request.id) };
      case 'ttm': {
        if (!isString(request.id, 100)) return { error: 'id must be a transaction id', name: 'TypeError' };
        const record = await context.ttm.get(request.id);
        return { ttm: record ? toView(record) : null };
      }
      case 'revokeSession':
        if (!isString(request.origin)) return { error: 'origin must be a string', name: 'TypeError' };
        await context.sessions.revoke(request.origin);
        return ok;
      default:
        return { error: `unknown popup request ${String(request.type)}`, name: 'TypeError' };
    }
  } catch (error) {
    return failure(error);
  }
}
