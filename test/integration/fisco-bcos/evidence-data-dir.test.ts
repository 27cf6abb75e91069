/**
 * What the devnode's evidence depends on survives a restart from its data directory: the sealer
 * set a committee changed, the committee fixed at genesis, proofs of old blocks, the crypto. A
 * directory an older devnode wrote (other roots, no format mark) is refused with what to delete.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Interface } from 'ethers';
import { verifyBlockHeader } from '../../../p2p/chains/fisco-bcos/block-header.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { verifyTransactionWithReceipt } from '../../../p2p/chains/fisco-bcos/evidence.ts';
import { DataDirError } from '../../../p2p/devnet/fisco-bcos/chain-identity.ts';
import { CONSENSUS_PRECOMPILE } from '../../../p2p/devnet/fisco-bcos/consensus-precompile.ts';
import { startHarness } from './helpers.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-fisco-evidence-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const consensus = new Interface(['function addSealer(string)', 'function remove(string)']);

test('a restart keeps the changed sealer set, the genesis committee and the proofs of old blocks', async () => {
  const dataDir = tempDir();
  const committee = EcdsaSigner.random();
  const first = await startHarness({
    dataDir,
    sealerCount: 4,
    observerCount: 1,
    committee: committee.address,
  });
  const [observer] = await first.client.getObserverList();
  assert.ok(observer);
  const add = await first.send(
    await first.sign(
      {
        to: CONSENSUS_PRECOMPILE,
        data: consensus.encodeFunctionData('addSealer', [observer]) as `0x${string}`,
      },
      committee,
    ),
  );
  const sealers = await first.client.getSealerList();
  assert.equal(sealers.length, 5);
  await first.node.sealNow(true); // the change is no longer in the last block
  await first.node.sealNow(true);
  await first.node.close();

  // Another committee asked for on restart does not replace the genesis one.
  const second = await startHarness({ dataDir, sealerCount: 4, committee: EcdsaSigner.random().address });
  try {
    assert.deepEqual(await second.client.getSealerList(), sealers, 'the change made before the stop holds');
    assert.deepEqual(await second.client.getObserverList(), []);
    assert.equal(second.node.ledger.committee, committee.address);
    const next = await second.client.getBlockHeaderByNumber(BigInt(add.blockNumber) + 1n);
    assert.deepEqual(next.sealerList, sealers);
    assert.equal(verifyBlockHeader(next, sealers.slice(0, 4)).signers.length, 4, 'signed by the old set');
    const tx = await second.client.getTransactionByHashWithProof(add.transactionHash);
    const receipt = await second.client.getTransactionReceiptByHashWithProof(add.transactionHash);
    assert.ok(tx && receipt);
    const header = await second.client.getBlockHeaderByNumber(BigInt(add.blockNumber));
    verifyBlockHeader(header, sealers.slice(0, 4));
    verifyTransactionWithReceipt(tx, receipt, header, { withRemainGas: true });
  } finally {
    await second.node.close();
  }
});

test('a data dir from an older devnode, or of another crypto, is refused with what to do', async () => {
  const old = tempDir();
  writeFileSync(join(old, 'chain.json'), JSON.stringify({ chainId: 1, groupId: 1 }));
  writeFileSync(join(old, 'blocks.jsonl'), '');
  await assert.rejects(startHarness({ dataDir: old }), (error: unknown) => {
    assert.ok(error instanceof DataDirError);
    assert.equal(error.name, 'DataDirError');
    assert.match(error.message, /older devnode .*delete the directory/);
    return true;
  });
  const noMark = join(tempDir(), 'inner');
  mkdirSync(noMark);
  writeFileSync(join(noMark, 'blocks.jsonl'), '');
  await assert.rejects(startHarness({ dataDir: noMark }), DataDirError);

  const standard = tempDir();
  const h = await startHarness({ dataDir: standard });
  await h.node.close();
  await assert.rejects(startHarness({ dataDir: standard, crypto: 'sm' }), DataDirError);
});
