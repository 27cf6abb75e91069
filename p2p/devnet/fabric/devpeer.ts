/**
 * devpeer: a simulated Fabric network in one process: two application
 * organisations (Org1MSP, Org2MSP), each with its test CA and one peer serving
 * `gateway.Gateway` over gRPC (so the unmodified @hyperledger/fabric-gateway client
 * works against either), and an ordering organisation (OrdererMSP) whose Solo
 * orderer cuts and signs the blocks both peers validate and commit. Block 0 of each
 * channel is a channel config block carrying the three MSPs and the policies.
 * Chaincode is real (fabric-contract-api under fabric-shim, one process; each peer
 * has its own connection to it).
 *
 * Simulation shortcuts: a gateway asks the other organisation's peer for its
 * endorsement by calling it in-process (not over gRPC), the orderer hands blocks to
 * both peers in-process (no Deliver stream), and both peers share the cache of
 * parsed identities and already verified signatures (they load the same MSPs).
 *
 * Layout of the data directory:
 *   <dataDir>/crypto/                    Org1MSP's test CA (ca/) and identities (<name>/msp/)
 *   <dataDir>/crypto-Org2MSP/            Org2MSP's, the same way
 *   <dataDir>/crypto-OrdererMSP/         OrdererMSP's (the orderer identity)
 *   <dataDir>/peers/<peer>/ledgers/<channel>/blocks.bin   each peer's blocks
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { weftChaincodeModules } from '../../chains/fabric/chaincode/index.ts';
import { ChaincodeHost, type ChaincodeModule, ChaincodeProcess } from './chaincode-host.ts';
import { Committer } from './committer.ts';
import { buildConfigBlockEnvelope } from './config-block.ts';
import { checkPolicy, type EndorsementPolicy, majorityOf } from './endorsement-policy.ts';
import { Endorser } from './endorser.ts';
import { gatewayServiceDefinition } from './gateway-codec.ts';
import { createGatewayService, type EndorsingPeer } from './gateway-service.ts';
import { Ledger } from './ledger.ts';
import { MspVerifier } from './msp-verifier.ts';
import { genesisBlock, Orderer, orderedFromBlock } from './orderer.ts';
import { Qscc, type SystemChaincode } from './qscc.ts';
import { type IssuedIdentity, TestCa } from './test-ca.ts';

export interface DevpeerOptions {
  dataDir: string;
  host?: string;
  /** Org1's peer; 0 picks a free port. */
  port?: number;
  /** Org2's peer; 0 (the default) picks a free port. */
  org2Port?: number;
  channels?: string[];
  /** MSP id of the first application organisation (Org1MSP). */
  mspId?: string;
  /** Batch timeout: a block is cut this long after its first transaction arrived. */
  blockIntervalMs?: number;
  /** Batch size: a block is cut as soon as it holds this many transactions. */
  maxBlockTxs?: number;
  /** Serve TLS with server certificates from each organisation's test CA (for the host and 127.0.0.1, localhost). */
  tls?: boolean;
  /** Names of Org1 client identities to issue besides `user1` and `router1`. */
  users?: string[];
  /**
   * Chaincode name -> module exporting its fabric-contract-api class(es), or the
   * address of a chaincode server already running. Defaults to Weft's chaincode.
   */
  chaincodes?: Record<string, { module: string; exportName?: string } | { address: string }>;
  /** Endorsement policy per chaincode definition; default: a majority of the application organisations (both). */
  endorsementPolicies?: Record<string, EndorsementPolicy>;
}

/** One peer of the network, as a client reaches it. */
export interface DevpeerNode {
  name: string;
  mspId: string;
  /** host:port its Gateway service listens on. */
  address: string;
  port: number;
  /** Folder of its organisation's test CA and the identities it issued. */
  cryptoDir: string;
  caCertificate: string;
  tlsRootCertificate?: string;
  identities: Record<string, IssuedIdentity>;
  ledger(channel: string): Ledger;
}

export interface Devpeer {
  /** Org1's peer (what the fields below describe, as before there were two organisations). */
  address: string;
  port: number;
  mspId: string;
  channels: string[];
  dataDir: string;
  cryptoDir: string;
  caCertificate: string;
  /** With `tls`: the root certificate clients of Org1's peer trust (its CA's), PEM. */
  tlsRootCertificate?: string;
  identities: Record<string, IssuedIdentity>;
  /** Both peers: Org1's, then Org2's. */
  peers: DevpeerNode[];
  org2: DevpeerNode;
  /** The orderer's signing identity (OrdererMSP, orderer OU). */
  ordererIdentity: IssuedIdentity;
  /** Block 0 of `channel` (the channel config block), as common.Block bytes. */
  genesisBlock(channel: string): Uint8Array;
  /** The endorsement policy a chaincode's definition carries. */
  policyOf(chaincode: string): EndorsementPolicy | undefined;
  /** Issues (or loads) another client identity from Org1's CA. */
  issue(name: string): Promise<IssuedIdentity>;
  /** Cuts the pending block of every channel now. */
  cutBlocks(): void;
  /** Org1's peer's ledger. */
  ledger(channel: string): Ledger;
  close(): Promise<void>;
}

