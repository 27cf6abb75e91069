/**
 * Standalone simulated FISCO BCOS 2.x node.
 *   node p2p/devnet/fisco-bcos/cli.ts --port 8545 --chain-id 1 --group-id 1 \
 *     --block-interval 1000 --data-dir .weft/fisco
 * Prints one line `devnode listening on <url> ...` when ready; SIGINT/SIGTERM stop it cleanly.
 */
import { parseArgs } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { sm2 } from 'sm-crypto-v2';
import { EcdsaSigner } from '../../chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../../chains/fisco-bcos/rpc-client.ts';
import type { TransactionSigner } from '../../chains/fisco-bcos/signature-scheme.ts';
import { Sm2Signer } from '../../chains/fisco-bcos/sm2.ts';
import { createLogger } from '../../router/log.ts';
import { deployWeftContracts } from './deploy-contracts.ts';
import { startDevnode } from './devnode.ts';

const usage = `usage: node p2p/devnet/fisco-bcos/cli.ts [options]
  --port <n>             JSON-RPC port (default 8545; 0 picks a free one)
  --host <addr>          listen address (default 127.0.0.1)
  --chain-id <n>         chain id transactions must carry (default 1)
  --group-id <n>         group id (default 1)
  --block-interval <ms>  seal pending transactions every <ms> (default 1000; 0 = never)
  --data-dir <dir>       keep blocks, state and sealer keys here (default: in memory)
  --sealers <n>          number of sealers, each with its own key (default 4)
  --sealer-key <hex>     a sealer's private key (repeat for several; overrides --sealers)
  --observers <n>        observer nodes at genesis, each with its own key (default 0)
  --sealers-down <n>     sealers that do not sign, at most f = (N-1)/3 (default 0: all sign;
                         f down: every block carries exactly the PBFT quorum N - f)
  --crypto <ecdsa|sm>    ecdsa (secp256k1, keccak256) or sm (guomi: SM2, SM3) (default ecdsa)
  --committee <address>  account allowed to change sealers through 0x1003 (fixed at genesis;
                         default: the deployer with --deploy, else nobody)
  --max-txs-per-block <n>  (default 1000)
  --deploy               deploy the Asset and KeyValue contracts (once per data dir) and print them
  --deployer-key <hex>   key that deploys them and holds the asset supply (default: a fresh key, printed)
  --help`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8545' },
    host: { type: 'string', default: '127.0.0.1' },
    'chain-id': { type: 'string', default: '1' },
    'group-id': { type: 'string', default: '1' },
    'block-interval': { type: 'string', default: '1000' },
    'data-dir': { type: 'string' },
    sealers: { type: 'string', default: '4' },
    observers: { type: 'string', default: '0' },
    'sealers-down': { type: 'string', default: '0' },
    crypto: { type: 'string', default: 'ecdsa' },
    committee: { type: 'string' },
    'sealer-key': { type: 'string', multiple: true },
    'max-txs-per-block': { type: 'string', default: '1000' },
    deploy: { type: 'boolean', default: false },
    'deployer-key': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}

function integer(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${text}\n${usage}`);
    process.exit(2);
  }
  return n;
}

if (values.crypto !== 'ecdsa' && values.crypto !== 'sm') {
  console.error(`--crypto must be ecdsa or sm, got ${values.crypto}\n${usage}`);
  process.exit(2);
}
const crypto = values.crypto;
if (values.committee !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(values.committee)) {
  console.error(`--committee must be a 20-byte 0x address, got ${values.committee}\n${usage}`);
  process.exit(2);
}
const deployerKey =
  values['deployer-key'] ??
  (crypto === 'sm'
    ? `0x${sm2.generateKeyPairHex().privateKey.padStart(64, '0')}`
    : `0x${bytesToHex(secp256k1.utils.randomSecretKey())}`);
const deployer: TransactionSigner =
  crypto === 'sm' ? new Sm2Signer(deployerKey) : new EcdsaSigner(deployerKey);
const committee = values.committee ?? (values.deploy ? deployer.address : undefined);

const node = await startDevnode({
  port: integer('port', values.port),
  host: values.host,
  chainId: integer('chain-id', values['chain-id']),
  groupId: integer('group-id', values['group-id']),
  blockIntervalMs: integer('block-interval', values['block-interval']),
  sealerCount: integer('sealers', values.sealers),
  observerCount: integer('observers', values.observers),
  sealersDown: integer('sealers-down', values['sealers-down']),
  crypto,
  ...(committee === undefined ? {} : { committee }),
  ...(values['sealer-key'] ? { sealerKeys: values['sealer-key'] } : {}),
  maxTxsPerBlock: integer('max-txs-per-block', values['max-txs-per-block']),
  ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
  onError: (error) => console.error('seal failed:', error),
});

console.log(
  `devnode listening on ${node.url} chainId=${node.chainId} groupId=${node.groupId} ` +
    `blockInterval=${values['block-interval']}ms height=${node.ledger.blockNumber} ` +
    `dataDir=${values['data-dir'] ?? '(memory)'}`,
);
console.log(`sealers: ${node.ledger.sealerList.map((id) => id.slice(0, 16)).join(' ')}`);
if (node.ledger.observerList.length > 0)
  console.log(`observers: ${node.ledger.observerList.map((id) => id.slice(0, 16)).join(' ')}`);
console.log(`crypto ${crypto} committee ${node.ledger.committee ?? '(none)'}`);

if (values.deploy) {
  const key = deployerKey;
  const signer = deployer;
  const client = new FiscoRpcClient({ url: node.url, groupId: node.groupId });
  if (node.ledger.blockNumber === 0n || !values['data-dir']) {
    console.log(`deployer ${signer.address}${values['deployer-key'] ? '' : ` key ${key}`}`);
  }
  const resources = await deployWeftContracts({
    client,
    signer,
    chainId: node.chainId,
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    logger: createLogger('info'),
  });
  for (const r of resources) console.log(`contract ${r.name} ${r.address}`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    node.close().then(
      () => {
        console.log(`devnode stopped (${signal})`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
