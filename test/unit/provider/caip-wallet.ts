/**
 * A wallet for the chain-agnostic provider tests: the real provider methods over the real
 * parts (vault, sessions, approval queue, activity log, trust anchors and chain trust, events),
 * with anchors of two real chains from ../shared/vectors (a FISCO BCOS group's genesis hash, a
 * Fabric channel's block 0). Only the router network is a stand-in, in memory: it lists and
 * describes resources, answers reads and pushes events, and records what it was asked.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityLog } from '../../../background/activity/activity-log.ts';
import type { Approval } from '../../../background/approvals/approval-kinds.ts';
import { ApprovalQueue, type UncheckedChoice } from '../../../background/approvals/approval-queue.ts';
import { WalletEvents } from '../../../background/events.ts';
import type { RequestContext } from '../../../background/provider/context.ts';
import { handleRequest } from '../../../background/provider/handle-request.ts';
import { providerMethods } from '../../../background/provider/methods/index.ts';
import type { WalletServices } from '../../../background/services.ts';
import { SessionStore } from '../../../background/sessions/session-store.ts';
import { AnchorStore } from '../../../background/trust/anchor-store.ts';
import { ChainTrust } from '../../../background/trust/chain-trust.ts';
import { Vault } from '../../../background/vault/vault.ts';
import type { ChainBlock } from '../../../p2p/chains/connector.ts';
import { readBlockFile } from '../../../p2p/chains/fabric/block-file.ts';
import { blockHeaderHash } from '../../../p2p/chains/fabric/block-hash.ts';
import { toHex } from '../../../p2p/chains/fabric/offline-signing.ts';
import { encodeFields } from '../../../p2p/chains/fabric/protobuf-wire.ts';
import type { CallParams } from '../../../p2p/client/light-client.ts';
import { TestCa } from '../../../p2p/devnet/fabric/test-ca.ts';
import type { ResourceEntry, ResourceEvent } from '../../../p2p/protocol/messages.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';
import { TEST_MNEMONIC } from '../vault/vectors.ts';

export const PASSWORD = 'correct horse battery';
export const ORIGIN = 'https://dapp.example';
/** Account 0 of the test mnemonic, as the vault names it, and in CAIP-10's lower case. */
export const ADDRESS_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
export const ACCOUNT_0 = ADDRESS_0.toLowerCase();

const vectors = new URL('../../../../shared/vectors/', import.meta.url);
/** Block 1 of the FISCO BCOS documentation's chain names block 0 (checked in caip-ids.test.ts). */
export const FISCO_GENESIS = '0x249f59e00beac8424a7821c4750fdd70c128f4ce795afbab53f345e9fce95d1a';
export const FISCO_CHAIN = 'fisco:249f59e00beac8424a7821c4750fdd70';
/** The sample ledger's block 0, re-encoded as the common.Block a channel profile carries. */
const ledger = readBlockFile(
  new Uint8Array(readFileSync(new URL('fabric/sampleorg-ledger.blockfile', vectors))),
);
export const FABRIC_CHAIN = 'fabric:c4a1491ab9a62e9125b3cbab3a782ea1';

export const ASSET = 'payment.bcos.asset';
export const KV = 'payment.bcos.kv';
export const FAB = 'trade.fab.asset';

/** A Fabric block as common.Block bytes (header, data, metadata). */
export function commonBlock(block: {
  number: bigint;
  previousHash: Uint8Array;
  dataHash: Uint8Array;
  data: Uint8Array[];
  metadata: Uint8Array[];
}): Uint8Array {
  return encodeFields([
    [
      1,
      encodeFields([
        [1, block.number],
        [2, block.previousHash],
        [3, block.dataHash],
      ]),
    ],
    [2, encodeFields(block.data.map((d) => [1, d, 'repeated'] as [number, Uint8Array, 'repeated']))],
    [3, encodeFields(block.metadata.map((m) => [1, m, 'repeated'] as [number, Uint8Array, 'repeated']))],
  ]);
}

export const fabricGenesis = ledger[0] as NonNullable<(typeof ledger)[0]>;
export const fabricGenesisHash = toHex(
  blockHeaderHash(fabricGenesis.number, fabricGenesis.previousHash, fabricGenesis.dataHash),
);

