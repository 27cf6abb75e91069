/**
 * The worker's event emitter: typed events, listeners in order, one failing listener (thrown or
 * rejected) reported and isolated from the others and from the emitter, `off`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventEmitter, WalletEvents } from '../../../background/events.ts';

interface TestEvents {
  ping: { n: number };
  tick: undefined;
}

function emitter() {
  const errors: { error: unknown; event: string }[] = [];
  const events = new EventEmitter<TestEvents>((error, event) => errors.push({ error, event }));
  return { events, errors };
}

describe('EventEmitter', () => {
  test('calls each listener of the event, in the order they subscribed, with what it carries', () => {
    const { events } = emitter();
    const heard: string[] = [];
    events.on('ping', ({ n }) => heard.push(`a${n}`));
    events.on('ping', ({ n }) => heard.push(`b${n}`));
    events.on('tick', () => heard.push('tick'));
    events.emit('ping', { n: 1 });
    events.emit('tick');
    assert.deepEqual(heard, ['a1', 'b1', 'tick']);
  });

  test('a listener that throws is reported; the others still run and emit returns', () => {
    const { events, errors } = emitter();
    const heard: number[] = [];
    const failure = new Error('listener bug');
    events.on('ping', () => {
      throw failure;
    });
    events.on('ping', ({ n }) => heard.push(n));
    assert.doesNotThrow(() => events.emit('ping', { n: 7 }));
    assert.deepEqual(heard, [7]);
    assert.deepEqual(errors, [{ error: failure, event: 'ping' }]);
  });

  test('a listener whose promise rejects is reported too, never an unhandled rejection', async () => {
    const { events, errors } = emitter();
    const failure = new Error('async listener bug');
    let after = false;
    events.on('tick', async () => {
      throw failure;
    });
    events.on('tick', () => {
      after = true;
    });
    events.emit('tick');
    assert.equal(after, true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(errors, [{ error: failure, event: 'tick' }]);
  });

  test('off unsubscribes that listener only; one added during an emit hears the next', () => {
    const { events } = emitter();
    const heard: string[] = [];
    const a = () => heard.push('a');
    const late = () => heard.push('late');
    events.on('tick', a);
    events.on('tick', () => {
      heard.push('b');
      events.on('tick', late);
    });
    events.emit('tick');
    assert.deepEqual(heard, ['a', 'b']);
    events.off('tick', a);
    heard.length = 0;
    events.emit('tick');
    assert.deepEqual(heard, ['b', 'late']);
  });

  test('an event with no listener is nothing', () => {
    const { events, errors } = emitter();
    events.emit('ping', { n: 1 });
    assert.deepEqual(errors, []);
  });

  test('the compiler checks names and payloads', () => {
    const events = new WalletEvents(() => {});
    events.on('sessions:changed', ({ origin, session }) => [origin.length, session?.address]);
    events.emit('vault:locked');
    events.emit('routers:link', { connected: true });
    // @ts-expect-error: an event that carries data needs it
    events.emit('routers:link');
    // @ts-expect-error: and only what its type says
    events.emit('routers:link', { connected: 'yes' });
    // @ts-expect-error: an event that carries nothing takes nothing
    events.emit('vault:locked', {});
    // @ts-expect-error: no such event
    events.emit('vault:opened');
    // @ts-expect-error: a listener gets that event's payload
    events.on('approvals:added', ({ origin }: { origin: string }) => origin);
  });
});
