/**
 * The build's config: WEFT_DEFAULT_ROUTERS becomes `__WEFT_DEFAULT_ROUTERS__` (the list a new wallet
 * uses), and a bad address fails the build before anything is built.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { ConfigEnv, UserConfig } from 'vite';
import viteConfig from '../../../vite.config.ts';

const R3 = '/ip4/127.0.0.1/tcp/4106/ws/p2p/12D3KooWCzb93UzFoLHbqHtpJ3FQKif7oo76f9SaDTT5WhaL9eaK';
const R1 = '/ip4/127.0.0.1/tcp/4102/ws/p2p/12D3KooWHF1cQ2fbNGEvB5dcnZTrJTCpHKcRFWnXb1eRsH4zSZYn';
const env: ConfigEnv = { command: 'build', mode: 'production', isSsrBuild: false, isPreview: false };
const saved = process.env.WEFT_DEFAULT_ROUTERS;

function config(routers: string | undefined, mode = 'production'): UserConfig {
  if (routers === undefined) delete process.env.WEFT_DEFAULT_ROUTERS;
  else process.env.WEFT_DEFAULT_ROUTERS = routers;
  assert.equal(typeof viteConfig, 'function');
  return (viteConfig as (env: ConfigEnv) => UserConfig)({ ...env, mode });
}

/** What the bundle will see: the define's value is source text. */
function defaultRouters(built: UserConfig): unknown {
  const text = built.define?.__WEFT_DEFAULT_ROUTERS__;
  assert.equal(typeof text, 'string');
  return JSON.parse(text as string);
}

describe('vite.config.ts: the default router list', () => {
  afterEach(() => {
    if (saved === undefined) delete process.env.WEFT_DEFAULT_ROUTERS;
    else process.env.WEFT_DEFAULT_ROUTERS = saved;
  });

  test('unset: the build ships no routers', () => {
    assert.deepEqual(defaultRouters(config(undefined)), []);
  });

  test('the listed routers, in order, in the production and the test build', () => {
    assert.deepEqual(defaultRouters(config(`${R3},${R1}`)), [R3, R1]);
    assert.deepEqual(defaultRouters(config(`${R3}\n  ${R1}`, 'test')), [R3, R1]);
  });

  test('a bad address fails the build with a message naming it', () => {
    assert.throws(() => config(`${R3} /ip4/127.0.0.1/tcp/4106/ws`), {
      name: 'DefaultRoutersError',
      message:
        /WEFT_DEFAULT_ROUTERS holds a bad router address .*\n {2}\/ip4\/127\.0\.0\.1\/tcp\/4106\/ws must end with \/p2p\//s,
    });
  });
});
