/**
 * Requests from the popup to the worker. The popup is extension code (the worker
 * checks the sender), so these need no approval; secrets still only flow popup ->
 * worker, except the new recovery phrase, shown once at creation.
 */
import type { Session } from '../content/provider-schema.ts';
import type { ResourceEntry } from '../p2p/protocol/messages.ts';
import type { ActivityEntry } from './activity/activity-log.ts';
import type { Approval, ApprovalChoice } from './approvals/approval-kinds.ts';
import type { BalancesView } from './balances/types.ts';
import type { Contact } from './contacts/contact.ts';
import type { StoredGrant } from './grants/grant-state.ts';
import type { GrantView } from './grants/grant-store.ts';
import { revokeGrant } from './grants/revoke-grant.ts';
import type { RouterConnectionStatus } from './routers/router-connection.ts';
import type { WalletServices } from './services.ts';
import type { StoredAnchor } from './trust/anchor-store.ts';
import { profileFile } from './trust/profile-schema.ts';
import type { TtmView } from './ttm/types.ts';
import { fieldsOf, type Unchecked } from './unchecked.ts';
import type { Account } from './vault/accounts.ts';
import type { FabricIdentityMeta } from './vault/state.ts';
import type { VaultView } from './vault/vault.ts';
import { loadDefaults, type SignerDefaults, saveDefaults } from './wallet/defaults.ts';

export type PopupRequest =
  | { type: 'setRouters'; routers: string[] }
  /** Forgets the saved router list: the build's default list applies again. */
  | { type: 'useDefaultRouters' }
  | { type: 'resources' }
  /** Reads every balance again now. */
  | { type: 'refreshBalances' }
  | { type: 'createVault'; password: string; mnemonic?: string }
  | { type: 'unlock'; password: string }
  | { type: 'lock' }
  | { type: 'addAccount' }
  | { type: 'renameAccount'; index: number; name: string }
  | { type: 'setAutoLock'; minutes: number }
  | { type: 'decide'; id: string; approve: boolean; choice?: ApprovalChoice['session' | 'grant'] }
  | { type: 'revokeSession'; origin: string }
  | { type: 'revokeGrant'; id: string }
  | { type: 'setDefaults'; fiscoAccount?: number; fabricIdentity?: string }
  /** A profile file the chains' operators published: `{ "zone.chain": profile, ... }`. */
  | { type: 'importProfiles'; text: string }
  | { type: 'forgetAnchor'; chain: string }
  /** `address`: a FISCO BCOS address, or a Fabric account; the contact store checks all three. */
  | { type: 'addContact'; name: string; chain: string; address: string }
  | { type: 'renameContact'; chain: string; address: string; name: string }
  | { type: 'removeContact'; chain: string; address: string }
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
  /** The chains' trust anchors: fingerprint, where each came from. */
  anchors: AnchorView[];
  /** What the user owns, per chain and asset, and the units of the assets the wallet knows. */
  balances: BalancesView;
  /** The user's contacts, by name: the popup's only, never sent to pages or routers. */
  contacts: Contact[];
}

/** A trust anchor as the popup lists it (the config block itself stays in the worker). */
export interface AnchorView {
  chain: string;
  type: StoredAnchor['profile']['type'];
  fingerprint: string;
  source: StoredAnchor['source'];
  takenAt: number;
  followedAt?: number;
  /** FISCO BCOS: sealer count and the block the set is known at; Fabric: the channel. */
  detail: string;
}

function anchorView(anchor: StoredAnchor): AnchorView {
  const { profile } = anchor;
  return {
    chain: anchor.chain,
    type: profile.type,
    fingerprint: anchor.fingerprint,
    source: anchor.source,
    takenAt: anchor.takenAt,
    ...(anchor.followedAt ? { followedAt: anchor.followedAt } : {}),
    detail:
      profile.type === 'fisco-bcos'
        ? `chain ${profile.chainId}, group ${profile.groupId}, ${profile.sealers.length} sealers at block ${profile.sealersAt}${profile.crypto === 'sm' ? ', guomi' : ''}`
        : `channel ${profile.channel}, ${Object.keys(profile.chaincodes).length} chaincode policies`,
  };
}

/** One part of the status: what an event names as changed, and what the popup's port sends. */
export type StatusPart = keyof WalletStatus;

/** How each part is read. */
const STATUS_READERS: {
  readonly [P in StatusPart]: (services: WalletServices) => WalletStatus[P] | Promise<WalletStatus[P]>;
} = {
  version: (s) => s.version,
  routers: (s) => s.routers.status(),
  vault: (s) => s.vault.view(),
  autoLockMinutes: (s) => s.autoLock.minutes(),
  approvals: (s) => s.approvals.pending(),
  sessions: (s) => s.sessions.list(),
  fabricIdentities: (s) => s.vault.fabricIdentities(),
  activity: (s) => s.activity.list(),
  grants: (s) => s.grants.list(),
  ttm: (s) => s.ttm.log.views(),
  defaults: (s) => loadDefaults(s.local),
  anchors: async (s) => (await s.trust.anchors.list()).map(anchorView),
  balances: (s) => s.balances.view(),
  contacts: (s) => s.contacts.list(),
};

