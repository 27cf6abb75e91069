import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { Session, SessionParams } from '../../../content/provider-schema.ts';
import type { SessionChoice, SessionResourceDescription } from '../../approvals/approval-kinds.ts';
import { ApprovalRejectedError, type UncheckedChoice } from '../../approvals/approval-queue.ts';
import type { WalletServices } from '../../services.ts';
import { pinChanges, type ResourcePin } from '../../sessions/resource-pin.ts';
import { loadDefaults } from '../../wallet/defaults.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { objectParam, resourcePath } from './params.ts';
import { currentPin } from './session-resource.ts';

/**
 * `weft_requestSession({ resources, methods? })`: asks the user to let this site use these
 * resource paths (CAIP-25 style scopes), optionally only some methods of each
 * (`methods: { [path]: [name, ...] }`). In the popup the user picks the account (and Fabric
 * identity) that will sign for the site and may untick resources. The popup shows each
 * resource's description (chain, contract or chaincode, ABI hash), and approving pins it in the
 * session (background/sessions/resource-pin.ts): a description that differs later is refused.
 * An existing session that already covers everything asked, each with a pin matching the
 * routers' description now, is returned without asking; one whose pin no longer matches (or
 * that has none, stored before pins) is asked again, the approval showing old and new.
 */
