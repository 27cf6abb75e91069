/**
 * verifyBlock checking one transaction in full (what a commit proof needs) on real blocks: the
 * sample ledger's blocks give the same block verdict and the same verdict for that transaction
 * as the full check, with noble and through the WebCrypto batch; a duplicate tx id earlier in
 * the block still makes the checked transaction invalid.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type FabricBlock, readBlockFile } from '../../../p2p/chains/fabric/block-file.ts';
import { verifyBlock } from '../../../p2p/chains/fabric/block-verifier.ts';
import { readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { withWebCryptoSignatures } from '../../../p2p/chains/fabric/signatures-batch.ts';
import { block, endorserTransaction, headerHash, network } from './evidence-fixture.ts';

const blocks = readBlockFile(
  new Uint8Array(
    readFileSync(new URL('../../../../shared/vectors/fabric/sampleorg-ledger.blockfile', import.meta.url)),
  ),
);
const trust = readChannelConfig(blocks[0] as FabricBlock);

test("the sample ledger: one transaction checked gives the full check's verdicts", async () => {
  for (const b of blocks.slice(1)) {
    const full = verifyBlock(b, trust);
    for (const index of b.data.keys()) {
      const one = verifyBlock(b, trust, { transactions: [index] });
      assert.deepEqual(one.problems, full.problems, `block ${b.number}`);
      assert.equal(one.valid, true, `block ${b.number}`);
      assert.deepEqual(one.transactions, [full.transactions[index]], `block ${b.number} tx ${index}`);
      const batched = await withWebCryptoSignatures(() => verifyBlock(b, trust, { transactions: [index] }));
      assert.deepEqual(batched, one, `block ${b.number} tx ${index} through WebCrypto`);
    }
  }
});

test('a duplicate tx id earlier in the block, not itself checked, still invalidates the checked one', async () => {
  const { identities: ids, genesis } = await network();
  const fixtureTrust = readChannelConfig(genesis);
  const first = endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2] });
  const full = verifyBlock(
    block({
      number: 1n,
      previousHash: headerHash(genesis),
      envelopes: [first],
      orderers: [ids.orderer],
      lastConfig: 0n,
    }),
    fixtureTrust,
  );
  const txId = full.transactions[0]?.txId as string;
  const second = endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2], txId });
  const b = block({
    number: 1n,
    previousHash: headerHash(genesis),
    envelopes: [first, second],
    orderers: [ids.orderer],
    lastConfig: 0n,
  });
  const [checked] = verifyBlock(b, fixtureTrust, { transactions: [1] }).transactions;
  assert.ok(checked);
  assert.equal(checked.valid, false);
  assert.ok(checked.problems.includes('duplicate tx id in this block'));
  assert.equal(verifyBlock(b, fixtureTrust, { transactions: [0] }).transactions[0]?.valid, true);
});