export const STATUS_PARTS = Object.keys(STATUS_READERS) as StatusPart[];

/** Reads `parts` of the status, in parallel (the popup waits for them before its first real screen). */
export async function readStatus<P extends StatusPart>(
  services: WalletServices,
  parts: readonly P[],
): Promise<Pick<WalletStatus, P>> {
  const values = await Promise.all(parts.map((part) => STATUS_READERS[part](services)));
  // One value per part, in order: TypeScript cannot follow a mapped type through fromEntries.
  return Object.fromEntries(parts.map((part, i) => [part, values[i]])) as unknown as Pick<WalletStatus, P>;
}

type Ok = { ok: true };

/** The worker's answer to each request type when it succeeds. */
export interface PopupResponses {
  setRouters: Ok;
  useDefaultRouters: Ok;
  resources: { resources: ResourceEntry[] };
  refreshBalances: Ok;
  createVault: { mnemonic: string; accounts: Account[] };
  unlock: Ok;
  lock: Ok;
  addAccount: { account: Account };
  renameAccount: { account: Account };
  setAutoLock: Ok;
  decide: Ok;
  revokeSession: Ok;
  revokeGrant: { grant: StoredGrant };
  setDefaults: Ok;
  importFabricIdentity: Ok;
  importProfiles: { chains: string[] };
  forgetAnchor: Ok;
  addContact: { contact: Contact };
  renameContact: { contact: Contact };
  removeContact: Ok;
}

/** Any failure, for every request type: the error's message and name (`TypeError`, `VaultLockedError` …). */
export interface PopupError {
  error: string;
  name: string;
}

export type PopupResponse<T extends PopupRequestType = PopupRequestType> = PopupResponses[T] | PopupError;

const ok: Ok = { ok: true };

/**
 * Approvals name addresses by their contacts, so changing them takes the unlocked wallet: someone
 * at a locked browser must not rename an address of theirs "Savings".
 */
const contactsLocked: PopupError = { error: 'unlock the wallet first', name: 'VaultLockedError' };

function failure(error: unknown): PopupError {
  const e = error as Error;
  return { error: e.message, name: e.name };
}

function isString(value: unknown, max = 1024): value is string {
  return typeof value === 'string' && value.length <= max;
}

/**
 * What the user does in the popup: these push auto-lock back (once the wallet is unlocked).
 * The popup's own read (`resources`) is not, nor is what it hears on its port
 * (background/popup-port.ts), nor anything a page asks (provider requests never touch it).
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
  'useDefaultRouters',
  'importProfiles',
  'forgetAnchor',
  'refreshBalances',
  'addContact',
  'renameContact',
  'removeContact',
]);

export async function handlePopupMessage(message: unknown, services: WalletServices): Promise<PopupResponse> {
  const request = fieldsOf(message);
  const { type } = request;
  if (!isRequestType(type)) return { error: `unknown popup request ${String(type)}`, name: 'TypeError' };
  let response: PopupResponse;
  try {
    response = await HANDLERS[type](request, services);
  } catch (error) {
    response = failure(error);
  }
  if (USER_ACTIONS.has(type) && services.vault.isUnlocked()) {
    await services.autoLock.touch().catch(() => {});
  }
  return response;
}

/**
 * Answers one request type: checks the request's fields (the popup is our own code, but a
 * check costs little and keeps a bug there from reaching the vault) and does it.
 */
type Handler<T extends PopupRequestType> = (
  request: Unchecked<Extract<PopupRequest, { type: T }>>,
  services: WalletServices,
) => Promise<PopupResponse<T>>;

function isRequestType(type: unknown): type is PopupRequestType {
  return typeof type === 'string' && Object.hasOwn(HANDLERS, type);
}

