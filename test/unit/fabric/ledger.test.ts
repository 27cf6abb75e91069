/**
 * The devpeer's block file: blocks survive reopening, a torn last write (a kill
 * in the middle of appending) is cut off, and blocks chain by header hash.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { blockHeaderHash } from '../../../p2p/chains/fabric/block-hash.ts';
import { Ledger } from '../../../p2p/devnet/fabric/ledger.ts';
import {
  completeBlock,
  genesisBlock,
  type OrderedBlock,
  Orderer,
} from '../../../p2p/devnet/fabric/orderer.ts';
import { TestCa } from '../../../p2p/devnet/fabric/test-ca.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-ledger-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Blocks as a peer would append them, every transaction marked 255 (not validated here). */
function append(ledger: Ledger, block: OrderedBlock): void {
  ledger.append(completeBlock(block, new Uint8Array(block.envelopes.length).fill(255)));
}

describe('devpeer ledger file', () => {
  test('appends what the orderer cut, reopens, and drops a torn tail', async () => {
    const ca = await TestCa.open(join(dir, 'ca'), 'OrdererMSP');
    const identity = await ca.issue('orderer', 'orderer');
    const ledger = Ledger.open(join(dir, 'ledgers'), 'ch1');
    assert.equal(ledger.height, 0n);
    append(ledger, genesisBlock(Uint8Array.from([9])));
    const cut: OrderedBlock[] = [];
    const orderer = new Orderer({
      identity,
      height: ledger.height,
      previousHash: ledger.currentHash,
      blockIntervalMs: 60_000,
      maxBlockTxs: 10,
      deliver: (block) => cut.push(block),
    });
    orderer.enqueue(Uint8Array.from([1, 2, 3]), null);
    orderer.cut();
    orderer.enqueue(Uint8Array.from([4]), null);
    orderer.enqueue(Uint8Array.from([5]), null);
    orderer.cut();
    for (const block of cut) append(ledger, block);
    assert.equal(ledger.height, 3n);
    const h1 = ledger.block(1n)?.getHeader();
    assert.deepEqual(
      Buffer.from(ledger.block(2n)?.getHeader()?.getPreviousHash_asU8() ?? []),
      Buffer.from(
        blockHeaderHash(
          1n,
          h1?.getPreviousHash_asU8() ?? new Uint8Array(0),
          h1?.getDataHash_asU8() ?? new Uint8Array(0),
        ),
      ),
    );
    assert.throws(() => append(ledger, cut[0] as OrderedBlock), /does not follow height 3/);
    ledger.close();
    const path = join(dir, 'ledgers', 'ch1', 'blocks.bin');
    const size = statSync(path).size;
    // A block header claiming 1000 bytes, followed by only three.
    appendFileSync(path, Buffer.from([0, 0, 0x03, 0xe8, 1, 2, 3]));

    const reopened = Ledger.open(join(dir, 'ledgers'), 'ch1');
    assert.equal(reopened.height, 3n);
    assert.equal(statSync(path).size, size, 'torn tail removed');
    assert.deepEqual([...(reopened.block(2n)?.getData()?.getDataList_asU8()[1] ?? [])], [5]);
    assert.deepEqual(Buffer.from(reopened.currentHash), Buffer.from(ledger.currentHash));
    orderer.enqueue(Uint8Array.from([6]), null);
    orderer.close();
    append(reopened, cut[2] as OrderedBlock);
    assert.equal(reopened.height, 4n);
    reopened.close();
  });
});
