/**
 * Every popup screen, rendered in Chromium with the built extension against the local network,
 * checked for what it must say and saved as a PNG under test-output/screens/ (the README shows
 * copies from docs/screens/): onboarding, home with balances, routers, chains, each approval
 * kind (session, transfer, record, grant, cross-chain, swap), a transfer's verified outcome,
 * the cross-chain progress, contacts (and an approval naming one), activity and unlock.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getAddress, Wallet } from 'ethers';
import type { Locator, Page } from 'playwright-core';
import { encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import { assetArtifact } from '../../p2p/chains/fisco-bcos/contracts/index.ts';
import { signTransaction, transactionFields } from '../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../p2p/devnet/local-network.ts';
import {
  type ExtensionBrowser,
  importFabricIdentity,
  launchExtension,
  nextApprovalWindow,
  onboard,
  openPopup,
  type PageServer,
  pageRequest,
  servePages,
  TEST_ACCOUNT_0,
  testOutputDir,
} from './harness.ts';

const BCOS = 'payment.bcos.asset';
const FAB = 'trade.fab.asset';
const RECORDS = 'trade.fab.records';
const MERCHANT = '0x00000000000000000000000000000000000000aa';
const screensDir = join(testOutputDir, 'screens');

/** Saves `target` (a page, or one element of it) as test-output/screens/<name>.png. */
async function shot(target: Page | Locator, name: string): Promise<void> {
  const path = join(screensDir, `${name}.png`);
  if ('goto' in target) await target.screenshot({ path, fullPage: true });
  else await target.screenshot({ path });
}

async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}

