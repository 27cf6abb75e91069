import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MultiaddrConnection, Stream, StreamMuxer } from '@libp2p/interface';
import { multiaddrConnectionPair } from '@libp2p/utils';
import { streamMuxer } from '../../../p2p/protocol/muxer.ts';

/** Two yamux muxers over an in-memory connection, and one stream between them. */
async function connectedStream() {
  const [dialer, listener] = multiaddrConnectionPair();
  const factory = streamMuxer()();
  const local: StreamMuxer = factory.createStreamMuxer(dialer);
  const remote: StreamMuxer = factory.createStreamMuxer(listener);
  const inbound = new Promise<Stream>((resolve) =>
    remote.addEventListener('stream', (event) => resolve(event.detail), { once: true }),
  );
  const outbound = await local.createStream();
  outbound.send(Uint8Array.of(0)); // opens the stream on the other side
  const accepted = await inbound;
  return { outbound, inbound: accepted, listener, close: () => Promise.all([local.close(), remote.close()]) };
}

/** Counts what a connection is given to send. */
function countSends(connection: MultiaddrConnection): () => number {
  let sends = 0;
  const send = connection.send.bind(connection);
  connection.send = (data) => {
    sends++;
    return send(data);
  };
  return () => sends;
}

function received(stream: Stream, bytes: number): Promise<void> {
  let got = 0;
  return new Promise((resolve) => {
    stream.addEventListener('message', (event) => {
      got += event.data.byteLength;
      if (got >= bytes) resolve();
    });
  });
}

test('small frames are not each answered with a window update', async () => {
  const { outbound, inbound, listener, close } = await connectedStream();
  const back = countSends(listener);
  for (let i = 0; i < 100; i++) {
    const arrived = received(inbound, 100);
    outbound.send(new Uint8Array(100));
    await arrived;
  }
  // js-yamux on its own answers every data frame (100 updates); half of a 256 kB window is
  // 128 kB, which 10 kB of frames does not reach.
  assert.ok(back() <= 2, `the receiving side wrote ${back()} times`);
  await close();
});

test('flow control still works: megabytes flow past the initial window in both directions', async () => {
  const { outbound, inbound, close } = await connectedStream();
  const size = 3 * 1024 * 1024;
  const there = received(inbound, size + 1); // +1: the byte that opened the stream
  const back = received(outbound, size);
  for (let sent = 0; sent < size; sent += 64 * 1024) {
    if (!outbound.send(new Uint8Array(64 * 1024))) await outbound.onDrain();
  }
  for (let sent = 0; sent < size; sent += 64 * 1024) {
    if (!inbound.send(new Uint8Array(64 * 1024))) await inbound.onDrain();
  }
  await Promise.all([there, back]);
  await close();
});
