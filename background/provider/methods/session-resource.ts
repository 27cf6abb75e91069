/**
 * A session resource's description, checked against what the user approved: every provider
 * method that uses a resource through a session describes it here, never straight from the
 * routers, so a router that serves another contract, ABI, chain or channel is refused before
 * anything is built, signed or answered (background/sessions/resource-pin.ts).
 */
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { Session } from '../../../content/provider-schema.ts';
import { chainKeyOf } from '../../../p2p/chains/chain-profile.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import type { WalletServices } from '../../services.ts';
import {
  DescriptionChangedError,
  DescriptionNotPinnedError,
  pinOf,
  type ResourcePin,
  requirePinned,
} from '../../sessions/resource-pin.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { ProviderError } from '../errors.ts';

/** `data.reason` of the 4100 refusing a resource whose description changed since the user approved it. */
export const DESCRIPTION_CHANGED = 'DESCRIPTION_CHANGED';
/** `data.reason` of the 4100 refusing a resource of a session stored before pins. */
export const NOT_PINNED = 'NOT_PINNED';

/** The pin of `entry` as the wallet would take it now (with its trust anchor's fingerprint, if any). */
export async function currentPin(services: WalletServices, entry: ResourceEntry): Promise<ResourcePin> {
  // The anchor the wallet holds, not one a router offers now: no first use is taken here.
  const anchor = await services.trust.anchors.get(chainKeyOf(entry.path));
  return pinOf(entry, anchor?.fingerprint);
}

/**
 * `path`'s description from the routers, refused (4100, `DESCRIPTION_CHANGED` or `NOT_PINNED`,
 * with an activity entry for the popup) unless it matches the session's pin.
 */
export async function describeSessionResource(
  services: WalletServices,
  context: RequestContext,
  session: Session,
  path: string,
): Promise<ResourceEntry> {
  let entry: ResourceEntry;
  try {
    entry = await services.routers.describe(path);
  } catch (error) {
    throw toProviderError(error);
  }
  try {
    requirePinned(path, session.pins?.[path], await currentPin(services, entry));
  } catch (error) {
    const refusal = pinError(error);
    await services.activity.add({
      origin: context.origin,
      kind: 'session',
      summary: path,
      account: session.address,
      status: 'failed',
      error: refusal.message,
    });
    throw refusal;
  }
  return entry;
}

/** A pin failure as the page gets it. */
export function pinError(error: unknown): ProviderError {
  if (error instanceof DescriptionChangedError) {
    return new ProviderError(ErrorCode.unauthorized, error.message, {
      reason: DESCRIPTION_CHANGED,
      path: error.path,
      changes: error.changes.map((c) => ({ ...c })),
    });
  }
  if (error instanceof DescriptionNotPinnedError) {
    return new ProviderError(ErrorCode.unauthorized, error.message, { reason: NOT_PINNED, path: error.path });
  }
  return toProviderError(error);
}
