/**
 * Fabric through the real @hyperledger/fabric-gateway client against the devpeer
 * (real chaincode under fabric-shim, 1 s blocks): evaluate latency, and the
 * submit-to-commit throughput of asset transfers (goal: >= 500 committed/s). The
 * devpeer is the two-organisation network: each transfer is endorsed by a peer of
 * Org1MSP and of Org2MSP (the default majority policy, so the chaincode runs twice),
 * ordered into blocks the orderer signs, and validated and committed by both peers.
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
/** Time the closed loop runs before the measured window opens (past the first, synchronised round). */
const WARMUP_MS = Number(process.env.FABRIC_BENCH_WARMUP_MS ?? 3000);
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

  // Closed loop: each worker submits a transfer, waits for its commit status, repeats. All
  // start together, so the first round is a burst the steady state never sees again; the
  // figures are taken over MEASURE_MS once WARMUP_MS have passed (the cold-start window
  // of the same length is reported too).
  let committed = 0;
  let coldCommitted = 0;
  let failed = 0;
  const commitLatencies: number[] = [];
  const started = performance.now();
  const coldEnd = started + MEASURE_MS;
  const deadline = started + WARMUP_MS + MEASURE_MS;
  type Sample = { at: number; devpeer: { own: number; children: number }; client: NodeJS.CpuUsage };
  const sample = (): Sample => ({
    at: performance.now(),
    devpeer: cpuSeconds(devpeer.pid ?? 0),
    client: process.cpuUsage(),
  });
  let from: Sample | undefined;
  let to: Sample | undefined;
  const timers = [
    setTimeout(() => {
      from = sample();
    }, WARMUP_MS),
    setTimeout(() => {
      to = sample();
    }, WARMUP_MS + MEASURE_MS),
  ];
  await Promise.all(
    senders.map(async (sender, i) => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        const submitted = await asset.submitAsync('Transfer', {
          arguments: [sender, recipients[i] as string, '1'],
        });
        const status = await submitted.getStatus();
        const done = performance.now();
        if (status.code !== StatusCode.VALID) {
          failed++;
          continue;
        }
        if (done <= coldEnd) coldCommitted++;
        if (from && !to && done >= from.at) {
          committed++;
          commitLatencies.push(done - begin);
        }
      }
    }),
  );
  for (const timer of timers) clearTimeout(timer);
  if (!from || !to) throw new Error('the measurement window did not complete');
  const elapsedS = (to.at - from.at) / 1000;
  report({
    name: `fabric transfers committed/s (${WORKERS} clients, 1 s blocks)`,
    value: committed / elapsedS,
    unit: 'tx/s',
    budget: 500,
    kind: 'min',
  });
  report({
    name: 'fabric transfers committed/s, first window from cold',
    value: coldCommitted / (MEASURE_MS / 1000),
    unit: 'tx/s',
  });
  report({ name: 'fabric submit-to-commit latency p50', value: percentile(commitLatencies, 50), unit: 'ms' });
  report({ name: 'fabric transfers invalidated (MVCC etc.)', value: failed, unit: 'tx' });
  // Where the two cores go: the devpeer with its chaincode process, and this client process.
  const perTx = (seconds: number) => (committed > 0 ? (seconds * 1000) / committed : 0);
  report({
    name: 'devpeer CPU per committed transfer',
    value: perTx(to.devpeer.own - from.devpeer.own),
    unit: 'ms',
  });
  report({
    name: 'chaincode (fabric-shim) CPU per committed transfer',
    value: perTx(to.devpeer.children - from.devpeer.children),
    unit: 'ms',
  });
  report({
    name: 'gateway client CPU per committed transfer',
    value: perTx((to.client.user - from.client.user + to.client.system - from.client.system) / 1e6),
    unit: 'ms',
  });
} finally {
  gateway.close();
  client.close();
  devpeer.kill('SIGTERM');
  await once(devpeer, 'exit');
  rmSync(dataDir, { recursive: true, force: true });
}
