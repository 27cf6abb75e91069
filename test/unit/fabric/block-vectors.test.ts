/**
 * Real Fabric blocks (../shared/vectors/fabric/) through the project's block verifier:
 * every block of the sample ledger and the test network verifies under the config block
 * that anchors it; the tampered ledger fails exactly where it was tampered.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodeBlock, type FabricBlock, readBlockFile } from '../../../p2p/chains/fabric/block-file.ts';
import { type BlockVerdict, verifyBlock } from '../../../p2p/chains/fabric/block-verifier.ts';
import { CONFIG, readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { encodeBlock } from './evidence-fixture.ts';

const vectors = new URL('../../../../shared/vectors/fabric/', import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, vectors)));

/**
 * Walks blocks in order from the anchor (blocks[0]): each config block, once its orderer
 * signatures hold, becomes the trust for the blocks after it, as a light client does.
 */
function walk(blocks: FabricBlock[], consecutive = true): BlockVerdict[] {
  let trust = readChannelConfig(blocks[0] as FabricBlock);
  let previous: Uint8Array | undefined;
  return blocks.map((block) => {
    const verdict = verifyBlock(block, trust, consecutive ? { previousHeaderHash: previous } : {});
    const signedByOrderers = !verdict.problems.includes('orderer signatures do not satisfy BlockValidation');
    if (!verdict.anchor && verdict.transactions[0]?.type === CONFIG && signedByOrderers) {
      trust = readChannelConfig(block);
    }
    previous = verdict.headerHash;
    return verdict;
  });
}

function assertAllValid(verdicts: BlockVerdict[]): void {
  for (const verdict of verdicts) {
    assert.deepEqual(verdict.problems, [], `block ${verdict.number}`);
    assert.equal(verdict.valid, true);
    for (const tx of verdict.transactions) {
      assert.deepEqual(tx.problems, [], `block ${verdict.number} tx ${tx.index}`);
      assert.equal(tx.filterCodeName, 'VALID');
      assert.equal(tx.filterContradiction, false);
    }
  }
}

describe('real Fabric blocks', () => {
  test('the sample ledger (one organisation, solo orderer): genesis anchor, seven signed blocks', () => {
    const blocks = readBlockFile(read('sampleorg-ledger.blockfile'));
    assert.deepEqual(
      blocks.map((block) => block.number),
      [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n],
    );
    const trust = readChannelConfig(blocks[0] as FabricBlock);
    assert.equal(trust.channelId, 'mychannel');
    assert.equal(trust.consensusType, 'solo');
    assert.deepEqual(trust.ordererOrgs, ['SampleOrg']);
    assert.deepEqual(trust.applicationOrgs, ['SampleOrg']);
    assert.equal(trust.msps.get('SampleOrg')?.nodeOUs, null);
    assert.deepEqual(trust.blockValidation, { type: 'implicitMeta', subPolicy: 'Writers', rule: 'ANY' });
    const verdicts = walk(blocks);
    assertAllValid(verdicts);
    assert.equal(verdicts[0]?.anchor, true);
    assert.deepEqual(verdicts[0]?.ordererSignatures, []);
    for (const verdict of verdicts.slice(1)) {
      assert.deepEqual(verdict.ordererSignatures, [{ mspId: 'SampleOrg', ok: true }]);
      assert.equal(verdict.lastConfig, 0n);
      assert.equal(verdict.transactions[0]?.endorsements.length, 1);
    }
    assert.deepEqual(
      verdicts.slice(1).map((v) => v.transactions[0]?.chaincode),
      ['_lifecycle', '_lifecycle', '_lifecycle', 'marbles', 'marbles', 'marbles', 'marbles'],
    );
  });

  test('the test network (Org1MSP, Org2MSP, OrdererMSP): config block 3 anchors blocks 4 and 6', () => {
    const blocks = [3, 4, 6].map((n) => decodeBlock(read(`testnet-block${n}.block`)));
    const trust = readChannelConfig(blocks[0] as FabricBlock);
    assert.equal(trust.consensusType, 'etcdraft');
    assert.equal(trust.configBlockNumber, 3n);
    assert.deepEqual(trust.ordererOrgs, ['OrdererMSP']);
    assert.deepEqual([...trust.applicationOrgs].sort(), ['Org1MSP', 'Org2MSP', 'Org3MSP']);
    assert.ok(trust.msps.get('Org1MSP')?.nodeOUs?.peer);
    // Blocks 4 and 6 are not consecutive: no previous hash to chain to.
    const verdicts = walk(blocks, false);
    assertAllValid(verdicts);
    assert.equal(verdicts[0]?.anchor, true);
    assert.deepEqual(
      verdicts.map((v) => v.lastConfig),
      [3n, 3n, 3n],
    );
    // Block 4: Org1 approves a chaincode definition (its own implicit collection, its own peer);
    // block 6: the definition committed, endorsed by both organisations.
    assert.deepEqual(
      verdicts[1]?.transactions[0]?.endorsements.map((e) => e.mspId),
      ['Org1MSP'],
    );
    assert.deepEqual(
      verdicts[2]?.transactions[0]?.endorsements.map((e) => e.mspId),
      ['Org1MSP', 'Org2MSP'],
    );
  });

  test('the test network blocks also verify as a chain from block 3 with the previous hash given', () => {
    const [block3, block4] = [3, 4].map((n) => decodeBlock(read(`testnet-block${n}.block`))) as [
      FabricBlock,
      FabricBlock,
    ];
    const trust = readChannelConfig(block3);
    const verdict = verifyBlock(block4, trust, { previousHeaderHash: verifyBlock(block3, trust).headerHash });
    assert.deepEqual(verdict.problems, []);
  });

  test('the tampered ledger fails at block 0 (data hash) and block 1 (previous hash), nowhere else', () => {
    const blocks = readBlockFile(read('tampered-ledger.blockfile'));
    assert.equal(blocks.length, 10);
    const verdicts = walk(blocks);
    assert.deepEqual(verdicts[0]?.problems, ['data hash mismatch']);
    assert.deepEqual(verdicts[1]?.problems, ['previous hash mismatch']);
    assert.equal(verdicts[0]?.valid, false);
    assert.equal(verdicts[1]?.valid, false);
    assertAllValid(verdicts.slice(2));
    // Block 1's orderer signature itself holds: the orderer signed the real block 0's hash.
    assert.deepEqual(verdicts[1]?.ordererSignatures, [{ mspId: 'OrdererMSP', ok: true }]);
    assert.deepEqual(
      verdicts.map((v) => v.lastConfig),
      [0n, 1n, 2n, 2n, 2n, 2n, 2n, 2n, 2n, 2n],
    );
  });

  test('a block verified under a stale config (a config block came in between) is flagged', () => {
    const blocks = readBlockFile(read('tampered-ledger.blockfile'));
    const genesisTrust = readChannelConfig(blocks[0] as FabricBlock);
    const verdict = verifyBlock(blocks[5] as FabricBlock, genesisTrust);
    assert.deepEqual(verdict.problems, ['LAST_CONFIG is 2, expected 0']);
  });

  test('a block from the block file, re-encoded as a common.Block, decodes to the same block', () => {
    for (const block of readBlockFile(read('tampered-ledger.blockfile'))) {
      assert.deepEqual(decodeBlock(encodeBlock(block)), block);
    }
  });
});
