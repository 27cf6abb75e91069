/**
 * The chains' side of the TTM browser tests: a local network with the wallet's FISCO BCOS
 * account funded and Fabric accounts opened, and the reads the tests judge outcomes by
 * (balances, total supply, transaction and lock state), made from Node through the routers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAILPOINT_ITEM } from '../../background/ttm/failpoints.ts';
import type { ChainConnector } from '../../p2p/chains/connector.ts';
import { weftChaincodeMethods } from '../../p2p/chains/fabric/chaincode/methods.ts';
import { FabricConnector } from '../../p2p/chains/fabric/connector.ts';
import type { FabricSigningIdentity } from '../../p2p/chains/fabric/identity.ts';
import { signPreparedTransaction, signProposal } from '../../p2p/chains/fabric/offline-signing.ts';
import { encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../p2p/chains/fisco-bcos/connector.ts';
import {
  assetArtifact,
  keyValueArtifact,
  recordsArtifact,
} from '../../p2p/chains/fisco-bcos/contracts/index.ts';
import {
  decodeTransaction,
  recoverSender,
  signTransaction,
  transactionFields,
} from '../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../p2p/devnet/local-network.ts';
import { parseRouterConfig } from '../../p2p/router/config.ts';
import { createLogger } from '../../p2p/router/log.ts';
import { type Router, startRouter } from '../../p2p/router/router.ts';
import { type ExtensionBrowser, testDistDir } from './harness.ts';

export const BCOS = 'payment.bcos.asset';
export const FAB = 'trade.fab.asset';
/** A FISCO BCOS address that receives payments in the tests. */
export const MERCHANT = '0x00000000000000000000000000000000000000aa';
/** The Fabric accounts user1 owns (the local network opens both and mints to user1). */
export const FAB_USER = 'user1';
export const FAB_MERCHANT = 'merchant';

export interface TtmChains {
  net: LocalNetwork;
  client: LightClient;
  /** The r3 WebSocket address a wallet connects to. */
  entry: string;
  bcosBalance(address: string): Promise<bigint>;
  fabBalance(account: string): Promise<bigint>;
  bcosSupply(): Promise<bigint>;
  fabSupply(): Promise<bigint>;
  /** txState on each chain: `none`, `prepared`, `committed` or `aborted`. */
  txStates(id: string): Promise<{ bcos: string; fab: string }>;
  /** htlcState on each chain: `none`, `locked`, `claimed` or `refunded`. */
  htlcStates(id: string): Promise<{ bcos: string; fab: string }>;
  /** The transaction whose live lock holds an account, or null. */
  bcosLockedBy(address: string): Promise<string | null>;
  fabLockedBy(account: string): Promise<string | null>;
  fundBcos(address: string, amount: bigint): Promise<void>;
  /** Opens the account (unless it exists), then mints to it if asked. */
  openFabAccount(identity: FabricSigningIdentity, account: string, mint?: bigint): Promise<void>;
  /** Stops router `name` (r1 fronts FISCO BCOS, r2 Fabric, r3 is the wallets' entry). */
  stopRouter(name: string): Promise<void>;
  /**
   * Starts a stopped router again with its key, ports and chains: its neighbours redial it and
   * learn its paths again. Resolves once r3 reaches every path again.
   */
  restartRouter(name: string): Promise<void>;
  /**
   * Client requests router `name` has answered with an error so far; with `ops`, only requests
   * of those operations (e.g. the writes: `chainInfo` before a FISCO BCOS write, `prepare`, `submit`).
   */
  clientFailures(name: string, ops?: readonly string[]): Promise<number>;
  /**
   * Every FISCO BCOS transaction the devnode admitted to its pool, with its (lower-case) sender
   * and when: what a stalled chain held, and whose it was.
   */
  readonly submissions: readonly { hash: string; from: string; at: number }[];
  /**
   * What a Fabric transaction or HTLC holds in escrow now: the sum of its transfers while
   * prepared, its amount while locked, else 0 (Fabric has no escrow account to read).
   */
  fabEscrowOf(id: string): Promise<{ amount: bigint; open: boolean }>;
  /** htlcRefund(id) on FISCO BCOS as the deployer (anyone may, from the timelock on), sent to the devnode itself: no router needed. */
  refundBcosHtlcDirect(id: string): Promise<void>;
  stop(): Promise<void>;
}

const TX_STATES = ['none', 'prepared', 'committed', 'aborted'];
const HTLC_STATES = ['none', 'locked', 'claimed', 'refunded'];