const p = (name: string, type: string) => ({ name, type });
const fiscoEntry = (path: string, address: string): ResourceEntry => ({
  path,
  chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
  address,
  methods: [
    { name: 'transfer', kind: 'write', inputs: [p('to', 'address'), p('amount', 'uint256')], outputs: [] },
    { name: 'balanceOf', kind: 'read', inputs: [p('who', 'address')], outputs: [p('', 'uint256')] },
  ],
  abi: [
    {
      type: 'function',
      name: 'transfer',
      stateMutability: 'nonpayable',
      inputs: [p('to', 'address'), p('amount', 'uint256')],
      outputs: [],
    },
    {
      type: 'function',
      name: 'balanceOf',
      stateMutability: 'view',
      inputs: [p('who', 'address')],
      outputs: [p('', 'uint256')],
    },
  ],
  router: 'r1',
  hops: 0,
});

export const RESOURCES: ResourceEntry[] = [
  fiscoEntry(ASSET, `0x${'a5'.repeat(20)}`),
  fiscoEntry(KV, `0x${'c0'.repeat(20)}`),
  {
    path: FAB,
    chain: { type: 'fabric', channel: 'mychannel' },
    address: 'asset',
    methods: [
      { name: 'BalanceOf', kind: 'read', inputs: [p('account', 'string')], outputs: [p('', 'string')] },
    ],
    router: 'r2',
    hops: 1,
  },
];

/** The router network in memory: what the wallet asks of `RouterConnection` and its light client. */
export class FakeRouters {
  readonly asked: string[] = [];
  entries = [...RESOURCES];
  /** Block 0 as the routers would answer `getBlock` (for anchors past a channel's first config). */
  blocks = new Map<string, ChainBlock>();
  readonly subscriptions = new Map<string, { path: string; onEvent: (event: ResourceEvent) => void }>();
  #next = 0;

  resources = async () => {
    this.asked.push('resources');
    return structuredClone(this.entries);
  };
  describe = async (path: string) => {
    const entry = this.entries.find((e) => e.path === path);
    if (!entry) throw new Error(`no resource ${path}`);
    return structuredClone(entry);
  };
  describeWithin = (path: string) => this.describe(path);
  secondOpinion = async () => null;
  client = () => this.#client;
  /** Which light client (1, 2, ...) made each subscription: a new router list makes a new client. */
  generation = 1;

  /** A new light client, as a new router list makes (its subscriptions start empty). */
  replaceClient(): void {
    this.generation++;
    this.#client = this.#makeClient();
  }

  /** Pushes `event` to every light-client subscription of `path`, as a router's event frame would. */
  emit(path: string, event: Omit<ResourceEvent, 'path'>): number {
    let delivered = 0;
    for (const sub of this.subscriptions.values()) {
      if (sub.path !== path) continue;
      sub.onEvent({ ...event, path });
      delivered++;
    }
    return delivered;
  }

  #client = this.#makeClient();

  #makeClient() {
    const generation = this.generation;
    return {
      resources: () => this.resources(),
      describe: (path: string) => this.describe(path),
      call: async (params: CallParams) => {
        this.asked.push(`call ${params.path}.${params.method} from ${params.from}`);
        return { values: ['1000'], raw: `0x${'0'.repeat(61)}3e8` };
      },
      getBlock: async (path: string, number: bigint) => {
        this.asked.push(`getBlock ${path} ${number}`);
        return this.blocks.get(path) ?? null;
      },
      subscribe: async (path: string, onEvent: (event: ResourceEvent) => void) => {
        this.asked.push(`subscribe ${path} on client ${generation}`);
        const id = `s${++this.#next}`;
        this.subscriptions.set(id, { path, onEvent });
        return {
          path,
          unsubscribe: async () => {
            this.asked.push(`unsubscribe ${path} on client ${generation}`);
            this.subscriptions.delete(id);
          },
        };
      },
      request: async (body: { op: string }) => {
        throw new Error(`the test routers answer no ${body.op}`);
      },
    };
  }
}

export type Decision = 'approve' | 'reject' | ((approval: Approval) => UncheckedChoice | false);