/** A data directory written by the one-organisation devpeer: its blocks were signed by a peer, not an orderer. */
export class LegacyDevpeerDataError extends Error {
  override name = 'LegacyDevpeerDataError';
  readonly path: string;
  constructor(dataDir: string) {
    super(
      `${dataDir} holds a one-organisation devpeer ledger (${join(dataDir, 'ledgers')}); delete ${dataDir} to start the two-organisation network`,
    );
    this.path = dataDir;
  }
}

interface PeerParts {
  node: DevpeerNode;
  identity: IssuedIdentity;
  ca: TestCa;
  msp: MspVerifier;
  ledgers: Map<string, Ledger>;
  committers: Map<string, Committer>;
  hosts: Map<string, ChaincodeHost>;
  server: grpc.Server;
  credentials: grpc.ServerCredentials;
}

const PEER_NAMES = ['peer0.org1', 'peer0.org2'] as const;

export async function startDevpeer(options: DevpeerOptions): Promise<Devpeer> {
  const { dataDir } = options;
  if (existsSync(join(dataDir, 'ledgers'))) throw new LegacyDevpeerDataError(dataDir);
  const org1MspId = options.mspId ?? 'Org1MSP';
  const channels = options.channels ?? ['mychannel'];
  const host = options.host ?? '127.0.0.1';
  const blockIntervalMs = options.blockIntervalMs ?? 1000;
  const maxBlockTxs = options.maxBlockTxs ?? 1000;

  const cas = [
    await TestCa.open(join(dataDir, 'crypto'), org1MspId, 'org1.example.com'),
    await TestCa.open(join(dataDir, 'crypto-Org2MSP'), 'Org2MSP', 'org2.example.com'),
  ];
  const ordererCa = await TestCa.open(join(dataDir, 'crypto-OrdererMSP'), 'OrdererMSP', 'example.com');
  const ordererIdentity = await ordererCa.issue('orderer', 'orderer');
  const applicationOrgs = cas.map((ca) => ca.mspId);
  const channelMsp = new MspVerifier(cas);

  const chaincodes = options.chaincodes ?? weftChaincodeModules;
  const policies = new Map<string, EndorsementPolicy>();
  for (const name of Object.keys(chaincodes)) {
    policies.set(
      name,
      checkPolicy(options.endorsementPolicies?.[name] ?? majorityOf(applicationOrgs), applicationOrgs),
    );
  }
  const policyOf = (chaincode: string) => policies.get(chaincode);

  const modules: Record<string, ChaincodeModule> = {};
  const addresses = new Map<string, string>();
  for (const [name, where] of Object.entries(chaincodes)) {
    if ('address' in where) addresses.set(name, where.address);
    else modules[name] = where;
  }
  // All local chaincode in one fabric-shim process (it takes a second to load); each peer connects to it.
  const chaincodeProcess =
    Object.keys(modules).length > 0 ? await ChaincodeProcess.start(modules) : undefined;
  for (const [name, address] of chaincodeProcess?.addresses ?? []) addresses.set(name, address);

  const parts: PeerParts[] = [];
  const closeAll = async () => {
    for (const part of parts) {
      part.server.forceShutdown();
      for (const chaincodeHost of part.hosts.values()) chaincodeHost.close();
      for (const ledger of part.ledgers.values()) ledger.close();
    }
    chaincodeProcess?.close();
  };
  const orderers = new Map<string, Orderer>();
  try {
    for (const [index, ca] of cas.entries()) {
      const name = PEER_NAMES[index] as string;
      const identity = await ca.issue('peer0', 'peer');
      const identities: Record<string, IssuedIdentity> = { peer0: identity };
      const clients = index === 0 ? ['user1', 'router1', ...(options.users ?? [])] : ['user1'];
      identities.admin = await ca.issue('admin', 'admin');
      for (const client of clients) identities[client] = await ca.issue(client, 'client');
      const ledgers = new Map<string, Ledger>();
      const committers = new Map<string, Committer>();
      const msp = channelMsp.forPeer(ca.mspId);
      for (const channel of channels) {
        const ledger = Ledger.open(join(dataDir, 'peers', name, 'ledgers'), channel);
        ledgers.set(channel, ledger);
        committers.set(channel, new Committer({ ledger, msp, policyOf }));
      }
      const hosts = new Map<string, ChaincodeHost>();
      const part: PeerParts = {
        node: {
          name,
          mspId: ca.mspId,
          address: '',
          port: 0,
          cryptoDir: ca.dir,
          caCertificate: ca.certificate,
          identities,
          ledger: (channel) => {
            const ledger = ledgers.get(channel);
            if (!ledger) throw new Error(`channel ${channel} not found`);
            return ledger;
          },
        },
        identity,
        ca,
        msp,
        ledgers,
        committers,
        hosts,
        server: new grpc.Server({
          'grpc.max_receive_message_length': 100 * 1024 * 1024,
          'grpc.max_send_message_length': 100 * 1024 * 1024,
          // No channelz bookkeeping per call: nothing inspects the devpeer's channelz.
          'grpc.enable_channelz': 0,
        }),
        credentials: grpc.ServerCredentials.createInsecure(),
      };
      parts.push(part);
      const started = await Promise.allSettled(
        [...addresses].map(([chaincode, address]) => ChaincodeHost.start({ name: chaincode, address })),
      );
      for (const result of started)
        if (result.status === 'fulfilled') hosts.set(result.value.name, result.value);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      if (options.tls) {
        const tls = await ca.issueTls('peer0', [...new Set([host, '127.0.0.1', 'localhost'])]);
        part.credentials = grpc.ServerCredentials.createSsl(
          null,
          [{ private_key: Buffer.from(tls.privateKey), cert_chain: Buffer.from(tls.certificate) }],
          false,
        );
        part.node.tlsRootCertificate = tls.ca;
      }
      const wanted = index === 0 ? (options.port ?? 0) : (options.org2Port ?? 0);
      const port = await new Promise<number>((resolve, reject) =>
        part.server.bindAsync(`${host}:${wanted}`, part.credentials, (error, bound) =>
          error ? reject(error) : resolve(bound),
        ),
      );
      part.node.port = port;
      part.node.address = `${host}:${port}`;
    }

    for (const channel of channels) {
      const committers = parts.map((part) => part.committers.get(channel) as Committer);
      const ledgers = committers.map((committer) => committer.ledger);
      if (ledgers.every((ledger) => ledger.height === 0n)) {
        const genesis = genesisBlock(
          buildConfigBlockEnvelope({
            channel,
            applicationOrgs: parts.map((part) => ({
              ca: part.ca,
              anchorPeer: { host, port: part.node.port },
            })),
            ordererOrg: { ca: ordererCa, endpoint: `${host}:7050` },
            batchTimeout: `${blockIntervalMs}ms`,
            maxMessageCount: maxBlockTxs,
            timestamp: Date.now(),
          }),
        );
        for (const committer of committers) committer.commit(genesis);
      }
      // A peer behind the other (killed between the two commits, or its ledger deleted)
      // catches up from the other's blocks, validating them itself.
      const leader = ledgers.reduce((a, b) => (b.height > a.height ? b : a));
      for (const committer of committers) {
        for (let n = committer.ledger.height; n < leader.height; n++) {
          committer.commit(orderedFromBlock(leader.blockBytes(n) as Uint8Array));
        }
      }
      orderers.set(
        channel,
        new Orderer({
          identity: ordererIdentity,
          height: leader.height,
          previousHash: leader.currentHash,
          blockIntervalMs,
          maxBlockTxs,
          deliver: (block) => {
            for (const committer of committers) committer.commit(block);
          },
        }),
      );
    }

    const endorsingPeers = new Map<string, EndorsingPeer>();
    for (const part of parts) {
      const systemChaincodes = new Map<string, SystemChaincode>([['qscc', new Qscc(part.ledgers)]]);
      const endorser = new Endorser({
        channels: part.ledgers,
        chaincodes: part.hosts,
        systemChaincodes,
        msp: part.msp,
        peerIdentity: part.identity,
      });
      endorsingPeers.set(part.ca.mspId, { mspId: part.ca.mspId, endorser, address: () => part.node.address });
    }
    for (const part of parts) {
      const systemChaincodes = new Map<string, SystemChaincode>([['qscc', new Qscc(part.ledgers)]]);
      part.server.addService(
        gatewayServiceDefinition,
        createGatewayService({
          local: endorsingPeers.get(part.ca.mspId) as EndorsingPeer,
          peers: endorsingPeers,
          policyOf,
          orderers,
          committers: part.committers,
          chaincodes: new Set(part.hosts.keys()),
          systemChaincodes,
          msp: part.msp,
        }),
      );
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  const [org1, org2] = parts as [PeerParts, PeerParts];
  let closed = false;
  return {
    address: org1.node.address,
    port: org1.node.port,
    mspId: org1MspId,
    channels,
    dataDir,
    cryptoDir: org1.node.cryptoDir,
    caCertificate: org1.node.caCertificate,
    ...(org1.node.tlsRootCertificate ? { tlsRootCertificate: org1.node.tlsRootCertificate } : {}),
    identities: org1.node.identities,
    peers: parts.map((part) => part.node),
    org2: org2.node,
    ordererIdentity,
    genesisBlock: (channel) => org1.node.ledger(channel).blockBytes(0n) as Uint8Array,
    policyOf,
    issue: async (name) => {
      const issued = await org1.ca.issue(name);
      org1.node.identities[name] = issued;
      return issued;
    },
    cutBlocks: () => {
      for (const channelOrderer of orderers.values()) channelOrderer.cut();
    },
    ledger: org1.node.ledger,
    close: async () => {
      if (closed) return;
      closed = true;
      // Deliver what the orderer accepted, then stop serving.
      for (const channelOrderer of orderers.values()) channelOrderer.close();
      await Promise.all(
        parts.map(
          (part) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                part.server.forceShutdown();
                resolve();
              }, 500);
              part.server.tryShutdown(() => {
                clearTimeout(timer);
                resolve();
              });
            }),
        ),
      );
      await closeAll();
    },
  };
}
