import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Stream } from '@libp2p/interface';
import { streamPair } from '@libp2p/utils';
import { Channel } from '../../../p2p/protocol/channel.ts';
import { HipError } from '../../../p2p/protocol/errors.ts';
import { decodeFrame, encodeFrame } from '../../../p2p/protocol/frame.ts';
import { encodeLengthPrefixed, FrameReader } from '../../../p2p/protocol/length-prefix.ts';

/** Counts the writes a stream is given. */
function countWrites(stream: Stream): () => number {
  let writes = 0;
  const send = stream.send.bind(stream);
  stream.send = (data) => {
    writes++;
    return send(data);
  };
  return () => writes;
}

/** A server channel answering `describe` with the path it was asked for. */
function echoServer(stream: Stream, maxMessageBytes = 1024 * 1024): Channel {
  return new Channel(stream, maxMessageBytes, {
    onRequest: async (frame) => ({ echoed: (frame as { body: { path: string } }).body.path }),
  });
}

test('requests sent in one turn leave in one write and every answer finds its caller', async () => {
  const [outbound, inbound] = await streamPair();
  const writes = countWrites(outbound);
  const client = new Channel(outbound, 1024 * 1024);
  const server = echoServer(inbound);
  const paths = Array.from({ length: 20 }, (_, i) => `zone.chain.r${i}`);
  const answers = await Promise.all(paths.map((path) => client.request({ op: 'describe', path })));
  assert.deepEqual(
    answers,
    paths.map((path) => ({ echoed: path })),
  );
  assert.equal(writes(), 1);
  client.close();
  server.close();
});

test('a request cut into single bytes by the transport is still read and answered', async () => {
  const [outbound, inbound] = await streamPair();
  const server = echoServer(inbound);
  const reader = new FrameReader(1024 * 1024);
  const replies: unknown[] = [];
  outbound.addEventListener('message', (event) => {
    for (const frame of reader.push(event.data.subarray())) replies.push(decodeFrame(frame));
  });
  const bytes = encodeLengthPrefixed([
    encodeFrame({ type: 'request', id: 41, body: { op: 'describe', path: 'a.b.c' } }),
  ]);
  for (const byte of bytes) outbound.send(Uint8Array.of(byte));
  const stop = Date.now() + 2_000;
  while (replies.length === 0 && Date.now() < stop) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(replies, [{ type: 'response', id: 41, result: { echoed: 'a.b.c' } }]);
  server.close();
});

test('an oversized frame fails the caller with TOO_LARGE and the server hangs up', async () => {
  const [outbound, inbound] = await streamPair();
  const client = new Channel(outbound, 4 * 1024 * 1024);
  const server = echoServer(inbound, 1000);
  await assert.rejects(client.request({ op: 'call', path: 'a.b.c', method: 'm', args: ['x'.repeat(2000)] }), {
    name: 'HipError',
    code: 'TOO_LARGE',
  });
  assert.equal(server.closed, true);
  assert.equal(client.closed, true);
});

test('garbage gets BAD_REQUEST and a closed peer fails what is pending with UNREACHABLE', async () => {
  const [outbound, inbound] = await streamPair();
  const client = new Channel(outbound, 1024 * 1024);
  const server = new Channel(inbound, 1024 * 1024, {
    onRequest: () => new Promise(() => {}), // never answers
  });
  const pending = client.request({ op: 'resources' });
  await new Promise((r) => setTimeout(r, 20));
  server.close();
  await assert.rejects(
    pending,
    (error: unknown) => error instanceof HipError && error.code === 'UNREACHABLE',
  );

  const [out2, in2] = await streamPair();
  const victim = new Channel(in2, 1024 * 1024, { onRequest: async () => 'never' });
  const caller = new Channel(out2, 1024 * 1024);
  const asked = caller.request({ op: 'resources' });
  out2.send(encodeLengthPrefixed([new TextEncoder().encode('{not json')]));
  await assert.rejects(asked, (error: unknown) => error instanceof HipError && error.code === 'BAD_REQUEST');
  assert.equal(victim.closed, true);
});

test('a request too deep to encode fails its caller with BAD_REQUEST, and the channel keeps serving', async () => {
  const [outbound, inbound] = await streamPair();
  const client = new Channel(outbound, 1024 * 1024);
  const server = echoServer(inbound);
  let deep: unknown = 'x';
  for (let i = 0; i < 10_000; i++) deep = [deep];
  await assert.rejects(client.request({ op: 'call', path: 'a.b.c', method: 'm', args: [deep] }), {
    code: 'BAD_REQUEST',
  });
  assert.deepEqual(await client.request({ op: 'describe', path: 'a.b.c' }), { echoed: 'a.b.c' });
  client.close();
  server.close();
});
