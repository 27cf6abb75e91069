/** Where a router's adverts say wallets can dial it: announced, or its WebSocket listen addresses, always ending in its own peer id. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import { AnnounceAddressError, dialableAddresses } from '../../../p2p/router/local-resources.ts';

const self = '12D3KooWLRPJAA5o6Db7aUpxyZRJ4ftHTC4DBtCuqn2Jc1uKKHtc';
const other = '12D3KooWCzb93UzFoLHbqHtpJ3FQKif7oo76f9SaDTT5WhaL9eaK';

test('by default, the WebSocket addresses it listens on, with its peer id', () => {
  const listening = [
    multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${self}`),
    multiaddr(`/ip4/127.0.0.1/tcp/4002/ws/p2p/${self}`),
    multiaddr('/ip4/10.0.0.5/tcp/4002/ws'),
  ];
  assert.deepEqual(dialableAddresses(undefined, listening, self), [
    `/ip4/127.0.0.1/tcp/4002/ws/p2p/${self}`,
    `/ip4/10.0.0.5/tcp/4002/ws/p2p/${self}`,
  ]);
});

test('announced addresses replace them; one naming another router is refused', () => {
  const listening = [multiaddr(`/ip4/127.0.0.1/tcp/4002/ws/p2p/${self}`)];
  assert.deepEqual(dialableAddresses(['/dns4/router.example.org/tcp/443/wss'], listening, self), [
    `/dns4/router.example.org/tcp/443/wss/p2p/${self}`,
  ]);
  assert.deepEqual(dialableAddresses([`/dns4/r.example/tcp/443/wss/p2p/${self}`], [], self), [
    `/dns4/r.example/tcp/443/wss/p2p/${self}`,
  ]);
  assert.throws(
    () => dialableAddresses([`/dns4/r.example/tcp/443/wss/p2p/${other}`], [], self),
    AnnounceAddressError,
  );
});
