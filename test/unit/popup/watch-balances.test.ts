/**
 * Balances are read while some popup shows them: each popup says so on its port, and the worker
 * hears how many do, down to zero when the last one stops showing them or closes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Runtime } from 'webextension-polyfill';
import type { WalletStatus } from '../../../background/popup-api.ts';
import { KEEPALIVE, PopupPorts } from '../../../background/popup-port.ts';

function fakePort() {
  const onMessage: ((message: unknown) => void)[] = [];
  const onDisconnect: (() => void)[] = [];
  const port = {
    name: 'weft-popup',
    postMessage: () => {},
    onDisconnect: { addListener: (listener: () => void) => onDisconnect.push(listener) },
    onMessage: { addListener: (listener: (message: unknown) => void) => onMessage.push(listener) },
    disconnect: () => {},
  } as unknown as Runtime.Port;
  return {
    port,
    send: (message: unknown) => {
      for (const listener of onMessage) listener(message);
    },
    close: () => {
      for (const listener of onDisconnect) listener();
    },
  };
}

test('the worker hears how many popups show the balances', () => {
  const counts: number[] = [];
  const popups = new PopupPorts({
    readAll: async () => ({}) as WalletStatus,
    read: async () => ({}),
    ready: Promise.resolve(),
    watching: (count) => counts.push(count),
  });
  const home = fakePort();
  const other = fakePort();
  popups.add(home.port);
  popups.add(other.port);
  home.send(KEEPALIVE);
  home.send({ watch: 'balances', on: true });
  home.send({ watch: 'balances', on: true });
  other.send({ watch: 'balances', on: true });
  // Not a watch message: ignored.
  other.send({ watch: 'secrets', on: false });
  assert.deepEqual(counts, [1, 2]);
  other.send({ watch: 'balances', on: false });
  home.close();
  assert.deepEqual(counts, [1, 2, 1, 0]);
  // A closed port's late message counts for nothing.
  home.send({ watch: 'balances', on: true });
  assert.deepEqual(counts, [1, 2, 1, 0]);
});
