/**
 * Checking a Fabric block as the wallet will (p2p/chains/fabric/block-verifier.ts): a
 * 1-transaction block (a receipt's evidence: orderer signature, creator, two endorsements)
 * and a 100-transaction block, with a fresh trust (certificate chains checked) and a warm
 * one (identities already checked). The blocks come from the unit tests' fixture: real
 * test CAs, real signatures.
 */
import { verifyBlock } from '../p2p/chains/fabric/block-verifier.ts';
import { readChannelConfig } from '../p2p/chains/fabric/channel-config.ts';
import { block, endorserTransaction, headerHash, network } from '../test/unit/fabric/evidence-fixture.ts';
import { percentile, report } from './report.ts';

const { identities: ids, genesis } = await network();

for (const size of [1, 100]) {
  const b = block({
    number: 1n,
    previousHash: headerHash(genesis),
    envelopes: Array.from({ length: size }, (_, i) =>
      endorserTransaction({ creator: i % 2 ? ids.client1 : ids.client2, endorsers: [ids.peer1, ids.peer2] }),
    ),
    orderers: [ids.orderer],
    lastConfig: 0n,
  });
  const cold: number[] = [];
  const warm: number[] = [];
  for (let run = 0; run < (size === 1 ? 40 : 5); run++) {
    const trust = readChannelConfig(genesis);
    let start = performance.now();
    const verdict = verifyBlock(b, trust);
    cold.push(performance.now() - start);
    if (!verdict.valid || !verdict.transactions.every((tx) => tx.valid))
      throw new Error('fixture block refused');
    start = performance.now();
    verifyBlock(b, trust);
    warm.push(performance.now() - start);
  }
  const name = `fabric evidence: verify ${size}-tx block`;
  if (size === 1) {
    // DESIGN.md: verifying a Fabric receipt in the worker, p50 under 5 ms.
    report({ name: `${name} p50 (warm trust)`, value: percentile(warm, 50), unit: 'ms', budget: 5 });
  } else {
    report({ name: `${name} p50 (warm trust)`, value: percentile(warm, 50), unit: 'ms' });
  }
  report({ name: `${name} p50 (fresh trust)`, value: percentile(cold, 50), unit: 'ms' });
}
