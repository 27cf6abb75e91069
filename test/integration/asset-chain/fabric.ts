/**
 * The asset-chain compliance suite's setup for Fabric (compliance.ts): the asset chaincode on a
 * devpeer, published as trade.fab.asset by a router. Each party is an identity from the
 * devpeer's test CA, imported into the wallet's vault, owning one account, and signs its own
 * proposals and envelopes, relayed through the router as the wallet relays them. user1 is the
 * minter. fabric/asset-ttm.test.ts runs the suite on it, with Fabric's own cases.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AssetChain, assetChain, ChainRefusedError } from '../../../background/ttm/asset-chain.ts';
import type { Hex } from '../../../background/ttm/types.ts';
import { assetMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import { FabricChaincodeError } from '../../../p2p/chains/fabric/errors.ts';
import type { FabricSigningIdentity } from '../../../p2p/chains/fabric/identity.ts';
import { signPreparedTransaction, signProposal } from '../../../p2p/chains/fabric/offline-signing.ts';
import type { IssuedIdentity } from '../../../p2p/devnet/fabric/test-ca.ts';
import { CHANNEL, startTestDevpeer, type TestDevpeer } from '../fabric/fixture.ts';
import type { AssetChainSetup, Party, Reasons } from './compliance.ts';
import {
  type EventDialect,
  newChainTrust,
  newVault,
  PASSWORD,
  type RecordingClient,
  routerFor,
} from './wallet.ts';

const PATH = 'trade.fab.asset';

/** A chaincode error as the router relays it: the peer's status, then the chaincode's words. */
const refusal = (message: string) => `chaincode returned 500: ${message}`;

const reasons: Reasons = {
  locked: (account) => refusal(`account ${account} is locked by a cross-chain transaction`),
  insufficient: (account) => refusal(`insufficient funds in account ${account}`),
  deadlineInPast: refusal('deadline must be in the future'),
  txUsed: (txId) => refusal(`transaction ${txId} was prepared with other parameters`),
  txAborted: (txId) => refusal(`transaction ${txId} is aborted`),
  txCommitted: (txId) => refusal(`transaction ${txId} is committed`),
  txUnknown: (txId) => refusal(`transaction ${txId} is not prepared`),
  txWrongPreimage: (txId) => refusal(`preimage does not match the hash lock of transaction ${txId}`),
  notOwner: (txId) => refusal(`only the owner may abort transaction ${txId} before its deadline`),
  deadlinePassed: (txId) => refusal(`transaction ${txId} passed its deadline`),
  timelockInPast: refusal('timelock must be in the future'),
  htlcUsed: (id) => refusal(`htlc ${id} was locked with other parameters`),
  htlcWrongPreimage: (id) => refusal(`preimage does not match the hash lock of htlc ${id}`),
  htlcEarly: (id) => refusal(`htlc ${id} cannot be refunded before its timelock`),
  htlcExpired: (id) => refusal(`htlc ${id} passed its timelock`),
  htlcClaimed: (id) => refusal(`htlc ${id} is claimed`),
  htlcRefunded: (id) => refusal(`htlc ${id} is refunded`),
  htlcUnknown: (id) => refusal(`htlc ${id} does not exist`),
  // The chaincode looks at a refunded lock's state before comparing the parameters.
  relockRefunded: (id) => refusal(`htlc ${id} is refunded`),
};

/** How the chaincode names its TTM events' fields (their payloads in full: fabric/asset-ttm.test.ts). */
const EVENTS: EventDialect = {
  steps: (prepared) => (prepared.transfers as { to: string; amount: string }[]).map((t) => [t.to, t.amount]),
  lockFrom: 'from',
  lockTo: 'to',
};

/** What Fabric's own cases use besides the suite's interface. */
export interface FabricAssetChain extends AssetChainSetup {
  devpeer: TestDevpeer;
  /** The router's connector to the devpeer: what the chain-specific cases write through directly. */
  connector: FabricConnector;
  client: RecordingClient;
  minter: FabricSigningIdentity;
  /** The identity that owns `party`'s account, with its key. */
  identity(party: Party): FabricSigningIdentity;
  /** Another account for `owner`, holding `funds`. */
  openAccount(owner: Party, account: string, funds?: bigint): Promise<void>;
}

