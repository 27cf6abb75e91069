/**
 * The resource directory of one router: what it fronts itself, what each neighbour
 * says it can reach, and the best route to every path.
 *
 * It is a path-vector protocol. Every advert carries the routers it passed through
 * (`via`, origin first); a router drops any advert that already lists it, so no
 * loop can form however updates interleave, and it never advertises a route back
 * to the neighbour it learned it from. The best route is the fewest hops, ties
 * broken by the lowest next-hop peer id so every router decides the same way.
 */
import type { ResourceDescription } from '../chains/connector.ts';
import type { ResourceEntry, RouteAdvert } from '../protocol/messages.ts';

export type Route =
  | { kind: 'local'; entry: ResourceEntry }
  | { kind: 'remote'; nextHop: string; entry: ResourceEntry; via: string[] };

export class Directory {
  readonly #self: string;
  readonly #local = new Map<string, ResourceDescription>();
  /** Per neighbour: path -> advert as received. */
  readonly #learned = new Map<string, Map<string, RouteAdvert>>();
  #best = new Map<string, Route>();

  readonly #maxHops: number;

  /** Routes longer than `maxHops` are dropped: no request could use them, and the cap bounds path hunting after a router leaves. */
  constructor(selfPeerId: string, maxHops = 64) {
    this.#self = selfPeerId;
    this.#maxHops = maxHops;
  }

  /** Replaces the resources this router fronts. Returns whether any best route changed. */
  setLocal(descriptions: ResourceDescription[]): boolean {
    this.#local.clear();
    for (const d of descriptions) this.#local.set(d.path, d);
    return this.#recompute();
  }

  /** Replaces everything `neighbour` advertises. Returns whether any best route changed. */
  applyAdverts(neighbour: string, adverts: RouteAdvert[]): boolean {
    const table = new Map<string, RouteAdvert>();
    for (const advert of adverts) {
      if (advert.via.includes(this.#self)) continue; // would loop through us
      if (advert.via.length > this.#maxHops) continue; // farther than any request may travel
      if (advert.via[advert.via.length - 1] !== neighbour) continue; // sender must be last on its own path
      table.set(advert.description.path, advert);
    }
    this.#learned.set(neighbour, table);
    return this.#recompute();
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
      const { router: _router, hops: _hops, ...description } = route.entry;
      const via = route.kind === 'local' ? [this.#self] : [...route.via, this.#self];
      adverts.push({ description, origin: route.entry.router, via });
    }
    return adverts;
  }

  #recompute(): boolean {
    const next = new Map<string, Route>();
    for (const [path, description] of this.#local) {
      next.set(path, { kind: 'local', entry: { ...description, router: this.#self, hops: 0 } });
    }
    for (const [neighbour, table] of this.#learned) {
      for (const [path, advert] of table) {
        if (this.#local.has(path)) continue;
        const hops = advert.via.length;
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
          entry: { ...advert.description, router: advert.origin, hops },
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
    if (JSON.stringify(other.entry.methods) !== JSON.stringify(route.entry.methods)) return false;
  }
  return true;
}
