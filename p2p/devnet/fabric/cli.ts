/**
 * Standalone devpeer (the two-organisation network: Org1's and Org2's peers and the orderer):
 *
 *   node p2p/devnet/fabric/cli.ts --port 7051 --org2-port 9051 --channel mychannel --msp-id Org1MSP \
 *     --block-interval 1000 --block-size 1000 --data-dir .weft/fabric [--host 127.0.0.1] [--user alice ...] [--tls]
 *
 * Prints where each peer's Gateway listens and where the test CAs wrote identities,
 * then serves until SIGINT/SIGTERM, when it commits what the orderer accepted and exits.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Devpeer, LegacyDevpeerDataError, startDevpeer } from './devpeer.ts';
import { describePolicy } from './endorsement-policy.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7051' },
    // Default 9051 (the Fabric test network's peer0.org2), or a free port when --port is 0.
    'org2-port': { type: 'string' },
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
    'usage: node p2p/devnet/fabric/cli.ts [--host 127.0.0.1] [--port 7051] [--org2-port 9051] [--channel mychannel]... [--msp-id Org1MSP]\n' +
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
let peer: Devpeer;
try {
  peer = await startDevpeer({
    dataDir,
    host: values.host,
    port: positiveInteger('port', values.port, true),
    org2Port: positiveInteger('org2-port', values['org2-port'] ?? (values.port === '0' ? '0' : '9051'), true),
    channels: values.channel ?? ['mychannel'],
    mspId: values['msp-id'],
    blockIntervalMs: positiveInteger('block-interval', values['block-interval']),
    maxBlockTxs: positiveInteger('block-size', values['block-size']),
    users: values.user ?? [],
    tls: values.tls,
  });
} catch (error) {
  if (!(error instanceof LegacyDevpeerDataError)) throw error;
  console.error(error.message);
  process.exit(1);
}

// The first line is what scripts and the benchmark wait for: Org1's gateway.
console.log(`devpeer gateway listening on ${peer.address}${values.tls ? ' (TLS)' : ''}`);
for (const node of peer.peers) {
  console.log(`peer ${node.name} (${node.mspId}): gateway ${node.address}`);
  if (values.tls)
    console.log(`  TLS: ${node.cryptoDir}/peer0/tls/server.crt, trust ${node.cryptoDir}/peer0/tls/ca.crt`);
  console.log(`  ledger: ${dataDir}/peers/${node.name}/ledgers/<channel>/blocks.bin`);
  console.log(`  test CA: ${node.cryptoDir}/ca/ca-cert.pem`);
  for (const [name, identity] of Object.entries(node.identities)) {
    console.log(`  identity ${name}: ${identity.mspDir} (signcerts/cert.pem, keystore/key.pem)`);
  }
}
console.log(`orderer (OrdererMSP, Solo): ${peer.ordererIdentity.mspDir}`);
const policies = ['asset', 'records'].map((name) => {
  const policy = peer.policyOf(name);
  return `${name} ${policy ? describePolicy(policy) : '(none)'}`;
});
console.log(`channels: ${peer.channels.join(', ')}  chaincode: ${policies.join(', ')} (+ qscc)`);

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
