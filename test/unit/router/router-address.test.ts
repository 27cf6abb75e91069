import assert from 'node:assert/strict';
import { test } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import {
  denyInsecureDial,
  parseRouterAddress,
  RouterAddressError,
} from '../../../p2p/client/router-address.ts';

const peer = '12D3KooWCzb93UzFoLHbqHtpJ3FQKif7oo76f9SaDTT5WhaL9eaK';

test('loopback ws:// and any wss:// are allowed', () => {
  assert.ok(parseRouterAddress(`/ip4/127.0.0.1/tcp/4002/ws/p2p/${peer}`));
  assert.ok(parseRouterAddress(`/ip6/::1/tcp/4002/ws/p2p/${peer}`));
  assert.ok(parseRouterAddress(`/dns4/router.example.org/tcp/443/wss/p2p/${peer}`));
});

test('plain ws:// to another host, non-WebSocket transports and addresses without a peer id are refused', () => {
  for (const bad of [
    `/ip4/10.0.0.5/tcp/4002/ws/p2p/${peer}`,
    `/dns4/router.example.org/tcp/80/ws/p2p/${peer}`,
    `/ip4/127.0.0.1/tcp/4001/p2p/${peer}`,
    '/ip4/127.0.0.1/tcp/4002/ws',
    'not a multiaddr',
  ]) {
    assert.throws(() => parseRouterAddress(bad), RouterAddressError, bad);
  }
});

test('the connection gater refuses insecure dials to anything but loopback', () => {
  assert.equal(denyInsecureDial(multiaddr('/ip4/127.0.0.1/tcp/1/ws')), false);
  assert.equal(denyInsecureDial(multiaddr('/ip4/192.0.2.1/tcp/1/ws')), true);
  assert.equal(denyInsecureDial(multiaddr('/ip4/192.0.2.1/tcp/443/wss')), false);
});