export async function requestSession(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<Session> {
  const input = objectParam<SessionParams>(params, 'weft_requestSession');
  const { resources } = input;
  if (!Array.isArray(resources) || resources.length === 0 || resources.length > 32) {
    throw invalidParams('resources must list 1 to 32 resource paths');
  }
  const paths = [...new Set(resources.map((r, i) => resourcePath(r, `resources[${i}]`)))];
  const methods = methodScopes(input.methods, paths);
  const existing = await services.sessions.get(context.origin);
  const descriptions = await describePaths(services, paths, existing);
  if (
    existing &&
    paths.every((p) => covers(existing, p, methods[p]) && pinHolds(existing, p, descriptions[p]))
  )
    return existing;

  const accounts = await services.vault.accounts();
  const fabricIdentities = await services.vault.fabricIdentities();
  if (accounts.length === 0) {
    throw new ProviderError(ErrorCode.unauthorized, 'the wallet has no account yet: open the popup');
  }
  let choice: SessionChoice;
  try {
    choice = await services.approvals.request(
      'session',
      context.origin,
      {
        resources: paths,
        methods,
        accounts: accounts.map(({ index, address, name }) => ({ index, address, name })),
        fabricIdentities: fabricIdentities.map(({ id, name, mspId }) => ({ id, name, mspId })),
        current: existing
          ? { account: existing.account, fabricIdentity: existing.fabricIdentity }
          : await defaultSigners(services),
        descriptions,
      },
      (picked) => narrowedChoice(picked, paths, { accounts, fabricIdentities }),
    );
  } catch (error) {
    if (!(error instanceof ApprovalRejectedError)) throw error;
    const summary = paths.join(', ');
    await services.activity.add({ origin: context.origin, kind: 'session', summary, status: 'rejected' });
    throw new ProviderError(ErrorCode.userRejected, error.message);
  }

  const granted = choice.resources;
  if (granted.length === 0)
    throw new ProviderError(ErrorCode.userRejected, 'The user granted none of the resources.');
  const account = accounts.find((a) => a.index === choice.account);
  const fabric = fabricIdentities.find((f) => f.id === choice.fabricIdentity);
  if (!account) throw new ProviderError(ErrorCode.unauthorized, 'no account');
  const session: Session = {
    origin: context.origin,
    resources: [...new Set([...(existing?.resources ?? []), ...granted])],
    ...mergedMethods(existing, granted, methods),
    account: account.index,
    address: account.address,
    ...(fabric ? { fabricIdentity: fabric.id } : {}),
    createdAt: Date.now(),
    pins: pinsAfter(existing, granted, descriptions),
  };
  await services.sessions.put(session);
  await services.activity.add({
    origin: context.origin,
    kind: 'session',
    summary: granted.join(', '),
    account: account.address,
    status: 'success',
  });
  return session;
}

/**
 * How long the approval waits for the routers to describe a path before it opens showing the path
 * as unavailable: configured routers that do not answer must not hold the page's request for the
 * light client's dial and request timeouts (seconds per router).
 */
export const DESCRIBE_WAIT_MS = 3_000;

/** `pending`, or a rejection once `ms` passed (the request itself goes on, and may fill a cache). */
function within<T>(pending: Promise<T>, ms: number, path: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no router described ${path} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([pending, late]).finally(() => clearTimeout(timer));
}

/** Each path's description now, as approving would pin it, beside the session's pin when it differs. */
async function describePaths(
  services: WalletServices,
  paths: string[],
  existing: Session | null,
): Promise<Record<string, SessionResourceDescription>> {
  const described = await Promise.all(
    paths.map(async (path): Promise<[string, SessionResourceDescription]> => {
      let pin: ResourcePin;
      try {
        pin = await currentPin(
          services,
          await within(services.routers.describe(path), DESCRIBE_WAIT_MS, path),
        );
      } catch (error) {
        return [path, { unavailable: (error as Error).message }];
      }
      const previous = existing?.resources.includes(path) ? existing.pins?.[path] : undefined;
      const changes = previous ? pinChanges(previous, pin) : [];
      return [path, changes.length > 0 ? { pin, previous, changes } : { pin }];
    }),
  );
  return Object.fromEntries(described);
}

/**
 * Whether the session stands for `path` as it is: its pin matches the routers' description now.
 * When the routers cannot describe it now there is nothing new to show or pin, so asking the user
 * would change nothing: the session is answered, and each use checks the pin (or its absence).
 */
function pinHolds(session: Session, path: string, now: SessionResourceDescription | undefined): boolean {
  if (!now || 'unavailable' in now) return true;
  return session.pins?.[path] !== undefined && !now.changes;
}

/** The session's pins after approving `granted`: theirs as just shown, the others as they were. */
function pinsAfter(
  existing: Session | null,
  granted: string[],
  descriptions: Record<string, SessionResourceDescription>,
): Record<string, ResourcePin> {
  const pins: Record<string, ResourcePin> = {};
  for (const path of existing?.resources ?? []) {
    const pin = existing?.pins?.[path];
    if (pin) pins[path] = pin;
  }
  for (const path of granted) {
    const described = descriptions[path];
    // Not described now: nothing new to pin; the old pin (if any) still says what was approved.
    if (described && 'pin' in described) pins[path] = described.pin;
  }
  return pins;
}

/**
 * The popup's choice, narrowed to what the site asked: only asked resources stay (all of them if
 * the popup named none), and a signer the wallet does not hold becomes the wallet's first.
 */
function narrowedChoice(
  picked: UncheckedChoice,
  asked: string[],
  held: { accounts: { index: number }[]; fabricIdentities: { id: string }[] },
): SessionChoice {
  const { resources } = picked;
  const account = held.accounts.find((a) => a.index === picked.account) ?? held.accounts[0];
  const fabric =
    held.fabricIdentities.find((f) => f.id === picked.fabricIdentity) ?? held.fabricIdentities[0];
  return {
    resources: Array.isArray(resources) ? asked.filter((p) => resources.includes(p)) : asked,
    account: account?.index ?? 0,
    ...(fabric ? { fabricIdentity: fabric.id } : {}),
  };
}

async function defaultSigners(services: WalletServices) {
  const defaults = await loadDefaults(services.local);
  return { account: defaults.fiscoAccount, fabricIdentity: defaults.fabricIdentity };
}

/** `methods: { [path]: string[] }`, each path one of those asked for. */
function methodScopes(value: unknown, paths: string[]): Record<string, string[]> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParams('methods must map resource paths to lists of method names');
  }
  const scopes: Record<string, string[]> = {};
  for (const [path, names] of Object.entries(value)) {
    if (!paths.includes(path)) throw invalidParams(`methods.${path}: not one of the resources asked for`);
    if (
      !Array.isArray(names) ||
      names.length === 0 ||
      names.length > 64 ||
      !names.every((n) => typeof n === 'string')
    ) {
      throw invalidParams(`methods.${path} must list 1 to 64 method names`);
    }
    scopes[path] = [...new Set(names as string[])];
  }
  return scopes;
}

function covers(session: Session, path: string, wanted: string[] | undefined): boolean {
  if (!session.resources.includes(path)) return false;
  const allowed = session.methods?.[path];
  if (!allowed) return true;
  return wanted?.every((m) => allowed.includes(m)) ?? false;
}

/** A path granted without a method list allows every method; lists from two grants are joined. */
function mergedMethods(existing: Session | null, granted: string[], asked: Record<string, string[]>) {
  const merged: Record<string, string[]> = {};
  const paths = new Set([...(existing?.resources ?? []), ...granted]);
  for (const path of paths) {
    const before = existing?.resources.includes(path) ? (existing.methods?.[path] ?? null) : undefined;
    const now = granted.includes(path) ? (asked[path] ?? null) : undefined;
    if (before === null || now === null) continue; // all methods
    const list = [...new Set([...(before ?? []), ...(now ?? [])])];
    if (list.length > 0) merged[path] = list;
  }
  return Object.keys(merged).length > 0 ? { methods: merged } : {};
}
