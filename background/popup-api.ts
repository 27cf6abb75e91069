/**
 * Requests from the popup to the worker. The popup is extension code (the worker
 * checks the sender), so these need no approval; secrets still only flow popup ->
 * worker, except the new recovery phrase, shown once at creation.
 */
import type { Session } from '../content/provider-schema.ts';
import type { ResourceEntry } from '../p2p/protocol/messages.ts';
import type { ActivityEntry, ActivityLog } from './activity/activity-log.ts';
import type { Approval, ApprovalChoice } from './approvals/approval-kinds.ts';
import type { ApprovalQueue } from './approvals/approval-queue.ts';
import type { StoredGrant } from './grants/grant-state.ts';
import type { GrantStore, GrantView } from './grants/grant-store.ts';
import { revokeGrant } from './grants/revoke-grant.ts';
import type { RouterConnection, RouterConnectionStatus } from './routers/router-connection.ts';
import type { SessionStore } from './sessions/session-store.ts';
import type { TtmLog } from './ttm/ttm-log.ts';
import { type TtmView, toView } from './ttm/types.ts';
import { fieldsOf, type Unchecked } from './unchecked.ts';
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
  | { type: 'decide'; id: string; approve: boolean; choice?: ApprovalChoice['session' | 'grant'] }
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

export type PopupRequestType = PopupRequest['type'];

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

type Ok = { ok: true };

/** The worker's answer to each request type when it succeeds. */
export interface PopupResponses {
  status: WalletStatus;
  setRouters: Ok;
  resources: { resources: ResourceEntry[] };
  createVault: { mnemonic: string; accounts: Account[] };
  unlock: Ok;
  lock: Ok;
  addAccount: { account: Account };
  renameAccount: { account: Account };
  setAutoLock: Ok;
  decide: Ok;
  revokeSession: Ok;
  revokeGrant: { grant: StoredGrant };
  ttm: { ttm: TtmView | null };
  setDefaults: Ok;
  importFabricIdentity: Ok;
}

/** Any failure, for every request type: the error's message and name (`TypeError`, `VaultLockedError` …). */
export interface PopupError {
  error: string;
  name: string;
}

export type PopupResponse<T extends PopupRequestType = PopupRequestType> = PopupResponses[T] | PopupError;

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

const ok: Ok = { ok: true };

