/**
 * Standalone devpeer:
 *
 *   node p2p/devnet/fabric/cli.ts --port 7051 --channel mychannel --msp-id Org1MSP \
 *     --block-interval 1000 --block-size 1000 --data-dir .weft/fabric [--host 127.0.0.1] [--user alice ...] [--tls]
 *
 * Prints where the Gateway listens and where the test CA wrote identities, then
 * serves until SIGINT/SIGTERM, when it commits what it accepted and exits.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDevpeer } from './devpeer.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7051' },
    channel: { type: 'string', multiple: true },
    'msp-id': { type: 'string', default: 'Org1MSP' },
    'block-interval': { type: 'string', default: '1000' },
    'block-size': { type: 'string', default: '1000' },
    'data-dir': { type: 'string', default: '.weft/fabric' },
    user: { type: 'string', multiple: true },
    tls: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    'usage: node p2p/devnet/fabric/cli.ts [--host 127.0.0.1] [--port 7051] [--channel mychannel]... [--msp-id Org1MSP]\n' +
      '       [--block-interval 1000] [--block-size 1000] [--data-dir .weft/fabric] [--user NAME]... [--tls]',
  );
  process.exit(0);
}

function positiveInteger(name: string, text: string, allowZero = false): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    console.error(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${text}`);
    process.exit(2);
  }
  return value;
}

const dataDir = resolve(values['data-dir']);
const peer = await startDevpeer({
  dataDir,
  host: values.host,
  port: positiveInteger('port', values.port, true),
  channels: values.channel ?? ['mychannel'],
  mspId: values['msp-id'],
  blockIntervalMs: positiveInteger('block-interval', values['block-interval']),
  maxBlockTxs: positiveInteger('block-size', values['block-size']),
  users: values.user ?? [],
  tls: values.tls,
});

console.log(`devpeer gateway listening on ${peer.address}${values.tls ? ' (TLS)' : ''}`);
if (values.tls)
  console.log(`TLS: ${peer.cryptoDir}/peer0/tls/server.crt, trust ${peer.cryptoDir}/peer0/tls/ca.crt`);
console.log(`channels: ${peer.channels.join(', ')}  msp: ${peer.mspId}  chaincode: asset, records (+ qscc)`);
console.log(`ledger: ${dataDir}/ledgers/<channel>/blocks.bin`);
console.log(`test CA: ${peer.cryptoDir}/ca/ca-cert.pem`);
for (const [name, identity] of Object.entries(peer.identities)) {
  console.log(`identity ${name}: ${identity.mspDir} (signcerts/cert.pem, keystore/key.pem)`);
}

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: committing accepted transactions and stopping`);
  await peer.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
