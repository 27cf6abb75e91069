/**
 * Subscriptions alone: one upstream per path, shared by every subscriber (wallet streams, relays,
 * the router's own watchers), started by the first and stopped after the last leaves.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { streamPair } from '@libp2p/utils';
import type { ChainConnector, ResourceEventRecord } from '../../../p2p/chains/connector.ts';
import { Channel } from '../../../p2p/protocol/channel.ts';
import type { EventFrame, RequestBody } from '../../../p2p/protocol/messages.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { createRouterMetrics, type RouterMetrics } from '../../../p2p/router/metrics.ts';
import { openOrigin } from '../../../p2p/router/origin.ts';
import {
  createSubscriptions,
  MAX_SUBSCRIPTIONS_PER_STREAM,
  type Subscriptions,
  type UpstreamSource,
} from '../../../p2p/router/subscriptions.ts';
import { until } from './memory-net.ts';

const PATH = 'z.x.r';

/** A chain whose events the test emits; counts the event streams (upstream polls) opened and still open. */
class EventChain {
  opened = 0;
  open = 0;
  readonly #streams = new Set<{ push(event: ResourceEventRecord): void; fail(error: Error): void }>();

  emit(n: number) {
    const event: ResourceEventRecord = {
      address: '0x01',
      data: '0x',
      blockNumber: BigInt(n),
      txId: `0x${n}`,
    };
    for (const stream of this.#streams) stream.push(event);
  }

  /** Every open event stream throws, as a connector's does when its node goes away. */
  break() {
    for (const stream of this.#streams) stream.fail(new Error('node gone'));
  }

  get connector(): ChainConnector {
    return {
      chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
      events: (_path: string, options?: { signal?: AbortSignal }) => this.#events(options?.signal),
    } as unknown as ChainConnector;
  }

  async *#events(signal?: AbortSignal): AsyncGenerator<ResourceEventRecord> {
    this.opened++;
    this.open++;
    const queue: ResourceEventRecord[] = [];
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const stream = {
      push(event: ResourceEventRecord) {
        queue.push(event);
        wake?.();
      },
      fail(error: Error) {
        failure = error;
        wake?.();
      },
    };
    const onAbort = () => wake?.();
    this.#streams.add(stream);
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        const next = queue.shift();
        if (next) yield next;
        else if (failure) throw failure;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.#streams.delete(stream);
      signal?.removeEventListener('abort', onAbort);
      this.open--;
    }
  }
}

/** A subscriber's stream: the router's origin for it, and the event frames its wallet end received. */
async function subscriber(subscriptions: Subscriptions) {
  const [routerEnd, walletEnd] = await streamPair();
  const received: EventFrame[] = [];
  const wallet = new Channel(walletEnd, 1 << 20, { onEvent: (frame) => received.push(frame) });
  const origin = openOrigin({
    stream: routerEnd,
    peer: 'wallet',
    protocol: 'client',
    maxMessageBytes: 1 << 20,
    onRequest: async () => null,
    onClose: (o) => subscriptions.closeOrigin(o),
  });
  return { origin, wallet, received };
}

function setup(locate: (path: string) => UpstreamSource | undefined = () => undefined) {
  const metrics = createRouterMetrics();
  const subscriptions = createSubscriptions({ log: createLogger('silent'), metrics, locate, retryMs: 20 });
  subscriptions.start();
  return { subscriptions, metrics };
}

async function upstreamGauge(metrics: RouterMetrics, kind: 'local' | 'relayed'): Promise<number> {
  const text = await metrics.registry.getSingleMetricAsString('weft_router_upstream_subscriptions');
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`weft_router_upstream_subscriptions{kind="${kind}"}`));
  return Number(line?.split(' ').pop() ?? Number.NaN);
}