const HANDLERS: { readonly [T in PopupRequestType]: Handler<T> } = {
  async setRouters({ routers }, services) {
    if (!Array.isArray(routers) || !routers.every((r) => isString(r))) {
      return { error: 'routers must be a list of multiaddr strings', name: 'TypeError' };
    }
    await services.routers.setRouters(routers);
    return ok;
  },

  async useDefaultRouters(_request, services) {
    await services.routers.useDefaults();
    return ok;
  },

  async resources(_request, services) {
    return { resources: await services.routers.resources() };
  },

  async refreshBalances(_request, services) {
    await services.balances.refresh();
    return ok;
  },

  async createVault({ password, mnemonic }, services) {
    if (!isString(password) || (mnemonic !== undefined && !isString(mnemonic))) {
      return { error: 'password (and mnemonic) must be strings', name: 'TypeError' };
    }
    return await services.vault.create(password, mnemonic);
  },

  async unlock({ password }, services) {
    if (!isString(password)) return { error: 'password must be a string', name: 'TypeError' };
    await services.vault.unlock(password);
    return ok;
  },

  async lock(_request, services) {
    await services.vault.lock();
    await services.autoLock.cancel();
    return ok;
  },

  async addAccount(_request, services) {
    return { account: await services.vault.addAccount() };
  },

  async renameAccount({ index, name }, services) {
    if (typeof index !== 'number' || !isString(name)) {
      return { error: 'index must be a number and name a string', name: 'TypeError' };
    }
    return { account: await services.vault.renameAccount(index, name) };
  },

  async setAutoLock({ minutes }, services) {
    if (typeof minutes !== 'number') return { error: 'minutes must be a number', name: 'TypeError' };
    await services.autoLock.setMinutes(minutes);
    services.events.emit('settings:changed');
    return ok;
  },

  async decide({ id, approve, choice }, services) {
    if (!isString(id) || typeof approve !== 'boolean') {
      return { error: 'id must be a string and approve a boolean', name: 'TypeError' };
    }
    if (approve && !services.vault.isUnlocked()) {
      return { error: 'unlock the wallet first', name: 'VaultLockedError' };
    }
    // The request's own check reads the choice field by field (approvals/approval-queue.ts).
    if (!services.approvals.decide(id, approve, fieldsOf(choice))) {
      return { error: 'that request is no longer waiting', name: 'Error' };
    }
    return ok;
  },

  async importFabricIdentity({ password, name, mspId, certificate, privateKeyPem }, services) {
    if (
      !isString(password) ||
      !isString(name) ||
      !isString(mspId) ||
      !isString(certificate, 16_384) ||
      !isString(privateKeyPem, 16_384)
    ) {
      return { error: 'password, name, MSP id, certificate and key must be strings', name: 'TypeError' };
    }
    await services.vault.importFabricIdentity(password, { name, mspId, certificate, privateKeyPem });
    return ok;
  },

  async setDefaults({ fiscoAccount, fabricIdentity }, services) {
    const change: Partial<SignerDefaults> = {};
    if (typeof fiscoAccount === 'number') {
      if (!(await services.vault.accounts()).some((a) => a.index === fiscoAccount)) {
        return { error: `no account ${fiscoAccount}`, name: 'RangeError' };
      }
      change.fiscoAccount = fiscoAccount;
    }
    if (typeof fabricIdentity === 'string') {
      if (!(await services.vault.fabricIdentities()).some((f) => f.id === fabricIdentity)) {
        return { error: 'no such Fabric identity', name: 'RangeError' };
      }
      change.fabricIdentity = fabricIdentity;
    }
    await saveDefaults(services.local, change);
    services.events.emit('settings:changed');
    return ok;
  },

  async revokeGrant({ id }, services) {
    if (!isString(id, 100)) return { error: 'id must be a grant id', name: 'TypeError' };
    // Waits for the chain to commit the revocation: the popup shows the outcome.
    return { grant: await revokeGrant(services, id) };
  },

  async importProfiles({ text }, services) {
    if (!isString(text, 8_000_000)) return { error: 'the profile file must be text', name: 'TypeError' };
    let file: Record<string, unknown>;
    try {
      file = profileFile.parse(JSON.parse(text)) as Record<string, unknown>;
    } catch (error) {
      return {
        error: `not a chain profile file: ${(error as Error).message.slice(0, 300)}`,
        name: 'TypeError',
      };
    }
    const chains: string[] = [];
    for (const [chain, profile] of Object.entries(file)) {
      await services.trust.importProfile(chain, profile);
      chains.push(chain);
    }
    return { chains };
  },

  async forgetAnchor({ chain }, services) {
    if (!isString(chain, 300)) return { error: 'chain must be zone.chain', name: 'TypeError' };
    await services.trust.anchors.remove(chain);
    return ok;
  },

  async addContact({ name, chain, address }, services) {
    if (!isString(name) || !isString(chain, 32) || !isString(address)) {
      return { error: 'name, chain and address must be strings', name: 'TypeError' };
    }
    if (!services.vault.isUnlocked()) return contactsLocked;
    return { contact: await services.contacts.add({ name, chain, address }) };
  },

  async renameContact({ chain, address, name }, services) {
    if (!isString(chain, 32) || !isString(address) || !isString(name)) {
      return { error: 'chain, address and name must be strings', name: 'TypeError' };
    }
    if (!services.vault.isUnlocked()) return contactsLocked;
    return { contact: await services.contacts.rename(chain, address, name) };
  },

  async removeContact({ chain, address }, services) {
    if (!isString(chain, 32) || !isString(address)) {
      return { error: 'chain and address must be strings', name: 'TypeError' };
    }
    if (!services.vault.isUnlocked()) return contactsLocked;
    await services.contacts.remove(chain, address);
    return ok;
  },

  async revokeSession({ origin }, services) {
    if (!isString(origin)) return { error: 'origin must be a string', name: 'TypeError' };
    await services.sessions.revoke(origin);
    return ok;
  },
};
