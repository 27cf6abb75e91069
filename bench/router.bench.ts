/**
 * Router figures (issue 5, "Benchmarks"):
 *
 * 1. A `balanceOf` read through one router (light client over WebSockets -> router -> FISCO BCOS
 *    connector -> devnode) against the same read sent straight to the devnode's JSON-RPC with a
 *    `FiscoBcosConnector`: p50/p99 at one request in flight, throughput with 16 in flight, and the
 *    CPU each process spends per read.
 * 2. The extra cost of each router hop: a line r0 (fronts the chain) - r1 - r2 - r3, the light
 *    client entering at r0..r3 in turn.
 * 3. Directory convergence over 20 routers after one joins and after it leaves.
 * 4. Memory of a router (in a child process) holding 200 connected light clients.
 *
 * Processes are laid out as in a deployment: the devnode runs in a child process, as a chain node
 * would; the routers of parts 1-2 run in another, as a router runs beside (not inside) the wallet;
 * this process is the wallet side, holding the light clients and the direct connector. Both
 * connectors, the router's and the direct one, are the same class with the same HTTP transport.
 * The routers of part 3 run in this process (only the directory is measured); the part 4 router
 * runs in a child so its memory is not mixed with 200 client libp2p nodes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type {
  CallResult,
  ChainBlock,
  ChainConnector,
  ChainInfo,
  ChainRef,
  ChainTransaction,
  ResourceDescription,
  TransactionReceipt,
} from '../p2p/chains/connector.ts';
import type { FiscoResourceConfig } from '../p2p/chains/fisco-bcos/connector.ts';
import { FiscoBcosConnector } from '../p2p/chains/fisco-bcos/connector.ts';
import { assetArtifact } from '../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../p2p/chains/fisco-bcos/rpc-client.ts';
import { LightClient } from '../p2p/client/light-client.ts';
import { deployWeftContracts } from '../p2p/devnet/fisco-bcos/deploy-contracts.ts';
import { startDevnode } from '../p2p/devnet/fisco-bcos/devnode.ts';
import { parseRouterConfig, type RouterConfigInput } from '../p2p/router/config.ts';
import { nodeHttpPost } from '../p2p/router/http-post.ts';
import { createLogger } from '../p2p/router/log.ts';
import { loadOrCreatePeerKey } from '../p2p/router/peer-key.ts';
import { type Router, startRouter } from '../p2p/router/router.ts';
import { percentile, report } from './report.ts';

const self = fileURLToPath(import.meta.url);
const silent = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A chain connector that fronts one fixed resource and serves nothing: the directory only reads `resources()`. */
class FixedConnector implements ChainConnector {
  readonly chain: ChainRef = { type: 'fisco-bcos', chainId: 1, groupId: 1 };
  readonly #description: ResourceDescription;

  constructor(path: string) {
    this.#description = {
      path,
      chain: this.chain,
      address: '0x00000000000000000000000000000000000000a0',
      methods: [{ name: 'get', kind: 'read', inputs: [], outputs: [{ name: '', type: 'uint256' }] }],
    };
  }

  resources(): ResourceDescription[] {
    return [this.#description];
  }
  describe(): ResourceDescription {
    return this.#description;
  }
  #unused(): Promise<never> {
    return Promise.reject(new Error('the benchmark connector serves no requests'));
  }
  info(): Promise<ChainInfo> {
    return this.#unused();
  }
  call(): Promise<CallResult> {
    return this.#unused();
  }
  submit(): Promise<TransactionReceipt> {
    return this.#unused();
  }
  blockNumber(): Promise<bigint> {
    return this.#unused();
  }
  getBlock(): Promise<ChainBlock | null> {
    return this.#unused();
  }
  getTransaction(): Promise<ChainTransaction | null> {
    return this.#unused();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function routerConfig(input: Omit<RouterConfigInput, 'listen' | 'admin'> & { ws?: boolean }) {
  const { ws = true, ...rest } = input;
  return parseRouterConfig({
    ...rest,
    listen: ws ? ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] : ['/ip4/127.0.0.1/tcp/0'],
    admin: null,
    // Light clients of this bench send thousands of reads a second: lift the per-client rate limit.
    limits: { clientRequestsPerSecond: 1_000_000 },
  });
}

