/**
 * The local network `npm start` runs, also used by integration tests and benchmarks:
 * a simulated FISCO BCOS chain with Weft's contracts deployed, a simulated Fabric network
 * (peers of Org1MSP and Org2MSP and an OrdererMSP orderer, chaincode endorsed by both
 * organisations) running Weft's chaincode, and three routers in two zones. r3 fronts no chain and
 * knows only r2, so reaching the FISCO BCOS chain from r3 takes two router hops
 * (r3 -> r2 -> r1): multi-hop is exercised by default.
 *
 *   zone "payment":  r1 ── fronts payment.bcos.{asset,kv,records} (FISCO BCOS devnode)
 *                     │
 *   zone "trade":    r2 ── fronts trade.fab.{asset,records}       (Fabric devpeer: Org1's gateway)
 *                     │
 *                    r3    fronts nothing; wallets may enter anywhere
 *
 * Everything lives under one data directory, so a restart keeps chain state, contract
 * addresses, router keys and ports. Each router's config, chains included, is written to
 * `<dataDir>/routers/<name>/router.json` (for `npm run router -- profile --config ...`).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { weftChaincodeMethods } from '../chains/fabric/chaincode/methods.ts';
import { FabricConnector } from '../chains/fabric/connector.ts';
import type { FabricSigningIdentity } from '../chains/fabric/identity.ts';
import { signPreparedTransaction, signProposal } from '../chains/fabric/offline-signing.ts';
import { FiscoBcosConnector } from '../chains/fisco-bcos/connector.ts';
import type { EcdsaSigner } from '../chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../chains/fisco-bcos/rpc-client.ts';
import { parseRouterConfig, type RouterConfigInput } from '../router/config.ts';
import { createLogger, type Logger } from '../router/log.ts';
import { loadOrCreateEcdsaKey, loadOrCreatePeerKey } from '../router/peer-key.ts';
import { type Router, startRouter } from '../router/router.ts';
import { type Devpeer, startDevpeer } from './fabric/devpeer.ts';
import type { IssuedIdentity } from './fabric/test-ca.ts';
import { deployWeftContracts } from './fisco-bcos/deploy-contracts.ts';
import { type Devnode, startDevnode } from './fisco-bcos/devnode.ts';

export interface LocalNetworkOptions {
  dataDir: string;
  /**
   * First of the ports used: FISCO RPC (+0), each router's TCP and WebSocket ports (+1..+6),
   * Org1's Fabric gateway (+7), Org2's (+8); 0 picks free ports.
   */
  basePort?: number;
  blockIntervalMs?: number;
  logger?: Logger;
}

export interface LocalRouter {
  name: string;
  zone: string;
  router: Router;
  /** The WebSocket multiaddr a wallet dials. */
  wsAddress: string;
  /** Its config file, the chains it fronts included. */
  configFile: string;
}

export interface LocalNetwork {
  fisco: {
    node: Devnode;
    chainId: number;
    groupId: number;
    deployer: EcdsaSigner;
    asset: string;
    kv: string;
    /** The Records contract of data-access grants, published as `payment.bcos.records`. */
    records: string;
  };
  /**
   * `user1` is the asset minter and owns accounts `user1` and `merchant`; `user2` owns `user2`
   * (1000 minted); `router1` is r2's own identity.
   */
  fabric: { peer: Devpeer; channel: string; user: FabricSigningIdentity };
  routers: LocalRouter[];
  stop(): Promise<void>;
}

const ROUTERS = [
  { name: 'r1', zone: 'payment', peers: ['r2'], chain: 'fisco' },
  { name: 'r2', zone: 'trade', peers: ['r1', 'r3'], chain: 'fabric' },
  { name: 'r3', zone: 'trade', peers: ['r2'], chain: null },
] as const;

const CHANNEL = 'mychannel';
/** The Fabric asset's unit (`SetUnit`); the FISCO BCOS Asset's symbol is WFA (deploy-contracts.ts). */
export const FABRIC_ASSET_SYMBOL = 'TRD';

