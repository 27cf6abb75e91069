/**
 * The chains' side of the TTM browser tests: a local network with the wallet's FISCO BCOS
 * account funded and Fabric accounts opened, and the reads the tests judge outcomes by
 * (balances, total supply, transaction and lock state), made from Node through the routers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FabricSigningIdentity } from '../../p2p/chains/fabric/identity.ts';
import { signPreparedTransaction, signProposal } from '../../p2p/chains/fabric/offline-signing.ts';
import { encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import { assetArtifact } from '../../p2p/chains/fisco-bcos/contracts/index.ts';
import { signTransaction, transactionFields } from '../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../p2p/devnet/local-network.ts';

export const BCOS = 'payment.bcos.asset';
export const FAB = 'trade.fab.asset';
/** A FISCO BCOS address that receives payments in the tests. */
export const MERCHANT = '0x00000000000000000000000000000000000000aa';
/** The Fabric account user1 owns (minted by the local network). */
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
  /** The transaction whose live lock holds an account, or null. */
  bcosLockedBy(address: string): Promise<string | null>;
  fabLockedBy(account: string): Promise<string | null>;
  fundBcos(address: string, amount: bigint): Promise<void>;
  openFabAccount(identity: FabricSigningIdentity, account: string, mint?: bigint): Promise<void>;
  stop(): Promise<void>;
}

const TX_STATES = ['none', 'prepared', 'committed', 'aborted'];

export async function startTtmChains(options: { blockIntervalMs?: number } = {}): Promise<TtmChains> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-e2e-ttm-'));
  const net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: options.blockIntervalMs ?? 200 });
  await waitForDirectory(
    net.routers.map((r) => r.router),
    4,
  );
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
      await fabricWrite(identity, 'OpenAccount', [account]);
      if (mint !== undefined) await fabricWrite(net.fabric.user, 'Mint', [account, mint.toString()]);
    },
    async stop() {
      await client.stop();
      await net.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return chains;
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