const tcpAddress = (r: Router) => r.addresses().find((a) => !a.includes('/ws')) as string;
const wsAddress = (r: Router) => r.addresses().find((a) => a.includes('/ws')) as string;

async function until(check: () => boolean, what: string, timeoutMs = 15_000, stepMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

/**
 * Latency in ms of `count` sequential reads of each kind, one at a time, taking the kinds in
 * turn (a, b, c, a, b, c, ...) so drift in the machine's load hits every kind alike.
 */
async function interleavedLatencies(count: number, reads: (() => Promise<unknown>)[]): Promise<number[][]> {
  const samples = reads.map(() => [] as number[]);
  for (let i = 0; i < count; i++) {
    for (const [k, read] of reads.entries()) {
      const start = performance.now();
      await read();
      samples[k]?.push(performance.now() - start);
    }
  }
  return samples;
}

// ---- child processes -------------------------------------------------------------

interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

function startChild(
  role: string,
  execArgv: string[] = [],
  args: string[] = [],
): Promise<{ child: ChildProcess; ready: ChildMessage }> {
  const child = fork(self, [role, ...args], {
    execArgv: [...process.execArgv, ...execArgv],
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${role} child exited with ${code}`)));
    child.once('message', (ready: ChildMessage) => resolve({ child, ready }));
  });
}

function ask(child: ChildProcess, message: ChildMessage): Promise<ChildMessage> {
  return new Promise((resolve) => {
    child.once('message', (reply: ChildMessage) => resolve(reply));
    child.send(message);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.disconnect(); // the child stops its servers and exits when its IPC channel closes
  });
}

/** CPU (user + system) ms this process has used so far. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Lets the parent read this child's CPU time, to count what each process spends per read. */
function answerCpuQueries(): void {
  process.on('message', (message: ChildMessage) => {
    if (message.type === 'cpu') process.send?.({ type: 'cpu', ms: cpuMs() });
  });
}

const childCpuMs = async (child: ChildProcess) => (await ask(child, { type: 'cpu' })).ms as number;

interface ContractRef {
  name: string;
  address: string;
}

/**
 * The connector of both sides of part 1: the router's (in the routers' process) and the direct
 * one (in this process) are built here alike, with the keep-alive HTTP transport routers use.
 */
function assetConnector(url: string, contracts: ContractRef[]): FiscoBcosConnector {
  const resources: FiscoResourceConfig[] = contracts
    .filter((c) => c.name === 'asset')
    .map((c) => ({ ...c, abi: assetArtifact.abi as never }));
  return new FiscoBcosConnector({
    url,
    chainId: 1,
    groupId: 1,
    zone: 'payment',
    chainName: 'bcos',
    resources,
    post: nodeHttpPost(),
  });
}

const PATH = 'payment.bcos.asset';

async function devnodeChild(): Promise<void> {
  const node = await startDevnode({ port: 0, blockIntervalMs: 50, sealerCount: 4 });
  const signer = EcdsaSigner.random();
  const contracts = await deployWeftContracts({
    client: new FiscoRpcClient({ url: node.url, groupId: node.groupId }),
    signer,
    chainId: node.chainId,
  });
  answerCpuQueries();
  process.once('disconnect', () => void node.close().then(() => process.exit(0)));
  process.send?.({
    type: 'ready',
    url: node.url,
    holder: signer.address,
    contracts: contracts.map((c) => ({ name: c.name, address: c.address })),
  });
}

/** The routers of parts 1 and 2: a line r0 (fronts the chain) - r1 - r2 - r3 in one process. */
async function lineChild(): Promise<void> {
  const { dir, url, contracts } = JSON.parse(process.argv[3] as string) as {
    dir: string;
    url: string;
    contracts: ContractRef[];
  };
  // Keys first: members lists need every peer id of the line up front.
  const lineDirs = [0, 1, 2, 3].map((i) => join(dir, `line-r${i}`));
  const lineIds = await Promise.all(
    lineDirs.map(async (d) => peerIdFromPrivateKey(await loadOrCreatePeerKey(d)).toString()),
  );
  const line: Router[] = [];
  for (const [i, dataDir] of lineDirs.entries()) {
    const previous = line[i - 1];
    line.push(
      await startRouter({
        config: routerConfig({
          zone: i === 0 ? 'payment' : `z${i}`,
          dataDir,
          members: lineIds,
          bootstrap: previous ? [tcpAddress(previous)] : [],
        }),
        connectors: i === 0 ? [assetConnector(url, contracts)] : [],
        logger: silent,
      }),
    );
  }
  await until(() => line[3]?.directory.route(PATH)?.entry.hops === 3, 'the line of routers');
  answerCpuQueries();
  process.once('disconnect', () => {
    void Promise.all(line.map((r) => r.stop())).then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', addresses: line.map(wsAddress) });
}

async function routerChild(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'weft-bench-mem-'));
  const router = await startRouter({
    config: routerConfig({ zone: 'mem', dataDir }),
    connectors: [new FixedConnector('mem.chain.res')],
    logger: silent,
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', async (message: ChildMessage) => {
    if (message.type !== 'memory') return;
    for (let i = 0; i < 3; i++) {
      gc?.();
      await sleep(50);
    }
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    process.send?.({
      type: 'memory',
      rss,
      heapUsed,
      external,
      arrayBuffers,
      clients: router.status().clients,
    });
  });
  process.once('disconnect', () => {
    void router
      .stop()
      .then(() => rm(dataDir, { recursive: true, force: true }))
      .then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', address: wsAddress(router) });
}

// ---- the benchmark ---------------------------------------------------------------

/** CPU ms per read a run cost in each process: this one and the given children. */
interface RunCpu {
  self: number;
  children: number[];
}

/**
 * Reads completed per second with `inFlight` workers over `ms`, and the CPU ms per read each
 * process spent: this one (`self`) and each of `children`, in order.
 */
async function throughput(
  inFlight: number,
  ms: number,
  read: () => Promise<unknown>,
  children: ChildProcess[] = [],
): Promise<{ rate: number; cpu: RunCpu }> {
  let done = 0;
  const before = await Promise.all(children.map(childCpuMs));
  const cpu = cpuMs();
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await read();
        done++;
      }
    }),
  );
  const elapsed = performance.now() - start;
  const self = (cpuMs() - cpu) / done;
  const after = await Promise.all(children.map(childCpuMs));
  return {
    rate: (done / elapsed) * 1000,
    cpu: { self, children: after.map((ms, i) => (ms - (before[i] as number)) / done) },
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-router-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => {});
    cleanups.length = 0;
  };
  try {
    const t0 = performance.now();
    const devnode = await startChild('devnode');
    cleanups.push(() => stopChild(devnode.child));
    const { url, holder } = devnode.ready as unknown as { url: string; holder: string };
    const contracts = devnode.ready.contracts as ContractRef[];
    const routers = await startChild('line', [], [JSON.stringify({ dir, url, contracts })]);
    cleanups.push(() => stopChild(routers.child));
    const addresses = routers.ready.addresses as string[];

    // ---- 1. routed (one router) versus direct --------------------------------------
    const direct = assetConnector(url, contracts);
    cleanups.push(() => direct.close());
    const clients = addresses.map((address) => new LightClient({ routers: [address] }));
    cleanups.push(() => Promise.all(clients.map((c) => c.stop())));
    await Promise.all(clients.map((c) => c.connect()));
    const routedClient = clients[0] as LightClient;
    const readDirect = () => direct.call({ resource: PATH, method: 'balanceOf', args: [holder] });
    const readVia = (client: LightClient) => () =>
      client.call({ path: PATH, method: 'balanceOf', args: [holder] });
    const readRouted = readVia(routedClient);
    const check = await readRouted();
    if (String(check.values[0]) !== String((await readDirect()).values[0]))
      throw new Error('routed and direct reads disagree');
    console.log(
      `  (setup: devnode, contracts and 4 routers in ${(performance.now() - t0).toFixed(0)} ms; devnode, routers and this wallet side each in its own process)`,
    );

    // Warm up every path (JIT, sockets, the routers' forward channels).
    await throughput(16, 500, readDirect);
    for (const client of clients) await throughput(16, 300, readVia(client));
    const [directLat, routedLat] = await interleavedLatencies(600, [readDirect, readRouted]);
    const lat = { direct: directLat as number[], routed: routedLat as number[] };
    const p = (s: number[], q: number) => percentile(s, q);
    report({
      name: 'router: direct read p50 (connector -> devnode RPC)',
      value: p(lat.direct, 50),
      unit: 'ms',
    });
    report({ name: 'router: direct read p99', value: p(lat.direct, 99), unit: 'ms' });
    report({ name: 'router: routed read p50 (1 router, ws)', value: p(lat.routed, 50), unit: 'ms' });
    report({ name: 'router: routed read p99', value: p(lat.routed, 99), unit: 'ms' });
    report({
      name: 'router: routed overhead p50 (routed - direct)',
      value: p(lat.routed, 50) - p(lat.direct, 50),
      unit: 'ms',
      budget: 1,
      kind: 'max',
    });

    // Direct and routed runs take turns so drift in the machine's load hits both alike.
    const rounds = 5;
    const rate = { direct: [] as number[], routed: [] as number[] };
    const cpu = { direct: [] as RunCpu[], routed: [] as RunCpu[] };
    const measured = [devnode.child, routers.child];
    for (let round = 0; round < rounds; round++) {
      for (const [kind, read] of [
        ['direct', readDirect],
        ['routed', readRouted],
      ] as const) {
        const run = await throughput(16, 1500, read, measured);
        rate[kind].push(run.rate);
        cpu[kind].push(run.cpu);
      }
    }
    const bestDirect = Math.max(...rate.direct);
    const bestRouted = Math.max(...rate.routed);
    report({
      name: `router: direct reads, 16 in flight (best of ${rounds})`,
      value: bestDirect,
      unit: 'reads/s',
    });
    report({
      name: `router: routed reads, 16 in flight (best of ${rounds})`,
      value: bestRouted,
      unit: 'reads/s',
    });
    report({
      name: 'router: routed / direct throughput',
      value: bestRouted / bestDirect,
      unit: 'x',
      budget: 0.8,
      kind: 'min',
    });
    // Less sensitive to other load than wall-clock rates: the CPU each process spends per read,
    // least of the rounds. Direct: the connector (HTTP client, ABI codec) here and the devnode;
    // routed: the light client here, the router (libp2p stack and the same connector), the devnode.
    const least = (runs: RunCpu[], pick: (c: RunCpu) => number) => Math.min(...runs.map(pick));
    const devnodeCpu = (c: RunCpu) => c.children[0] as number;
    const routerCpu = (c: RunCpu) => c.children[1] as number;
    const totalDirect = least(cpu.direct, (c) => c.self + devnodeCpu(c));
    const totalRouted = least(cpu.routed, (c) => c.self + routerCpu(c) + devnodeCpu(c));
    const cpuFigures: [string, number][] = [
      ['direct, wallet side (connector)', least(cpu.direct, (c) => c.self)],
      ['routed, wallet side (light client)', least(cpu.routed, (c) => c.self)],
      ['routed, router process', least(cpu.routed, routerCpu)],
      ['direct, devnode', least(cpu.direct, devnodeCpu)],
      ['routed, devnode', least(cpu.routed, devnodeCpu)],
      ['direct, all processes', totalDirect],
      ['routed, all processes', totalRouted],
    ];
    for (const [what, value] of cpuFigures) report({ name: `router: CPU/read ${what}`, value, unit: 'ms' });
    report({ name: 'router: added CPU per routed read', value: totalRouted - totalDirect, unit: 'ms' });

    // ---- 2. cost per hop -------------------------------------------------------------
    const hopSamples = await interleavedLatencies(300, clients.map(readVia));
    const hopP50 = hopSamples.map((s) => p(s, 50));
    for (const [k, value] of hopP50.entries()) {
      report({ name: `router: read p50 entering ${k} hop(s) from the chain`, value, unit: 'ms' });
    }
    for (let k = 1; k <= 3; k++) {
      report({
        name: `router: cost per hop over ${k} hop(s) (p50)`,
        value: ((hopP50[k] as number) - (hopP50[0] as number)) / k,
        unit: 'ms',
        budget: 0.5,
        kind: 'max',
      });
    }
    await cleanup();

    // ---- 3. directory convergence over 20 routers ------------------------------------
    await directoryConvergence(dir);

    // ---- 4. memory with 200 light clients ---------------------------------------------
    await clientMemory();
  } finally {
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Deterministic PRNG (mulberry32) so every run builds the same graph. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random connected graph: router i dials one random earlier router (a spanning tree, so the
 * graph is connected) and, from i = 2 on, a second distinct earlier one (about 4 links a router).
 * Each of the 20 fronts one in-memory resource. A 21st router, dialling two random routers,
 * joins with one more resource and then leaves.
 */
async function directoryConvergence(dir: string): Promise<void> {
  const count = 20;
  const rand = random(5);
  const dirs = Array.from({ length: count + 1 }, (_, i) => join(dir, `mesh-${i}`));
  const ids = await Promise.all(
    dirs.map(async (d) => peerIdFromPrivateKey(await loadOrCreatePeerKey(d)).toString()),
  );
  const routers: Router[] = [];
  let joiner: Router | undefined;
  try {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const neighbours = new Set<number>();
      if (i >= 1) neighbours.add(Math.floor(rand() * i));
      for (let guard = 0; i >= 2 && neighbours.size < 2 && guard < 50; guard++)
        neighbours.add(Math.floor(rand() * i));
      routers.push(
        await startRouter({
          config: routerConfig({
            zone: `m${i}`,
            dataDir: dirs[i] as string,
            members: ids,
            bootstrap: [...neighbours].map((n) => tcpAddress(routers[n] as Router)),
            ws: false,
          }),
          connectors: [new FixedConnector(`m${i}.chain.res`)],
          logger: silent,
        }),
      );
    }
    await until(
      () => routers.every((r) => r.directory.entries().length === count),
      '20 routers to converge',
      20_000,
    );
    const diameterHint = Math.max(...routers.flatMap((r) => r.directory.entries().map((e) => e.hops)));
    console.log(
      `  (20 routers up and converged in ${(performance.now() - t0).toFixed(0)} ms; longest route ${diameterHint} hops)`,
    );
    // Let the inbound-connection rate window and pending announcements settle.
    await sleep(1_200);

    const joinPath = 'joiner.chain.res';
    const everywhere = () => routers.every((r) => r.directory.route(joinPath) !== undefined);
    const nowhere = () => routers.every((r) => r.directory.route(joinPath) === undefined);
    const targets = [Math.floor(rand() * count), Math.floor(rand() * count)];
    /** Directory updates accepted so far, summed over the 20 routers. */
    const updates = async () => {
      let n = 0;
      for (const r of routers) {
        for (const v of (await r.metrics.requests.get()).values) {
          if (v.labels.protocol === 'directory' && v.labels.outcome === 'ok') n += v.value;
        }
      }
      return n;
    };
    const u0 = await updates();
    const joinStart = performance.now();
    joiner = await startRouter({
      config: routerConfig({
        zone: 'joiner',
        dataDir: dirs[count] as string,
        members: ids,
        bootstrap: [...new Set(targets)].map((n) => tcpAddress(routers[n] as Router)),
        ws: false,
      }),
      connectors: [new FixedConnector(joinPath)],
      logger: silent,
    });
    await until(
      () => everywhere() && (joiner as Router).directory.entries().length === count + 1,
      'the new path to spread',
      10_000,
      2,
    );
    const joinMs = performance.now() - joinStart;
    await sleep(500);
    const u1 = await updates();
    report({
      name: 'router: directory, 20 routers learn a joining one',
      value: joinMs,
      unit: 'ms',
      budget: 3000,
      kind: 'max',
    });
    report({ name: 'router: directory updates received for the join', value: u1 - u0, unit: 'msgs' });

    const leaveStart = performance.now();
    const leaving = joiner;
    joiner = undefined;
    // While the path is withdrawn, watch the longest (stale) route any router still holds to it.
    let longest = 0;
    await leaving.stop();
    const gone = () => {
      for (const r of routers) longest = Math.max(longest, r.directory.route(joinPath)?.entry.hops ?? 0);
      return nowhere();
    };
    await until(gone, 'the path to be withdrawn', 10_000, 2);
    const leaveMs = performance.now() - leaveStart;
    await sleep(300);
    const u2 = await updates();
    if (!routers.every((r) => r.directory.entries().length === count))
      throw new Error('a router lost other paths after the leave');
    report({
      name: 'router: directory, 20 routers forget a leaving one',
      value: leaveMs,
      unit: 'ms',
      budget: 3000,
      kind: 'max',
    });
    report({ name: 'router: directory updates received for the leave', value: u2 - u1, unit: 'msgs' });
    report({ name: 'router: longest stale route seen during the leave', value: longest, unit: 'hops' });
  } finally {
    await joiner?.stop().catch(() => {});
    await Promise.all(routers.map((r) => r.stop().catch(() => {})));
  }
}

async function stopClients(clients: LightClient[]): Promise<void> {
  const all = clients.splice(0);
  for (let i = 0; i < all.length; i += 20) {
    await Promise.all(all.slice(i, i + 20).map((c) => c.stop().catch(() => {})));
  }
}

async function clientMemory(): Promise<void> {
  const count = 200;
  const { child, ready } = await startChild('router', ['--expose-gc']);
  const clients: LightClient[] = [];
  try {
    const before = await ask(child, { type: 'memory' });
    const address = ready.address as string;
    // The router accepts limits.inboundConnectionsPerSecondPerHost (default 50) new connections
    // per second from one IP, and every client here dials from 127.0.0.1: connect in groups of
    // 25, one group per second.
    let halfway: ChildMessage | undefined;
    const t0 = performance.now();
    const groupSize = 25;
    for (let group = 0; group < count / groupSize; group++) {
      const groupStart = performance.now();
      const batch = Array.from({ length: groupSize }, () => new LightClient({ routers: [address] }));
      clients.push(...batch);
      await Promise.all(
        batch.map(async (client) => {
          for (let attempt = 0; ; attempt++) {
            try {
              await client.resources();
              return;
            } catch (error) {
              if (attempt >= 3) throw error;
              await sleep(1_100);
            }
          }
        }),
      );
      if (clients.length === count / 2) halfway = await ask(child, { type: 'memory' });
      const wait = 1_050 - (performance.now() - groupStart);
      if (wait > 0) await sleep(wait);
    }
    const connectMs = performance.now() - t0;
    const after = await ask(child, { type: 'memory' });
    const half = halfway as ChildMessage;
    const mb = (bytes: number) => bytes / (1024 * 1024);
    const rss = (after.rss as number) - (before.rss as number);
    const heap = (after.heapUsed as number) - (before.heapUsed as number);
    const external = (after.external as number) - (before.external as number);
    console.log(
      `  (${after.clients} clients connected to the child router in ${(connectMs / 1000).toFixed(1)} s; its RSS before ${mb(before.rss as number).toFixed(0)} MB)`,
    );
    report({ name: 'router: RSS growth with 200 light clients', value: mb(rss), unit: 'MB' });
    report({ name: 'router: RSS per light client (0 -> 200)', value: rss / count / 1024, unit: 'kB' });
    // The first clients also pay one-off growth (V8 young generation, JIT code, allocator arenas);
    // the second hundred shows what one more client costs.
    const perClient = (key: string) =>
      ((after[key] as number) - (half[key] as number)) / (count - (half.clients as number)) / 1024;
    report({ name: 'router: RSS per light client (100 -> 200)', value: perClient('rss'), unit: 'kB' });
    report({ name: 'router: JS heap growth with 200 light clients', value: mb(heap), unit: 'MB' });
    report({ name: 'router: JS heap per light client (0 -> 200)', value: heap / count / 1024, unit: 'kB' });
    report({
      name: 'router: JS heap per light client (100 -> 200)',
      value: perClient('heapUsed'),
      unit: 'kB',
    });
    report({
      name: 'router: external (buffers) per light client',
      value: external / count / 1024,
      unit: 'kB',
    });

    // What the router keeps once every client has gone (peer store entries, allocator pages).
    await stopClients(clients);
    await sleep(1_000);
    const gone = await ask(child, { type: 'memory' });
    report({
      name: 'router: JS heap kept per client after all 200 left',
      value: ((gone.heapUsed as number) - (before.heapUsed as number)) / count / 1024,
      unit: 'kB',
    });
    report({
      name: 'router: RSS kept after all 200 left',
      value: mb((gone.rss as number) - (before.rss as number)),
      unit: 'MB',
    });
  } finally {
    await stopClients(clients);
    await stopChild(child);
  }
}

const role = process.argv[2];
if (role === 'devnode') await devnodeChild();
else if (role === 'line') await lineChild();
else if (role === 'router') await routerChild();
else await main();
