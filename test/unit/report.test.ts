import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile } from '../../bench/report.ts';

test('percentile picks the nearest rank', () => {
  const xs = [5, 1, 4, 2, 3];
  assert.equal(percentile(xs, 50), 3);
  assert.equal(percentile(xs, 99), 5);
  assert.equal(percentile(xs, 0), 1);
  assert.ok(Number.isNaN(percentile([], 50)));
});
