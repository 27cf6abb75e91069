import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ClientLimits,
  cappedHops,
  cappedTimeout,
  withCappedWait,
} from '../../../p2p/router/client-limits.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';

const takes = (take: () => boolean, n: number) => Array.from({ length: n }, take).filter(Boolean).length;

describe('client limits', () => {
  test("a request's hop budget is never more than the router's limit", () => {
    assert.equal(cappedHops(64, 8), 8);
    assert.equal(cappedHops(3, 8), 3);
    assert.equal(cappedHops(0, 8), 0);
    assert.equal(cappedHops(undefined, 8), 8);
  });

  test("a request's timeout is never more than the router's maximum", () => {
    assert.equal(cappedTimeout(600_000, 30_000, 120_000), 120_000);
    assert.equal(cappedTimeout(5_000, 30_000, 120_000), 5_000);
    assert.equal(cappedTimeout(undefined, 30_000, 120_000), 30_000);
    assert.equal(cappedTimeout(undefined, 30_000, 1_000), 1_000);
  });

  test("a submit's receipt wait is capped; other bodies and shorter waits are left as they are", () => {
    const submit = { op: 'submit', path: 'a.b.c', signed: '0x00' } as const;
    assert.deepEqual(withCappedWait({ ...submit, timeoutMs: 3_600_000 }, 120_000), {
      ...submit,
      timeoutMs: 120_000,
    });
    const short = { ...submit, timeoutMs: 10 };
    assert.equal(withCappedWait(short, 120_000), short);
    assert.equal(withCappedWait(submit, 120_000), submit);
    const call = { op: 'call' as const, path: 'a.b.c', method: 'm', args: [] };
    assert.equal(withCappedWait(call, 1), call);
  });

  test('reveals have a budget per client, apart from requests, and a client that leaves starts afresh', () => {
    const limits = new ClientLimits({ clientRequestsPerSecond: 100, clientRevealsPerSecond: 2 });
    // Bursts of twice the rate: 4 reveals, then none until tokens refill.
    assert.equal(
      takes(() => limits.takeReveal('a'), 50),
      4,
    );
    assert.equal(
      takes(() => limits.takeReveal('b'), 50),
      4,
      'another client has its own',
    );
    assert.equal(
      takes(() => limits.takeRequest('a'), 50),
      50,
      'requests are counted apart',
    );
    limits.forget('a');
    assert.equal(
      takes(() => limits.takeReveal('a'), 50),
      4,
    );
  });

  test('defaults: 5 reveals a second per client, timeouts capped at 2 minutes', () => {
    const config = parseRouterConfig({ zone: 'z', dataDir: '/tmp/x', listen: ['/ip4/127.0.0.1/tcp/0'] });
    assert.equal(config.limits.clientRevealsPerSecond, 5);
    assert.equal(config.limits.maxTimeoutMs, 120_000);
  });
});
