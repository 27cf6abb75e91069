/** The client service alone: validation, the per-client request budget, and what reaches `serve`. */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { Channel } from '../../../p2p/protocol/channel.ts';
import { HipError } from '../../../p2p/protocol/errors.ts';
import { encodeFrame } from '../../../p2p/protocol/frame.ts';
import { CLIENT_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import { encodeLengthPrefixed } from '../../../p2p/protocol/length-prefix.ts';
import type { RequestFrame } from '../../../p2p/protocol/messages.ts';
import { ClientLimits } from '../../../p2p/router/client-limits.ts';
import { type ClientService, createClientService } from '../../../p2p/router/client-service.ts';
import { createRouterMetrics } from '../../../p2p/router/metrics.ts';
import type { Origin } from '../../../p2p/router/origin.ts';
import { memoryHub } from './memory-net.ts';

describe('client service', () => {
  const running: ClientService[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
  });

  async function setup(clientRequestsPerSecond = 100, idleStreamMs = 30_000) {
    const hub = memoryHub();
    const [router, wallet] = [await hub.node(), await hub.node()];
    hub.connect(router, wallet);
    const served: { frame: RequestFrame; origin: Origin }[] = [];
    const closed: Origin[] = [];
    const service = createClientService({
      net: router.net,
      clientLimits: new ClientLimits({ clientRequestsPerSecond, clientRevealsPerSecond: 1 }),
      metrics: createRouterMetrics(),
      maxMessageBytes: 1 << 20,
      maxClientStreams: 2,
      idleStreamMs,
      serve: async (frame, origin) => {
        served.push({ frame, origin });
        return { ok: frame.body.op };
      },
      onOriginClosed: (origin) => closed.push(origin),
    });
    await service.start();
    running.push(service);
    const channel = new Channel(await wallet.dialProtocol(router.peerId, CLIENT_PROTOCOL), 1 << 20);
    return { router, wallet, served, closed, channel };
  }

  test("a valid request is served as the client's, over its stream", async () => {
    const { wallet, served, channel } = await setup();
    assert.deepEqual(await channel.request({ op: 'resources' }), { ok: 'resources' });
    assert.equal(served[0]?.origin.peer, wallet.id);
    assert.equal(served[0]?.origin.protocol, 'client');
    channel.close();
  });

  test('an invalid request is refused with BAD_REQUEST naming the field, and never served', async () => {
    const { served, channel } = await setup();
    await assert.rejects(
      channel.request({ op: 'describe', path: 'not a path' } as never),
      (error: unknown) =>
        error instanceof HipError && error.code === 'BAD_REQUEST' && /body\.path/.test(error.message),
    );
    assert.equal(served.length, 0);
    channel.close();
  });

  test('over its request budget a client gets RATE_LIMITED', async () => {
    const { served, channel } = await setup(2);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        channel.request({ op: 'resources' }).then(
          () => 'ok',
          (error: HipError) => error.code,
        ),
      ),
    );
    // Bursts of twice the rate: 4 served, the rest refused.
    assert.equal(outcomes.filter((o) => o === 'ok').length, 4);
    assert.equal(outcomes.filter((o) => o === 'RATE_LIMITED').length, 6);
    assert.equal(served.length, 4);
    channel.close();
  });

  test('the origin is handed back when its stream closes', async () => {
    const { closed, channel } = await setup();
    await channel.request({ op: 'resources' });
    channel.close();
    const deadline = Date.now() + 2_000;
    while (closed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(closed.length, 1);
  });

  test('a client holds at most maxClientStreams streams, however many connections it opens', async () => {
    const { router, wallet, channel } = await setup();
    const second = new Channel(await wallet.dialProtocol(router.peerId, CLIENT_PROTOCOL), 1 << 20);
    assert.deepEqual(await second.request({ op: 'resources' }), { ok: 'resources' });
    const third = new Channel(await wallet.dialProtocol(router.peerId, CLIENT_PROTOCOL), 1 << 20);
    await assert.rejects(
      third.request({ op: 'resources' }),
      (error: unknown) =>
        error instanceof HipError && error.code === 'RATE_LIMITED' && /2 client streams/.test(error.message),
    );
    // One closes: there is room again.
    second.close();
    await new Promise((r) => setTimeout(r, 20));
    const fourth = new Channel(await wallet.dialProtocol(router.peerId, CLIENT_PROTOCOL), 1 << 20);
    assert.deepEqual(await fourth.request({ op: 'resources' }), { ok: 'resources' });
    channel.close();
    fourth.close();
  });

  test('slow loris: a stream with a frame begun and never finished is closed after idleStreamMs', async () => {
    const { router, wallet, served, closed } = await setup(100, 100);
    const stream = await wallet.dialProtocol(router.peerId, CLIENT_PROTOCOL);
    const frame = encodeLengthPrefixed([encodeFrame({ type: 'request', id: 1, body: { op: 'resources' } })]);
    stream.send(frame.subarray(0, 5)); // the length and a few bytes, then nothing
    const started = Date.now();
    while (closed.length === 0 && Date.now() - started < 2_000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(closed.length, 1, 'the router closed the stream');
    const waited = Date.now() - started;
    assert.ok(waited >= 80 && waited < 1_000, `closed after ${waited} ms`);
    assert.equal(served.length, 0);
  });
});