describe('subscriptions', () => {
  test('100 subscribers to one path share one upstream poll, each gets every event, and it stops after the last leaves', async () => {
    const chain = new EventChain();
    const { subscriptions, metrics } = setup();
    const local = { kind: 'local', connector: chain.connector } as const;
    const subscribers = await Promise.all(Array.from({ length: 100 }, () => subscriber(subscriptions)));
    const ids = await Promise.all(subscribers.map((s) => subscriptions.subscribe(s.origin, PATH, local)));
    assert.equal(new Set(ids.map((i) => i.subscription)).size, 100, 'each its own id');
    assert.equal(chain.opened, 1, 'one poll of the chain');
    assert.equal(await upstreamGauge(metrics, 'local'), 1);
    await until(() => chain.open === 1, 'the poll to run');
    for (const n of [1, 2, 3]) chain.emit(n);
    await until(() => subscribers.every((s) => s.received.length === 3), 'every subscriber to get 3 events');
    for (const [i, s] of subscribers.entries()) {
      assert.deepEqual(
        s.received.map((f) => [f.subscription, f.event.path, f.event.txId]),
        ['0x1', '0x2', '0x3'].map((tx) => [ids[i]?.subscription, PATH, tx]),
      );
    }
    // Half unsubscribe, the other half's streams close: the upstream runs until the very last goes.
    for (const [i, s] of subscribers.slice(0, 50).entries())
      subscriptions.unsubscribe(s.origin, ids[i]?.subscription as string);
    for (const s of subscribers.slice(50, 99)) s.wallet.close();
    await until(
      () => subscribers.slice(50, 99).every((s) => s.origin.channel.closed),
      'the streams to close',
    );
    assert.equal(chain.open, 1, 'one subscriber left: the poll goes on');
    chain.emit(4);
    await until(() => subscribers[99]?.received.length === 4, 'the last subscriber to get event 4');
    subscribers[99]?.wallet.close();
    await until(() => chain.open === 0, 'the poll to stop with the last subscriber');
    assert.equal(await upstreamGauge(metrics, 'local'), 0);
    assert.equal(chain.opened, 1);
  });

  test("the router's own watchers share the wallets' upstream", async () => {
    const chain = new EventChain();
    const { subscriptions } = setup();
    const wallet = await subscriber(subscriptions);
    await subscriptions.subscribe(wallet.origin, PATH, { kind: 'local', connector: chain.connector });
    const watching = new AbortController();
    const seen: ResourceEventRecord[] = [];
    const watcher = (async () => {
      for await (const event of subscriptions.events(chain.connector, PATH, { signal: watching.signal }))
        seen.push(event);
    })();
    await until(() => subscriptions.upstreams()[0]?.subscribers === 2, 'the watcher to join');
    chain.emit(7);
    await until(() => seen.length === 1 && wallet.received.length === 1, 'both to get the event');
    assert.equal(chain.opened, 1);
    assert.equal(
      (seen[0] as { path?: string }).path,
      undefined,
      'a watcher gets the record as a connector gives it',
    );
    wallet.wallet.close();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(chain.open, 1, 'the watcher still follows');
    watching.abort();
    await watcher;
    assert.equal(chain.open, 0);
  });

  test('relayed: one subscription at the next hop for every subscriber; it is unsubscribed after the last leaves', async () => {
    const { subscriptions, metrics } = setup();
    const sent: RequestBody[] = [];
    const channel = {
      request: async (body: RequestBody) => {
        sent.push(body);
        return { ok: true };
      },
    } as unknown as Channel;
    let opened = 0;
    const source: UpstreamSource = {
      kind: 'relayed',
      nextHop: 'hop',
      subscribe: async () => {
        opened++;
        await new Promise((r) => setTimeout(r, 10)); // everyone arrives while the next hop answers
        return { result: { subscription: 'r9' }, channel };
      },
    };
    const subscribers = await Promise.all(Array.from({ length: 5 }, () => subscriber(subscriptions)));
    await Promise.all(subscribers.map((s) => subscriptions.subscribe(s.origin, PATH, source)));
    assert.equal(opened, 1);
    assert.equal(await upstreamGauge(metrics, 'relayed'), 1);
    const event = { path: PATH, address: '0x01', data: '0x', blockNumber: 5n, txId: '0x5' } as const;
    subscriptions.deliver('hop', { type: 'event', subscription: 'r9', event });
    subscriptions.deliver('other', { type: 'event', subscription: 'r9', event }); // not ours: ignored
    await until(() => subscribers.every((s) => s.received.length === 1), 'every subscriber to get the event');
    for (const s of subscribers) s.wallet.close();
    await until(() => sent.length === 1, 'the unsubscribe at the next hop');
    assert.deepEqual(sent, [{ op: 'unsubscribe', subscription: 'r9' }]);
    assert.equal(await upstreamGauge(metrics, 'relayed'), 0);
  });

  test("an upstream that ends is rejoined by the route there is then; a failing first subscribe is the caller's error", async () => {
    const chain = new EventChain();
    const { subscriptions } = setup(() => ({ kind: 'local', connector: chain.connector }));
    const wallet = await subscriber(subscriptions);
    await assert.rejects(
      subscriptions.subscribe(wallet.origin, PATH, {
        kind: 'relayed',
        nextHop: 'hop',
        subscribe: () => Promise.reject(new Error('no route there')),
      }),
      /no route there/,
    );
    assert.equal(wallet.origin.subscriptions.size, 0);
    await subscriptions.subscribe(wallet.origin, PATH, { kind: 'local', connector: chain.connector });
    await until(() => chain.open === 1, 'the poll');
    chain.break();
    await until(() => chain.opened === 2 && chain.open === 1, 'a new poll after the failure');
    chain.emit(9);
    await until(() => wallet.received.length === 1, 'the event after the rejoin');
    await subscriptions.stop();
    await until(() => chain.open === 0, 'stop to end the poll');
    wallet.wallet.close();
  });

  test(`at most ${MAX_SUBSCRIPTIONS_PER_STREAM} subscriptions per stream`, async () => {
    const chain = new EventChain();
    const { subscriptions } = setup();
    const a = await subscriber(subscriptions);
    const local = { kind: 'local', connector: chain.connector } as const;
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_STREAM; i++)
      await subscriptions.subscribe(a.origin, PATH, local);
    await assert.rejects(subscriptions.subscribe(a.origin, PATH, local), /at most/);
    assert.equal(chain.opened, 1);
    await subscriptions.stop();
    await until(() => chain.open === 0, 'stop to end the poll');
    a.wallet.close();
  });
});
