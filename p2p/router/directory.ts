/**
 * The resource directory of one router: what it fronts itself, what each neighbour
 * says it can reach, and the best route to every path.
 *
 * It is a path-vector protocol. Every advert carries the routers it passed through
 * (`via`, origin first); a router drops any advert that already lists it, so no
 * loop can form however updates interleave, and it never advertises a route back
 * to the neighbour it learned it from. The best route is the fewest hops, ties
 * broken by the lowest next-hop peer id so every router decides the same way.
 *
 * Adverts carry their origin's signature (p2p/protocol/advert-signature.ts), which the router
 * checks before they reach the directory (advert-gate.ts); the directory passes it, and the
 * origin's signed addresses, on unchanged
 * and, of two adverts from one origin for one path, uses only the newer (`issued`), so a relay
 * cannot bring back a description its origin has replaced.
 */
import type { AdvertSignature, SignedResource } from '../protocol/advert-signature.ts';
import type { ResourceEntry, RouteAdvert } from '../protocol/messages.ts';
import type { AdvertDropReason } from './advert-gate.ts';

export type Route =
  | { kind: 'local'; entry: ResourceEntry; signed: AdvertSignature }
  | { kind: 'remote'; nextHop: string; entry: ResourceEntry; via: string[]; signed: AdvertSignature };

export interface DirectoryOptions {
  /** Called for each advert the directory itself refuses (the gate counts the rest). */
  onDrop?: (reason: AdvertDropReason, advert: RouteAdvert) => void;
}

export class Directory {
  readonly #self: string;
  readonly #local = new Map<string, SignedResource>();
  /** Per neighbour: path -> advert as received. */
  readonly #learned = new Map<string, Map<string, RouteAdvert>>();
  #best = new Map<string, Route>();

  readonly #maxHops: number;
  readonly #onDrop: NonNullable<DirectoryOptions['onDrop']>;

  /** Routes longer than `maxHops` are dropped: no request could use them, and the cap bounds path hunting after a router leaves. */
  constructor(selfPeerId: string, maxHops = 64, options: DirectoryOptions = {}) {
    this.#self = selfPeerId;
    this.#maxHops = maxHops;
    this.#onDrop = options.onDrop ?? (() => {});
  }

  /** Replaces the resources this router fronts, each signed by this router. Returns whether any best route changed. */
  setLocal(resources: SignedResource[]): boolean {
    this.#local.clear();
    for (const r of resources) this.#local.set(r.description.path, r);
    return this.#recompute();
  }

  /** Replaces everything `neighbour` advertises. Returns whether any best route changed. */
  applyAdverts(neighbour: string, adverts: RouteAdvert[]): boolean {
    const table = new Map<string, RouteAdvert>();
    for (const advert of adverts) {
      if (advert.via.includes(this.#self)) continue; // would loop through us
      if (advert.via.length > this.#maxHops) continue; // farther than any request may travel
      if (advert.via[advert.via.length - 1] !== neighbour) {
        this.#onDrop('sender-not-last', advert); // sender must be last on its own path
        continue;
      }
      if (advert.via[0] !== advert.origin) {
        this.#onDrop('origin-not-first', advert);
        continue;
      }
      if (advert.issued < this.#newestIssued(advert.origin, advert.description.path, neighbour)) {
        this.#onDrop('stale', advert); // another neighbour relays a newer signature of the origin
        continue;
      }
      table.set(advert.description.path, advert);
    }
    this.#learned.set(neighbour, table);
    return this.#recompute();
  }

  /** The newest `issued` any neighbour but `except` relays for `origin`'s `path`. */
  #newestIssued(origin: string, path: string, except?: string): number {
    let newest = 0;
    for (const [neighbour, table] of this.#learned) {
      if (neighbour === except) continue;
      const advert = table.get(path);
      if (advert && advert.origin === origin && advert.issued > newest) newest = advert.issued;
    }
    return newest;
  }

  /** Forgets a neighbour that left. Returns whether any best route changed. */
  dropNeighbour(neighbour: string): boolean {
    if (!this.#learned.delete(neighbour)) return false;
    return this.#recompute();
  }

  route(path: string): Route | undefined {
    return this.#best.get(path);
  }

  entries(): ResourceEntry[] {
    return [...this.#best.values()].map((r) => r.entry).sort((a, b) => a.path.localeCompare(b.path));
  }

  /** What to tell `neighbour`: every best route not learned from it, with ourselves appended to `via`. */
  advertsFor(neighbour: string): RouteAdvert[] {
    const adverts: RouteAdvert[] = [];
    for (const route of this.#best.values()) {
      if (route.kind === 'remote' && (route.nextHop === neighbour || route.via.includes(neighbour))) continue;
      const {
        router: _router,
        hops: _hops,
        issued: _issued,
        signature: _signature,
        addresses: _addresses,
        ...description
      } = route.entry;
      const via = route.kind === 'local' ? [this.#self] : [...route.via, this.#self];
      adverts.push({ description, origin: route.entry.router, via, ...route.signed });
    }
    return adverts;
  }

  #recompute(): boolean {
    const next = new Map<string, Route>();
    for (const [path, { description, issued, signature, addresses }] of this.#local) {
      const signed = { issued, signature, ...(addresses ? { addresses } : {}) };
      next.set(path, {
        kind: 'local',
        entry: { ...description, router: this.#self, hops: 0, ...signed },
        signed,
      });
    }
    for (const [neighbour, table] of this.#learned) {
      for (const [path, advert] of table) {
        if (this.#local.has(path)) continue;
        // A newer signature of the same origin arrived from another neighbour since this one was applied.
        if (advert.issued < this.#newestIssued(advert.origin, path)) continue;
        const hops = advert.via.length;
        const signed = {
          issued: advert.issued,
          signature: advert.signature,
          ...(advert.addresses ? { addresses: advert.addresses } : {}),
        };
        const current = next.get(path);
        if (
          current?.kind === 'remote' &&
          (current.entry.hops < hops || (current.entry.hops === hops && current.nextHop <= neighbour))
        ) {
          continue;
        }
        next.set(path, {
          kind: 'remote',
          nextHop: neighbour,
          via: advert.via,
          signed,
          entry: { ...advert.description, router: advert.origin, hops, ...signed },
        });
      }
    }
    const changed = !sameRoutes(this.#best, next);
    this.#best = next;
    return changed;
  }
}

function sameRoutes(a: Map<string, Route>, b: Map<string, Route>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, route] of a) {
    const other = b.get(path);
    if (!other || other.kind !== route.kind || other.entry.hops !== route.entry.hops) return false;
    if (other.entry.router !== route.entry.router) return false;
    if (route.kind === 'remote' && other.kind === 'remote' && route.via.join() !== other.via.join())
      return false;
    // The signature covers the whole description: a new one is a changed description to pass on.
    if (other.signed.signature !== route.signed.signature) return false;
  }
  return true;
}