export async function startFabricAssetChain(): Promise<FabricAssetChain> {
  // Every write is a block of its own at once: the suite never writes two at a time. The
  // ledger lives in memory where there is a tmpfs: it fsyncs every block.
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'weft-devpeer-'));
  const devpeer = await startTestDevpeer({ maxBlockTxs: 1 }, dir);
  const connector = new FabricConnector({
    endpoint: devpeer.peer.address,
    channel: CHANNEL,
    zone: 'trade',
    chainName: 'fab',
    routerIdentity: devpeer.peer.identities.router1 as FabricSigningIdentity,
    resources: [{ name: 'asset', chaincode: 'asset', methods: assetMethods }],
  });
  const { client, close } = await routerFor('trade', connector);
  const entry = await client.describe(PATH);
  const vault = await newVault();
  const trust = newChainTrust(client);

  /** Imports an identity of the devpeer's CA into the vault, as a user does in the popup. */
  async function imported(identity: IssuedIdentity): Promise<string> {
    const meta = await vault.importFabricIdentity(PASSWORD, {
      name: identity.name,
      mspId: identity.mspId,
      certificate: await readFile(join(identity.mspDir, 'signcerts', 'cert.pem'), 'utf8'),
      privateKeyPem: await readFile(join(identity.mspDir, 'keystore', 'key.pem'), 'utf8'),
    });
    return meta.id;
  }

  /**
   * A write signed with the vault's `identity`, straight to the peer: the setup's own business
   * (accounts, minting, plain transfers), not the path under test. A refusal is a
   * ChainRefusedError in the words the router relays it with.
   */
  async function write(identity: string, fn: string, args: string[]): Promise<void> {
    const signer = vault.fabricSigningIdentity(identity);
    const proposal = signProposal(signer, { channel: CHANNEL, chaincode: 'asset', fn, args });
    try {
      const prepared = await connector.prepare({ resource: PATH, signed: proposal.signed });
      const { signed } = signPreparedTransaction(signer, prepared.unsigned, { txId: proposal.txId, fn });
      await connector.submit({ resource: PATH, signed });
    } catch (error) {
      if (error instanceof FabricChaincodeError) throw new ChainRefusedError(error.message);
      throw error;
    }
  }

  async function read(fn: string, args: string[]): Promise<string> {
    return String((await connector.call({ resource: PATH, method: fn, args })).values[0]);
  }

  const minter = await imported(devpeer.peer.identities.user1 as IssuedIdentity);
  await write(minter, 'Initialize', []);

  async function open(identity: string, account: string, funds: bigint): Promise<void> {
    await write(identity, 'OpenAccount', [account]);
    ownerOf.set(account, identity);
    accounts.push(account);
    if (funds > 0n) {
      await write(minter, 'Mint', [account, String(funds)]);
      issued += funds;
    }
  }
  const accounts: string[] = [];
  /** The vault's identity id of each party's account. */
  const ownerOf = new Map<string, string>();
  let issued = 0n;
  let parties = 0;

  return {
    devpeer,
    connector,
    client,
    minter: devpeer.peer.identities.user1 as FabricSigningIdentity,
    identity: (party) => vault.fabricSigningIdentity(ownerOf.get(party.account) as string),
    openAccount: (owner, account, funds = 0n) => open(ownerOf.get(owner.account) as string, account, funds),
    async party(name, funds = 0n) {
      const account = `${name}-${++parties}`;
      const identity = await imported(await devpeer.peer.issue(account));
      await open(identity, account, funds);
      const chain: AssetChain = assetChain({
        client,
        vault,
        trust,
        entry,
        signer: { account: 0, fabricIdentity: identity },
      });
      return { name, account, chain };
    },
    balance: async (account) => BigInt(await read('BalanceOf', [account])),
    transfer: (by, to, amount) =>
      write(ownerOf.get(by.account) as string, 'Transfer', [by.account, to, String(amount)]),
    async lockedBy(account) {
      const txId = await read('LockedBy', [account]);
      return txId === '' ? null : (txId as Hex);
    },
    accounts: () => accounts,
    supply: async () => BigInt(await read('TotalSupply', [])),
    issued: () => issued,
    takeEvents: () => client.takeTtmEvents(EVENTS),
    reasons,
    async close() {
      await close();
      await connector.close();
      await devpeer.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
