/** Subscriptions alone: a fake chain's events reach each subscriber's stream until it leaves. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { streamPair } from '@libp2p/utils';
import type { ChainConnector, ResourceEventRecord } from '../../../p2p/chains/connector.ts';
import { Channel } from '../../../p2p/protocol/channel.ts';
import type { EventFrame } from '../../../p2p/protocol/messages.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { type Origin, openOrigin } from '../../../p2p/router/origin.ts';
import { createSubscriptions, MAX_SUBSCRIPTIONS_PER_STREAM } from '../../../p2p/router/subscriptions.ts';
import { until } from './memory-net.ts';

const PATH = 'z.x.r';

/** A chain whose events the test emits; counts the event streams opened and still open. */
class EventChain {
  opened = 0;
  open = 0;
  readonly #listeners = new Set<(event: ResourceEventRecord) => void>();

  emit(n: number) {
    const event: ResourceEventRecord = {
      address: '0x01',
      data: '0x',
      blockNumber: BigInt(n),
      txId: `0x${n}`,
    };
    for (const listener of this.#listeners) listener(event);
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
    let wake: (() => void) | null = null;
    const listener = (event: ResourceEventRecord) => {
      queue.push(event);
      wake?.();
    };
    const onAbort = () => wake?.();
    this.#listeners.add(listener);
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        const next = queue.shift();
        if (next) yield next;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.#listeners.delete(listener);
      signal?.removeEventListener('abort', onAbort);
      this.open--;
    }
  }
}

/** A subscriber: the router's origin for it, and the events its own end of the stream received. */
async function subscriber(onClose: (origin: Origin) => void) {
  const [routerEnd, walletEnd] = await streamPair();
  const received: EventFrame[] = [];
  const wallet = new Channel(walletEnd, 1 << 20, { onEvent: (frame) => received.push(frame) });
  const origin = openOrigin({
    stream: routerEnd,
    peer: 'wallet',
    protocol: 'client',
    maxMessageBytes: 1 << 20,
    onRequest: async () => null,
    onClose,
  });
  return { origin, wallet, received };
}

describe('subscriptions', () => {
  test("each subscriber gets the path's events under its own id until it unsubscribes or its stream closes", async () => {
    const chain = new EventChain();
    const subscriptions = createSubscriptions({ log: createLogger('silent') });
    const a = await subscriber((o) => subscriptions.closeOrigin(o));
    const b = await subscriber((o) => subscriptions.closeOrigin(o));
    const sa = subscriptions.local(a.origin, chain.connector, PATH).subscription;
    const sb = subscriptions.local(b.origin, chain.connector, PATH).subscription;
    assert.notEqual(sa, sb);
    await until(() => chain.open === chain.opened && chain.opened > 0, 'the event streams to open');
    chain.emit(1);
    await until(() => a.received.length === 1 && b.received.length === 1, 'both to get event 1');
    assert.deepEqual(
      [a.received[0]?.subscription, a.received[0]?.event.path, a.received[0]?.event.txId],
      [sa, PATH, '0x1'],
    );
    assert.equal(b.received[0]?.subscription, sb);
    assert.deepEqual(subscriptions.unsubscribe(a.origin, sa), { ok: true });
    b.wallet.close();
    await until(() => chain.open === 0, 'every event stream to end');
    chain.emit(2);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(a.received.length, 1);
    assert.equal(b.received.length, 1);
    assert.throws(() => subscriptions.unsubscribe(a.origin, sa), /no subscription/);
  });

  test(`at most ${MAX_SUBSCRIPTIONS_PER_STREAM} subscriptions per stream`, async () => {
    const chain = new EventChain();
    const subscriptions = createSubscriptions({ log: createLogger('silent') });
    const a = await subscriber((o) => subscriptions.closeOrigin(o));
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_STREAM; i++)
      subscriptions.local(a.origin, chain.connector, PATH);
    assert.throws(() => subscriptions.local(a.origin, chain.connector, PATH), /at most/);
    await subscriptions.stop();
    await until(() => chain.open === 0, 'stop to end every event stream');
    a.wallet.close();
  });
});
