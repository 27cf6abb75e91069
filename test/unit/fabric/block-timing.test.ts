/**
 * How long the block verifier takes on a 1-transaction and a 100-transaction block
 * (two endorsements each), with a fresh trust (certificate chains checked) and a warm one
 * (identities already checked). Reported, not asserted: CI machines are shared and noisy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyBlock } from '../../../p2p/chains/fabric/block-verifier.ts';
import { readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { block, endorserTransaction, headerHash, network } from './evidence-fixture.ts';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

test('verify time for a 1-transaction and a 100-transaction block', async (t) => {
  const { identities: ids, genesis } = await network();
  for (const size of [1, 100]) {
    const b = block({
      number: 1n,
      previousHash: headerHash(genesis),
      envelopes: Array.from({ length: size }, (_, i) =>
        endorserTransaction({
          creator: i % 2 ? ids.client1 : ids.client2,
          endorsers: [ids.peer1, ids.peer2],
        }),
      ),
      orderers: [ids.orderer],
      lastConfig: 0n,
    });
    const cold: number[] = [];
    const warm: number[] = [];
    const runs = size === 1 ? 20 : 3;
    for (let run = 0; run < runs; run++) {
      const trust = readChannelConfig(genesis);
      let start = performance.now();
      const verdict = verifyBlock(b, trust);
      cold.push(performance.now() - start);
      start = performance.now();
      verifyBlock(b, trust);
      warm.push(performance.now() - start);
      assert.deepEqual(verdict.problems, []);
      assert.ok(verdict.transactions.every((tx) => tx.valid));
    }
    t.diagnostic(
      `${size}-tx block: fresh trust ${median(cold).toFixed(1)} ms, warm ${median(warm).toFixed(1)} ms (median of ${runs})`,
    );
  }
});
