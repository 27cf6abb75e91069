/**
 * Attack 9 against a real FISCO BCOS devnode: after the user approved a session for
 * payment.bcos.asset, the lying entry router serves another contract's address for that path
 * (asset2, a real contract where the user also holds coins, so a signed transfer would really
 * move them). The wallet's weft_sendTransaction refuses with 4100 DESCRIPTION_CHANGED before
 * anything is signed or submitted; both contracts' balances stay as they were. Asking for the
 * session again shows the change and, approved, re-pins.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SessionApprovalDetails } from '../../../background/approvals/approval-kinds.ts';
import type { UncheckedChoice } from '../../../background/approvals/approval-queue.ts';
import { WalletEvents } from '../../../background/events.ts';
import { handleRequest } from '../../../background/provider/handle-request.ts';
import { providerMethods } from '../../../background/provider/methods/index.ts';
import type { WalletServices } from '../../../background/services.ts';
import { SessionStore } from '../../../background/sessions/session-store.ts';
import type { Vault } from '../../../background/vault/vault.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { Session } from '../../../content/provider-schema.ts';
import { decodeResult, encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { MemoryStorageArea } from '../../unit/vault/memory-storage.ts';
import { newVault } from '../asset-chain/wallet.ts';
import { assetArtifact, type Harness, startHarness } from '../fisco-bcos/helpers.ts';
import { freshTrust, type LyingClient, lyingRouterFor } from './lying-client.ts';

const PATH = 'payment.bcos.asset';
const ORIGIN = 'https://shop.example';
const abi = assetArtifact.abi as never;
const bob = `0x${'b0'.repeat(20)}`;

let h: Harness;
let asset: string;
let asset2: string;
let client: LyingClient;
let closeRouter: () => Promise<void>;
let vault: Vault;
let alice: string;
let aliceIndex: number;

before(async () => {
  h = await startHarness({ blockIntervalMs: 5, sealerCount: 4 });
  asset = await h.deploy(assetArtifact, ['Weft Coin', 'WFC', 1_000_000n]);
  asset2 = await h.deploy(assetArtifact, ['Other Coin', 'OTC', 1_000_000n]);
  const connector = new FiscoBcosConnector({
    url: h.node.url,
    chainId: h.node.chainId,
    groupId: h.node.groupId,
    zone: 'payment',
    chainName: 'bcos',
    resources: [
      { name: 'asset', address: asset, abi },
      { name: 'asset2', address: asset2, abi },
    ],
  });
  ({ client, close: closeRouter } = await lyingRouterFor('payment', connector));
  vault = await newVault();
  const account = await vault.addAccount('alice');
  alice = account.address.toLowerCase();
  aliceIndex = account.index;
  for (const contract of [asset, asset2]) {
    const receipt = await h.send(
      await h.sign({ to: contract, data: encodeCall(abi, 'transfer', [alice, 1_000n]) }),
    );
    assert.equal(receipt.status, '0x0');
  }
});

after(async () => {
  await closeRouter?.();
  await h?.node.close();
});

async function balance(contract: string, account: string): Promise<bigint> {
  const output = await h.client.callChecked({ to: contract, data: encodeCall(abi, 'balanceOf', [account]) });
  return decodeResult(abi, 'balanceOf', output)[0] as bigint;
}

/** The wallet's provider over the lying router: sessions and transactions approved as asked. */
function wallet() {
  const asked: { kind: string; details: unknown }[] = [];
  const activity: Record<string, unknown>[] = [];
  const local = new MemoryStorageArea();
  const services = {
    sessions: new SessionStore(local, new WalletEvents()),
    local,
    vault,
    // No describe cache: each request asks the router, as after the wallet's cache expires.
    routers: { client: () => client, describe: (path: string) => client.describe(path) },
    trust: freshTrust(client),
    grants: { list: async () => [] },
    approvals: {
      request: async (
        kind: string,
        _origin: string,
        details: unknown,
        narrow: (c: UncheckedChoice) => unknown,
      ) => {
        asked.push({ kind, details });
        return narrow({ account: aliceIndex });
      },
    },
    activity: {
      add: async (entry: Record<string, unknown>) => {
        activity.push(entry);
        return String(activity.length);
      },
      settle: async () => undefined,
    },
  } as unknown as WalletServices;
  const methods = providerMethods(services);
  const request = (method: string, params: unknown) =>
    handleRequest({ method, params: [params] }, { origin: ORIGIN }, methods);
  return { request, asked, activity };
}

test('a lying router serving another contract address for payment.bcos.asset: the send is refused, nothing signed or moved', async () => {
  client.truth();
  const w = wallet();
  const session = await w.request('weft_requestSession', { resources: [PATH] });
  assert.ok('result' in session, JSON.stringify(session));
  assert.equal((session.result as Session).pins?.[PATH]?.address, asset.toLowerCase());

  // Control: as approved, the transfer goes to asset and is verified.
  const sent = await w.request('weft_sendTransaction', { path: PATH, method: 'transfer', args: [bob, '3'] });
  assert.ok('result' in sent, JSON.stringify(sent));
  assert.equal((sent.result as { status: string }).status, 'success');
  assert.equal(await balance(asset, bob), 3n);

  client.lie('describe', async (body, honest) => {
    const entry = await honest();
    return body.path === PATH ? { ...entry, address: asset2 } : entry;
  });
  try {
    const before = [await balance(asset, alice), await balance(asset2, alice), await balance(asset2, bob)];
    const asked = client.asked.length;
    const approvals = w.asked.length;
    const outcome = await w.request('weft_sendTransaction', {
      path: PATH,
      method: 'transfer',
      args: [bob, '5'],
    });
    assert.ok('error' in outcome, JSON.stringify(outcome));
    assert.equal(outcome.error.code, ErrorCode.unauthorized);
    assert.deepEqual(outcome.error.data, {
      reason: 'DESCRIPTION_CHANGED',
      path: PATH,
      changes: [{ field: 'address', pinned: asset.toLowerCase(), now: asset2.toLowerCase() }],
    });
    // Nothing past the describe: no dry run, no prepare, no submit; no approval shown.
    assert.deepEqual(
      client.asked.slice(asked).map((b) => b.op),
      ['describe'],
    );
    assert.equal(w.asked.length, approvals);
    assert.deepEqual(
      [await balance(asset, alice), await balance(asset2, alice), await balance(asset2, bob)],
      before,
    );
    assert.equal(w.activity.at(-1)?.status, 'failed');

    // The site asks again: the approval shows old and new; approved, the new contract is pinned.
    const again = await w.request('weft_requestSession', { resources: [PATH] });
    assert.ok('result' in again, JSON.stringify(again));
    const details = w.asked.at(-1)?.details as SessionApprovalDetails;
    const shown = details.descriptions[PATH];
    assert.ok(shown && 'pin' in shown && shown.changes?.[0]?.field === 'address');
    assert.equal((again.result as Session).pins?.[PATH]?.address, asset2.toLowerCase());
  } finally {
    client.truth();
  }
});
