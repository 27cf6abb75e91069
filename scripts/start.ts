/**
 * The main job: starts the local network (simulated FISCO BCOS chain and Fabric peer,
 * three routers in two zones, see p2p/devnet/local-network.ts), builds the extension with
 * its routers as the wallet's default list (so a new wallet connects with nothing pasted) and
 * the demo dapp's bundle (demo/build/, with the SDK), serves the demo dapp on loopback and
 * prints what to open. State lives in .weft/local and survives a restart, router keys
 * included: with the same ports the addresses stay the same, so an extension loaded earlier
 * still reaches them. Ctrl-C stops everything.
 * Usage: node scripts/start.ts [--port 8080] [--base-port 4100] [--data-dir .weft/local]
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeCall } from '../p2p/chains/fisco-bcos/abi.ts';
import { assetArtifact } from '../p2p/chains/fisco-bcos/contracts/index.ts';
import { signTransaction, transactionFields } from '../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../p2p/client/light-client.ts';
import { startLocalNetwork } from '../p2p/devnet/local-network.ts';
import { createLogger } from '../p2p/router/log.ts';
import { buildExtension } from './build-extension.ts';
import { type DemoServer, startDemoServer } from './demo-server.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.WEFT_DEMO_PORT ?? '8080' },
    'base-port': { type: 'string', default: process.env.WEFT_BASE_PORT ?? '4100' },
    'data-dir': { type: 'string', default: join(root, '.weft', 'local') },
  },
});

function portOption(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`--${name} must be a TCP port number, got ${value}`);
    process.exit(2);
  }
  return n;
}
const port = portOption('port', values.port);
const basePort = portOption('base-port', values['base-port']);
const dataDir = resolve(values['data-dir'] as string);
// WEFT_OUT_DIR as vite.config.ts reads it: another folder than dist/ (the Firefox build beside it).
const outDir = resolve(root, process.env.WEFT_OUT_DIR ?? 'dist');
const firefoxDir = `${outDir}-firefox`;

console.log('weft: starting the local network (FISCO BCOS devnode, Fabric devpeer, 3 routers)…');
let network: Awaited<ReturnType<typeof startLocalNetwork>>;
try {
  network = await startLocalNetwork({ dataDir, basePort, logger: createLogger('warn') });
} catch (error) {
  console.error(`weft: the local network did not start: ${(error as Error).message}`);
  console.error(`(a port in use? try --base-port N; a broken state? remove ${dataDir})`);
  process.exit(1);
}

// r3 first: it fronts no chain, so the wallet's reads go through the network (r3 -> r2 -> r1);
// the others follow as fallbacks and as second opinions on chain trust anchors.
const defaultRouters = ['r3', 'r2', 'r1'].map(
  (name) => network.routers.find((r) => r.name === name)?.wsAddress as string,
);
console.log(
  "weft: building the extension with the local network's routers as its default list, and the demo dapp…",
);
try {
  await Promise.all([buildExtension({ defaultRouters, outDir }), buildDemo()]);
} catch (error) {
  console.error(`weft: ${(error as Error).message}`);
  await network.stop();
  process.exit(1);
}

// The demo's faucet: 1000 units of payment.bcos.asset from the deployer, relayed by r1.
const faucetClient = new LightClient({ routers: [network.routers[0]?.wsAddress as string] });
const faucet = async (address: string) => {
  const info = await faucetClient.chainInfo('payment.bcos.asset');
  const fields = transactionFields({
    to: network.fisco.asset,
    data: encodeCall(assetArtifact.abi as never, 'transfer', [address, 1000n]),
    chainId: network.fisco.chainId,
    groupId: network.fisco.groupId,
    blockLimit: info.blockNumber + 500n,
  });
  const receipt = await faucetClient.submit(
    'payment.bcos.asset',
    signTransaction(fields, network.fisco.deployer).raw,
  );
  if (receipt.status !== 'success')
    throw new Error(`the faucet's transfer reverted (${receipt.chainStatus})`);
};

let demo: DemoServer;
try {
  demo = await startDemoServer(port, faucet);
} catch (error) {
  console.error(`weft: cannot serve the demo on 127.0.0.1:${port}: ${(error as Error).message} (try --port)`);
  await network.stop();
  process.exit(1);
}

const routers = network.routers
  .map((r) => `  ${r.name} (zone ${r.zone}): ${r.wsAddress}\n      fronts: ${frontedBy(r.router.peerId)}`)
  .join('\n');
console.log(`
Weft local network is up.

Routers (the extension below is built with these WebSocket addresses as its default list,
r3 first: a new wallet connects to them by itself, nothing to paste; edit them in the popup
under Routers):
${routers}

Chains:
  FISCO BCOS devnode  ${network.fisco.node.url}  chainId ${network.fisco.chainId} groupId ${network.fisco.groupId}
                      Asset ${network.fisco.asset}, KeyValue ${network.fisco.kv}, Records ${network.fisco.records}
                      4 sealers (committee: the deployer ${network.fisco.deployer.address})
  Fabric devpeer      ${network.fabric.peer.peers.map((p) => `${p.mspId} ${p.address}`).join(', ')}  channel ${network.fabric.channel}
                      orderer OrdererMSP; endorsement policy: both organisations
                      test CAs and identities: ${network.fabric.peer.peers.map((p) => p.cryptoDir).join(', ')}
  State:              ${dataDir} (kept across restarts)

  Demo dapp:        ${demo.url}
  Extension build:  ${outDir}          (Chromium, Chrome, Edge)
                    ${firefoxDir}  (Firefox)

Load the extension:
  Chromium/Chrome:  chrome://extensions -> Developer mode -> Load unpacked -> ${outDir}
  Firefox:          about:debugging#/runtime/this-firefox -> Load Temporary Add-on -> ${join(firefoxDir, 'manifest.json')}
  (Already loaded? Press its reload button: the build changed.)
Then, in the popup, create or import a wallet: it connects to the routers above by itself.
Open the demo dapp. Ctrl-C stops everything.
`);

/** The demo dapp's bundle (demo/vite.config.ts: demo/dapp.ts with the SDK, into demo/build/). */
function buildDemo(): Promise<void> {
  const vite = join(root, 'node_modules', '.bin', 'vite');
  const config = join(root, 'demo', 'vite.config.ts');
  return new Promise((done, fail) => {
    const child = spawn(vite, ['build', '-c', config], { cwd: root, stdio: 'inherit' });
    child.once('error', (error) => fail(new Error(`cannot run vite for the demo: ${error.message}`)));
    child.once('exit', (code, signal) =>
      code === 0 ? done() : fail(new Error(`the demo's build failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}

function frontedBy(peerId: string): string {
  const paths = network.routers[0]?.router.directory
    .entries()
    .filter((e) => e.router === peerId)
    .map((e) => e.path);
  return paths && paths.length > 0
    ? paths.join(', ')
    : '(no chain: reaches the others through its neighbours)';
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('weft: stopping…');
  await demo.close();
  await faucetClient.stop();
  await network.stop();
  process.exit(0);
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
