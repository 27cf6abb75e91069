import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeLengthPrefixed,
  FrameReader,
  FrameTooLargeError,
} from '../../../p2p/protocol/length-prefix.ts';

const frame = (length: number, fill: number) => new Uint8Array(length).fill(fill);

/** Feeds `bytes` to a reader in chunks of `size` and collects every frame it completes. */
function readAll(reader: FrameReader, bytes: Uint8Array, size: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) frames.push(...reader.push(bytes.subarray(at, at + size)));
  return frames;
}

test('length prefixes are unsigned varints, as lpStream writes them', () => {
  assert.deepEqual([...encodeLengthPrefixed([frame(1, 7)])], [1, 7]);
  assert.deepEqual([...encodeLengthPrefixed([frame(127, 0)]).subarray(0, 1)], [127]);
  assert.deepEqual([...encodeLengthPrefixed([frame(128, 0)]).subarray(0, 2)], [0x80, 0x01]);
  assert.deepEqual([...encodeLengthPrefixed([frame(300, 0)]).subarray(0, 2)], [0xac, 0x02]);
  assert.deepEqual([...encodeLengthPrefixed([frame(70_000, 0)]).subarray(0, 3)], [0xf0, 0xa2, 0x04]);
  assert.deepEqual([...encodeLengthPrefixed([frame(0, 0), frame(2, 9)])], [0, 2, 9, 9]);
});

test('frames come back whole and in order however the stream cuts the bytes', () => {
  const sent = [0, 1, 127, 128, 300, 70_000, 5].map((length, i) => frame(length, i + 1));
  const bytes = encodeLengthPrefixed(sent);
  for (const size of [1, 2, 3, 7, 64, 1000, bytes.length]) {
    const got = readAll(new FrameReader(100_000), bytes, size);
    assert.equal(got.length, sent.length, `chunks of ${size}`);
    for (const [i, f] of got.entries()) assert.deepEqual(f, sent[i], `frame ${i}, chunks of ${size}`);
  }
});

test('a frame over the limit is refused as soon as its prefix arrives', () => {
  const reader = new FrameReader(1000);
  assert.equal(reader.push(encodeLengthPrefixed([frame(1000, 1)])).length, 1, 'the limit itself is allowed');
  const prefixOnly = encodeLengthPrefixed([frame(1001, 1)]).subarray(0, 2);
  assert.throws(() => new FrameReader(1000).push(prefixOnly), FrameTooLargeError);
  // A prefix longer than any allowed length needs is refused before it even ends.
  assert.throws(() => new FrameReader(1000).push(new Uint8Array([0x80, 0x80, 0x80])), FrameTooLargeError);
});
