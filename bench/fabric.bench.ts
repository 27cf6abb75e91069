/**
 * Fabric through the real @hyperledger/fabric-gateway client against the devpeer
 * (real chaincode under fabric-shim, 1 s blocks): evaluate latency, and the
 * submit-to-commit throughput of asset transfers (goal: >= 500 committed/s).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, StatusCode } from '@hyperledger/fabric-gateway';
import { loadIdentityFromMspDir } from '../p2p/chains/fabric/identity-files.ts';
import { newGatewaySigning } from '../p2p/chains/fabric/node-signer.ts';
import { percentile, report } from './report.ts';

const BLOCK_INTERVAL_MS = 1000;
const CLOCK_TICKS_PER_S = 100;

/** CPU seconds used so far by a process and by its children (Linux /proc; zeros elsewhere). */
function cpuSeconds(pid: number): { own: number; children: number } {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const own = Number(fields[11]) + Number(fields[12]);
    const children = readdirSync('/proc')
      .filter((entry) => /^[0-9]+$/.test(entry))
      .map((entry) => {
        try {
          return readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        } catch {
          return [];
        }
      })
      .filter((f) => Number(f[1]) === pid)
      .reduce((sum, f) => sum + Number(f[11]) + Number(f[12]), 0);
    return { own: own / CLOCK_TICKS_PER_S, children: children / CLOCK_TICKS_PER_S };
  } catch {
    return { own: 0, children: 0 };
  }
}
const WORKERS = Number(process.env.FABRIC_BENCH_WORKERS ?? 800);
const MEASURE_MS = Number(process.env.FABRIC_BENCH_MS ?? 6000);
const EVALUATIONS = 300;

const dataDir = mkdtempSync(join(tmpdir(), 'weft-fabric-bench-'));
// The devpeer runs as the standalone command, in its own process, as operators run it; this process is the client.
const devpeer = spawn(
  process.execPath,
  [
    join(import.meta.dirname, '../p2p/devnet/fabric/cli.ts'),
    ...[
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--block-interval',
      String(BLOCK_INTERVAL_MS),
      '--block-size',
      '5000',
    ],
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const address = await new Promise<string>((resolve, reject) => {
  let output = '';
  devpeer.once('exit', (code) => reject(new Error(`devpeer exited with ${code}`)));
  devpeer.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /devpeer gateway listening on (\S+)/.exec(output);
    if (match?.[1] && output.includes('identity router1')) resolve(match[1]);
  });
});
const user = loadIdentityFromMspDir(join(dataDir, 'crypto', 'user1', 'msp'), 'Org1MSP');
const client = new grpc.Client(address, grpc.credentials.createInsecure());
// The client signs with node:crypto (it shares the two cores with the devpeer, which is what is measured).
const gateway = connect({
  client,
  identity: { mspId: user.mspId, credentials: new TextEncoder().encode(user.certificate) },
  ...newGatewaySigning(user),
});
const asset = gateway.getNetwork('mychannel').getContract('asset');

try {
  // Setup: one sender and one recipient account per worker, so no two transfers of a block touch the same key.
  await asset.submitTransaction('Initialize');
  const senders = Array.from({ length: WORKERS }, (_, i) => `s${i}`);
  const recipients = Array.from({ length: WORKERS }, (_, i) => `r${i}`);
  await Promise.all(
    [...senders, ...recipients].map((account) => asset.submitTransaction('OpenAccount', account)),
  );
  await Promise.all(senders.map((account) => asset.submitTransaction('Mint', account, '1000000')));

  const latencies: number[] = [];
  for (let i = 0; i < EVALUATIONS; i++) {
    const start = performance.now();
    await asset.evaluateTransaction('BalanceOf', senders[i % WORKERS] as string);
    latencies.push(performance.now() - start);
  }
  report({ name: 'fabric evaluate (BalanceOf) p50', value: percentile(latencies, 50), unit: 'ms' });
  report({ name: 'fabric evaluate (BalanceOf) p99', value: percentile(latencies, 99), unit: 'ms' });

  let committed = 0;
  let failed = 0;
  const commitLatencies: number[] = [];
  const devpeerCpuBefore = cpuSeconds(devpeer.pid ?? 0);
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + MEASURE_MS;
  await Promise.all(
    senders.map(async (sender, i) => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        const submitted = await asset.submitAsync('Transfer', {
          arguments: [sender, recipients[i] as string, '1'],
        });
        const status = await submitted.getStatus();
        if (status.code === StatusCode.VALID && performance.now() <= deadline) {
          committed++;
          commitLatencies.push(performance.now() - begin);
        } else if (status.code !== StatusCode.VALID) failed++;
      }
    }),
  );
  const elapsedS = (Math.min(performance.now(), deadline) - started) / 1000;
  const devpeerCpuAfter = cpuSeconds(devpeer.pid ?? 0);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  report({
    name: `fabric transfers committed/s (${WORKERS} clients, 1 s blocks)`,
    value: committed / elapsedS,
    unit: 'tx/s',
    budget: 500,
    kind: 'min',
  });
  report({ name: 'fabric submit-to-commit latency p50', value: percentile(commitLatencies, 50), unit: 'ms' });
  report({ name: 'fabric transfers invalidated (MVCC etc.)', value: failed, unit: 'tx' });
  // Where the two cores go: the devpeer with its chaincode process, and this client process.
  const perTx = (seconds: number) => (committed > 0 ? (seconds * 1000) / committed : 0);
  report({
    name: 'devpeer CPU per committed transfer',
    value: perTx(devpeerCpuAfter.own - devpeerCpuBefore.own),
    unit: 'ms',
  });
  report({
    name: 'chaincode (fabric-shim) CPU per committed transfer',
    value: perTx(devpeerCpuAfter.children - devpeerCpuBefore.children),
    unit: 'ms',
  });
  report({
    name: 'gateway client CPU per committed transfer',
    value: perTx((clientCpu.user + clientCpu.system) / 1e6),
    unit: 'ms',
  });
} finally {
  gateway.close();
  client.close();
  devpeer.kill('SIGTERM');
  await once(devpeer, 'exit');
  rmSync(dataDir, { recursive: true, force: true });
}
