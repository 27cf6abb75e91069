/**
 * The router list a build ships with: parsed and checked at build time, used by a wallet that has
 * saved no list (a fresh install, and after onboarding), replaced by the user's saved list, and back
 * when the user asks for it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WalletEvents } from '../../../background/events.ts';
import {
  chooseRouterList,
  DefaultRoutersError,
  parseDefaultRouters,
} from '../../../background/routers/default-routers.ts';
import { RouterConnection } from '../../../background/routers/router-connection.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';

// Loopback ports nothing listens on: the connection tries them and keeps retrying until stopped.
const R1 = '/ip4/127.0.0.1/tcp/9/ws/p2p/12D3KooWCzb93UzFoLHbqHtpJ3FQKif7oo76f9SaDTT5WhaL9eaK';
const R2 = '/ip4/127.0.0.1/tcp/19/ws/p2p/12D3KooWHF1cQ2fbNGEvB5dcnZTrJTCpHKcRFWnXb1eRsH4zSZYn';
const REMOTE =
  '/dns4/router.example.org/tcp/443/wss/p2p/12D3KooWCzb93UzFoLHbqHtpJ3FQKif7oo76f9SaDTT5WhaL9eaK';
// The user's own router (loopback too: no DNS lookup left pending when the test ends).
const MINE = '/ip4/127.0.0.1/tcp/29/ws/p2p/12D3KooWCzb93UzFoLHbqHtpJ3FQKif7oo76f9SaDTT5WhaL9eaK';

describe('parseDefaultRouters', () => {
  test('unset or blank: no default routers', () => {
    assert.deepEqual(parseDefaultRouters(undefined), []);
    assert.deepEqual(parseDefaultRouters(''), []);
    assert.deepEqual(parseDefaultRouters(' \n, ,\t'), []);
  });

  test('separated by commas, spaces or newlines, in order, duplicates dropped', () => {
    assert.deepEqual(parseDefaultRouters(`${R2}, ${R1}\n${REMOTE} ${R2},`), [R2, R1, REMOTE]);
  });

  test('a bad address fails with every bad address named', () => {
    const plainWsRemote =
      '/ip4/192.0.2.7/tcp/4002/ws/p2p/12D3KooWCzb93UzFoLHbqHtpJ3FQKif7oo76f9SaDTT5WhaL9eaK';
    assert.throws(
      () => parseDefaultRouters(`${R1},${plainWsRemote},ws://127.0.0.1:4106,/ip4/127.0.0.1/tcp/4106/ws`),
      (error: unknown) => {
        assert.ok(error instanceof DefaultRoutersError);
        assert.match(error.message, /^WEFT_DEFAULT_ROUTERS holds 3 bad router addresses/);
        assert.match(error.message, /192\.0\.2\.7.*plain ws:\/\/ is only allowed to a loopback host/);
        assert.match(error.message, /ws:\/\/127\.0\.0\.1:4106 is not a multiaddr/);
        assert.match(
          error.message,
          /\/ip4\/127\.0\.0\.1\/tcp\/4106\/ws must end with \/p2p\/<router peer id>/,
        );
        assert.ok(!error.message.includes(`  ${R1}`), 'the good address is not listed as bad');
        return true;
      },
    );
  });

  test('a TCP (non-WebSocket) router address is refused: a browser cannot dial it', () => {
    assert.throws(
      () =>
        parseDefaultRouters(
          '/ip4/127.0.0.1/tcp/4101/p2p/12D3KooWCzb93UzFoLHbqHtpJ3FQKif7oo76f9SaDTT5WhaL9eaK',
        ),
      /holds a bad router address .*\n.*is not a WebSocket address/,
    );
  });
});

describe('chooseRouterList', () => {
  test('nothing saved: the defaults', () => {
    assert.deepEqual(chooseRouterList(undefined, [R1, R2]), { routers: [R1, R2], source: 'default' });
    assert.deepEqual(chooseRouterList(undefined, []), { routers: [], source: 'default' });
  });

  test('a saved list wins, even an empty one', () => {
    assert.deepEqual(chooseRouterList([REMOTE], [R1, R2]), { routers: [REMOTE], source: 'saved' });
    assert.deepEqual(chooseRouterList([], [R1, R2]), { routers: [], source: 'saved' });
  });
});

describe('RouterConnection with a default list', () => {
  async function connection(storage: MemoryStorageArea, defaults: string[]) {
    const events = new WalletEvents();
    let changes = 0;
    events.on('routers:changed', () => changes++);
    const routers = new RouterConnection(storage as never, events, defaults);
    await routers.start();
    return { routers, changes: () => changes };
  }

  test('a fresh install uses the defaults and connects to them, saving nothing', async (t) => {
    const storage = new MemoryStorageArea();
    const { routers, changes } = await connection(storage, [R1, R2]);
    t.after(() => routers.setRouters([]));
    const status = routers.status();
    assert.deepEqual(status.routers, [R1, R2]);
    assert.equal(status.source, 'default');
    assert.deepEqual(status.defaults, [R1, R2]);
    assert.notEqual(status.state, 'disconnected', 'it dials the defaults');
    assert.ok(routers.client(), 'a light client exists');
    assert.ok(changes() >= 1);
    assert.equal(storage.items.has('routers'), false, 'the defaults are not written as the user’s list');
  });

  test('a saved list wins over the defaults, across restarts', async (t) => {
    const storage = new MemoryStorageArea();
    const first = await connection(storage, [R1, R2]);
    await first.routers.setRouters([MINE]);
    assert.deepEqual(first.routers.status().routers, [MINE]);
    assert.equal(first.routers.status().source, 'saved');
    await first.routers.setRouters([R2]);
    t.after(() => first.routers.setRouters([]));

    const restarted = await connection(storage, [R1, R2]);
    t.after(() => restarted.routers.setRouters([]));
    assert.deepEqual(restarted.routers.status().routers, [R2]);
    assert.equal(restarted.routers.status().source, 'saved');
  });

  test('a saved empty list stays empty after a restart (the user cleared it)', async () => {
    const storage = new MemoryStorageArea();
    await storage.set({ routers: [] });
    const { routers } = await connection(storage, [R1]);
    assert.deepEqual(routers.status().routers, []);
    assert.equal(routers.status().source, 'saved');
    assert.equal(routers.status().state, 'disconnected');
    assert.throws(() => routers.client(), { name: 'NoRoutersError' });
  });

  test('useDefaults forgets the saved list: the defaults apply again, and after a restart', async (t) => {
    const storage = new MemoryStorageArea();
    const { routers } = await connection(storage, [R1]);
    await routers.setRouters([MINE]);
    await routers.useDefaults();
    t.after(() => routers.setRouters([]));
    assert.deepEqual(routers.status().routers, [R1]);
    assert.equal(routers.status().source, 'default');
    assert.equal(storage.items.has('routers'), false);
  });

  test('a build without defaults: nothing configured until the user saves a list', async (t) => {
    const storage = new MemoryStorageArea();
    const { routers } = await connection(storage, []);
    assert.deepEqual(routers.status(), {
      router: null,
      state: 'disconnected',
      routers: [],
      source: 'default',
      defaults: [],
    });
    assert.throws(() => routers.client(), { name: 'NoRoutersError' });
    await routers.setRouters([R1]);
    t.after(() => routers.setRouters([]));
    assert.equal(routers.status().source, 'saved');
    assert.deepEqual(routers.status().routers, [R1]);
  });
});
