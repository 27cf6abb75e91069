/**
 * The wallet's failover policy on its own (p2p/client/failover.ts): which failures move a request
 * to another router, how long a router is demoted and in which order routers are tried, bounded
 * waits, and two-path sends where a duplicate answer on one path is not a failure.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EvidenceRefusedError } from '../../../background/trust/verification.ts';
import {
  AttemptTimeoutError,
  DEMOTE_MS,
  type FailureKind,
  failureKind,
  RouterHealth,
  tryInTurn,
} from '../../../p2p/client/failover.ts';
import { HipError, HipErrorCode } from '../../../p2p/protocol/errors.ts';

const hip = (code: (typeof HipErrorCode)[keyof typeof HipErrorCode]) => new HipError(code, code);
const never = () => new Promise<never>(() => {});

describe('failureKind', () => {
  test('a stall, a drop and a busy router are failures another router may not share', () => {
    assert.equal(failureKind(hip(HipErrorCode.timeout)), 'stall');
    assert.equal(failureKind(hip(HipErrorCode.unreachable)), 'down');
    assert.equal(failureKind(hip(HipErrorCode.rateLimited)), 'busy');
    assert.equal(failureKind(hip(HipErrorCode.chainUnavailable)), 'busy');
    assert.equal(failureKind(hip(HipErrorCode.unknownResource)), 'absent');
  });

  test('evidence that does not verify is a lie; none at all is absent; a verified "no" is definitive', () => {
    assert.equal(failureKind(new EvidenceRefusedError('a.b.c', 'forged')), 'lie');
    assert.equal(failureKind(new EvidenceRefusedError('a.b.c', 'no receipt', 'absent')), 'absent');
    assert.equal(failureKind(new EvidenceRefusedError('a.b.c', 'MVCC_READ_CONFLICT', null)), null);
  });

  test("the chain's answers and the wallet's own errors are definitive", () => {
    assert.equal(failureKind(hip(HipErrorCode.chainReverted)), null);
    assert.equal(failureKind(hip(HipErrorCode.chainRejected)), null);
    assert.equal(failureKind(hip(HipErrorCode.badRequest)), null);
    assert.equal(failureKind(new Error('the vault is locked')), null);
  });
});

describe('RouterHealth', () => {
  test('a demoted router goes last until its demotion runs out, then is back in its place', () => {
    let now = 1_000;
    const health = new RouterHealth({ now: () => now });
    health.demote('A', 'stall', 'no answer within 5000 ms');
    assert.deepEqual(
      health.order(['A', 'B', 'C'], (r) => r),
      ['B', 'C', 'A'],
    );
    assert.equal(health.demotion('A')?.reason, 'no answer within 5000 ms');
    now += DEMOTE_MS.stall - 1;
    assert.ok(health.isDemoted('A'));
    now += 1;
    assert.ok(!health.isDemoted('A'));
    assert.deepEqual(
      health.order(['A', 'B', 'C'], (r) => r),
      ['A', 'B', 'C'],
    );
  });

  test('demoted routers are a last resort, the one coming back first first', () => {
    let now = 0;
    const health = new RouterHealth({ now: () => now });
    health.demote('A', 'lie', 'forged receipt');
    now = 10;
    health.demote('B', 'down', 'closed');
    assert.deepEqual(
      health.order(['A', 'B', 'C'], (r) => r),
      ['C', 'B', 'A'],
    );
  });

  test('a lighter failure never shortens a lie; an answer used clears a drop but not a lie', () => {
    let now = 0;
    const health = new RouterHealth({ now: () => now });
    health.demote('A', 'lie', 'forged receipt');
    now = 5;
    health.demote('A', 'down', 'closed');
    assert.equal(health.demotion('A')?.kind, 'lie');
    assert.equal(health.demotion('A')?.until, DEMOTE_MS.lie);
    health.succeeded('A');
    assert.ok(health.isDemoted('A'));
    health.demote('B', 'down', 'closed');
    health.succeeded('B');
    assert.ok(!health.isDemoted('B'));
  });

  test('absence demotes nobody; changes are announced', () => {
    let changes = 0;
    const health = new RouterHealth({ onChange: () => changes++ });
    health.demote('A', 'absent', 'no evidence');
    assert.equal(health.list().length, 0);
    assert.equal(changes, 0);
    health.demote('A', 'stall', 'slow');
    assert.equal(changes, 1);
    assert.deepEqual(
      health.list().map((d) => [d.router, d.kind]),
      [['A', 'stall']],
    );
  });
});

/** Routers as functions of their name, and what each was asked. */
function routers(behaviour: Record<string, () => Promise<string>>) {
  const asked: string[] = [];
  const failures: [string, FailureKind][] = [];
  return {
    asked,
    failures,
    run: (name: string) => {
      asked.push(name);
      return (behaviour[name] as () => Promise<string>)();
    },
    onFailure: (name: string, kind: FailureKind) => failures.push([name, kind]),
  };
}

