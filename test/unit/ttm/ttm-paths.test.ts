import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SwapRecord, type TransactionRecord, ttmPaths } from '../../../background/ttm/types.ts';

test('a transaction names the path of each step; a swap the paths of both locks', () => {
  const transaction = {
    kind: 'transaction',
    steps: [
      { path: 'payment.bcos.asset', to: '0x01', amount: '7' },
      { path: 'trade.fab.asset', to: 'merchant', amount: '3' },
    ],
  } as unknown as TransactionRecord;
  assert.deepEqual(ttmPaths(transaction), ['payment.bcos.asset', 'trade.fab.asset']);
  const swap = {
    kind: 'swap',
    role: 'participant',
    proposal: {
      initiatorLock: { path: 'payment.bcos.asset', amount: '7' },
      participantLock: { path: 'trade.fab.asset', amount: '3' },
    },
  } as unknown as SwapRecord;
  assert.deepEqual(ttmPaths(swap), ['payment.bcos.asset', 'trade.fab.asset']);
});
