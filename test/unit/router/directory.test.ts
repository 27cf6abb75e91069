import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ResourceDescription } from '../../../p2p/chains/connector.ts';
import type { SignedResource } from '../../../p2p/protocol/advert-signature.ts';
import type { RouteAdvert } from '../../../p2p/protocol/messages.ts';
import { Directory } from '../../../p2p/router/directory.ts';

const resource = (path: string): ResourceDescription => ({
  path,
  chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
  address: '0x01',
  methods: [{ name: 'get', kind: 'read', inputs: [], outputs: [] }],
});

/** Signatures are the gate's business (advert-gate.test.ts); here they only travel. */
const SIG = { issued: 1, signature: 'ab' };
const local = (description: ResourceDescription): SignedResource => ({ description, ...SIG });

/** Delivers `from`'s adverts for `to` and reports whether `to` changed. */
const tell = (from: [string, Directory], to: [string, Directory]) =>
  to[1].applyAdverts(from[0], from[1].advertsFor(to[0]));

describe('Directory', () => {
  test('local resources are 0 hops, learned ones count the routers on the way', () => {
    const a: [string, Directory] = ['A', new Directory('A')];
    const b: [string, Directory] = ['B', new Directory('B')];
    const c: [string, Directory] = ['C', new Directory('C')];
    assert.equal(a[1].setLocal([local(resource('z.x.r'))]), true);
    tell(a, b);
    tell(b, c);
    assert.deepEqual(
      c[1].entries().map((e) => [e.path, e.hops, e.router]),
      [['z.x.r', 2, 'A']],
    );
    const route = c[1].route('z.x.r');
    assert.equal(route?.kind, 'remote');
    assert.equal(route?.kind === 'remote' && route.nextHop, 'B');
  });

  test('never advertises a route back to where it came from, and drops adverts that list itself', () => {
    const a: [string, Directory] = ['A', new Directory('A')];
    const b: [string, Directory] = ['B', new Directory('B')];
    a[1].setLocal([local(resource('z.x.r'))]);
    tell(a, b);
    assert.deepEqual(b[1].advertsFor('A'), []);
    const looping: RouteAdvert = {
      description: resource('z.y.q'),
      origin: 'C',
      via: ['C', 'A', 'B'],
      ...SIG,
    };
    assert.equal(a[1].applyAdverts('B', [looping]), false);
    assert.equal(a[1].route('z.y.q'), undefined);
  });

  test('a triangle converges to shortest routes and forms no loop when the origin leaves', () => {
    const ids = ['A', 'B', 'C'] as const;
    const nodes = Object.fromEntries(ids.map((id) => [id, [id, new Directory(id)] as [string, Directory]]));
    const n = (id: string) => nodes[id] as [string, Directory];
    n('A')[1].setLocal([local(resource('z.x.r'))]);
    const edges: [string, string][] = [
      ['A', 'B'],
      ['B', 'A'],
      ['A', 'C'],
      ['C', 'A'],
      ['B', 'C'],
      ['C', 'B'],
    ];
    const settle = () => {
      for (let round = 0; round < 10; round++) {
        let changed = false;
        for (const [from, to] of edges) {
          if (tell(n(from), n(to))) changed = true;
        }
        if (!changed) return round;
      }
      throw new Error('did not converge in 10 rounds');
    };
    settle();
    assert.equal(n('B')[1].route('z.x.r')?.entry.hops, 1);
    assert.equal(n('C')[1].route('z.x.r')?.entry.hops, 1);
    // A leaves: B and C drop it; neither may keep a route through the other.
    n('B')[1].dropNeighbour('A');
    n('C')[1].dropNeighbour('A');
    edges.splice(0, 4);
    settle();
    assert.equal(n('B')[1].route('z.x.r'), undefined);
    assert.equal(n('C')[1].route('z.x.r'), undefined);
  });

  test('ties are broken by the lowest next-hop peer id, the same way on every router', () => {
    const d = new Directory('D');
    const advert = (via: string[]): RouteAdvert => ({
      description: resource('z.x.r'),
      origin: 'A',
      via,
      ...SIG,
    });
    d.applyAdverts('C', [advert(['A', 'C'])]);
    d.applyAdverts('B', [advert(['A', 'B'])]);
    const route = d.route('z.x.r');
    assert.equal(route?.kind === 'remote' && route.nextHop, 'B');
  });

  test('drops routes longer than the hop limit', () => {
    const d = new Directory('D', 3);
    const far: RouteAdvert = {
      description: resource('z.x.r'),
      origin: 'A',
      via: ['A', 'B', 'C', 'E'],
      ...SIG,
    };
    assert.equal(d.applyAdverts('E', [far]), false);
    const near: RouteAdvert = { description: resource('z.x.r'), origin: 'A', via: ['A', 'B', 'E'], ...SIG };
    assert.equal(d.applyAdverts('E', [near]), true);
    assert.equal(d.route('z.x.r')?.entry.hops, 3);
  });

  test('ignores adverts whose path does not end with the sender', () => {
    const d = new Directory('D');
    assert.equal(
      d.applyAdverts('B', [{ description: resource('z.x.r'), origin: 'A', via: ['A', 'X'], ...SIG }]),
      false,
    );
    assert.deepEqual(d.entries(), []);
  });
});
