/**
 * What a chain's setup for the asset-chain compliance suite shares: the wallet's side of the
 * path (a real Vault, a LightClient that keeps the receipts it relays) and one router in front
 * of the chain, as a user's extension reaches it.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalletEvents } from '../../../background/events.ts';
import { AnchorStore } from '../../../background/trust/anchor-store.ts';
import { ChainTrust } from '../../../background/trust/chain-trust.ts';
import { Vault } from '../../../background/vault/vault.ts';
import type {
  ChainConnector,
  Hex,
  PreparedTransaction,
  TransactionReceipt,
} from '../../../p2p/chains/connector.ts';
import { LightClient } from '../../../p2p/client/light-client.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { startRouter } from '../../../p2p/router/router.ts';
import { MemoryStorageArea } from '../../unit/vault/memory-storage.ts';
import type { TtmEvent } from './compliance.ts';

export const PASSWORD = 'correct horse battery';

/** The wallet's client, keeping every receipt it relays: what the suite reads events from. */
export class RecordingClient extends LightClient {
  readonly receipts: TransactionReceipt[] = [];
  #afterEndorsement: (() => Promise<void>) | null = null;

  /** Runs `action` once, after the next endorsement returns (what a test slips in before the submit). */
  afterNextEndorsement(action: () => Promise<void>): void {
    this.#afterEndorsement = action;
  }

  override async prepare(path: string, signed: Hex): Promise<PreparedTransaction> {
    const prepared = await super.prepare(path, signed);
    const action = this.#afterEndorsement;
    this.#afterEndorsement = null;
    if (action) await action();
    return prepared;
  }

  override async submit(path: string, signed: Hex, timeoutMs?: number): Promise<TransactionReceipt> {
    const receipt = await super.submit(path, signed, timeoutMs);
    this.receipts.push(receipt);
    return receipt;
  }

  /** The receipts relayed since the last call. */
  take(): TransactionReceipt[] {
    return this.receipts.splice(0);
  }

  /** The TTM events of the receipts since the last take, in the suite's words. */
  takeTtmEvents(dialect: EventDialect): TtmEvent[] {
    return this.take()
      .flatMap((receipt) => receipt.events)
      .map((event) => ttmEvent(dialect, event.name ?? '', event.args ?? {}))
      .filter((event): event is TtmEvent => event !== null);
  }
}

/** Where a chain's TTM events name their fields differently: a prepare's steps, a lock's parties. */
export interface EventDialect {
  steps(prepared: Record<string, unknown>): [string, string][];
  lockFrom: string;
  lockTo: string;
}

function ttmEvent(dialect: EventDialect, name: string, args: Record<string, unknown>): TtmEvent | null {
  switch (name) {
    case 'TxPrepared':
      return [
        name,
        {
          txId: args.txId as Hex,
          hashLock: args.hashLock as Hex,
          deadline: Number(args.deadline),
          steps: dialect.steps(args),
        },
      ];
    case 'TxCommitted':
      return [name, { txId: args.txId as Hex, preimage: args.preimage as Hex }];
    case 'TxAborted':
      return [name, { txId: args.txId as Hex }];
    case 'HtlcLocked':
      return [
        name,
        {
          id: args.id as Hex,
          from: String(args[dialect.lockFrom]),
          to: String(args[dialect.lockTo]),
          amount: String(args.amount),
          hashLock: args.hashLock as Hex,
          timelock: Number(args.timelock),
        },
      ];
    case 'HtlcClaimed':
      return [name, { id: args.id as Hex, preimage: args.preimage as Hex }];
    case 'HtlcRefunded':
      return [name, { id: args.id as Hex }];
    default:
      return null;
  }
}

/** An unlocked wallet vault in memory (a low KDF cost: the suite is not about the vault). */
/** The wallet's chain trust over `client`, anchors taken on first use and kept in memory. */
export function newChainTrust(client: LightClient): ChainTrust {
  return new ChainTrust({
    anchors: new AnchorStore(new MemoryStorageArea(), new WalletEvents()),
    client: () => client,
  });
}

export async function newVault(): Promise<Vault> {
  const vault = new Vault({
    local: new MemoryStorageArea(),
    session: new MemoryStorageArea(),
    iterations: 1_000,
    events: new WalletEvents(),
  });
  await vault.create(PASSWORD);
  return vault;
}

/**
 * One router fronting `connector`, and a wallet client connected to it over WebSockets
 * (a RecordingClient, or what `newClient` makes of the router's address).
 */
export async function routerFor<C extends LightClient = RecordingClient>(
  zone: string,
  connector: ChainConnector,
  newClient: (address: string) => C = (address) =>
    new RecordingClient({ routers: [address] }) as unknown as C,
): Promise<{ client: C; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-asset-chain-'));
  const router = await startRouter({
    config: parseRouterConfig({
      zone,
      dataDir: join(dir, 'router'),
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      admin: null,
    }),
    connectors: [connector],
    logger: createLogger('silent'),
  });
  const client = newClient(router.addresses()[0] as string);
  await client.connect();
  return {
    client,
    async close() {
      await client.stop();
      await router.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
