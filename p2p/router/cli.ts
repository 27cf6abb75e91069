#!/usr/bin/env node
/**
 * weft-router: run a router, print its peer id, or query a running one.
 *
 *   weft-router start     --config router.json [--log-level debug|info|warn|error]
 *   weft-router id        --config router.json          peer id (creates the key on first use)
 *   weft-router profile   --config router.json          the chain profiles of the chains it fronts (JSON)
 *   weft-router status    --admin http://127.0.0.1:9464
 *   weft-router peers     --admin http://127.0.0.1:9464
 *   weft-router resources --admin http://127.0.0.1:9464
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { ChainProfileError, readChainProfiles } from './chain-profiles.ts';
import { loadRouterConfig, RouterConfigError } from './config.ts';
import { createLogger, type LogLevel } from './log.ts';
import { loadOrCreatePeerKey } from './peer-key.ts';
import { startRouter } from './router.ts';

const USAGE = `usage:
  weft-router start     --config router.json [--log-level debug|info|warn|error]
  weft-router id        --config router.json
  weft-router profile   --config router.json
  weft-router status    --admin http://127.0.0.1:PORT
  weft-router peers     --admin http://127.0.0.1:PORT
  weft-router resources --admin http://127.0.0.1:PORT`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string' },
    admin: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean', short: 'h' },
  },
});

const command = positionals[0];
if (values.help || !command) fail(USAGE, values.help ? 0 : 2);

function config() {
  if (!values.config) fail(`${command} needs --config FILE\n${USAGE}`);
  try {
    return loadRouterConfig(values.config);
  } catch (error) {
    if (error instanceof RouterConfigError) fail(error.message);
    throw error;
  }
}

async function query(path: string) {
  if (!values.admin) fail(`${command} needs --admin URL (printed by weft-router start)\n${USAGE}`);
  let response: Response;
  try {
    response = await fetch(new URL(path, values.admin));
  } catch (error) {
    fail(`cannot reach the router at ${values.admin}: ${(error as Error).message}`, 1);
  }
  if (!response.ok) fail(`router answered ${response.status}: ${await response.text()}`, 1);
  console.log(JSON.stringify(await response.json(), null, 2));
}

switch (command) {
  case 'start': {
    const level = values['log-level'] as LogLevel;
    if (!['debug', 'info', 'warn', 'error'].includes(level))
      fail(`--log-level must be debug, info, warn or error`);
    const router = await startRouter({ config: config(), logger: createLogger(level) });
    console.log(`peer id  ${router.peerId}`);
    for (const address of router.addresses()) console.log(`listen   ${address}`);
    if (router.adminUrl) console.log(`admin    ${router.adminUrl}  (/metrics /status /peers /resources)`);
    const stop = async () => {
      await router.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    break;
  }
  case 'id': {
    const { dataDir } = config();
    const key = await loadOrCreatePeerKey(dataDir);
    console.log(peerIdFromPrivateKey(key).toString());
    console.error(`(key: ${join(dataDir, 'peer.key')})`);
    break;
  }
  case 'profile': {
    try {
      console.log(JSON.stringify(await readChainProfiles(config()), null, 2));
    } catch (error) {
      if (error instanceof ChainProfileError) fail(error.message, 1);
      throw error;
    }
    // A gRPC channel may linger a moment after close: the answer is out, leave now.
    process.exit(0);
    break;
  }
  case 'status':
  case 'peers':
  case 'resources':
    await query(`/${command}`);
    break;
  default:
    fail(`unknown command ${command}\n${USAGE}`);
}
