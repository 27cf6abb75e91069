/**
 * devpeer: a simulated Fabric peer with its own orderer, test CA and real
 * chaincode, serving `gateway.Gateway` over gRPC so the unmodified
 * @hyperledger/fabric-gateway client works against it.
 *
 * Layout of the data directory:
 *   <dataDir>/crypto/ca/                 the test CA (ca-cert.pem, ca-key.pem)
 *   <dataDir>/crypto/<name>/msp/         issued identities (signcerts/cert.pem, keystore/key.pem)
 *   <dataDir>/ledgers/<channel>/blocks.bin
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { weftChaincodeModules } from '../../chains/fabric/chaincode/index.ts';
import { ChaincodeHost, type ChaincodeModule, ChaincodeProcess } from './chaincode-host.ts';
import { Committer } from './committer.ts';
import { Endorser } from './endorser.ts';
import { gatewayServiceDefinition } from './gateway-codec.ts';
import { createGatewayService } from './gateway-service.ts';
import { Ledger } from './ledger.ts';
import { MspVerifier } from './msp-verifier.ts';
import { Qscc, type SystemChaincode } from './qscc.ts';
import { type IssuedIdentity, TestCa } from './test-ca.ts';

export interface DevpeerOptions {
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  channels?: string[];
  mspId?: string;
  /** Batch timeout: a block is cut this long after its first transaction arrived. */
  blockIntervalMs?: number;
  /** Batch size: a block is cut as soon as it holds this many transactions. */
  maxBlockTxs?: number;
  /** Serve TLS with a server certificate from the test CA (for the host and 127.0.0.1, localhost). */
  tls?: boolean;
  /** Names of client identities to issue besides `user1` and `router1`. */
  users?: string[];
  /**
   * Chaincode name -> module exporting its fabric-contract-api class(es), or the
   * address of a chaincode server already running. Defaults to Weft's chaincode.
   */
  chaincodes?: Record<string, { module: string; exportName?: string } | { address: string }>;
}

export interface Devpeer {
  /** host:port the Gateway service listens on. */
  address: string;
  port: number;
  mspId: string;
  channels: string[];
  dataDir: string;
  /** Folder of the test CA and the identities it issued. */
  cryptoDir: string;
  caCertificate: string;
  /** With `tls`: the root certificate clients trust (the test CA's), PEM. */
  tlsRootCertificate?: string;
  identities: Record<string, IssuedIdentity>;
  /** Issues (or loads) another identity from the devpeer's CA. */
  issue(name: string): Promise<IssuedIdentity>;
  /** Cuts the pending block of every channel now. */
  cutBlocks(): void;
  ledger(channel: string): Ledger;
  close(): Promise<void>;
}

export async function startDevpeer(options: DevpeerOptions): Promise<Devpeer> {
  const mspId = options.mspId ?? 'Org1MSP';
  const channels = options.channels ?? ['mychannel'];
  const cryptoDir = join(options.dataDir, 'crypto');
  const ca = await TestCa.open(cryptoDir, mspId);
  const peerIdentity = await ca.issue('peer0', 'peer');
  const identities: Record<string, IssuedIdentity> = { peer0: peerIdentity };
  for (const name of ['admin', 'user1', 'router1', ...(options.users ?? [])]) {
    identities[name] = await ca.issue(name, name === 'admin' ? 'admin' : 'client');
  }
  const msp = new MspVerifier(ca);

  const ledgers = new Map<string, Ledger>();
  const committers = new Map<string, Committer>();
  for (const channel of channels) {
    const ledger = Ledger.open(options.dataDir, channel);
    ledgers.set(channel, ledger);
    committers.set(
      channel,
      new Committer({
        ledger,
        msp,
        peerIdentity,
        blockIntervalMs: options.blockIntervalMs ?? 1000,
        maxBlockTxs: options.maxBlockTxs ?? 1000,
      }),
    );
  }

  const hosts = new Map<string, ChaincodeHost>();
  const chaincodes = options.chaincodes ?? weftChaincodeModules;
  const modules: Record<string, ChaincodeModule> = {};
  const addresses = new Map<string, string>();
  for (const [name, where] of Object.entries(chaincodes)) {
    if ('address' in where) addresses.set(name, where.address);
    else modules[name] = where;
  }
  // All local chaincode in one fabric-shim process (it takes a second to load).
  const chaincodeProcess =
    Object.keys(modules).length > 0 ? await ChaincodeProcess.start(modules) : undefined;
  for (const [name, address] of chaincodeProcess?.addresses ?? []) addresses.set(name, address);
  const started = await Promise.allSettled(
    [...addresses].map(([name, address]) => ChaincodeHost.start({ name, address })),
  );
  for (const result of started) if (result.status === 'fulfilled') hosts.set(result.value.name, result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    for (const chaincodeHost of hosts.values()) chaincodeHost.close();
    chaincodeProcess?.close();
    throw (failed as PromiseRejectedResult).reason;
  }
  const systemChaincodes = new Map<string, SystemChaincode>([['qscc', new Qscc(ledgers)]]);
  const endorser = new Endorser({
    channels: ledgers,
    chaincodes: hosts,
    systemChaincodes,
    msp,
    peerIdentity,
  });

  let address = '';
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
    'grpc.max_send_message_length': 100 * 1024 * 1024,
    // No channelz bookkeeping per call: nothing inspects the devpeer's channelz.
    'grpc.enable_channelz': 0,
  });
  server.addService(
    gatewayServiceDefinition,
    createGatewayService({
      endorser,
      committers,
      chaincodes: new Set(hosts.keys()),
      systemChaincodes,
      msp,
      address: () => address,
    }),
  );
  const host = options.host ?? '127.0.0.1';
  let credentials = grpc.ServerCredentials.createInsecure();
  let tlsRootCertificate: string | undefined;
  if (options.tls) {
    const tls = await ca.issueTls('peer0', [...new Set([host, '127.0.0.1', 'localhost'])]);
    credentials = grpc.ServerCredentials.createSsl(
      null,
      [{ private_key: Buffer.from(tls.privateKey), cert_chain: Buffer.from(tls.certificate) }],
      false,
    );
    tlsRootCertificate = tls.ca;
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port ?? 0}`, credentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  address = `${host}:${port}`;

  let closed = false;
  return {
    address,
    port,
    mspId,
    channels,
    dataDir: options.dataDir,
    cryptoDir,
    caCertificate: ca.certificate,
    ...(tlsRootCertificate ? { tlsRootCertificate } : {}),
    identities,
    issue: async (name) => {
      const issued = await ca.issue(name);
      identities[name] = issued;
      return issued;
    },
    cutBlocks: () => {
      for (const committer of committers.values()) committer.cut();
    },
    ledger: (channel) => {
      const ledger = ledgers.get(channel);
      if (!ledger) throw new Error(`channel ${channel} not found`);
      return ledger;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // Commit what the orderer accepted, then stop serving.
      for (const committer of committers.values()) committer.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      for (const chaincodeHost of hosts.values()) chaincodeHost.close();
      chaincodeProcess?.close();
      for (const ledger of ledgers.values()) ledger.close();
    },
  };
}
