/**
 * A chain profile file, as the chain's operators publish it (`npm run router -- profile`), imported
 * into the wallet: checked against the chain like a first-use anchor, then the anchor every answer
 * is verified against. A doctored file is refused and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { handlePopupMessage, readStatus } from '../../../background/popup-api.ts';
import type { WalletServices } from '../../../background/services.ts';
import { submitFiscoWrite } from '../../../background/signing/fisco-write.ts';
import type { ChainTrust } from '../../../background/trust/chain-trust.ts';
import { EvidenceRefusedError } from '../../../background/trust/verification.ts';
import type { Vault } from '../../../background/vault/vault.ts';
import type { FiscoChainProfile } from '../../../p2p/chains/chain-profile.ts';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { newVault } from '../asset-chain/wallet.ts';
import { assetArtifact, type Harness, startHarness } from '../fisco-bcos/helpers.ts';
import { copy, freshTrust, type LyingClient, lyingRouterFor } from './lying-client.ts';

const CHAIN = 'payment.bcos';
const PATH = `${CHAIN}.asset`;
const abi = assetArtifact.abi as never;

let h: Harness;
let asset: string;
let connector: FiscoBcosConnector;
let client: LyingClient;
let closeRouter: () => Promise<void>;
let vault: Vault;
/** What the operators publish: the router's own reading of the chain. */
let published: FiscoChainProfile;

before(async () => {
  h = await startHarness({ blockIntervalMs: 5, sealerCount: 4 });
  asset = await h.deploy(assetArtifact, ['Weft Coin', 'WFC', 1_000_000n]);
  connector = new FiscoBcosConnector({
    url: h.node.url,
    chainId: h.node.chainId,
    groupId: h.node.groupId,
    zone: 'payment',
    chainName: 'bcos',
    resources: [{ name: 'asset', address: asset, abi }],
  });
  ({ client, close: closeRouter } = await lyingRouterFor('payment', connector));
  vault = await newVault();
  await vault.addAccount('alice');
  published = (await connector.profile()) as FiscoChainProfile;
});

after(async () => {
  await closeRouter?.();
  await h?.node.close();
});

/** The popup's requests against a wallet that has only its chain trust. */
function popupServices(trust: ChainTrust): WalletServices {
  return { trust, vault: { isUnlocked: () => false } } as unknown as WalletServices;
}

test('an imported profile becomes the anchor, from the file, and verifies writes', async () => {
  const trust = freshTrust(client);
  const anchor = await trust.importProfile(CHAIN, JSON.parse(JSON.stringify(published)));
  assert.deepEqual(anchor.source, { kind: 'file' });
  assert.equal(anchor.fingerprint, published.genesisHash.toLowerCase());
  // No first-use profile was asked of a router: the file is the anchor.
  const asked = client.asked.length;
  const receipt = await submitFiscoWrite(client, vault, trust, 1, {
    path: PATH,
    to: asset,
    data: encodeCall(abi, 'balanceOf', [`0x${'00'.repeat(20)}`]),
    abi,
  });
  assert.match(receipt.verified.by, /^sealed by [34] of 4 sealers/);
  assert.ok(!client.asked.slice(asked).some((body) => body.op === 'chainProfile'));
});

test('a doctored profile is refused and the anchor stays as it was', async () => {
  const trust = freshTrust(client);
  await trust.importProfile(CHAIN, copy(published));
  const strangers = copy(published);
  strangers.sealers = strangers.sealers.map(() => 'ab'.repeat(64));
  await assert.rejects(trust.importProfile(CHAIN, strangers), (error) => {
    assert.ok(error instanceof EvidenceRefusedError);
    assert.match(error.reason, /does not list the profile's sealers/);
    return true;
  });
  const otherGenesis = { ...copy(published), genesisHash: `0x${'11'.repeat(32)}` };
  await assert.rejects(trust.importProfile(CHAIN, otherGenesis), /genesis hash/);
  assert.deepEqual((await trust.anchors.get(CHAIN))?.profile, published);
});

test('the popup imports a profile file and lists the anchor; malformed files are refused by type', async () => {
  const trust = freshTrust(client);
  const services = popupServices(trust);
  const text = JSON.stringify({ [CHAIN]: published });
  assert.deepEqual(await handlePopupMessage({ type: 'importProfiles', text }, services), { chains: [CHAIN] });
  const { anchors } = await readStatus(services, ['anchors']);
  assert.equal(anchors.length, 1);
  assert.equal(anchors[0]?.chain, CHAIN);
  assert.deepEqual(anchors[0]?.source, { kind: 'file' });
  assert.match(anchors[0]?.detail ?? '', /4 sealers at block \d+/);
  for (const bad of ['not json', '{"payment.bcos": {"type": "fisco-bcos"}}', '{"no-dot": {}}']) {
    const answer = await handlePopupMessage({ type: 'importProfiles', text: bad }, services);
    assert.ok('error' in answer, bad);
    assert.equal(answer.name, 'TypeError', bad);
  }
  assert.deepEqual(await handlePopupMessage({ type: 'forgetAnchor', chain: CHAIN }, services), { ok: true });
  assert.deepEqual((await readStatus(services, ['anchors'])).anchors, []);
});