function failure(error: unknown): PopupError {
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
const USER_ACTIONS: ReadonlySet<PopupRequestType> = new Set<PopupRequestType>([
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
  const request = fieldsOf(message);
  const { type } = request;
  if (!isRequestType(type)) return { error: `unknown popup request ${String(type)}`, name: 'TypeError' };
  let response: PopupResponse;
  try {
    response = await HANDLERS[type](request, context);
  } catch (error) {
    response = failure(error);
  }
  if (USER_ACTIONS.has(type) && context.vault.isUnlocked()) {
    await context.autoLock.touch().catch(() => {});
  }
  return response;
}

/**
 * Answers one request type: checks the request's fields (the popup is our own code, but a
 * check costs little and keeps a bug there from reaching the vault) and does it.
 */
type Handler<T extends PopupRequestType> = (
  request: Unchecked<Extract<PopupRequest, { type: T }>>,
  context: PopupContext,
) => Promise<PopupResponse<T>>;

function isRequestType(type: unknown): type is PopupRequestType {
  return typeof type === 'string' && Object.hasOwn(HANDLERS, type);
}

const HANDLERS: { readonly [T in PopupRequestType]: Handler<T> } = {
  async status(_request, context) {
    // Independent reads: in parallel, the popup waits for this before its first real screen.
    const [view, autoLockMinutes, sessions, fabricIdentities, activity, grants, defaults, ttm] =
      await Promise.all([
        context.vault.view(),
        context.autoLock.minutes(),
        context.sessions.list(),
        context.vault.fabricIdentities(),
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
  },

  async setRouters({ routers }, context) {
    if (!Array.isArray(routers) || !routers.every((r) => isString(r))) {
      return { error: 'routers must be a list of multiaddr strings', name: 'TypeError' };
    }
    await context.routers.setRouters(routers);
    return ok;
  },

  async resources(_request, context) {
    return { resources: await context.routers.resources() };
  },

  async createVault({ password, mnemonic }, context) {
    if (!isString(password) || (mnemonic !== undefined && !isString(mnemonic))) {
      return { error: 'password (and mnemonic) must be strings', name: 'TypeError' };
    }
    return await context.vault.create(password, mnemonic);
  },

  async unlock({ password }, context) {
    if (!isString(password)) return { error: 'password must be a string', name: 'TypeError' };
    await context.vault.unlock(password);
    return ok;
  },

  async lock(_request, context) {
    await context.vault.lock();
    await context.autoLock.cancel();
    return ok;
  },

  async addAccount(_request, context) {
    return { account: await context.vault.addAccount() };
  },

  async renameAccount({ index, name }, context) {
    if (typeof index !== 'number' || !isString(name)) {
      return { error: 'index must be a number and name a string', name: 'TypeError' };
    }
    return { account: await context.vault.renameAccount(index, name) };
  },

  async setAutoLock({ minutes }, context) {
    if (typeof minutes !== 'number') return { error: 'minutes must be a number', name: 'TypeError' };
    await context.autoLock.setMinutes(minutes);
    return ok;
  },

  async decide({ id, approve, choice }, context) {
    if (!isString(id) || typeof approve !== 'boolean') {
      return { error: 'id must be a string and approve a boolean', name: 'TypeError' };
    }
    if (approve && !context.vault.isUnlocked()) {
      return { error: 'unlock the wallet first', name: 'VaultLockedError' };
    }
    // The request's own check reads the choice field by field (approvals/approval-queue.ts).
    if (!context.approvals.decide(id, approve, fieldsOf(choice))) {
      return { error: 'that request is no longer waiting', name: 'Error' };
    }
    return ok;
  },

  async importFabricIdentity({ password, name, mspId, certificate, privateKeyPem }, context) {
    if (
      !isString(password) ||
      !isString(name) ||
      !isString(mspId) ||
      !isString(certificate, 16_384) ||
      !isString(privateKeyPem, 16_384)
    ) {
      return { error: 'password, name, MSP id, certificate and key must be strings', name: 'TypeError' };
    }
    await context.vault.importFabricIdentity(password, { name, mspId, certificate, privateKeyPem });
    return ok;
  },

  async setDefaults({ fiscoAccount, fabricIdentity }, context) {
    const change: Partial<SignerDefaults> = {};
    if (typeof fiscoAccount === 'number') {
      if (!(await context.vault.accounts()).some((a) => a.index === fiscoAccount)) {
        return { error: `no account ${fiscoAccount}`, name: 'RangeError' };
      }
      change.fiscoAccount = fiscoAccount;
    }
    if (typeof fabricIdentity === 'string') {
      if (!(await context.vault.fabricIdentities()).some((f) => f.id === fabricIdentity)) {
        return { error: 'no such Fabric identity', name: 'RangeError' };
      }
      change.fabricIdentity = fabricIdentity;
    }
    await saveDefaults(context.local, change);
    return ok;
  },

  async revokeGrant({ id }, context) {
    if (!isString(id, 100)) return { error: 'id must be a grant id', name: 'TypeError' };
    // Waits for the chain to commit the revocation: the popup shows the outcome.
    return { grant: await revokeGrant(context, id) };
  },

  async ttm({ id }, context) {
    if (!isString(id, 100)) return { error: 'id must be a transaction id', name: 'TypeError' };
    const record = await context.ttm.get(id);
    return { ttm: record ? toView(record) : null };
  },

  async revokeSession({ origin }, context) {
    if (!isString(origin)) return { error: 'origin must be a string', name: 'TypeError' };
    await context.sessions.revoke(origin);
    return ok;
  },
};