export interface CaipWallet {
  services: WalletServices;
  events: WalletEvents;
  routers: FakeRouters;
  sessions: SessionStore;
  anchors: AnchorStore;
  vault: Vault;
  /** Every approval the popup was asked for, in order. */
  approvals: Approval[];
  /** How the stand-in user answers the next approvals (approve as asked by default). */
  decide: { next: Decision };
  /** The provider's method table, as the worker serves it. */
  methods: ReturnType<typeof providerMethods>;
  request(
    method: string,
    params?: unknown,
    context?: Partial<RequestContext>,
  ): ReturnType<typeof handleRequest>;
  close(): Promise<void>;
}

/** A created, unlocked wallet (account 0 of the test mnemonic), with both chains anchored. */
export async function caipWallet(options: { fabricIdentity?: boolean } = {}): Promise<CaipWallet> {
  const events = new WalletEvents();
  const local = new MemoryStorageArea();
  const vault = new Vault({ local, session: new MemoryStorageArea(), iterations: 100, events });
  await vault.create(PASSWORD, TEST_MNEMONIC);
  let dir: string | null = null;
  if (options.fabricIdentity) {
    dir = await mkdtemp(join(tmpdir(), 'weft-caip-'));
    const identity = await (await TestCa.open(dir, 'Org1MSP')).issue('alice');
    await vault.importFabricIdentity(PASSWORD, {
      name: 'alice',
      mspId: 'Org1MSP',
      certificate: await readFile(join(identity.mspDir, 'signcerts', 'cert.pem'), 'utf8'),
      privateKeyPem: await readFile(join(identity.mspDir, 'keystore', 'key.pem'), 'utf8'),
    });
  }
  const anchors = new AnchorStore(local, events);
  await anchors.put({
    chain: 'payment.bcos',
    profile: {
      type: 'fisco-bcos',
      chainId: 1,
      groupId: 1,
      crypto: 'ecdsa',
      genesisHash: FISCO_GENESIS,
      sealers: ['ab'.repeat(64)],
      sealersAt: 0,
      receiptsWithRemainGas: false,
    },
    source: { kind: 'file' },
    fingerprint: FISCO_GENESIS,
    takenAt: 1,
  });
  await anchors.put({
    chain: 'trade.fab',
    profile: {
      type: 'fabric',
      channel: 'mychannel',
      configBlock: toHex(commonBlock(fabricGenesis)),
      chaincodes: {},
    },
    source: { kind: 'file' },
    fingerprint: fabricGenesisHash,
    takenAt: 1,
  });
  const routers = new FakeRouters();
  const trust = new ChainTrust({ anchors, client: () => routers.client() as never });
  const sessions = new SessionStore(local, events);
  const queue = new ApprovalQueue(events);
  const services = {
    version: '0.1.0',
    events,
    vault,
    routers,
    trust,
    sessions,
    approvals: queue,
    activity: new ActivityLog(local, events),
    local,
  } as unknown as WalletServices;
  const approvals: Approval[] = [];
  const decide: { next: Decision } = { next: 'approve' };
  events.on('approvals:added', ({ id }) => {
    const approval = queue.pending().find((a) => a.id === id);
    if (!approval) return;
    approvals.push(approval);
    // As the popup would: after the request is waiting, not inside its own event.
    setImmediate(() => {
      const choice =
        decide.next === 'approve' ? {} : decide.next === 'reject' ? false : decide.next(approval);
      queue.decide(id, choice !== false, choice === false ? {} : choice);
    });
  });
  const methods = providerMethods(services);
  return {
    services,
    events,
    routers,
    sessions,
    anchors,
    vault,
    approvals,
    decide,
    methods,
    request: (method, params, context) =>
      handleRequest(
        params === undefined ? { method } : { method, params },
        { origin: ORIGIN, ...context },
        methods,
      ),
    close: async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The result of an outcome that must have succeeded (with the error in the message otherwise). */
export function resultOf(outcome: Awaited<ReturnType<typeof handleRequest>>): unknown {
  if ('error' in outcome) throw new Error(`expected a result, got ${JSON.stringify(outcome.error)}`);
  return outcome.result;
}

/** The error of an outcome that must have failed. */
export function errorOf(outcome: Awaited<ReturnType<typeof handleRequest>>) {
  if (!('error' in outcome)) throw new Error(`expected an error, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}
