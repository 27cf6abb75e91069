/** A request given up by its caller's signal: rejected at once, its pending entry dropped, a late answer ignored. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamPair } from '@libp2p/utils';
import { Channel } from '../../../p2p/protocol/channel.ts';
import { HipError, HipErrorCode } from '../../../p2p/protocol/errors.ts';

test('aborting the signal rejects the request locally with its reason; the answer that comes later is dropped', async () => {
  const [a, b] = await streamPair();
  let answer!: (value: unknown) => void;
  const asked: unknown[] = [];
  const server = new Channel(b, 1 << 20, {
    onRequest: (frame) => {
      asked.push(frame);
      return new Promise((resolve) => (answer = resolve));
    },
  });
  const client = new Channel(a, 1 << 20);
  const gone = new AbortController();
  // An hour: only the signal can end it before the test does (a leftover timer would hold the file open).
  const pending = client.request({ op: 'resources' }, { timeoutMs: 3_600_000, signal: gone.signal });
  while (asked.length === 0) await new Promise((r) => setTimeout(r, 5));
  const started = Date.now();
  gone.abort(new HipError(HipErrorCode.unreachable, 'the wallet went away'));
  await assert.rejects(
    pending,
    (error: unknown) => error instanceof HipError && error.message === 'the wallet went away',
  );
  assert.ok(Date.now() - started < 100);
  answer(['late']);
  await new Promise((r) => setTimeout(r, 20));
  // The channel still works for others, and an already aborted signal never sends.
  const already = new AbortController();
  already.abort();
  await assert.rejects(
    client.request({ op: 'resources' }, { signal: already.signal }),
    (e: unknown) => e instanceof HipError,
  );
  assert.equal(asked.length, 1, 'nothing sent for an aborted signal');
  client.close();
  server.close();
});
