import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeenReveals } from '../../../p2p/router/seen-reveals.ts';

const reveal = (n: number) => ({ hashLock: `h${n}`, preimage: `p${n}`, ids: [] });

describe('SeenReveals', () => {
  test('a hash lock is new once, until it ages out', () => {
    let clock = 0;
    const seen = new SeenReveals({ max: 10, ttlMs: 1_000, now: () => clock });
    assert.equal(seen.add(reveal(1)), true);
    assert.equal(seen.add(reveal(1)), false);
    clock = 999;
    assert.equal(seen.get('h1')?.preimage, 'p1');
    clock = 1_001;
    assert.equal(seen.get('h1'), undefined);
    assert.equal(seen.add(reveal(1)), true);
  });

  test('holds at most `max`, dropping the oldest', () => {
    const seen = new SeenReveals({ max: 2, ttlMs: 60_000 });
    for (const n of [1, 2, 3]) seen.add(reveal(n));
    assert.equal(seen.get('h1'), undefined);
    assert.ok(seen.get('h2') && seen.get('h3'));
  });

  test('recent: the newest within the window, at most `limit`', () => {
    let clock = 0;
    const seen = new SeenReveals({ max: 10, ttlMs: 60_000, now: () => clock });
    for (const n of [1, 2, 3, 4]) {
      clock = n * 100;
      seen.add(reveal(n));
    }
    clock = 450;
    assert.deepEqual(
      seen.recent(300, 10).map((r) => r.hashLock),
      ['h2', 'h3', 'h4'],
    );
    assert.deepEqual(
      seen.recent(300, 2).map((r) => r.hashLock),
      ['h3', 'h4'],
    );
  });
});
