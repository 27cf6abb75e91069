/**
 * Shared setup for the Fabric integration tests: a devpeer in a temporary data
 * directory with short blocks, and real @hyperledger/fabric-gateway connections. Closing
 * it checks every block the test made through the product's block verifier.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway } from '@hyperledger/fabric-gateway';
import { type FabricSigningIdentity, newDigestSigner } from '../../../p2p/chains/fabric/identity.ts';
import { type Devpeer, type DevpeerOptions, startDevpeer } from '../../../p2p/devnet/fabric/devpeer.ts';
import { verifyDevpeerLedgers } from './ledger-evidence.ts';

export const CHANNEL = 'mychannel';
export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export interface TestDevpeer {
  peer: Devpeer;
  dir: string;
  /** A Gateway connection; `signer: false` leaves signing to the test (offline signing). */
  connectAs(
    identity: FabricSigningIdentity,
    signer?: boolean | ((digest: Uint8Array) => Promise<Uint8Array>),
  ): Gateway;
  close(): Promise<void>;
}

export async function startTestDevpeer(
  options: Partial<DevpeerOptions> = {},
  dir?: string,
): Promise<TestDevpeer> {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'weft-devpeer-'));
  const peer = await startDevpeer({ blockIntervalMs: 50, ...options, dataDir });
  const clients: grpc.Client[] = [];
  const gateways: Gateway[] = [];
  return {
    peer,
    dir: dataDir,
    connectAs(identity, signer = true) {
      const client = new grpc.Client(peer.address, grpc.credentials.createInsecure());
      clients.push(client);
      const gateway = connect({
        client,
        identity: { mspId: identity.mspId, credentials: encoder.encode(identity.certificate) },
        ...(signer === true ? { signer: newDigestSigner(identity.privateKey) } : {}),
        ...(typeof signer === 'function' ? { signer } : {}),
      });
      gateways.push(gateway);
      return gateway;
    },
    async close() {
      // Every block this test made must pass the wallet's block verifier, on both peers.
      await verifyDevpeerLedgers(peer);
      for (const gateway of gateways) gateway.close();
      for (const client of clients) client.close();
      await peer.close();
      if (!dir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens `accounts` owned by `gateway`'s identity, and mints `amount` into each (minter = that identity). */
export async function fundAccounts(gateway: Gateway, accounts: string[], amount: string): Promise<void> {
  const asset = gateway.getNetwork(CHANNEL).getContract('asset');
  try {
    await asset.submitTransaction('Initialize');
  } catch {
    // already initialized by an earlier test in the same devpeer
  }
  await Promise.all(accounts.map((account) => asset.submitTransaction('OpenAccount', account)));
  await Promise.all(accounts.map((account) => asset.submitTransaction('Mint', account, amount)));
}
