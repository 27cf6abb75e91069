import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BlockLog, type LogEntry } from '../../../p2p/devnet/fisco-bcos/block-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-blocklog-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function entry(n: number): LogEntry {
  return {
    block: { header: { number: `0x${n.toString(16)}` }, txs: [], receipts: [] } as never,
    trie: [[`k${n}`, `v${n}`]],
  };
}

test('a torn last line (kill -9 mid-write) is dropped and later appends continue cleanly', () => {
  const first = BlockLog.open(dir);
  assert.equal(first.entries.length, 0);
  first.log.append(entry(0));
  first.log.append(entry(1));
  first.log.close();
  appendFileSync(join(dir, 'blocks.jsonl'), '{"block":{"header":{"num');

  const second = BlockLog.open(dir);
  assert.deepEqual(second.entries, [entry(0), entry(1)]);
  second.log.append(entry(2));
  second.log.close();

  const text = readFileSync(join(dir, 'blocks.jsonl'), 'utf8');
  assert.equal(text.split('\n').filter(Boolean).length, 3);
  assert.deepEqual(BlockLog.open(dir).entries, [entry(0), entry(1), entry(2)]);
});
