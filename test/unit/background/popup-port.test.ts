/**
 * What open popups hear instead of polling: the whole status when a port opens, then the parts
 * each event changed, read once per burst for every popup, never older than what came before.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Runtime } from 'webextension-polyfill';
import { WalletEvents } from '../../../background/events.ts';
import type { StatusPart, WalletStatus } from '../../../background/popup-api.ts';
import { type PopupPortMessage, PopupPorts } from '../../../background/popup-port.ts';

/**
 * A runtime.Port that records what the worker posts; `close()` is the popup going away, `send()`
 * the popup posting. `windowId`: the window of the tab the browser says the popup is in.
 */
function fakePort(windowId?: number) {
  const posted: PopupPortMessage[] = [];
  const onDisconnect: (() => void)[] = [];
  const onMessage: ((message: unknown) => void)[] = [];
  const port = {
    name: 'weft-popup',
    sender: windowId === undefined ? {} : { tab: { id: 1, windowId } },
    postMessage: (message: PopupPortMessage) => posted.push(structuredClone(message)),
    onDisconnect: { addListener: (listener: () => void) => onDisconnect.push(listener) },
    onMessage: { addListener: (listener: (message: unknown) => void) => onMessage.push(listener) },
    disconnect: () => {},
  } as unknown as Runtime.Port;
  const close = () => {
    for (const listener of onDisconnect) listener();
  };
  const send = (message: unknown) => {
    for (const listener of onMessage) listener(structuredClone(message));
  };
  return { port, posted, close, send };
}

/** A status whose parts are counters the test moves; every read is recorded. */
function wallet(ready: Promise<unknown> = Promise.resolve()) {
  const state = { approvals: 0, sessions: 0 };
  const reads: StatusPart[][] = [];
  const snapshot = () =>
    ({ approvals: state.approvals, sessions: state.sessions }) as unknown as WalletStatus;
  const popups = new PopupPorts({
    readAll: async () => {
      reads.push(['all' as StatusPart]);
      return snapshot();
    },
    read: async (parts) => {
      reads.push(parts);
      const now = snapshot();
      return Object.fromEntries(parts.map((p) => [p, now[p]]));
    },
    ready,
  });
  const events = new WalletEvents();
  popups.follow(events, { 'approvals:added': ['approvals'], 'sessions:changed': ['sessions'] });
  return { popups, events, state, reads };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('PopupPorts', () => {
  test('a new port gets the whole status, then only the parts events changed', async () => {
    const { popups, events, state } = wallet();
    const { port, posted } = fakePort();
    popups.add(port);
    await settled();
    assert.deepEqual(posted, [{ status: { approvals: 0, sessions: 0 } }]);
    state.approvals = 1;
    events.emit('approvals:added', { id: 'a' });
    await settled();
    assert.deepEqual(posted.at(-1), { changed: { approvals: 1 } });
    state.sessions = 1;
    events.emit('sessions:changed', { origin: 'https://a.example', session: null });
    await settled();
    assert.deepEqual(posted.at(-1), { changed: { sessions: 1 } });
    assert.equal(posted.length, 3);
  });

  test('a burst of events costs one read, sent to every open popup', async () => {
    const { popups, events, state, reads } = wallet();
    const a = fakePort();
    const b = fakePort();
    popups.add(a.port);
    popups.add(b.port);
    await settled();
    reads.length = 0;
    for (let i = 1; i <= 5; i++) {
      state.approvals = i;
      events.emit('approvals:added', { id: String(i) });
    }
    events.emit('sessions:changed', { origin: 'https://a.example', session: null });
    await settled();
    assert.deepEqual(reads, [['approvals', 'sessions']]);
    for (const { posted } of [a, b])
      assert.deepEqual(posted.at(-1), { changed: { approvals: 5, sessions: 0 } });
  });

  test('nothing is read before the worker is ready, and a change never overtakes the whole status', async () => {
    let ready: () => void = () => {};
    const { popups, events, state, reads } = wallet(new Promise<void>((resolve) => (ready = resolve)));
    const { port, posted } = fakePort();
    popups.add(port);
    state.approvals = 1;
    events.emit('approvals:added', { id: 'a' });
    await settled();
    assert.deepEqual(reads, []);
    assert.deepEqual(posted, []);
    ready();
    await settled();
    assert.deepEqual(posted[0], { status: { approvals: 1, sessions: 0 } });
    assert.ok(posted.every((m, i) => i === 0 || 'changed' in m));
  });

  test('a closed popup gets nothing more; with none open, events read nothing', async () => {
    const { popups, events, reads } = wallet();
    const { port, posted, close } = fakePort();
    popups.add(port);
    await settled();
    close();
    reads.length = 0;
    events.emit('approvals:added', { id: 'a' });
    await settled();
    assert.equal(posted.length, 1);
    assert.deepEqual(reads, []);
  });

  test('a failed read reaches the popup as an error', async () => {
    const popups = new PopupPorts({
      readAll: async () => {
        throw new Error('storage unavailable');
      },
      read: async () => ({}),
      ready: Promise.resolve(),
    });
    const { port, posted } = fakePort();
    popups.add(port);
    await settled();
    assert.deepEqual(posted, [{ error: 'storage unavailable', name: 'Error' }]);
  });

  test('the approvals a popup says it shows reach the worker with the window the browser names', () => {
    const shown: [number, readonly string[]][] = [];
    const popups = new PopupPorts({
      readAll: async () => ({}) as WalletStatus,
      read: async () => ({}),
      ready: Promise.resolve(),
      shown: (windowId, ids) => shown.push([windowId, ids]),
    });
    const inWindow = fakePort(42);
    popups.add(inWindow.port);
    inWindow.send({ shown: 'approvals', ids: ['a', 'b'] });
    // Malformed: not the message, ids not strings, too many to be a queue.
    inWindow.send({ shown: 'balances', ids: ['a'] });
    inWindow.send({ shown: 'approvals', ids: [1] });
    inWindow.send({ shown: 'approvals', ids: 'a' });
    inWindow.send({ shown: 'approvals', ids: Array.from({ length: 1001 }, (_, i) => String(i)) });
    inWindow.send(null);
    // A popup in no tab (the toolbar's) has no window whose closing rejects anything.
    const toolbar = fakePort();
    popups.add(toolbar.port);
    toolbar.send({ shown: 'approvals', ids: ['c'] });
    assert.deepEqual(shown, [[42, ['a', 'b']]]);
  });
});
