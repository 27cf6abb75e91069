/**
 * Grant figures (issue 8, "Benchmarks"):
 *
 * 1. Grant check at a router (GrantVerifier: schema, issuer signature, scope, window, proof of
 *    possession, replay, revocation from the router's cache): a repeat read of a known grant,
 *    which is what a router does per read, and the first read of a new grant. Budget < 1 ms.
 * 2. A granted read end to end (light client -> router -> Records contract, which checks again)
 *    against the owner's own read of the same record, on the local network's FISCO BCOS chain.
 * 3. Revocation to rejection: from the revocation's receipt at the wallet to the first read the
 *    router refuses as revoked, in block intervals (goal: within one).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCall } from '../p2p/chains/fisco-bcos/abi.ts';
import { recordsArtifact } from '../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../p2p/client/light-client.ts';
import { startLocalNetwork, waitForDirectory } from '../p2p/devnet/local-network.ts';
import {
  type Grant,
  type GrantedRead,
  grantId,
  type Hex,
  readDigest,
  signDigest,
} from '../p2p/grants/typed-data.ts';
import { GrantVerifier } from '../p2p/grants/verify.ts';
import { HipError } from '../p2p/protocol/errors.ts';
import { percentile, report } from './report.ts';

const BLOCK_MS = 1000;
const random32 = () => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}` as Hex;
const now = () => Math.floor(Date.now() / 1000);

const ownerKey = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}` as Hex;
const issuer = new EcdsaSigner(ownerKey);
const audienceKey = random32();
const audience = new EcdsaSigner(audienceKey);

function newGrant(resource: string): { grant: Grant; signature: Hex } {
  const grant: Grant = {
    issuer: issuer.address,
    audienceOrigin: 'http://127.0.0.1:8080',
    audienceKey: audience.address,
    resource,
    records: ['kyc'],
    fields: ['name', 'country'],
    actions: ['read'],
    notBefore: now() - 60,
    expiry: now() + 3600,
    nonce: random32(),
  };
  return { grant, signature: signDigest(grantId(grant), ownerKey) };
}

function prove(grant: Grant): { read: GrantedRead; signature: Hex } {
  const read: GrantedRead = { grant: grantId(grant), record: 'kyc', nonce: random32(), issuedAt: now() };
  return { read, signature: signDigest(readDigest(read), audienceKey) };
}

// 1. The check alone.
{
  const verifier = new GrantVerifier({ isRevoked: async () => false });
  const signed = newGrant('payment.bcos.records');
  const repeat: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const proof = prove(signed.grant);
    const t = performance.now();
    await verifier.verify('payment.bcos.records', signed, proof);
    repeat.push(performance.now() - t);
  }
  const first: number[] = [];
  for (let i = 0; i < 200; i++) {
    const fresh = newGrant('payment.bcos.records');
    const proof = prove(fresh.grant);
    const t = performance.now();
    await new GrantVerifier({ isRevoked: async () => false }).verify('payment.bcos.records', fresh, proof);
    first.push(performance.now() - t);
  }
  report({
    name: 'grants: router check, known grant p50',
    value: percentile(repeat.slice(200), 50),
    unit: 'ms',
    budget: 1,
  });
  report({
    name: 'grants: router check, known grant p99',
    value: percentile(repeat.slice(200), 99),
    unit: 'ms',
  });
  report({
    name: 'grants: router check, first read of a grant p50',
    value: percentile(first, 50),
    unit: 'ms',
  });
}

// 2 and 3 on the local network.
const dir = await mkdtemp(join(tmpdir(), 'weft-bench-grants-'));
const net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: BLOCK_MS });
const client = new LightClient({ routers: [net.routers[0]?.wsAddress as string] });
try {
  await waitForDirectory(
    net.routers.map((r) => r.router),
    4,
  );
  const path = 'payment.bcos.records';
  const records = recordsArtifact.abi as never;
  async function send(signer: EcdsaSigner, method: string, args: unknown[]) {
    const info = await client.chainInfo(path);
    const described = await client.describe(path);
    const fields = transactionFields({
      to: described.address,
      data: encodeCall(records, method, args),
      chainId: net.fisco.chainId,
      groupId: net.fisco.groupId,
      blockLimit: info.blockNumber + 500n,
    });
    return client.submit(path, signTransaction(fields, signer).raw);
  }
  await send(issuer, 'put', ['kyc', ['name', 'country', 'score'], ['Ada', 'UK', '812']]);

  const READS = 300;
  const ownerReads: number[] = [];
  const grantedReads: number[] = [];
  const signed = newGrant(path);
  for (let i = 0; i < READS; i++) {
    let t = performance.now();
    await client.call({ path, method: 'get', args: ['kyc'], from: issuer.address });
    ownerReads.push(performance.now() - t);
    const proof = prove(signed.grant);
    t = performance.now();
    await client.readGranted(path, signed, proof);
    grantedReads.push(performance.now() - t);
  }
  const owner50 = percentile(ownerReads.slice(20), 50);
  const granted50 = percentile(grantedReads.slice(20), 50);
  report({ name: "grants: owner's read p50 (client->router->chain)", value: owner50, unit: 'ms' });
  report({ name: 'grants: granted read p50 (same path, checked twice)', value: granted50, unit: 'ms' });
  report({ name: 'grants: granted read / owner read (p50)', value: granted50 / owner50, unit: 'x' });

  // 3. Revoke, then read until the router itself refuses (the chain refuses from the commit on).
  const RUNS = 3;
  const atChain: number[] = [];
  const atRouter: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const target = newGrant(path);
    await client.readGranted(path, target, prove(target.grant)); // the router now watches this grant
    await send(issuer, 'revoke', [grantId(target.grant)]);
    const committed = performance.now();
    let first: number | undefined;
    for (;;) {
      try {
        await client.readGranted(path, target, prove(target.grant));
      } catch (error) {
        if (!(error instanceof HipError)) throw error;
        first ??= performance.now() - committed;
        if (error.details.reason === 'revoked') break;
        if (error.code !== 'CHAIN_REVERTED') throw error;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    atChain.push(first as number);
    atRouter.push(performance.now() - committed);
  }
  report({
    name: 'grants: revocation receipt -> first refused read, worst',
    value: Math.max(...atChain),
    unit: 'ms',
  });
  report({
    name: 'grants: revocation receipt -> refused at the router, worst',
    value: Math.max(...atRouter) / BLOCK_MS,
    unit: 'blocks',
    budget: 1,
  });
} finally {
  await client.stop();
  await net.stop();
  await rm(dir, { recursive: true, force: true });
}
