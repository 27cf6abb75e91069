import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDemotion } from '../../../popup/router-words.ts';

test('a demoted router is shown with until when and why, a lie said as such', () => {
  const router = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo';
  const at = Date.UTC(2026, 11, 6, 12, 0, 0);
  const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  assert.equal(
    describeDemotion(
      { router, kind: 'lie', reason: 'receipt proof does not fold to receiptsRoot', at, until: at + 600_000 },
      time,
    ),
    'BDWez9kSCVe2Xo'.slice(-8) +
      ' set aside until 12:10:00: gave evidence the chain did not sign (receipt proof does not fold to receiptsRoot)',
  );
  assert.match(
    describeDemotion(
      { router, kind: 'stall', reason: 'no answer within 5000 ms', at, until: at + 120_000 },
      time,
    ),
    /until 12:02:00: did not answer in time \(no answer within 5000 ms\)$/,
  );
});
