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

const dir = mkdtempSync(join(tmpdir(), 'weft-ledger-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('devpeer ledger file', () => {
  test('starts with a genesis block, appends, reopens, and drops a torn tail', () => {
    const ledger = Ledger.open(dir, 'ch1');
    assert.equal(ledger.height, 1n);
    const first = ledger.commitBlock([Uint8Array.from([1, 2, 3])], [255]);
    const second = ledger.commitBlock([Uint8Array.from([4]), Uint8Array.from([5])], [255, 255]);
    assert.equal(ledger.height, 3n);
    const h1 = first.getHeader();
    assert.deepEqual(
      Buffer.from(second.getHeader()?.getPreviousHash_asU8() ?? []),
      Buffer.from(
        blockHeaderHash(
          1n,
          h1?.getPreviousHash_asU8() ?? new Uint8Array(0),
          h1?.getDataHash_asU8() ?? new Uint8Array(0),
        ),
      ),
    );
    ledger.close();
    const path = join(dir, 'ledgers', 'ch1', 'blocks.bin');
    const size = statSync(path).size;
    // A block header claiming 1000 bytes, followed by only three.
    appendFileSync(path, Buffer.from([0, 0, 0x03, 0xe8, 1, 2, 3]));

    const reopened = Ledger.open(dir, 'ch1');
    assert.equal(reopened.height, 3n);
    assert.equal(statSync(path).size, size, 'torn tail removed');
    assert.deepEqual([...(reopened.block(2n)?.getData()?.getDataList_asU8()[1] ?? [])], [5]);
    assert.deepEqual(Buffer.from(reopened.currentHash), Buffer.from(ledger.currentHash));
    reopened.commitBlock([Uint8Array.from([6])], [255]);
    assert.equal(reopened.height, 4n);
    reopened.close();
  });
});
