import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PendingIndex } from '../../../p2p/router/ttm-pending.ts';

const item = (id: string, hashLock: string, deadline = 10_000) => ({
  path: 'a.b.asset',
  kind: 'tx' as const,
  id,
  hashLock,
  deadline,
});

describe('PendingIndex', () => {
  test('finds items by hash lock and forgets them when settled', () => {
    const index = new PendingIndex({ max: 10 });
    index.add(item('x', 'H'));
    index.add(item('y', 'H'));
    index.add(item('z', 'G'));
    assert.deepEqual(
      index.withHashLock('H').map((i) => i.id),
      ['x', 'y'],
    );
    index.remove({ path: 'a.b.asset', kind: 'tx', id: 'x' });
    assert.deepEqual(
      index.withHashLock('H').map((i) => i.id),
      ['y'],
    );
    // Same id under another kind is another item.
    index.remove({ path: 'a.b.asset', kind: 'htlc', id: 'y' });
    assert.equal(index.size, 2);
  });

  test('a repeated prepare replaces the item, also under its new lock', () => {
    const index = new PendingIndex({ max: 10 });
    index.add(item('x', 'H'));
    index.add(item('x', 'G'));
    assert.deepEqual(index.withHashLock('H'), []);
    assert.equal(index.withHashLock('G').length, 1);
  });

  test('over `max`, long-expired items go first, then the oldest', () => {
    const now = 1_000_000_000;
    const index = new PendingIndex({ max: 2, now: () => now });
    index.add(item('live1', 'H', now / 1000 + 60));
    index.add(item('stale', 'H', now / 1000 - 3600));
    index.add(item('live2', 'H', now / 1000 + 60));
    assert.deepEqual(
      index.all().map((i) => i.id),
      ['live1', 'live2'],
    );
    index.add(item('live3', 'H', now / 1000 + 60));
    assert.deepEqual(
      index.all().map((i) => i.id),
      ['live2', 'live3'],
    );
  });
});