export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const { dataDir } = options;
  const log = options.logger ?? createLogger('silent');
  const port = (offset: number) => (options.basePort ? options.basePort + offset : 0);
  mkdirSync(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };

  try {
    const chainId = 1;
    const groupId = 1;
    const deployer = loadOrCreateEcdsaKey(join(dataDir, 'fisco-deployer.key'));
    const node = await startDevnode({
      port: port(0),
      chainId,
      groupId,
      dataDir: join(dataDir, 'fisco'),
      blockIntervalMs: options.blockIntervalMs ?? 1000,
      sealerCount: 4,
      // The deployer is the chain's committee: it may change sealers through 0x1003.
      committee: deployer.address,
    });
    stops.push(() => node.close());
    const client = new FiscoRpcClient({ url: node.url, groupId });
    const contracts = await deployWeftContracts({
      client,
      signer: deployer,
      chainId,
      dataDir: join(dataDir, 'fisco'),
      // Records checks grants against its own path: the zone and chain name r1 publishes it under.
      resourcePrefix: 'payment.bcos',
      logger: log.child({ part: 'fisco-deploy' }),
    });

    const peer = await startDevpeer({
      dataDir: join(dataDir, 'fabric'),
      port: port(7),
      org2Port: port(8),
      channels: [CHANNEL],
      blockIntervalMs: Math.min(options.blockIntervalMs ?? 1000, 1000),
      // A second user, for the other side of a swap in the demo.
      users: ['user2'],
    });
    stops.push(() => peer.close());
    const user = peer.identities.user1 as FabricSigningIdentity;
    const user2 = peer.identities.user2 as FabricSigningIdentity;
    // The chaincode definitions' policies, as the router publishes them in its chain profile.
    const endorsement = (chaincode: string) => {
      const policy = peer.policyOf(chaincode);
      return policy ? { endorsement: { outOf: policy.n, orgs: [...policy.orgs] } } : {};
    };
    const fabricResources = [
      {
        name: 'asset',
        chaincode: 'asset',
        methods: weftChaincodeMethods.asset ?? [],
        ...endorsement('asset'),
      },
      {
        name: 'records',
        chaincode: 'records',
        methods: weftChaincodeMethods.records ?? [],
        ...endorsement('records'),
      },
    ];
    const routerIdentity = peer.identities.router1 as IssuedIdentity;
    const fabricConnector = (zone: string) =>
      new FabricConnector({
        endpoint: peer.address,
        channel: CHANNEL,
        zone,
        chainName: 'fab',
        routerIdentity,
        resources: fabricResources,
      });
    const chainsOf = (chain: (typeof ROUTERS)[number]['chain']): RouterConfigInput['chains'] =>
      chain === 'fisco'
        ? [
            {
              type: 'fisco-bcos',
              name: 'bcos',
              rpcUrl: node.url,
              chainId,
              groupId,
              resources: contracts.map((c) => ({
                name: c.name,
                address: c.address,
                abi: c.abi as unknown[],
              })),
            },
          ]
        : chain === 'fabric'
          ? [
              {
                type: 'fabric',
                name: 'fab',
                endpoint: peer.address,
                channel: CHANNEL,
                identity: {
                  mspId: routerIdentity.mspId,
                  certificateFile: join(routerIdentity.mspDir, 'signcerts', 'cert.pem'),
                  privateKeyFile: join(routerIdentity.mspDir, 'keystore', 'key.pem'),
                },
                resources: fabricResources,
              },
            ]
          : [];
    await initialiseFabricAsset(
      fabricConnector('setup'),
      { user1: user, user2 },
      join(dataDir, 'fabric', 'asset-initialised'),
    );

    // Keys first: every router must know its members' peer ids before it starts.
    const keys = await Promise.all(ROUTERS.map((r) => loadOrCreatePeerKey(join(dataDir, 'routers', r.name))));
    const peerIds = keys.map((k) => peerIdFromPrivateKey(k).toString());
    // Each zone bound to its own routers: a router of one zone cannot publish the other's paths.
    const zones: Record<string, string[]> = {};
    for (const [i, spec] of ROUTERS.entries()) {
      zones[spec.zone] = [...(zones[spec.zone] ?? []), peerIds[i] as string];
    }
    const started = new Map<string, Router>();
    const routers: LocalRouter[] = [];
    for (const [i, spec] of ROUTERS.entries()) {
      const bootstrap = spec.peers
        .map((p) => started.get(p))
        .filter((r): r is Router => r !== undefined)
        .map((r) => r.addresses().find((a) => !a.includes('/ws')) as string);
      const input: RouterConfigInput = {
        zone: spec.zone,
        dataDir: join(dataDir, 'routers', spec.name),
        listen: [`/ip4/127.0.0.1/tcp/${port(1 + i * 2)}`, `/ip4/127.0.0.1/tcp/${port(2 + i * 2)}/ws`],
        bootstrap,
        members: peerIds,
        zones,
        chains: chainsOf(spec.chain),
        admin: { host: '127.0.0.1', port: 0 },
      };
      const config = parseRouterConfig(input);
      const configFile = join(dataDir, 'routers', spec.name, 'router.json');
      writeFileSync(configFile, `${JSON.stringify(input, null, 2)}\n`);
      const connectors =
        spec.chain === 'fisco'
          ? [
              new FiscoBcosConnector({
                url: node.url,
                chainId,
                groupId,
                zone: spec.zone,
                chainName: 'bcos',
                resources: contracts,
              }),
            ]
          : spec.chain === 'fabric'
            ? [fabricConnector(spec.zone)]
            : [];
      const router = await startRouter({ config, connectors, logger: log.child({ name: spec.name }) });
      stops.push(() => router.stop());
      started.set(spec.name, router);
      routers.push({
        name: spec.name,
        zone: spec.zone,
        router,
        wsAddress: router.addresses().find((a) => a.includes('/ws')) as string,
        configFile,
      });
    }
    const asset = contracts.find((c) => c.name === 'asset')?.address as string;
    const kv = contracts.find((c) => c.name === 'kv')?.address as string;
    const records = contracts.find((c) => c.name === 'records')?.address as string;
    return {
      fisco: { node, chainId, groupId, deployer, asset, kv, records },
      fabric: { peer, channel: CHANNEL, user },
      routers,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Once per data directory: user1 becomes the asset minter with accounts `user1` (a supply) and
 * `merchant`, user2 gets account `user2` (1000), and the asset's unit is set, written the way a
 * wallet writes (offline-signed proposal and envelope).
 */
async function initialiseFabricAsset(
  connector: FabricConnector,
  users: { user1: FabricSigningIdentity; user2: FabricSigningIdentity },
  marker: string,
) {
  // The unit has its own marker: a ledger initialised before the chaincode had one gets it too.
  const unitMarker = `${marker}-unit`;
  try {
    if (existsSync(marker) && existsSync(unitMarker)) return;
    const resource = 'setup.fab.asset';
    const steps: ['user1' | 'user2', string, string[]][] = existsSync(marker)
      ? []
      : [
          ['user1', 'Initialize', []],
          ['user1', 'OpenAccount', ['user1']],
          ['user1', 'Mint', ['user1', '1000000']],
          // A second account of user1's, for the demo's cross-chain transfer to credit.
          ['user1', 'OpenAccount', ['merchant']],
          // user2's own account, for the other side of a swap.
          ['user2', 'OpenAccount', ['user2']],
          ['user1', 'Mint', ['user2', '1000']],
        ];
    // Whole units, as the amounts above were written.
    steps.push(['user1', 'SetUnit', [FABRIC_ASSET_SYMBOL, '0']]);
    for (const [who, fn, args] of steps) {
      const user = users[who];
      const proposal = signProposal(user, { channel: CHANNEL, chaincode: 'asset', fn, args });
      const prepared = await connector.prepare({ resource, signed: proposal.signed });
      const { signed } = signPreparedTransaction(user, prepared.unsigned, { txId: proposal.txId, fn });
      const receipt = await connector.submit({ resource, signed });
      if (receipt.status !== 'success') throw new Error(`Fabric ${fn} failed: ${receipt.chainStatus}`);
    }
    writeFileSync(marker, `${new Date().toISOString()}\n`);
    writeFileSync(unitMarker, `${new Date().toISOString()}\n`);
  } finally {
    await connector.close();
  }
}

/** Resolves once every router's directory lists `count` paths (or rejects after `timeoutMs`). */
export async function waitForDirectory(routers: Router[], count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (routers.every((r) => r.directory.entries().length >= count)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seen = routers.map((r) => r.directory.entries().length).join(', ');
  throw new Error(`directory did not converge to ${count} paths within ${timeoutMs} ms (have ${seen})`);
}
