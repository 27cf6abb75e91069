/**
 * What a router checks on each advert a neighbour sends before its directory may use it
 * (docs/router-protocol.md#signed-adverts): the sender is last on the path, the origin first,
 * the origin is allowed to publish the path's zone (`zones` in the config), and the origin's
 * signature holds over the description and the addresses it names (so a relay that changes either
 * has its advert dropped as `bad-signature`). An advert that fails is dropped and the reason counted; the rest of the
 * update still applies.
 */
import { createHash } from 'node:crypto';
import { advertSigningBytes, verifyAdvertSignature } from '../protocol/advert-signature.ts';
import type { RouteAdvert } from '../protocol/messages.ts';

export type AdvertDropReason =
  | 'sender-not-last'
  | 'origin-not-first'
  | 'zone-not-bound'
  | 'bad-signature'
  | 'stale';

export interface DroppedAdvert {
  path: string;
  origin: string;
  reason: AdvertDropReason;
}

/** Zone -> peer ids of the routers allowed to publish it. Empty: no binding (any member may publish any zone). */
export type ZoneBinding = Record<string, readonly string[]>;

/** Verified signatures kept to skip re-verifying the table a neighbour resends every 30 s. */
const VERIFIED_CACHE_SIZE = 20_000;

export class AdvertGate {
  readonly #zones: Map<string, Set<string>>;
  /** `${signature}/${sha256 of the signed bytes}` of signatures that verified. */
  readonly #verified = new Set<string>();

  constructor(zones: ZoneBinding = {}) {
    this.#zones = new Map(Object.entries(zones).map(([zone, peers]) => [zone, new Set(peers)]));
  }

  /** Whether `origin` may publish paths of `zone`: always when no binding is configured. */
  mayPublish(origin: string, zone: string): boolean {
    if (this.#zones.size === 0) return true;
    return this.#zones.get(zone)?.has(origin) ?? false;
  }

  /** Splits `neighbour`'s adverts into the ones its directory may use and the ones dropped, with why. */
  async admit(
    neighbour: string,
    adverts: RouteAdvert[],
  ): Promise<{ accepted: RouteAdvert[]; dropped: DroppedAdvert[] }> {
    const accepted: RouteAdvert[] = [];
    const dropped: DroppedAdvert[] = [];
    for (const advert of adverts) {
      const reason = await this.#check(neighbour, advert);
      if (reason) dropped.push({ path: advert.description.path, origin: advert.origin, reason });
      else accepted.push(advert);
    }
    return { accepted, dropped };
  }

  async #check(neighbour: string, advert: RouteAdvert): Promise<AdvertDropReason | null> {
    const { via, origin, description } = advert;
    if (via[via.length - 1] !== neighbour) return 'sender-not-last';
    // The signature binds the description to the origin only: a path not starting there could
    // name a router as origin that never sent it this way.
    if (via[0] !== origin) return 'origin-not-first';
    if (!this.mayPublish(origin, description.path.split('.')[0] ?? '')) return 'zone-not-bound';
    return (await this.#signatureHolds(advert)) ? null : 'bad-signature';
  }

  async #signatureHolds(advert: RouteAdvert): Promise<boolean> {
    let key: string;
    try {
      const bytes = advertSigningBytes(advert.origin, advert.description, advert.issued, advert.addresses);
      key = `${advert.signature}/${createHash('sha256').update(bytes).digest('hex')}`;
    } catch {
      return false;
    }
    if (this.#verified.has(key)) return true;
    const ok = await verifyAdvertSignature(advert.origin, advert.description, advert);
    if (ok) {
      if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
      this.#verified.add(key);
    }
    return ok;
  }
}
