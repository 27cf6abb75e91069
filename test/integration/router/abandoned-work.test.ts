/**
 * Work abandoned when the requester goes away (issue 14, router limits): a client starts a request
 * forwarded to a hop that never answers and a submit whose receipt will not come for a minute, then
 * closes its stream. The routers give both up at once (the in-flight gauge is back to 0 within a
 * second or two, not after the minute) and keep serving.
 *
 *   wallet ──> entry ──> far (fronts far.slow.thing: a node that never answers a call)
 *   wallet ──────────────> far (submit: a receipt wait of a minute)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { loadOrCreatePeerKey } from '../../../p2p/router/peer-key.ts';
import { type Router, startRouter } from '../../../p2p/router/router.ts';
import { rawClient } from './raw-client.ts';
import { SlowChain } from './slow-chain.ts';

const PATH = 'far.slow.thing';
const MINUTE = 60_000;

async function metric(router: Router, name: string, labels: string): Promise<number> {
  const text = await router.metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

const inflight = (router: Router, protocol: 'client' | 'forward') =>
  metric(router, 'weft_router_inflight_requests', `{protocol="${protocol}"}`);

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe('work abandoned when the requester goes away', { timeout: 60_000 }, () => {
  let dir: string;
  const chain = new SlowChain(PATH);
  const routers: Record<'far' | 'entry', Router> = {} as never;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-abandoned-'));
    const names = ['far', 'entry'] as const;
    const keys = await Promise.all(names.map((n) => loadOrCreatePeerKey(join(dir, n))));
    const members = keys.map((k) => peerIdFromPrivateKey(k).toString());
    const logger = createLogger('silent');
    routers.far = await startRouter({
      config: parseRouterConfig({
        zone: 'far',
        dataDir: join(dir, 'far'),
        listen: ['/ip4/127.0.0.1/tcp/0/ws'],
        members,
        admin: null,
      }),
      connectors: [chain],
      logger,
    });
    routers.entry = await startRouter({
      config: parseRouterConfig({
        zone: 'entry',
        dataDir: join(dir, 'entry'),
        listen: ['/ip4/127.0.0.1/tcp/0/ws'],
        bootstrap: [routers.far.addresses()[0] as string],
        members,
        admin: null,
      }),
      connectors: [],
      logger,
    });
    await waitForDirectory(Object.values(routers), 1);
  });

  after(async () => {
    await routers.entry?.stop();
    await routers.far?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a forwarded request and a receipt wait are given up when their stream closes; the routers keep serving', async () => {
    const viaEntry = await rawClient(routers.entry.addresses()[0] as string);
    const atFar = await rawClient(routers.far.addresses()[0] as string);
    const forwarded = viaEntry.channel.request(
      { op: 'call', path: PATH, method: 'get', args: [] },
      { timeoutMs: MINUTE },
    );
    const submitted = atFar.channel.request(
      { op: 'submit', path: PATH, signed: '0x00', timeoutMs: MINUTE },
      { timeoutMs: MINUTE },
    );
    forwarded.catch(() => {});
    submitted.catch(() => {});
    await until(
      async () =>
        (await inflight(routers.entry, 'client')) === 1 &&
        (await inflight(routers.far, 'forward')) === 1 &&
        (await inflight(routers.far, 'client')) === 1,
      'both requests to be in flight',
      5_000,
    );
    assert.equal(chain.busy, 2, 'the chain works on the call and the receipt wait');

    await viaEntry.stop();
    await atFar.stop();
    const tookMs = await until(
      async () =>
        (await inflight(routers.entry, 'client')) === 0 && (await inflight(routers.far, 'client')) === 0,
      'the in-flight requests to be given up',
      5_000,
    );
    assert.ok(tookMs < 2_000, `given up after ${tookMs} ms, not the minute the requests allowed`);
    await assert.rejects(forwarded);
    assert.equal(
      await metric(
        routers.entry,
        'weft_router_requests_total',
        '{protocol="client",op="call",outcome="abandoned"}',
      ),
      1,
    );
    assert.equal(
      await metric(
        routers.far,
        'weft_router_requests_total',
        '{protocol="client",op="submit",outcome="abandoned"}',
      ),
      1,
    );

    // Both keep serving, and entry's forward channel to far is still there for others.
    const next = await rawClient(routers.entry.addresses()[0] as string);
    try {
      const started = Date.now();
      // describe is answered by far, the router fronting the path: forwarded on the same channel.
      const entry = (await next.channel.request({ op: 'describe', path: PATH }, { timeoutMs: 3_000 })) as {
        path: string;
        router: string;
      };
      assert.deepEqual([entry.path, entry.router], [PATH, routers.far.peerId]);
      assert.ok(Date.now() - started < 1_000);
    } finally {
      await next.stop();
    }
  });
});
