/** Forwarding alone, between in-memory peers: budgets passed on, hop limit, a silent next hop, non-members. */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { PeerId } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { HipError } from '../../../p2p/protocol/errors.ts';
import { decodeFrame, encodeFrame } from '../../../p2p/protocol/frame.ts';
import { FORWARD_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import type { RequestFrame } from '../../../p2p/protocol/messages.ts';
import { createForwarding, type Forwarding } from '../../../p2p/router/forwarding.ts';
import { createRouterMetrics } from '../../../p2p/router/metrics.ts';
import type { Origin } from '../../../p2p/router/origin.ts';
import { type MemoryNode, memoryHub } from './memory-net.ts';

const code = (expected: string) => (error: unknown) => {
  assert.ok(error instanceof HipError, String(error));
  assert.equal(error.code, expected, error.message);
  return true;
};

describe('forwarding', () => {
  const running: Forwarding[] = [];
  afterEach(async () => {
    for (const f of running.splice(0)) await f.stop();
  });

  async function forwarder(
    node: MemoryNode,
    members: Set<string>,
    serve: (frame: RequestFrame, origin: Origin) => Promise<unknown>,
    maxTimeoutMs = 30_000,
  ) {
    const forwarding = createForwarding({
      net: node.net,
      isMember: (p: PeerId) => members.has(p.toString()),
      metrics: createRouterMetrics(),
      maxMessageBytes: 1 << 20,
      maxTimeoutMs,
      idleStreamMs: 30_000,
      serve,
      onEvent: () => {},
      onChannelClosed: () => {},
      onOriginClosed: () => {},
    });
    await forwarding.start();
    running.push(forwarding);
    return forwarding;
  }

  async function pair(
    serve: (frame: RequestFrame, origin: Origin) => Promise<unknown>,
    maxTimeoutMs?: number,
  ) {
    const hub = memoryHub();
    const [na, nb] = [await hub.node(), await hub.node()];
    const members = new Set([na.id, nb.id]);
    hub.connect(na, nb);
    const a = await forwarder(na, members, async () => null, maxTimeoutMs);
    await forwarder(nb, members, serve);
    return { a, na, nb, hub };
  }

  test('passes the body on with one hop less and the time left, and returns the answer', async () => {
    const seen: { frame: RequestFrame; peer: string; protocol: string }[] = [];
    const { a, na, nb } = await pair(async (frame, origin) => {
      seen.push({ frame, peer: origin.peer, protocol: origin.protocol });
      return { answered: true };
    });
    const { result } = await a.forward(
      nb.id,
      { op: 'describe', path: 'z.x.r' },
      { started: performance.now(), timeoutMs: 2_000, hopsLeft: 3, routeHops: 1 },
    );
    assert.deepEqual(result, { answered: true });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.peer, na.id);
    assert.equal(seen[0]?.protocol, 'forward');
    assert.equal(seen[0]?.frame.hopsLeft, 2);
    const timeoutMs = seen[0]?.frame.timeoutMs ?? 0;
    assert.ok(timeoutMs <= 2_000 - 50 && timeoutMs > 1_500, `passed on ${timeoutMs} ms`);
  });

  test('no hops left: HOP_LIMIT_EXCEEDED without dialling anyone', async () => {
    const { a, na, nb } = await pair(async () => null);
    await assert.rejects(
      a.forward(
        nb.id,
        { op: 'describe', path: 'z.x.r' },
        { started: 0, timeoutMs: 1_000, hopsLeft: 0, routeHops: 2 },
      ),
      code('HOP_LIMIT_EXCEEDED'),
    );
    assert.deepEqual(na.dials, []);
  });

  test("a next hop that never answers: TIMEOUT once the router's capped budget is spent", async () => {
    const { a, nb } = await pair(() => new Promise(() => {}), 300);
    const started = performance.now();
    await assert.rejects(
      a.forward(
        nb.id,
        { op: 'describe', path: 'z.x.r' },
        { started, timeoutMs: 600_000, hopsLeft: 2, routeHops: 1 },
      ),
      code('TIMEOUT'),
    );
    const waited = performance.now() - started;
    assert.ok(waited >= 200 && waited < 1_000, `gave up after ${waited} ms`);
  });

  test('a peer that is not a member is refused on the forward protocol', async () => {
    const hub = memoryHub();
    const [nb, outsider] = [await hub.node(), await hub.node()];
    hub.connect(nb, outsider);
    let served = 0;
    await forwarder(nb, new Set([nb.id]), async () => served++);
    const lp = lpStream(await outsider.dialProtocol(nb.peerId, FORWARD_PROTOCOL));
    await lp.write(encodeFrame({ type: 'request', id: 1, body: { op: 'resources' } }));
    const answer = decodeFrame((await lp.read({ signal: AbortSignal.timeout(2_000) })).subarray()) as {
      error?: { code: string };
    };
    assert.equal(answer.error?.code, 'FORBIDDEN');
    assert.equal(served, 0);
  });
});