describe('the popup screens', { timeout: 300_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let browser: ExtensionBrowser;
  let server: PageServer;
  let page: Page;
  let account2 = '';

  /** Makes a request, waits for the approval window, checks and saves it; the caller answers. */
  async function approvalWindow(args: unknown): Promise<{ window: Page; outcome: Promise<unknown> }> {
    const opened = nextApprovalWindow(browser);
    const outcome = pageRequest(page, args);
    const window = await opened;
    await window.setViewportSize({ width: 360, height: 640 });
    await window.getByTestId('approval').waitFor();
    return { window, outcome };
  }

  before(async () => {
    await mkdir(screensDir, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-screens-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 200 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      5,
    );
    // Fund the wallet's first account from the asset's deployer, signed here in Node.
    const r3 = net.routers.find((r) => r.name === 'r3')?.wsAddress as string;
    const node = new LightClient({ routers: [r3] });
    const info = await node.chainInfo(BCOS);
    const fund = transactionFields({
      to: net.fisco.asset,
      data: encodeCall(assetArtifact.abi as never, 'transfer', [TEST_ACCOUNT_0, 1000n]),
      chainId: 1,
      groupId: 1,
      blockLimit: info.blockNumber + 500n,
    });
    assert.equal((await node.submit(BCOS, signTransaction(fund, net.fisco.deployer).raw)).status, 'success');
    await node.stop();
    browser = await launchExtension();
    server = await servePages({ '/': '<!doctype html><title>screens dapp</title>' });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('onboarding', async () => {
    const popup = await openPopup(browser);
    const welcome = popup.getByTestId('onboarding');
    await welcome.waitFor();
    assert.match(
      await textOf(welcome),
      /Welcome to Weft[\s\S]*Create a new wallet[\s\S]*Import a recovery phrase/,
    );
    await shot(popup, 'onboarding');
    await popup.close();
  });

  test('home: what the user owns on both chains, with units and what backs each amount', async () => {
    const popup = await onboard(browser);
    await popup.getByRole('button', { name: 'Add account' }).click();
    await popup.getByTestId('account-1').waitFor();
    account2 = ((await popup.getByTestId('account-1').locator('code.address').textContent()) ?? '').trim();
    assert.match(account2, /^0x[0-9a-fA-F]{40}$/);
    // No routers yet: the balances say why instead of staying blank.
    assert.match(await textOf(popup.getByTestId('balances-error')), /no routers configured/);
    const r3 = net.routers.find((r) => r.name === 'r3')?.wsAddress as string;
    await popup.getByTestId('router-list').fill(r3);
    await popup.getByRole('button', { name: 'Save' }).click();
    await popup.getByText(`${BCOS} (2 hops)`).waitFor({ timeout: 20_000 });
    await popup.close();
    await importFabricIdentity(
      browser,
      (net.fabric.peer.identities.user1 as { mspDir: string }).mspDir,
      'user1',
    );

    const home = await openPopup(browser);
    const bcos = home.getByTestId(`asset-${BCOS}`);
    const fab = home.getByTestId(`asset-${FAB}`);
    await bcos.getByText('1,000 WFA').waitFor({ timeout: 20_000 });
    await fab.getByText('1,000,000 TRD').waitFor({ timeout: 20_000 });
    const bcosText = await textOf(bcos);
    assert.match(bcosText, /Account 1[\s\S]*1,000 WFA/);
    assert.match(bcosText, /Account 2[\s\S]*0 WFA/);
    assert.match(
      bcosText,
      /as reported by the router fronting payment\.bcos: FISCO BCOS 2\.x has no state proofs/,
    );
    assert.match(bcosText, /Weft Asset/);
    const fabText = await textOf(fab);
    assert.match(fabText, /user1[\s\S]*1,000,000 TRD/);
    assert.match(fabText, /✓ endorsed by Org1MSP and Org2MSP/);
    assert.match(await textOf(home.getByTestId('balances-payment.bcos')), /FISCO BCOS, chain 1, group 1/);
    assert.match(await textOf(home.getByTestId('balances-trade.fab')), /Fabric, channel mychannel/);
    await home.setViewportSize({ width: 360, height: 600 });
    await home.screenshot({ path: join(screensDir, 'home.png') });
    await shot(home, 'home-full');

    // Settings › Routers and Chains (the Fabric anchor was taken by the endorsed balance reads).
    const routers = home.locator('section.routers');
    assert.match(await textOf(home.getByTestId('router-status')), /^Connected to /);
    assert.match(await textOf(home.getByTestId('router-resources')), /trade\.fab\.asset \(1 hop\)/);
    await shot(routers, 'routers');
    const anchor = home.getByTestId('anchor-trade.fab');
    await anchor.waitFor();
    assert.match(await textOf(anchor), /fingerprint 0x[0-9a-f]{16}[\s\S]*channel mychannel/);
    await shot(home.locator('section.chains'), 'chains');
    await home.close();
  });

  test('approval: a session', async () => {
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    const { window, outcome } = await approvalWindow({
      method: 'weft_requestSession',
      params: [{ resources: [BCOS, FAB, RECORDS] }],
    });
    const shown = await textOf(window.getByTestId('approval'));
    assert.match(shown, /^Connection request/);
    assert.ok(shown.includes(server.origin));
    for (const path of [BCOS, FAB, RECORDS]) assert.ok(shown.includes(path), path);
    assert.match(shown, /FISCO BCOS, chain 1, group 1 · contract/);
    await shot(window, 'approve-session');
    await window.getByRole('button', { name: 'Approve' }).click();
    assert.ok('result' in ((await outcome) as object), JSON.stringify(await outcome));
    await window.close();
  });

  test('approval: a transfer in human terms, then how its outcome was verified', async () => {
    const { window, outcome } = await approvalWindow({
      method: 'weft_sendTransaction',
      params: [{ path: BCOS, method: 'transfer', args: [account2, '7'] }],
    });
    const short = `${account2.slice(0, 6)}…${account2.slice(-4)}`;
    await window
      .getByTestId('approval-headline')
      .filter({ hasText: /^Send 7 WFA / })
      .waitFor();
    assert.equal(await textOf(window.getByTestId('approval-headline')), `Send 7 WFA to Account 2 (${short})`);
    const args = await textOf(window.getByTestId('approval-args'));
    assert.ok(args.includes(`to Account 2 (${short}, your account)`), args);
    assert.ok(args.includes('value 7 WFA'), args);
    assert.equal(
      await textOf(window.getByTestId('approval-chain')),
      'FISCO BCOS, chain 1, group 1 · zone payment, chain bcos',
    );
    assert.match(
      await textOf(window.getByTestId('approval-contract')),
      new RegExp(`${net.fisco.asset}`, 'i'),
    );
    assert.equal(await textOf(window.getByTestId('approval-simulation')), 'succeeds, returns [true]');
    // The exact call stays one click away.
    assert.equal(await window.getByTestId('approval-call').isVisible(), false);
    await shot(window, 'approve-transfer');
    await window.getByTestId('approval-raw').locator('summary').click();
    assert.equal(
      await textOf(window.getByTestId('approval-call')),
      `transfer(to: "${account2}", value: "7")`,
    );
    await shot(window, 'approve-transfer-details');
    await window.getByRole('button', { name: 'Approve' }).click();
    const progress = window.getByTestId('write-progress');
    await progress.getByTestId('activity-verified').waitFor({ timeout: 20_000 });
    const verified = await textOf(progress);
    assert.match(verified, /Send 7 WFA to Account 2/);
    assert.match(verified, /done send payment\.bcos\.asset\.transfer/);
    assert.match(verified, /✓ sealed by [34] of 4 sealers \(block \d+\)/);
    await shot(window, 'transfer-verified');
    const receipt = (await outcome) as { result?: { status: string } };
    assert.equal(receipt.result?.status, 'success');
    await window.close();

    // The asset's Transfer event came while no popup showed the balances: home reads them again.
    const home = await openPopup(browser);
    const bcos = home.getByTestId(`asset-${BCOS}`);
    await bcos.getByText('993 WFA').waitFor({ timeout: 20_000 });
    await bcos.locator(`[data-holder="${account2}"]`).getByText('7 WFA').waitFor({ timeout: 20_000 });
    await home.close();
  });

  test('approval: a record write', async () => {
    const { window, outcome } = await approvalWindow({
      method: 'weft_putRecord',
      params: [{ path: RECORDS, record: 'kyc', fields: { name: 'Ada Lovelace', country: 'UK' } }],
    });
    const shown = await textOf(window.getByTestId('approval'));
    assert.match(shown, /^Record write request/);
    assert.match(shown, /name: Ada Lovelace/);
    assert.match(shown, /country: UK/);
    assert.match(shown, /Fabric, channel mychannel/);
    assert.match(shown, /user1 \(Org1MSP\)/);
    await shot(window, 'approve-record');
    await window.getByRole('button', { name: 'Reject' }).click();
    assert.equal(((await outcome) as { error?: { code: number } }).error?.code, 4001);
    await window.close();
  });

  test('approval: a data-access grant', async () => {
    const { window, outcome } = await approvalWindow({
      method: 'weft_requestGrant',
      params: [
        {
          resource: RECORDS,
          records: ['kyc'],
          fields: ['name', 'country'],
          durationSeconds: 3600,
          reason: 'Check your name and country to open your account',
          audiencePublicKey: Wallet.createRandom().signingKey.compressedPublicKey,
        },
      ],
    });
    assert.equal(await textOf(window.getByRole('heading', { level: 2 })), 'Data access request');
    const details = await textOf(window.getByTestId('grant-details'));
    assert.match(details, /trade\.fab\.records/);
    assert.match(details, /Check your name and country/);
    assert.match(details, /kyc/);
    await shot(window, 'approve-grant');
    await window.getByRole('button', { name: 'Reject' }).click();
    assert.equal(((await outcome) as { error?: { code: number } }).error?.code, 4001);
    await window.close();
  });

  test('approval: a swap', async () => {
    const { window, outcome } = await approvalWindow({
      method: 'weft_proposeSwap',
      params: [
        {
          give: { path: BCOS, amount: '7', to: MERCHANT },
          want: { path: FAB, amount: '3', to: 'user1' },
          timelockSeconds: 120,
        },
      ],
    });
    // In the assets' units once the wallet has them; the raw amounts below.
    await window.getByTestId('swap-get').filter({ hasText: 'TRD' }).waitFor();
    assert.match(
      await textOf(window.getByTestId('swap-give')),
      new RegExp(`You give: 7 WFA on ${BCOS}[\\s\\S]*${MERCHANT}`),
    );
    assert.match(await textOf(window.getByTestId('swap-get')), new RegExp(`You get: 3 TRD on ${FAB}`));
    assert.equal(await textOf(window.getByTestId('swap-amounts')), 'you give 7, you get 3');
    await shot(window, 'approve-swap');
    await window.getByRole('button', { name: 'Reject' }).click();
    assert.equal(((await outcome) as { error?: { code: number } }).error?.code, 4001);
    await window.close();
  });

  test('approval: a cross-chain transaction, then its progress to committed', async () => {
    const { window, outcome } = await approvalWindow({
      method: 'weft_sendCrossChainTransaction',
      params: [
        {
          steps: [
            { path: BCOS, to: MERCHANT, amount: '10' },
            { path: FAB, from: 'user1', to: 'merchant', amount: '5' },
          ],
        },
      ],
    });
    await window.getByTestId('ttm-step').filter({ hasText: 'TRD' }).waitFor();
    const steps = await window.getByTestId('ttm-step').allTextContents();
    assert.equal(steps.length, 2);
    assert.match(
      steps[0] ?? '',
      new RegExp(
        `On ${BCOS} \\(FISCO BCOS\\): pay 10 WFA from ${TEST_ACCOUNT_0} \\(Account 1, your account, signs for this site\\) to ${MERCHANT}$`,
        'i',
      ),
    );
    assert.equal(
      steps[1],
      'On trade.fab.asset (Fabric): pay 5 TRD from user1 (your account, identity user1) to merchant',
    );
    await shot(window, 'approve-cross-chain');
    await window.getByRole('button', { name: 'Approve' }).click();
    await window.getByTestId('ttm-progress').waitFor();
    await window
      .getByTestId('ttm-state')
      .filter({ hasText: /^committed$/ })
      .waitFor({ timeout: 30_000 });
    const progress = await textOf(window.getByTestId('ttm-progress'));
    assert.match(progress, /Approved[\s\S]*committed/);
    // Each leg's payment in its asset's unit, the user's accounts named, as the approval said it.
    const account0 = `${TEST_ACCOUNT_0.slice(0, 6)}…${TEST_ACCOUNT_0.slice(-4)}`;
    const leg = (path: string) => textOf(window.locator(`[data-leg-path="${path}"]`));
    assert.match(
      await leg(BCOS),
      new RegExp(`pay 10 WFA from Account 1 \\(${account0}\\) to 0x0000…00aa · deadline`, 'i'),
    );
    assert.match(await leg(FAB), /pay 5 TRD from user1 \(yours\) to merchant · deadline/);
    await shot(window, 'ttm-progress');
    assert.ok('result' in ((await outcome) as object), JSON.stringify(await outcome));
    await window.close();
  });

  test('contacts: added through the form, listed, then an approval names one', async () => {
    const home = await openPopup(browser, 900);
    const contacts = home.locator('section.contacts');
    await contacts.waitFor();
    const form = home.getByTestId('contact-form');
    const add = async (name: string, chain: string, address: string) => {
      await form.locator('input[name="name"]').fill(name);
      await form.locator('select[name="chain"]').selectOption(chain);
      await form.locator('input[name="address"]').fill(address);
      await form.getByRole('button', { name: 'Add contact' }).click();
    };
    // Invalid input: the worker's reason, nothing saved.
    await add('Merchant', 'fisco-bcos', '0x00aa');
    assert.equal(
      await textOf(home.getByTestId('contact-error')),
      'A FISCO BCOS address is 0x followed by 40 hex digits',
    );
    assert.equal(await home.getByTestId('contact').count(), 0);
    await add('Merchant', 'fisco-bcos', MERCHANT);
    await home.getByTestId('contact').first().waitFor();
    await add('Merchant Co', 'fabric', 'merchant');
    const rows = home.getByTestId('contact');
    await rows.nth(1).waitFor();
    assert.equal(await home.getByTestId('contact-error').count(), 0);
    // By name, each with its chain and the whole address (FISCO BCOS checksummed).
    assert.deepEqual(await rows.locator('strong').allTextContents(), ['Merchant', 'Merchant Co']);
    assert.match(await textOf(rows.nth(0)), /^Merchant FISCO BCOS/);
    assert.equal(await textOf(rows.nth(0).locator('code.address')), getAddress(MERCHANT));
    assert.match(await textOf(rows.nth(1)), /^Merchant Co Fabric[\s\S]*merchant$/);
    await shot(contacts, 'contacts');
    await home.close();

    const { window, outcome } = await approvalWindow({
      method: 'weft_sendTransaction',
      params: [{ path: BCOS, method: 'transfer', args: [MERCHANT, '3'] }],
    });
    await window
      .getByTestId('approval-headline')
      .filter({ hasText: /^Send 3 WFA / })
      .waitFor();
    assert.equal(
      await textOf(window.getByTestId('approval-headline')),
      'Send 3 WFA to Merchant (0x0000…00aa)',
    );
    const args = await textOf(window.getByTestId('approval-args'));
    assert.ok(args.includes('to Merchant (0x0000…00aa, contact)'), args);
    await shot(window, 'approve-transfer-contact');
    await window.getByRole('button', { name: 'Reject' }).click();
    assert.equal(((await outcome) as { error?: { code: number } }).error?.code, 4001);
    await window.close();
  });

  test('activity, then unlock', async () => {
    const home = await openPopup(browser, 900);
    const activity = home.getByTestId('activity');
    await activity.waitFor();
    const items = await activity.locator('li').allTextContents();
    assert.ok(
      items.some((i) => /rejected send trade\.fab\.records[\s\S]* · by user1 \(Org1MSP\)/.test(i)),
      items.join('\n'),
    );
    // Who signed, named as the wallet knows the account.
    assert.ok(
      items.some((i) =>
        /done send payment\.bcos\.asset\.transfer[\s\S]* · by Account 1 \(0xf39F…2266\)[\s\S]*✓ sealed by [34] of 4 sealers/.test(
          i,
        ),
      ),
      items.join('\n'),
    );
    await shot(home.locator('section', { has: activity }), 'activity');
    // The cross-chain list names each payment in its unit too, and the payees by the contacts added above.
    const summary = home.getByTestId('crosschain-item').locator('.crosschain-summary');
    await summary.filter({ hasText: 'TRD' }).waitFor({ timeout: 20_000 });
    assert.equal(
      await textOf(summary),
      `pay 10 WFA to Merchant (0x0000…00aa) on ${BCOS}, 5 TRD to Merchant Co (merchant) on ${FAB}`,
    );

    await home.getByRole('button', { name: 'Lock' }).click();
    const unlock = home.getByTestId('unlock');
    await unlock.waitFor();
    assert.match(await textOf(unlock), /^Unlock[\s\S]*Password/);
    assert.equal(await home.locator('input[name="password"]').count(), 1);
    await shot(home, 'unlock');
    await home.close();
  });
});
