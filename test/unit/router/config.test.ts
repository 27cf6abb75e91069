import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRouterConfig, parseRouterConfig, RouterConfigError } from '../../../p2p/router/config.ts';

const valid = {
  zone: 'payment',
  dataDir: 'state',
  listen: ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002/ws'],
  chains: [
    {
      type: 'fisco-bcos',
      name: 'bcos',
      rpcUrl: 'http://127.0.0.1:8545',
      chainId: 1,
      groupId: 1,
      resources: [{ name: 'asset', address: `0x${'ab'.repeat(20)}`, abi: 'Asset' }],
    },
  ],
};

function issuesOf(input: unknown): string[] {
  try {
    parseRouterConfig(input, '/base');
  } catch (error) {
    assert.ok(error instanceof RouterConfigError);
    return error.issues;
  }
  assert.fail('expected the config to be refused');
}

test('a valid config gets defaults and absolute paths', () => {
  const config = parseRouterConfig(valid, '/base');
  assert.equal(config.dataDir, '/base/state');
  assert.equal(config.limits.maxMessageBytes, 1024 * 1024);
  assert.equal(config.limits.hopLimit, 8);
  assert.equal(config.limits.idleStreamMs, 30_000);
  assert.deepEqual(
    [
      config.limits.maxConnectionsPerIp,
      config.limits.maxConnectionsPerPeer,
      config.limits.maxHandshakesPerIp,
    ],
    [256, 4, 32],
  );
  assert.deepEqual(config.admin, { host: '127.0.0.1', port: 0 });
  assert.deepEqual(config.members, []);
  assert.deepEqual(config.zones, {}, 'no zone binding unless the operators configure one');
});

test('zones binds each zone to peer ids, and errors name the bad entry', () => {
  const id = '12D3KooWLRPJAA5o6Db7aUpxyZRJ4ftHTC4DBtCuqn2Jc1uKKHtc';
  assert.deepEqual(parseRouterConfig({ ...valid, zones: { payment: [id] } }, '/base').zones, {
    payment: [id],
  });
  assert.match(
    issuesOf({ ...valid, zones: { payment: ['nope'] } })[0] ?? '',
    /^zones\.payment\[0\]: must be a libp2p peer id/,
  );
  assert.match(issuesOf({ ...valid, zones: { payment: [] } })[0] ?? '', /^zones\.payment: /);
  assert.match(issuesOf({ ...valid, zones: { 'no space': [id] } })[0] ?? '', /^zones/);
});

test('errors name the bad key', () => {
  const bad = structuredClone(valid) as Record<string, unknown> & { chains: Record<string, unknown>[] };
  (bad.chains[0]?.resources as Record<string, unknown>[])[0] = {
    name: 'asset',
    address: '0x12',
    abi: 'Asset',
  };
  assert.deepEqual(issuesOf(bad), ['chains[0].resources[0].address: must be a 20-byte hex address']);
  assert.match(issuesOf({ ...valid, zone: 'has space' })[0] ?? '', /^zone: /);
  assert.match(
    issuesOf({ ...valid, listen: ['localhost:4001'] })[0] ?? '',
    /^listen\[0\]: must be a multiaddr/,
  );
  assert.match(issuesOf({ ...valid, members: ['nope'] })[0] ?? '', /^members\[0\]: must be a libp2p peer id/);
  assert.match(issuesOf({ ...valid, colour: 'blue' })[0] ?? '', /colour/);
  assert.match(issuesOf({ ...valid, limits: { hopLimit: 0 } })[0] ?? '', /^limits\.hopLimit: /);
  assert.match(
    issuesOf({ ...valid, announce: ['/ip4/10.0.0.1/tcp/4001'] })[0] ?? '',
    /^announce\[0\]: must be a WebSocket multiaddr/,
  );
  assert.deepEqual(parseRouterConfig({ ...valid, announce: ['/dns4/r.example.org/tcp/443/wss'] }).announce, [
    '/dns4/r.example.org/tcp/443/wss',
  ]);
  const { zone: _zone, ...noZone } = valid;
  assert.match(issuesOf(noZone)[0] ?? '', /^zone: /);
});

test('two chains with one name are refused', () => {
  const chain = valid.chains[0];
  assert.deepEqual(issuesOf({ ...valid, chains: [chain, chain] }), ['chains: two chains are named bcos']);
});

test('loading names the file and says when it is not JSON', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-config-'));
  const file = join(dir, 'router.json');
  await writeFile(file, '{ "zone": ');
  assert.throws(
    () => loadRouterConfig(file),
    (error: Error) => error.message.includes(file) && /not JSON/.test(error.message),
  );
  assert.throws(() => loadRouterConfig(join(dir, 'missing.json')), /cannot read/);
  await writeFile(file, JSON.stringify(valid));
  assert.equal(loadRouterConfig(file).dataDir, join(dir, 'state'));
});
