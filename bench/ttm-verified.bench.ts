/**
 * 2PC over two chains with verification (issue 13; DESIGN.md: at most 2.2 block intervals),
 * driven in Node by the wallet's own coordinator code: driveTransaction over real AssetChains
 * (every prepare and commit a write whose receipt is rebuilt from the chain's evidence), one
 * FISCO BCOS leg and one Fabric leg, through the wallet's entry router r3 of the local network
 * with its default 1 s blocks. Measured from the driver's start to `committed`. ttm.bench.ts
 * gives the same figure through the built extension; this one leaves out the browser, so the
 * two together tell the chains' part from the extension's. The machine is shared: figures are noisy.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type AssetChain, assetChain } from '../background/ttm/asset-chain.ts';
import type { DriveContext } from '../background/ttm/drive-context.ts';
import { driveTransaction } from '../background/ttm/drive-transaction.ts';
import { DEFAULT_TIMEOUT_S, LEG_STAGGER_S } from '../background/ttm/timing.ts';
import type { Hex, TransactionRecord } from '../background/ttm/types.ts';
import { LightClient } from '../p2p/client/light-client.ts';
import type { IssuedIdentity } from '../p2p/devnet/fabric/test-ca.ts';
import { BCOS, FAB, FAB_MERCHANT, FAB_USER, MERCHANT, startTtmChains } from '../test/e2e/ttm-fixture.ts';
import { newChainTrust, newVault, PASSWORD } from '../test/integration/asset-chain/wallet.ts';
import { percentile, report } from './report.ts';

const BLOCK_MS = 1000;
const TRANSACTIONS = 10;

const hex = (bytes: Uint8Array) => `0x${bytesToHex(bytes)}` as Hex;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

const chains = await startTtmChains({ blockIntervalMs: BLOCK_MS });
const client = new LightClient({ routers: [chains.entry] });
try {
  await client.connect();
  const vault = await newVault();
  const trust = newChainTrust(client);
  const [first] = await vault.accounts();
  if (!first) throw new Error('the vault has no account');
  await chains.fundBcos(first.address, 1_000_000n);
  const user1 = chains.net.fabric.peer.identities.user1 as IssuedIdentity;
  const { id: fabricIdentity } = await vault.importFabricIdentity(PASSWORD, {
    name: 'user1',
    mspId: user1.mspId,
    certificate: await readFile(join(user1.mspDir, 'signcerts', 'cert.pem'), 'utf8'),
    privateKeyPem: await readFile(join(user1.mspDir, 'keystore', 'key.pem'), 'utf8'),
  });
  const signer = { account: first.index, fabricIdentity };
  const assets = new Map<string, AssetChain>();
  for (const path of [BCOS, FAB]) {
    assets.set(path, assetChain({ client, vault, trust, entry: await client.describe(path), signer }));
  }

  async function transaction(): Promise<number> {
    const secret = hex(randomBytes(32));
    const now = Math.floor(Date.now() / 1000);
    const record: TransactionRecord = {
      kind: 'transaction',
      id: hex(randomBytes(32)),
      origin: 'https://bench.example',
      createdAt: Date.now(),
      updatedAt: Date.now(),
      hashLock: hex(sha256(Buffer.from(secret.slice(2), 'hex'))),
      signer,
      timeline: [],
      state: 'preparing',
      steps: [
        { path: BCOS, chain: 'fisco-bcos', from: first?.address as string, to: MERCHANT, amount: '1' },
        { path: FAB, chain: 'fabric', from: FAB_USER, to: FAB_MERCHANT, amount: '1' },
      ],
      legs: [
        { path: BCOS, chain: 'fisco-bcos', steps: [0], deadline: now + DEFAULT_TIMEOUT_S, state: 'pending' },
        {
          path: FAB,
          chain: 'fabric',
          steps: [1],
          deadline: now + DEFAULT_TIMEOUT_S + LEG_STAGGER_S,
          state: 'pending',
        },
      ],
    };
    // What the coordinator gives the driver, minus the log in IndexedDB (not what is measured).
    const context: DriveContext = {
      chain: async (path) => assets.get(path) as AssetChain,
      save: async () => {},
      openSecret: async () => secret,
      sealSecret: async () => {},
      watch: () => ({ next: sleep, close() {} }),
      stopped: () => false,
      now: () => Date.now(),
      sleep,
    };
    const start = performance.now();
    await driveTransaction(record, context);
    const ms = performance.now() - start;
    if (record.state !== 'committed') throw new Error(`transaction ended ${record.state}: ${record.reason}`);
    return ms;
  }

  await transaction(); // warms up: anchors taken on first use, connections open
  const latencies: number[] = [];
  for (let i = 0; i < TRANSACTIONS; i++) latencies.push(await transaction());
  const p50 = percentile(latencies, 50);
  report({
    name: `2PC in Node, wallet code, start to committed p50 (n=${TRANSACTIONS})`,
    value: p50,
    unit: 'ms',
  });
  report({ name: '2PC in Node, max', value: Math.max(...latencies), unit: 'ms' });
  report({
    name: `2PC in Node with verification, p50 in block intervals, goal 2.2`,
    value: p50 / BLOCK_MS,
    unit: 'blocks',
    budget: 2.2,
  });
} finally {
  await client.stop();
  await chains.stop();
}
