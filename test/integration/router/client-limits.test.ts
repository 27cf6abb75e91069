/**
 * Router limits from issue 14's security review, each played by a client that asks for more
 * than a router allows: an hour's wait on a submit, ten minutes on a forwarded request, 64 hops,
 * and a flood of made-up `ttmReveal` secrets (attack 11). Three routers with a simulated chain:
 * entry (hopLimit 2) ── mid ── far (fronts far.slow.thing, whose node never answers a call and
 * waits as long as it is told for a receipt). Every router caps waits at 1 s.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type {
  ChainConnector,
  ChainInfo,
  ResourceDescription,
  SubmitRequest,
  TransactionReceipt,
} from '../../../p2p/chains/connector.ts';
import { ChainTimeoutError, UnknownResourceError } from '../../../p2p/chains/errors.ts';
import { waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import { HipError } from '../../../p2p/protocol/errors.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { loadOrCreatePeerKey } from '../../../p2p/router/peer-key.ts';
import { type Router, startRouter } from '../../../p2p/router/router.ts';
import { rawClient } from './raw-client.ts';

const PATH = 'far.slow.thing';
const MAX_TIMEOUT_MS = 1_000;

/** A chain whose node never answers a call and waits for a receipt exactly as long as it is asked. */
class SlowChain implements ChainConnector {
  readonly chain = { type: 'fisco-bcos', chainId: 1, groupId: 1 } as const;
  readonly description: ResourceDescription = {
    path: PATH,
    chain: this.chain,
    address: '0x0000000000000000000000000000000000000001',
    methods: [{ name: 'get', kind: 'read', inputs: [], outputs: [] }],
  };
  /** The receipt waits the router asked of the chain. */
  readonly waits: (number | undefined)[] = [];
  readonly #closing = new AbortController();

  resources() {
    return [this.description];
  }
  describe(resource: string) {
    if (resource !== PATH) throw new UnknownResourceError(resource);
    return this.description;
  }
  async info(): Promise<ChainInfo> {
    return { chain: this.chain, blockNumber: 1n };
  }
  call(): Promise<never> {
    return new Promise((_, reject) =>
      this.#closing.signal.addEventListener('abort', () => reject(new Error('closed'))),
    );
  }
  submit(request: SubmitRequest): Promise<TransactionReceipt> {
    this.waits.push(request.timeoutMs);
    const waitMs = request.timeoutMs ?? 30_000;
    return new Promise((_, reject) => {
      const fail = () => reject(new ChainTimeoutError(`no receipt within ${waitMs} ms`, 'timeout'));
      const timer = setTimeout(fail, waitMs);
      this.#closing.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        fail();
      });
    });
  }
  async blockNumber() {
    return 1n;
  }
  async getBlock() {
    return null;
  }
  async getTransaction() {
    return null;
  }
  async close() {
    this.#closing.abort();
  }
}

function hipCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof HipError, `expected a HipError, got ${error}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

/** A counter's or histogram's value for the metric line that starts with `prefix`, 0 if absent. */
async function metric(router: Router, name: string, prefix: string): Promise<number> {
  const text = await router.metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.split(' ').pop()) : 0;
}

const forwardedReveals = (router: Router) =>
  metric(
    router,
    'weft_router_requests_total',
    'weft_router_requests_total{protocol="forward",op="ttmReveal"',
  );

describe('router limits: what a client asks is capped at what the router allows', { timeout: 60_000 }, () => {
  let dir: string;
  const chain = new SlowChain();
  const routers: Record<'far' | 'mid' | 'entry', Router> = {} as never;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-client-limits-'));
    const names = ['far', 'mid', 'entry'] as const;
    const keys = await Promise.all(names.map((n) => loadOrCreatePeerKey(join(dir, n))));
    const members = keys.map((k) => peerIdFromPrivateKey(k).toString());
    const logger = createLogger('silent');
    let previous: Router | undefined;
    for (const name of names) {
      const config = parseRouterConfig({
        zone: name,
        dataDir: join(dir, name),
        listen: ['/ip4/127.0.0.1/tcp/0/ws'],
        bootstrap: previous ? [previous.addresses()[0] as string] : [],
        members,
        limits: { maxTimeoutMs: MAX_TIMEOUT_MS, ...(name === 'entry' ? { hopLimit: 2 } : {}) },
        admin: null,
      });
      previous = await startRouter({ config, connectors: name === 'far' ? [chain] : [], logger });
      routers[name] = previous;
    }
    await waitForDirectory(Object.values(routers), 1);
  });

  after(async () => {
    for (const router of Object.values(routers).reverse()) await router.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("a submit asking to wait an hour for its receipt waits the router's maximum", async () => {
    const raw = await rawClient(routers.far.addresses()[0] as string);
    try {
      const started = Date.now();
      await assert.rejects(
        raw.channel.request(
          { op: 'submit', path: PATH, signed: '0x00', timeoutMs: 3_600_000 },
          { timeoutMs: 30_000 },
        ),
        hipCode('CHAIN_TIMEOUT'),
      );
      assert.deepEqual(chain.waits, [MAX_TIMEOUT_MS]);
      assert.ok(Date.now() - started < 10_000, 'answered in about a second');
    } finally {
      await raw.stop();
    }
  });

  test('a forwarded request asking for ten minutes is given up after the maximum', async () => {
    const raw = await rawClient(routers.entry.addresses()[0] as string);
    try {
      const started = Date.now();
      // The far node never answers: only the entry router's own deadline ends the wait.
      await assert.rejects(
        raw.channel.request({ op: 'call', path: PATH, method: 'get', args: [] }, { timeoutMs: 600_000 }),
        hipCode('TIMEOUT'),
      );
      const waited = Date.now() - started;
      assert.ok(waited < MAX_TIMEOUT_MS + 2_000, `gave up after ${waited} ms`);
    } finally {
      await raw.stop();
    }
  });

  test("a client asking for 64 hops gets the entry router's limit, so the next router gets one less", async () => {
    const raw = await rawClient(routers.entry.addresses()[0] as string);
    const hops = (router: Router, what: 'sum' | 'count') =>
      metric(router, 'weft_router_forward_hops', `weft_router_forward_hops_${what}{op="describe"}`);
    try {
      const entry = (await raw.channel.request({ op: 'describe', path: PATH }, { hopsLeft: 64 })) as {
        path: string;
        hops: number;
      };
      assert.equal(entry.path, PATH);
      // entry had 2 (its hopLimit, not 64) and passed on 1; mid passed on 0.
      assert.equal(await hops(routers.entry, 'count'), 1);
      assert.equal(await hops(routers.entry, 'sum'), 1);
      assert.equal(await hops(routers.mid, 'count'), 1);
      assert.equal(await hops(routers.mid, 'sum'), 0);
    } finally {
      await raw.stop();
    }
  });

  test('attack 11: a client flooding made-up secrets reaches no other router, and another client is still served', async () => {
    const attacker = await rawClient(routers.mid.addresses()[0] as string);
    const other = await rawClient(routers.mid.addresses()[0] as string);
    const before = { far: await forwardedReveals(routers.far), entry: await forwardedReveals(routers.entry) };
    try {
      const flood = Array.from({ length: 2_000 }, () => {
        const preimage = crypto.getRandomValues(new Uint8Array(32));
        return attacker.channel
          .request({
            op: 'ttmReveal',
            hashLock: `0x${bytesToHex(sha256(preimage))}`,
            preimage: `0x${bytesToHex(preimage)}`,
            ids: [`0x${bytesToHex(crypto.getRandomValues(new Uint8Array(32)))}`],
          })
          .then(
            (result) => ({ result }),
            (error: HipError) => ({ error }),
          );
      });
      // While the flood is in, another client's request is answered promptly.
      const started = Date.now();
      const described = (await other.channel.request(
        { op: 'describe', path: PATH },
        { timeoutMs: 2_000 },
      )) as {
        path: string;
      };
      assert.equal(described.path, PATH);
      assert.ok(Date.now() - started < 2_000);
      const outcomes = await Promise.all(flood);
      const answered = outcomes.filter((o) => 'result' in o);
      // Within its reveal budget (bursts of 10 at the default 5 a second) a reveal is answered, not passed on.
      assert.ok(answered.length > 0 && answered.length <= 20, `${answered.length} answered`);
      for (const o of answered) assert.equal((o.result as { fresh: boolean }).fresh, false);
      for (const o of outcomes) if ('error' in o) assert.equal(o.error.code, 'RATE_LIMITED');
      const dropped = (reason: string) =>
        metric(
          routers.mid,
          'weft_router_reveals_dropped_total',
          `weft_router_reveals_dropped_total{reason="${reason}"}`,
        );
      assert.equal(await dropped('unknown-hash-lock'), answered.length);
      assert.ok((await dropped('rate-limited')) > 0, 'the per-client reveal budget refused some');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        { far: await forwardedReveals(routers.far), entry: await forwardedReveals(routers.entry) },
        before,
        'no neighbour received a reveal',
      );
      assert.deepEqual(routers.mid.ttm.recent(), [], 'nothing recorded to replay to a neighbour');
    } finally {
      await attacker.stop();
      await other.stop();
    }
  });
});