export async function startTtmChains(options: { blockIntervalMs?: number } = {}): Promise<TtmChains> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-e2e-ttm-'));
  const net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: options.blockIntervalMs ?? 200 });
  await waitForDirectory(
    net.routers.map((r) => r.router),
    4,
  );
  const paths = net.routers.find((r) => r.name === 'r3')?.router.directory.entries().length ?? 0;
  const entry = net.routers.find((r) => r.name === 'r3')?.wsAddress as string;
  const client = new LightClient({ routers: [entry] });
  const call = async (path: string, method: string, args: unknown[]) =>
    (await client.call({ path, method, args })).values;

  async function fabricWrite(identity: FabricSigningIdentity, fn: string, args: string[]) {
    const proposal = signProposal(identity, { channel: net.fabric.channel, chaincode: 'asset', fn, args });
    const prepared = await client.prepare(FAB, proposal.signed);
    const envelope = signPreparedTransaction(identity, prepared.unsigned, { txId: proposal.txId, fn });
    const receipt = await client.submit(FAB, envelope.signed);
    assert.equal(receipt.status, 'success', `${fn} failed`);
  }

  /** Listen addresses of the routers stopped by the test, to restart them on the same ports. */
  const stoppedListen = new Map<string, string[]>();
  const restarted: Router[] = [];

  // The devnode has no pending-transaction RPC: record what it admits, and from whom, as it does.
  const submissions: { hash: string; from: string; at: number }[] = [];
  const ledger = net.fisco.node.ledger;
  const admit = ledger.submit.bind(ledger);
  ledger.submit = (raw: string) => {
    const hash = admit(raw);
    const from = recoverSender(decodeTransaction(raw as `0x${string}`)).toLowerCase();
    submissions.push({ hash, from, at: Date.now() });
    return hash;
  };

  const chains: TtmChains = {
    net,
    client,
    entry,
    bcosBalance: async (address) => BigInt(String((await call(BCOS, 'balanceOf', [address]))[0])),
    fabBalance: async (account) => BigInt(String((await call(FAB, 'BalanceOf', [account]))[0])),
    bcosSupply: async () => BigInt(String((await call(BCOS, 'totalSupply', []))[0])),
    fabSupply: async () => BigInt(String((await call(FAB, 'TotalSupply', []))[0])),
    async txStates(id) {
      const bcos = TX_STATES[Number((await call(BCOS, 'txState', [id]))[3])] ?? 'none';
      const raw = (await call(FAB, 'TxState', [id]))[0];
      const fab = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { state: string };
      return { bcos, fab: fab.state };
    },
    async htlcStates(id) {
      const bcos = HTLC_STATES[Number((await call(BCOS, 'htlcState', [id]))[5])] ?? 'none';
      const raw = (await call(FAB, 'HtlcState', [id]))[0];
      const fab = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { state: string };
      return { bcos, fab: fab.state };
    },
    async bcosLockedBy(address) {
      const id = String((await call(BCOS, 'lockedBy', [address]))[0]);
      return /^0x0+$/.test(id) ? null : id;
    },
    async fabLockedBy(account) {
      const id = String((await call(FAB, 'LockedBy', [account]))[0] ?? '');
      return id === '' ? null : id;
    },
    async fundBcos(address, amount) {
      const info = await client.chainInfo(BCOS);
      const fund = transactionFields({
        to: net.fisco.asset,
        data: encodeCall(assetArtifact.abi as never, 'transfer', [address, amount]),
        chainId: 1,
        groupId: 1,
        blockLimit: info.blockNumber + 500n,
      });
      const receipt = await client.submit(BCOS, signTransaction(fund, net.fisco.deployer).raw);
      assert.equal(receipt.status, 'success', 'funding failed');
    },
    async openFabAccount(identity, account, mint) {
      const exists = await call(FAB, 'OwnerOf', [account]).then(
        () => true,
        () => false,
      );
      if (!exists) await fabricWrite(identity, 'OpenAccount', [account]);
      if (mint !== undefined) await fabricWrite(net.fabric.user, 'Mint', [account, mint.toString()]);
    },
    async stopRouter(name) {
      const local = byName(net, name);
      stoppedListen.set(name, listenAddresses(local.router));
      await local.router.stop();
    },
    async restartRouter(name) {
      const local = byName(net, name);
      const listen = stoppedListen.get(name);
      if (!listen) throw new Error(`router ${name} was not stopped`);
      // Only its own neighbours, as the local network links them: dialling every router would
      // give r3 a direct link to r1, and r2 would no longer be on the way to FISCO BCOS.
      const neighbours = net.routers.filter((r) => NEIGHBOURS[name]?.includes(r.name));
      const config = parseRouterConfig({
        zone: local.zone,
        dataDir: join(dir, 'routers', name),
        listen,
        bootstrap: neighbours.map((r) => r.router.addresses().find((a) => !a.includes('/ws')) as string),
        members: net.routers.map((r) => r.router.peerId),
        admin: null,
      });
      local.router = await startRouter({
        config,
        connectors: connectorsOf(net, name),
        logger: createLogger('silent').child({ name }),
      });
      stoppedListen.delete(name);
      restarted.push(local.router);
      const r3 = byName(net, 'r3').router;
      await until(
        () => r3.directory.entries().length >= paths,
        `r3 to reach every path again after ${name} restarted`,
      );
    },
    async clientFailures(name, ops) {
      const text = await byName(net, name).router.metrics.registry.getSingleMetricAsString(
        'weft_router_requests_total',
      );
      let failures = 0;
      for (const [, labelText, count] of text.matchAll(/^weft_router_requests_total\{([^}]*)\} (\d+)$/gm)) {
        const labels = Object.fromEntries(
          [...(labelText as string).matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]),
        );
        if (labels.protocol !== 'client' || labels.outcome === 'ok') continue;
        if (ops && !ops.includes(labels.op as string)) continue;
        failures += Number(count);
      }
      return failures;
    },
    submissions,
    async fabEscrowOf(id) {
      const parse = (raw: unknown) =>
        (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
      const tx = parse((await call(FAB, 'TxState', [id]))[0]);
      if (tx.state === 'prepared') {
        const transfers = (tx.transfers ?? []) as { amount: string }[];
        return { amount: transfers.reduce((sum, t) => sum + BigInt(t.amount), 0n), open: true };
      }
      const htlc = parse((await call(FAB, 'HtlcState', [id]))[0]);
      if (htlc.state === 'locked') return { amount: BigInt(String(htlc.amount)), open: true };
      return { amount: 0n, open: false };
    },
    async refundBcosHtlcDirect(id) {
      const refund = transactionFields({
        to: net.fisco.asset,
        data: encodeCall(assetArtifact.abi as never, 'htlcRefund', [id]),
        chainId: net.fisco.chainId,
        groupId: net.fisco.groupId,
        blockLimit: ledger.blockNumber + 500n,
      });
      const hash = ledger.submit(signTransaction(refund, net.fisco.deployer).raw);
      await until(() => ledger.isCommitted(hash), 'the direct refund to be sealed');
      assert.equal(ledger.receipt(hash)?.status, '0x0', 'the direct refund was refused');
    },
    async stop() {
      await client.stop();
      for (const router of restarted) await router.stop().catch(() => {});
      await net.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return chains;
}

/** The local network's links (p2p/devnet/local-network.ts): r1 — r2 — r3. */
const NEIGHBOURS: Record<string, string[]> = { r1: ['r2'], r2: ['r1', 'r3'], r3: ['r2'] };

function byName(net: LocalNetwork, name: string) {
  const local = net.routers.find((r) => r.name === name);
  if (!local) throw new Error(`no router ${name}`);
  return local;
}

/** A router's listen addresses (TCP and WebSocket ports it has now), without its peer id. */
function listenAddresses(router: Router): string[] {
  return [...new Set(router.addresses().map((a) => a.replace(/\/p2p\/[^/]+$/, '')))];
}

/** The chains a local-network router fronts, as local-network.ts connects them. */
function connectorsOf(net: LocalNetwork, name: string): ChainConnector[] {
  if (name === 'r1') {
    return [
      new FiscoBcosConnector({
        url: net.fisco.node.url,
        chainId: net.fisco.chainId,
        groupId: net.fisco.groupId,
        zone: 'payment',
        chainName: 'bcos',
        resources: [
          { name: 'asset', address: net.fisco.asset, abi: assetArtifact.abi as never },
          { name: 'kv', address: net.fisco.kv, abi: keyValueArtifact.abi as never },
          { name: 'records', address: net.fisco.records, abi: recordsArtifact.abi as never },
        ],
      }),
    ];
  }
  if (name === 'r2') {
    return [
      new FabricConnector({
        endpoint: net.fabric.peer.address,
        channel: net.fabric.channel,
        zone: 'trade',
        chainName: 'fab',
        routerIdentity: net.fabric.peer.identities.router1 as FabricSigningIdentity,
        resources: [
          { name: 'asset', chaincode: 'asset', methods: weftChaincodeMethods.asset ?? [] },
          { name: 'records', chaincode: 'records', methods: weftChaincodeMethods.records ?? [] },
        ],
      }),
    ];
  }
  return [];
}

/**
 * Arms a coordinator failpoint (background/ttm/failpoints.ts) in the wallet's worker: it hangs
 * (or pauses) right after the log write named `at`.
 */
export async function armFailpoint(browser: ExtensionBrowser, at: string, mode: 'hang' | 'pause' = 'hang') {
  // The production build has no failpoints: arming one there would silently do nothing.
  assert.equal(
    browser.extensionDir,
    testDistDir,
    'failpoints need the test build (launchExtension(testDistDir))',
  );
  const worker = await browser.worker();
  await worker.evaluate(
    ([item, failpoint]) => {
      const { chrome } = globalThis as unknown as {
        chrome: { storage: { local: { set(items: object): Promise<void> } } };
      };
      return chrome.storage.local.set({ [item]: failpoint });
    },
    [FAILPOINT_ITEM, { at, mode }] as const,
  );
}

/** Polls until `check` holds (or fails after `timeoutMs`, naming what it waited for). */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}
