/**
 * A dapp against the real local network, through the wallet: session approval, a read,
 * an approved FISCO BCOS transfer that moves balances on the chain, a rejected one, a revoked
 * session, and another origin that cannot use this one's session (the approval window closed
 * without an answer: approval-window.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import { assetArtifact } from '../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../p2p/devnet/local-network.ts';
import {
  answerApproval,
  connectWallet,
  type ExtensionBrowser,
  launchExtension,
  nextApprovalWindow,
  openPopup,
  type PageServer,
  pageRequest,
  servePages,
  TEST_ACCOUNT_0,
  TEST_PASSWORD,
  testOutputDir,
} from './harness.ts';

const ASSET = 'payment.bcos.asset';
const FAB = 'trade.fab.asset';
const RECORDS = 'trade.fab.records';

describe('a dapp through the wallet to the chains', { timeout: 180_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let browser: ExtensionBrowser;
  let server: PageServer;
  let other: PageServer;
  let page: Page;
  let node: LightClient;

  const nextWindow = () => nextApprovalWindow(browser);

  const balance = async (who: string) =>
    BigInt(String((await node.call({ path: ASSET, method: 'balanceOf', args: [who] })).values[0]));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-dapp-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 200 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      4,
    );
    const r3 = net.routers.find((r) => r.name === 'r3')?.wsAddress as string;
    node = new LightClient({ routers: [r3] });
    // Fund the wallet's account 0 from the asset's deployer, signed here in Node.
    const info = await node.chainInfo(ASSET);
    const fund = transactionFields({
      to: net.fisco.asset,
      data: encodeCall(assetArtifact.abi as never, 'transfer', [TEST_ACCOUNT_0, 1000n]),
      chainId: 1,
      groupId: 1,
      blockLimit: info.blockNumber + 500n,
    });
    await node.submit(ASSET, signTransaction(fund, net.fisco.deployer).raw);

    browser = await launchExtension();
    await connectWallet(browser, r3, 'payment.bcos.asset (2 hops)');
    server = await servePages({ '/': '<!doctype html><title>dapp</title>' });
    other = await servePages({ '/': '<!doctype html><title>other</title>' });
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
  });

  after(async () => {
    await node?.stop();
    await browser?.close();
    await server?.close();
    await other?.close();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('without a session a dapp gets 4100', async () => {
    const outcome = await pageRequest(page, {
      method: 'weft_call',
      params: [{ path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] }],
    });
    assert.ok('error' in outcome);
    assert.equal(outcome.error.code, 4100);
  });

  test('the user approves a session in the popup, which shows the site and the resources', async () => {
    const approval = nextWindow();
    const pending = pageRequest(page, {
      method: 'weft_requestSession',
      params: [{ resources: [ASSET, 'payment.bcos.kv'] }],
    });
    const popup = await approval;
    await popup.getByTestId('approval').waitFor();
    assert.equal(await popup.getByTestId('approval-origin').textContent(), server.origin);
    assert.match((await popup.getByTestId('approval').textContent()) ?? '', /payment\.bcos\.asset/);
    assert.match(await popup.getByTestId('session-account').inputValue(), /^0$/);
    // The user narrows the grant: no key/value store for this site.
    await popup.getByRole('checkbox', { name: 'payment.bcos.kv' }).uncheck();
    await mkdir(testOutputDir, { recursive: true });
    await popup.screenshot({ path: join(testOutputDir, 'popup-approve-session.png') });
    await popup.getByRole('button', { name: 'Approve' }).click();
    const outcome = await pending;
    assert.ok('result' in outcome, JSON.stringify(outcome));
    const session = outcome.result as { origin: string; resources: string[]; address: string };
    assert.equal(session.origin, server.origin);
    assert.deepEqual(session.resources, [ASSET]);
    assert.equal(session.address.toLowerCase(), TEST_ACCOUNT_0.toLowerCase());
    await popup.close().catch(() => {});
  });

  test('a read goes through the routers without approval', async () => {
    const outcome = await pageRequest(page, {
      method: 'weft_call',
      params: [{ path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] }],
    });
    assert.ok('result' in outcome, JSON.stringify(outcome));
    assert.deepEqual((outcome.result as { values: unknown[] }).values, ['1000']);
    // FISCO BCOS 2.x has no state proofs: the answer says only the routers back it.
    assert.equal((outcome.result as { verified: { backing: string } }).verified.backing, 'router');
  });

  test('an approved transfer is signed by the wallet and moves balances on the chain', async () => {
    const recipient = EcdsaSigner.random().address;
    const approval = nextWindow();
    const pending = pageRequest(page, {
      method: 'weft_sendTransaction',
      params: [{ path: ASSET, method: 'transfer', args: [recipient, '7'] }],
    });
    const popup = await approval;
    // In human terms: the amount in the asset's unit, the recipient (unknown to the wallet) shortened.
    // (The unit may arrive a moment after the approval: the wallet reads it when the request comes.)
    await popup
      .getByTestId('approval-headline')
      .filter({ hasText: /^Send 7 WFA to / })
      .waitFor();
    assert.equal(
      await popup.getByTestId('approval-headline').textContent(),
      `Send 7 WFA to ${recipient.slice(0, 6)}…${recipient.slice(-4)}`,
    );
    // The exact call, under Details (collapsed).
    await popup.getByTestId('approval-call').waitFor({ state: 'attached' });
    const call = (await popup.getByTestId('approval-call').textContent()) ?? '';
    assert.match(call, /transfer\(/);
    assert.match(call, new RegExp(recipient.slice(2, 10), 'i'));
    assert.match(call, /"7"/);
    await popup.screenshot({ path: join(testOutputDir, 'popup-approve-transaction.png') });
    await popup.getByRole('button', { name: 'Approve' }).click();
    const outcome = await pending;
    assert.ok('result' in outcome, JSON.stringify(outcome));
    const receipt = outcome.result as { status: string; txId: string; verified: { by: string } };
    assert.equal(receipt.status, 'success');
    // Rebuilt from the chain's evidence: proofs to a header sealed by a quorum of the 4 sealers.
    assert.match(receipt.verified.by, /^sealed by [34] of 4 sealers \(block \d+\)$/);
    assert.equal(await balance(recipient), 7n);
    assert.equal(await balance(TEST_ACCOUNT_0), 993n);
    const tx = await pageRequest(page, {
      method: 'weft_getTransaction',
      params: [{ path: ASSET, txId: receipt.txId }],
    });
    assert.ok('result' in tx, JSON.stringify(tx));
    assert.equal(
      (tx.result as { from: string }).from.toLowerCase(),
      TEST_ACCOUNT_0.toLowerCase(),
      'signed by the wallet',
    );
    const described = await pageRequest(page, { method: 'weft_describe', params: [{ path: ASSET }] });
    assert.ok('result' in described);
    assert.deepEqual((described.result as { chain: unknown }).chain, {
      type: 'fisco-bcos',
      chainId: 1,
      groupId: 1,
    });
    await popup.close().catch(() => {});
  });

  test('a rejected transfer returns 4001 and moves nothing', async () => {
    const recipient = EcdsaSigner.random().address;
    const approval = nextWindow();
    const pending = pageRequest(page, {
      method: 'weft_sendTransaction',
      params: [{ path: ASSET, method: 'transfer', args: [recipient, '5'] }],
    });
    const popup = await approval;
    await popup.getByRole('button', { name: 'Reject' }).click();
    const outcome = await pending;
    assert.ok('error' in outcome);
    assert.equal(outcome.error.code, 4001);
    assert.equal(await balance(recipient), 0n);
    await popup.close().catch(() => {});

    // The popup's activity shows both, newest first, with the chain reference of the one that ran.
    const home = await openPopup(browser, 900);
    const activity = home.getByTestId('activity');
    await activity.waitFor();
    const items = await activity.locator('li').allTextContents();
    // Each names the account that signed (or would have), as the wallet knows it.
    assert.match(
      items[0] ?? '',
      /rejected send payment\.bcos\.asset\.transfer[\s\S]* · by Account 1 \(0xf39F…2266\)/,
    );
    assert.match(
      items[1] ?? '',
      /done send payment\.bcos\.asset\.transfer[\s\S]* · by Account 1 \(0xf39F…2266\)[\s\S]*tx 0x[\s\S]*✓ sealed by [34] of 4 sealers/,
    );
    await home.screenshot({ path: join(testOutputDir, 'popup-activity.png'), fullPage: true });
    // The chain's trust anchor, taken on first use from the one router configured, says so.
    const anchor = home.getByTestId('anchor-payment.bcos');
    await anchor.waitFor();
    const anchorText = (await anchor.textContent()) ?? '';
    assert.match(anchorText, /fingerprint 0x[0-9a-f]{16}/);
    assert.match(anchorText, /4 sealers at block \d+/);
    assert.match(anchorText, /from one router .*unconfirmed/);
    await home.getByTestId('chain-anchors').screenshot({ path: join(testOutputDir, 'popup-chains.png') });
    await home.close();
  });

  test('Fabric: the user imports an identity; an approved OpenAccount and Transfer commit on the chain', async () => {
    const user1 = net.fabric.peer.identities.user1 as { mspDir: string };
    const popup = await openPopup(browser, 900);
    await popup.getByRole('button', { name: 'Import a Fabric identity' }).click();
    const form = popup.getByTestId('fabric-import');
    await form.locator('input[name="name"]').fill('user1');
    await form.locator('input[name="mspId"]').fill('Org1MSP');
    await form
      .locator('textarea[name="certificate"]')
      .fill(await readFile(join(user1.mspDir, 'signcerts', 'cert.pem'), 'utf8'));
    await form
      .locator('textarea[name="privateKeyPem"]')
      .fill(await readFile(join(user1.mspDir, 'keystore', 'key.pem'), 'utf8'));
    await form.locator('input[name="password"]').fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Import identity' }).click();
    await popup.getByTestId('fabric-identity').getByText('user1').waitFor();
    await popup.screenshot({ path: join(testOutputDir, 'popup-fabric-identity.png') });
    await popup.close();

    const approve = (args: unknown) => answerApproval(browser, page, args);
    const session = await approve({ method: 'weft_requestSession', params: [{ resources: [FAB] }] });
    assert.ok('result' in session.outcome, JSON.stringify(session.outcome));

    const account = `e2e-${Date.now()}`;
    const opened = await approve({
      method: 'weft_sendTransaction',
      params: [{ path: FAB, method: 'OpenAccount', args: [account] }],
    });
    assert.ok('result' in opened.outcome, JSON.stringify(opened.outcome));
    assert.match(opened.shown, /Fabric, channel mychannel/);
    assert.match(opened.shown, /user1 \(Org1MSP\)/);
    const transfer = await approve({
      method: 'weft_sendTransaction',
      params: [{ path: FAB, method: 'Transfer', args: ['user1', account, '5'] }],
    });
    assert.ok('result' in transfer.outcome, JSON.stringify(transfer.outcome));
    assert.equal((transfer.outcome.result as { status: string }).status, 'success');
    assert.match(
      (transfer.outcome.result as { verified: { by: string } }).verified.by,
      /^endorsed by Org1MSP and Org2MSP, ordered by OrdererMSP, valid per Org1MSP and Org2MSP/,
    );
    const balance = await pageRequest(page, {
      method: 'weft_call',
      params: [{ path: FAB, method: 'BalanceOf', args: [account] }],
    });
    assert.ok('result' in balance);
    assert.equal(String((balance.result as { values: unknown[] }).values[0]), '5');
    // Read with the session's identity: endorsed by both organisations, checked by the wallet.
    assert.deepEqual((balance.result as { verified: unknown }).verified, {
      backing: 'endorsed',
      by: 'endorsed by Org1MSP and Org2MSP',
    });

    // The user's own records: sealed in the wallet before they leave it, so the chain holds
    // ciphertext only (even for a read the wallet signed); weft_getRecord opens them.
    const records = await approve({ method: 'weft_requestSession', params: [{ resources: [RECORDS] }] });
    assert.ok('result' in records.outcome, JSON.stringify(records.outcome));
    const put = await approve({
      method: 'weft_putRecord',
      params: [{ path: RECORDS, record: 'note-1', fields: { text: 'only for user1' } }],
    });
    assert.ok('result' in put.outcome, JSON.stringify(put.outcome));
    assert.match(put.shown, /text: only for user1/);
    const mine = await pageRequest(page, {
      method: 'weft_call',
      params: [{ path: RECORDS, method: 'ListRecords' }],
    });
    assert.ok('result' in mine, JSON.stringify(mine));
    const [list] = (mine.result as { values: [{ id: string; data: string }[]] }).values;
    assert.deepEqual(
      list.map((r) => r.id),
      ['note-1'],
    );
    const stored = JSON.parse(list[0]?.data ?? '{}') as Record<string, string>;
    assert.match(stored.text ?? '', /^weft-enc1:/);
    assert.ok(!JSON.stringify(mine).includes('only for user1'), 'no plaintext on chain');
    assert.deepEqual(
      await pageRequest(page, { method: 'weft_getRecord', params: [{ path: RECORDS, record: 'note-1' }] }),
      { result: { record: 'note-1', fields: { text: 'only for user1' } } },
    );
    // A plaintext write around weft_putRecord is refused before any approval.
    const plain = await pageRequest(page, {
      method: 'weft_sendTransaction',
      params: [{ path: RECORDS, method: 'PutRecord', args: ['note-2', '{"text":"plain"}', '{}'] }],
    });
    assert.ok('error' in plain, JSON.stringify(plain));
    assert.equal(plain.error.code, -32602);
  });

  test('bad params get -32602 before any approval', async () => {
    for (const params of [
      [{ path: 'not a path', method: 'transfer', args: [] }],
      [{ path: ASSET, method: 'transfer', args: ['not-an-address', '1'] }],
      [{ path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] }],
      [{ path: ASSET, method: 'nope', args: [] }],
    ]) {
      const outcome = await pageRequest(page, { method: 'weft_sendTransaction', params });
      assert.ok('error' in outcome, JSON.stringify(params));
      assert.equal(outcome.error.code, -32602, JSON.stringify(params));
    }
  });

  test("another origin cannot use this site's session; a revoked session gets 4100", async () => {
    const stranger = await browser.context.newPage();
    await stranger.goto(`${other.origin}/`);
    const foreign = await pageRequest(stranger, {
      method: 'weft_call',
      params: [{ path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] }],
    });
    assert.ok('error' in foreign);
    assert.equal(foreign.error.code, 4100);
    await stranger.close();

    // The page listens; the user revokes the session in the popup.
    await page.evaluate(() => {
      const w = window as unknown as {
        heard: unknown[];
        weft: { on(e: string, l: (d: unknown) => void): void };
      };
      w.heard = [];
      w.weft.on('sessionChanged', (d) => w.heard.push(['sessionChanged', d]));
      w.weft.on('accountsChanged', (d) => w.heard.push(['accountsChanged', d]));
    });
    const popup = await openPopup(browser, 900);
    await popup.getByTestId(`session-${server.origin}`).getByRole('button', { name: 'revoke' }).click();
    await popup.getByTestId(`session-${server.origin}`).waitFor({ state: 'detached' });
    await popup.close();
    await page.waitForFunction(() => (window as unknown as { heard: unknown[] }).heard.length >= 2);
    const heard = await page.evaluate(() => (window as unknown as { heard: unknown[] }).heard);
    assert.deepEqual(heard, [
      ['sessionChanged', null],
      ['accountsChanged', []],
    ]);
    const after = await pageRequest(page, {
      method: 'weft_call',
      params: [{ path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] }],
    });
    assert.ok('error' in after);
    assert.equal(after.error.code, 4100);
    assert.deepEqual(await pageRequest(page, { method: 'weft_revokeSession' }), {
      result: { revoked: false },
    });
  });
});
