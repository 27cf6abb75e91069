/**
 * What checking the chain's evidence adds to a transfer, end to end (issue 13): the wallet's
 * verified write (submitFiscoWrite / submitFabricWrite: relayed, then the receipt rebuilt from
 * the chain's evidence) against the same signed write relayed with `client.submit` alone (the
 * router's word, what the wallet did before), interleaved in one run, through the wallet's
 * entry router r3 of the local network with its default 1 s blocks.
 *
 * FISCO BCOS seals on a timer, so a write's latency depends on when in the interval it is sent:
 * each write is sent half an interval after the block that sealed the previous one (the time its
 * `submit` returned), for both kinds alike. Fabric's orderer cuts a block one batch timeout after
 * the first transaction, whatever the phase. The phase still varies by a few hundred ms from
 * write to write (the sealer's timer drifts), so the p50s differ by noise as well as by the
 * check; what the check itself adds is also measured within each verified write: from the
 * relay's receipt to the verified receipt. The machine is shared: figures are noisy.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { submitFabricWrite } from '../background/signing/fabric-write.ts';
import { submitFiscoWrite } from '../background/signing/fisco-write.ts';
import type { Hex, TransactionReceipt } from '../p2p/chains/connector.ts';
import { signPreparedTransaction, signProposal } from '../p2p/chains/fabric/offline-signing.ts';
import { encodeCall } from '../p2p/chains/fisco-bcos/abi.ts';
import { assetArtifact } from '../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../p2p/client/light-client.ts';
import type { IssuedIdentity } from '../p2p/devnet/fabric/test-ca.ts';
import { BCOS, FAB, FAB_MERCHANT, FAB_USER, MERCHANT, startTtmChains } from '../test/e2e/ttm-fixture.ts';
import { newChainTrust, newVault, PASSWORD } from '../test/integration/asset-chain/wallet.ts';
import { percentile, report } from './report.ts';

const BLOCK_MS = 1000;
const WRITES = 20;
const abi = assetArtifact.abi as never;

/** The wallet's client, noting when each relay's receipt came back (the block that held it). */
class TimedClient extends LightClient {
  lastReceiptAt = 0;
  override async submit(path: string, signed: Hex, timeoutMs?: number): Promise<TransactionReceipt> {
    const receipt = await super.submit(path, signed, timeoutMs);
    this.lastReceiptAt = performance.now();
    return receipt;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function timed(write: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await write();
  return performance.now() - start;
}

/** A verified write's latency, and how long after the relay's receipt it resolved (the check). */
async function timedCheck(write: () => Promise<unknown>, checks: number[]): Promise<number> {
  const ms = await timed(write);
  checks.push(performance.now() - client.lastReceiptAt);
  return ms;
}

function figures(chain: string, verified: number[], relayed: number[], checks: number[]): void {
  const v = percentile(verified, 50);
  const r = percentile(relayed, 50);
  report({ name: `${chain} transfer, verified (wallet) p50 (n=${verified.length})`, value: v, unit: 'ms' });
  report({ name: `${chain} transfer, relayed only (router's word) p50`, value: r, unit: 'ms' });
  report({ name: `${chain} transfer, verified - relayed only (p50)`, value: v - r, unit: 'ms' });
  report({ name: `${chain} transfer, verified / relayed only (p50)`, value: v / r, unit: 'x' });
  const c = percentile(checks, 50);
  report({ name: `${chain} transfer, relay's receipt -> verified receipt p50`, value: c, unit: 'ms' });
  report({
    name: `${chain} transfer, (relayed only + that check) / relayed only`,
    value: (r + c) / r,
    unit: 'x',
  });
}

const chains = await startTtmChains({ blockIntervalMs: BLOCK_MS });
const client = new TimedClient({ routers: [chains.entry] });
try {
  await client.connect();
  const vault = await newVault();
  const trust = newChainTrust(client);
  const [first] = await vault.accounts();
  if (!first) throw new Error('the vault has no account');
  const account = first.index;
  await chains.fundBcos(first.address, 1_000_000n);
  const to = chains.net.fisco.asset;
  const data = encodeCall(abi, 'transfer', [MERCHANT, 1n]);

  /** The wallet's FISCO BCOS write before issue 13: signed with the router's chain ids, relayed. */
  async function relayFisco(): Promise<void> {
    const info = await client.chainInfo(BCOS);
    if (info.chain.type !== 'fisco-bcos') throw new Error(`${BCOS} is not FISCO BCOS`);
    const fields = transactionFields({
      to,
      data,
      chainId: info.chain.chainId,
      groupId: info.chain.groupId,
      blockLimit: info.blockNumber + 500n,
    });
    const key = vault.privateKey(account);
    const raw = signTransaction(fields, new EcdsaSigner(key)).raw;
    key.fill(0);
    const receipt = await client.submit(BCOS, raw);
    if (receipt.status !== 'success') throw new Error(`relayed transfer failed: ${receipt.status}`);
  }
  async function verifiedFisco(): Promise<void> {
    const receipt = await submitFiscoWrite(client, vault, trust, account, { path: BCOS, to, data, abi });
    if (receipt.status !== 'success') throw new Error(`verified transfer failed: ${receipt.status}`);
  }

  const user1 = chains.net.fabric.peer.identities.user1 as IssuedIdentity;
  const { id: identity } = await vault.importFabricIdentity(PASSWORD, {
    name: 'user1',
    mspId: user1.mspId,
    certificate: await readFile(join(user1.mspDir, 'signcerts', 'cert.pem'), 'utf8'),
    privateKeyPem: await readFile(join(user1.mspDir, 'keystore', 'key.pem'), 'utf8'),
  });
  const transfer = {
    path: FAB,
    channel: chains.net.fabric.channel,
    chaincode: 'asset',
    fn: 'Transfer',
    args: [FAB_USER, FAB_MERCHANT, '1'],
  };
  /** The wallet's Fabric write before issue 13: endorsed, signed, relayed; the router says committed. */
  async function relayFabric(): Promise<void> {
    const signer = vault.fabricSigningIdentity(identity);
    try {
      const proposal = signProposal(signer, transfer);
      const prepared = await client.prepare(FAB, proposal.signed);
      const { signed } = signPreparedTransaction(signer, prepared.unsigned, {
        txId: proposal.txId,
        fn: transfer.fn,
        chaincode: transfer.chaincode,
      });
      await client.submit(FAB, signed);
    } finally {
      signer.privateKey.fill(0);
    }
  }
  const verifiedFabric = () => submitFabricWrite(client, vault, trust, identity, transfer);

  // One of each first: anchors taken on first use, connections warm.
  await verifiedFisco();
  await relayFisco();
  await verifiedFabric();
  await relayFabric();

  // Interleaved, the order swapped every round, so both kinds see the same machine noise.
  const fisco = { verified: [] as number[], relayed: [] as number[], checks: [] as number[] };
  for (let i = 0; i < WRITES; i++) {
    for (const verified of i % 2 === 0 ? [true, false] : [false, true]) {
      await sleep(client.lastReceiptAt + BLOCK_MS / 2 - performance.now());
      if (verified) fisco.verified.push(await timedCheck(verifiedFisco, fisco.checks));
      else fisco.relayed.push(await timed(relayFisco));
    }
  }
  figures('FISCO BCOS', fisco.verified, fisco.relayed, fisco.checks);

  const fabric = { verified: [] as number[], relayed: [] as number[], checks: [] as number[] };
  for (let i = 0; i < WRITES; i++) {
    for (const verified of i % 2 === 0 ? [true, false] : [false, true]) {
      if (verified) fabric.verified.push(await timedCheck(verifiedFabric, fabric.checks));
      else fabric.relayed.push(await timed(relayFabric));
    }
  }
  figures('Fabric', fabric.verified, fabric.relayed, fabric.checks);
} finally {
  await client.stop();
  await chains.stop();
}