describe('tryInTurn', () => {
  test('a lie moves on to the next router, which answers; the liar is reported', async () => {
    const r = routers({
      A: async () => {
        throw new EvidenceRefusedError('a.b.c', 'the receipt does not fold to its root');
      },
      B: async () => 'verified',
      C: async () => 'never asked',
    });
    assert.equal(await tryInTurn(['A', 'B', 'C'], r.run, { onFailure: r.onFailure }), 'verified');
    assert.deepEqual(r.asked, ['A', 'B']);
    assert.deepEqual(r.failures, [['A', 'lie']]);
  });

  test('a definitive answer ends it at once: no other router is asked', async () => {
    const r = routers({
      A: async () => {
        throw hip(HipErrorCode.chainRejected);
      },
      B: async () => 'unreached',
    });
    await assert.rejects(tryInTurn(['A', 'B'], r.run, { onFailure: r.onFailure }), {
      code: 'CHAIN_REJECTED',
    });
    assert.deepEqual(r.asked, ['A']);
    assert.deepEqual(r.failures, []);
  });

  test('a stalled router is given up on after the bounded wait, not the 30 s default', async () => {
    const r = routers({ A: never, B: async () => 'answered' });
    const started = Date.now();
    assert.equal(
      await tryInTurn(['A', 'B'], r.run, { attemptTimeoutMs: 150, onFailure: r.onFailure }),
      'answered',
    );
    const took = Date.now() - started;
    assert.ok(took >= 140 && took < 1_000, `took ${took} ms`);
    assert.deepEqual(r.failures, [['A', 'stall']]);
  });

  test('when every router fails, the lie is what the caller sees (over a stall or a drop)', async () => {
    const lie = new EvidenceRefusedError('a.b.c', 'forged');
    const r = routers({
      A: async () => {
        throw hip(HipErrorCode.unreachable);
      },
      B: async () => {
        throw lie;
      },
      C: never,
    });
    await assert.rejects(
      tryInTurn(['A', 'B', 'C'], r.run, { attemptTimeoutMs: 50, onFailure: r.onFailure }),
      (e) => e === lie,
    );
    assert.deepEqual(r.failures, [
      ['A', 'down'],
      ['B', 'lie'],
      ['C', 'stall'],
    ]);
    await assert.rejects(tryInTurn([], r.run), { code: 'UNREACHABLE' });
    await assert.rejects(
      tryInTurn(['C'], r.run, { attemptTimeoutMs: 20 }),
      (e) => e instanceof AttemptTimeoutError,
    );
  });

  test('two paths at once: the first success wins while the other still stalls', async () => {
    const r = routers({ A: never, B: async () => 'landed via B', C: async () => 'unreached' });
    const started = Date.now();
    assert.equal(await tryInTurn(['A', 'B', 'C'], r.run, { fanout: 2 }), 'landed via B');
    assert.ok(Date.now() - started < 500);
    assert.deepEqual(r.asked, ['A', 'B'], 'both sent at once, the third not needed');
  });

  test('two paths: a duplicate refusal on one path does not hide the other path’s success', async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = routers({
      // The duplicate comes back first; the copy that landed is verified a moment later.
      A: async () => {
        await slow;
        return 'committed via A';
      },
      B: async () => {
        setTimeout(release, 30);
        throw new HipError(HipErrorCode.chainReverted, 'DUPLICATE_TXID', { chainCode: 'DUPLICATE_TXID' });
      },
    });
    assert.equal(
      await tryInTurn(['A', 'B'], r.run, { fanout: 2, onFailure: r.onFailure }),
      'committed via A',
    );
    assert.deepEqual(r.failures, [], 'a definitive answer on one path demotes nobody');
  });

  test('two paths: when one path fails, the next router takes its place', async () => {
    const r = routers({
      A: async () => {
        throw hip(HipErrorCode.unreachable);
      },
      B: never,
      C: async () => 'landed via C',
    });
    assert.equal(
      await tryInTurn(['A', 'B', 'C'], r.run, { fanout: 2, onFailure: r.onFailure }),
      'landed via C',
    );
    assert.deepEqual(r.asked, ['A', 'B', 'C']);
  });

  test('two paths, both refused for good: the refusal, once both settled', async () => {
    const r = routers({
      A: async () => {
        throw hip(HipErrorCode.chainReverted);
      },
      B: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw hip(HipErrorCode.chainReverted);
      },
      C: async () => 'unreached',
    });
    await assert.rejects(tryInTurn(['A', 'B', 'C'], r.run, { fanout: 2 }), { code: 'CHAIN_REVERTED' });
    assert.deepEqual(r.asked, ['A', 'B']);
  });
});
