/**
 * The asset-chain compliance suite's setup for FISCO BCOS (compliance.ts): the Asset contract
 * on a devnode, published as payment.bcos.asset by a router. Each party is an account of the
 * wallet's vault and signs its own writes, relayed through the router as the wallet relays
 * them. The issuer (the deployer) funds the parties straight on the node.
 * fisco-bcos/asset-ttm.test.ts runs the suite on it, with FISCO BCOS's own cases.
 */

import { type AssetChain, assetChain, ChainRefusedError } from '../../../background/ttm/asset-chain.ts';
import type { Hex } from '../../../background/ttm/types.ts';
import { decodeResult, decodeRevertReason, encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { assetArtifact, type Harness, startHarness } from '../fisco-bcos/helpers.ts';
import type { AssetChainSetup, Party, Reasons } from './compliance.ts';
import { type EventDialect, newChainTrust, newVault, type RecordingClient, routerFor } from './wallet.ts';

const PATH = 'payment.bcos.asset';
const SUPPLY = 1_000_000n;
const ZERO32 = `0x${'00'.repeat(32)}`;
const abi = assetArtifact.abi as never;

const reasons: Reasons = {
  locked: () => 'Asset: account locked by a cross-chain transaction',
  insufficient: () => 'Asset: insufficient balance',
  deadlineInPast: 'Asset: deadline passed',
  txUsed: () => 'Asset: transaction id already used',
  txAborted: () => 'Asset: transaction aborted',
  txCommitted: () => 'Asset: transaction committed',
  txUnknown: () => 'Asset: no such transaction',
  txWrongPreimage: () => 'Asset: wrong preimage',
  notOwner: () => 'Asset: only the owner may abort before the deadline',
  deadlinePassed: () => 'Asset: deadline passed',
  timelockInPast: 'Asset: timelock passed',
  htlcUsed: () => 'Asset: HTLC id already used',
  htlcWrongPreimage: () => 'Asset: wrong preimage',
  htlcEarly: () => 'Asset: timelock not reached',
  htlcExpired: () => 'Asset: timelock passed',
  htlcClaimed: () => 'Asset: HTLC claimed',
  htlcRefunded: () => 'Asset: HTLC refunded',
  htlcUnknown: () => 'Asset: no such HTLC',
  // The contract answers a repeated lock before looking at its state: a no-op.
  relockRefunded: () => null,
};

/** How the contract names its TTM events' fields (its Transfer events are checked in fisco-bcos/asset-ttm.test.ts). */
const EVENTS: EventDialect = {
  steps: (prepared) => {
    const amounts = prepared.amounts as bigint[];
    return (prepared.to as string[]).map((account, i) => [account, String(amounts[i])]);
  },
  lockFrom: 'sender',
  lockTo: 'receiver',
};

/** What FISCO BCOS's own cases use besides the suite's interface. */
export interface FiscoAssetChain extends AssetChainSetup {
  /** The devnode, with the issuer as its signer: what the chain-specific cases write through directly. */
  h: Harness;
  /** The Asset contract's address. */
  asset: string;
  /** The wallet's client: the receipts of the writes it relayed. */
  client: RecordingClient;
  /** The key of `party`'s account. */
  signer(party: Party): EcdsaSigner;
}

export async function startFiscoAssetChain(): Promise<FiscoAssetChain> {
  const h = await startHarness({ blockIntervalMs: 5 });
  const asset = await h.deploy(assetArtifact, ['Weft Coin', 'WFC', SUPPLY]);
  const connector = new FiscoBcosConnector({
    url: h.node.url,
    chainId: h.node.chainId,
    groupId: h.node.groupId,
    zone: 'payment',
    chainName: 'bcos',
    resources: [{ name: 'asset', address: asset, abi }],
  });
  const { client, close } = await routerFor('payment', connector);
  const entry = await client.describe(PATH);
  const vault = await newVault();
  const trust = newChainTrust(client);
  const accounts = [h.signer.address];
  /** Vault account index of each party's address. */
  const indexOf = new Map<string, number>();

  async function view(method: string, args: unknown[]): Promise<unknown[]> {
    const output = await h.client.callChecked({ to: asset, data: encodeCall(abi, method, args) });
    return decodeResult(abi, method, output);
  }

  return {
    h,
    asset,
    client,
    signer: (party) => new EcdsaSigner(vault.privateKey(indexOf.get(party.account) as number)),
    async party(name, funds = 0n) {
      const account = await vault.addAccount(name);
      // The chain reports addresses in lower case.
      const address = account.address.toLowerCase();
      indexOf.set(address, account.index);
      accounts.push(address);
      if (funds > 0n) {
        const receipt = await h.send(
          await h.sign({ to: asset, data: encodeCall(abi, 'transfer', [address, funds]) }),
        );
        if (receipt.status !== '0x0') throw new Error(`funding ${name} failed: ${receipt.status}`);
      }
      const chain: AssetChain = assetChain({
        client,
        vault,
        trust,
        entry,
        signer: { account: account.index },
      });
      return { name, account: address, chain };
    },
    balance: async (account) => (await view('balanceOf', [account]))[0] as bigint,
    // Straight to the node: the setup's own business, not the path under test.
    async transfer(by, to, amount) {
      const signer = new EcdsaSigner(vault.privateKey(indexOf.get(by.account) as number));
      const receipt = await h.send(
        await h.sign({ to: asset, data: encodeCall(abi, 'transfer', [to, amount]) }, signer),
      );
      if (receipt.status !== '0x0') {
        throw new ChainRefusedError(
          decodeRevertReason(receipt.output) ?? `transfer reverted (${receipt.status})`,
        );
      }
    },
    async lockedBy(account) {
      const [txId] = (await view('lockedBy', [account])) as [Hex];
      return txId === ZERO32 ? null : txId;
    },
    accounts: () => accounts,
    supply: async () => (await view('totalSupply', []))[0] as bigint,
    issued: () => SUPPLY,
    escrow: async () => (await view('balanceOf', [asset]))[0] as bigint,
    takeEvents: () => client.takeTtmEvents(EVENTS),
    reasons,
    async close() {
      await close();
      await h.node.close();
    },
  };
}
