/**
 * Data-access grants end to end, driven through the demo dapp as `npm start` serves it: the
 * dapp keeps a record on Fabric, asks for read access, the user narrows the request in the
 * popup and approves, the dapp reads only what was granted with its own key, another origin
 * presenting the grant is refused by the wallet, the user revokes the grant in the popup's
 * Data access list and the next read is refused; a rejected request answers 4001.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Wallet } from 'ethers';
import type { Page } from 'playwright-core';
import { type LocalNetwork, startLocalNetwork } from '../../p2p/devnet/local-network.ts';
import {
  type Grant,
  type GrantedRead,
  grantId,
  type Hex,
  readDigest,
  recoverSigner,
  signDigest,
} from '../../p2p/grants/typed-data.ts';
import { type DemoServer, startDemoServer } from '../../scripts/demo-server.ts';
import {
  answerApproval,
  connectWallet,
  type ExtensionBrowser,
  importFabricIdentity,
  launchExtension,
  nextApprovalWindow,
  openPopup,
  type PageServer,
  pageRequest,
  servePages,
  TEST_ACCOUNT_0,
  testOutputDir,
} from './harness.ts';

const RECORDS = 'trade.fab.records';
const FISCO_RECORDS = 'payment.bcos.records';

interface IssuedGrant {
  grant: Grant;
  signature: Hex;
  grantId: Hex;
}

describe('data-access grants through the wallet', { timeout: 240_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let browser: ExtensionBrowser;
  let demo: DemoServer;
  let other: PageServer;
  let page: Page;
  let origin: string;
  let issued: IssuedGrant;

  const text = async (selector: string) => (await page.textContent(selector)) ?? '';

  /** Clicks a demo button that opens an approval window, answers it, returns what it showed. */
  async function approveFromDemo(button: string, answer: 'Approve' | 'Reject' = 'Approve') {
    const opened = nextApprovalWindow(browser);
    await page.click(button);
    const window = await opened;
    await window.getByTestId('approval').waitFor();
    const shown = (await window.getByTestId('approval').textContent()) ?? '';
    await window.getByRole('button', { name: answer }).click();
    await window.close().catch(() => {});
    return shown;
  }

  /** A fresh read proof signed with the demo's audience key (kept in its localStorage). */
  async function freshRead(grant: IssuedGrant) {
    const key = await page.evaluate(() => localStorage.getItem('weft-demo-audience-key'));
    assert.ok(key, 'the demo keeps its audience key');
    const read: GrantedRead = {
      grant: grant.grantId,
      record: 'kyc',
      nonce: Wallet.createRandom().privateKey as Hex,
      issuedAt: Math.floor(Date.now() / 1000),
    };
    return { read, readSignature: signDigest(readDigest(read), key as Hex) };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-grants-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 200 });
    const r3 = net.routers.find((r) => r.name === 'r3')?.wsAddress as string;
    browser = await launchExtension();
    await connectWallet(browser, r3, `${RECORDS} (1 hop)`);
    const user1 = net.fabric.peer.identities.user1 as { mspDir: string };
    await importFabricIdentity(browser, user1.mspDir, 'user1');
    demo = await startDemoServer(0);
    origin = new URL(demo.url).origin;
    other = await servePages({ '/': '<!doctype html><title>other site</title>' });
    page = await browser.context.newPage();
    await page.goto(demo.url);
    await page.getByText('Found Weft (dev.weft.wallet)').waitFor({ timeout: 10_000 });
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
    await other?.close();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the dapp connects and keeps a record of the user on Fabric', async () => {
    await approveFromDemo('#connect');
    await page.getByText(`connected as ${TEST_ACCOUNT_0}`).waitFor({ timeout: 10_000 });
    const shown = await approveFromDemo('#kyc-write');
    assert.match(shown, /PutRecord\(/);
    assert.match(shown, /user1 \(Org1MSP\)/);
    await page.waitForFunction(
      () => /"status": "success"/.test(document.getElementById('out')?.textContent ?? ''),
      {
        timeout: 20_000,
      },
    );
  });

  test('the popup shows the request in human terms; the user narrows it; the dapp gets the signed grant', async () => {
    const audienceKey = await text('#audience-key');
    assert.match(audienceKey, /^0x[0-9a-fA-F]{40}$/);
    const opened = nextApprovalWindow(browser);
    await page.click('#grant-request');
    const window = await opened;
    await window.getByTestId('grant-details').waitFor();
    assert.equal(await window.getByRole('heading', { level: 2 }).textContent(), 'Data access request');
    assert.equal(await window.getByTestId('approval-origin').textContent(), origin);
    const details = (await window.getByTestId('grant-details').textContent()) ?? '';
    for (const expected of [
      RECORDS,
      'Fabric, channel mychannel',
      'zone trade',
      'kyc',
      'Check your name and country to open your account',
      audienceKey,
      'Account 1',
      TEST_ACCOUNT_0,
      'user1 (Org1MSP)',
    ]) {
      assert.ok(details.includes(expected), `the approval shows ${expected}: ${details}`);
    }
    assert.match((await window.getByTestId('grant-until').textContent()) ?? '', /^until /);
    assert.equal(await window.getByTestId('grant-duration').inputValue(), '3600');

    // Narrower than asked: no country, 15 minutes instead of an hour.
    await window.getByRole('checkbox', { name: 'field country' }).uncheck();
    await window.getByTestId('grant-duration').selectOption('900');
    await mkdir(testOutputDir, { recursive: true });
    await window.screenshot({ path: join(testOutputDir, 'popup-approve-grant.png'), fullPage: true });
    await window.getByRole('button', { name: 'Approve' }).click();
    await window.close().catch(() => {});

    // The first grant on Fabric links the user's Fabric identity to the account first.
    await page.waitForFunction(() => (document.getElementById('grant')?.textContent ?? '') !== '', {
      timeout: 30_000,
    });
    issued = JSON.parse(await text('#grant')) as IssuedGrant;
    const { grant } = issued;
    assert.equal(grant.issuer, TEST_ACCOUNT_0);
    assert.equal(grant.audienceOrigin, origin);
    assert.equal(grant.audienceKey, audienceKey);
    assert.equal(grant.resource, RECORDS);
    assert.deepEqual(grant.records, ['kyc']);
    assert.deepEqual(grant.fields, ['name']);
    assert.deepEqual(grant.actions, ['read']);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(grant.notBefore <= now && grant.expiry > now, 'valid now');
    assert.ok(Math.abs(grant.expiry - now - 900) < 60, `expires in 15 minutes, not ${grant.expiry - now} s`);
    assert.equal(issued.grantId, grantId(grant));
    assert.equal(recoverSigner(issued.grantId, issued.signature), TEST_ACCOUNT_0);
  });

  test('a read with the grant returns only the approved fields', async () => {
    await page.click('#grant-read');
    await page.waitForFunction(() => (document.getElementById('granted')?.textContent ?? '') !== '', {
      timeout: 15_000,
    });
    assert.equal(await text('#granted'), 'record kyc: {"name":"Ada Lovelace"}');
  });

  test('another origin presenting the grant is refused by the wallet', async () => {
    const proof = await freshRead(issued);
    const stranger = await browser.context.newPage();
    await stranger.goto(`${other.origin}/`);
    const refused = await pageRequest(stranger, {
      method: 'weft_readWithGrant',
      params: [{ grant: issued.grant, signature: issued.signature, ...proof }],
    });
    await stranger.close();
    assert.ok('error' in refused, JSON.stringify(refused));
    assert.equal(refused.error.code, 4100);
    assert.match(String(refused.error.message), new RegExp(`this grant is for ${origin}`));
    // Nothing was forwarded: the very same proof still works from the grant's own origin.
    const allowed = await pageRequest(page, {
      method: 'weft_readWithGrant',
      params: [{ grant: issued.grant, signature: issued.signature, ...proof }],
    });
    assert.deepEqual(allowed, { result: { record: 'kyc', fields: { name: 'Ada Lovelace' } } });
  });

  test('the popup lists the grant (who, what, when, last used) and revokes it; the next read is refused', async () => {
    const popup = await openPopup(browser, 900);
    const row = popup.locator(`[data-grant-id="${issued.grantId}"]`);
    await row.waitFor();
    const listed = (await row.textContent()) ?? '';
    for (const expected of [origin, RECORDS, 'kyc', 'only name', 'granted', 'until']) {
      assert.ok(listed.includes(expected), `the list shows ${expected}: ${listed}`);
    }
    assert.equal(await row.getByTestId('grant-state').textContent(), 'active');
    assert.doesNotMatch((await row.getByTestId('grant-last-used').textContent()) ?? '', /never/);

    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByTestId('grant-state').getByText('revoked').waitFor({ timeout: 30_000 });
    assert.match((await row.getByTestId('grant-revocation').textContent()) ?? '', /revoked .* · tx /);
    assert.equal(await row.getByRole('button', { name: 'Revoke' }).count(), 0);
    await popup.screenshot({ path: join(testOutputDir, 'popup-grants.png'), fullPage: true });
    await popup.close();

    await page.evaluate(() => {
      const out = document.getElementById('granted');
      if (out) out.textContent = '';
    });
    await page.click('#grant-read');
    await page.waitForFunction(() => (document.getElementById('granted')?.textContent ?? '') !== '', {
      timeout: 15_000,
    });
    assert.match(await text('#granted'), /^error -32000: .*revoked.*\(reason: revoked\)$/);
  });

  test('FISCO BCOS: a grant on payment.bcos.records reads only its fields until the issuing account revokes it', async () => {
    const approve = (args: unknown) => answerApproval(browser, page, args);
    const session = await approve({
      method: 'weft_requestSession',
      params: [{ resources: [FISCO_RECORDS] }],
    });
    assert.ok('result' in session.outcome, JSON.stringify(session.outcome));
    const put = await approve({
      method: 'weft_sendTransaction',
      params: [
        {
          path: FISCO_RECORDS,
          method: 'put',
          args: ['lab', ['test', 'result', 'lab'], ['glucose', 'normal', 'St Mary']],
        },
      ],
    });
    assert.ok('result' in put.outcome, JSON.stringify(put.outcome));
    assert.equal((put.outcome.result as { status: string }).status, 'success');

    const audience = Wallet.createRandom();
    const asked = await approve({
      method: 'weft_requestGrant',
      params: [
        {
          resource: FISCO_RECORDS,
          records: ['lab'],
          fields: ['test', 'result'],
          durationSeconds: 600,
          reason: 'Your lab result for the consultation',
          audienceKey: audience.address,
        },
      ],
    });
    assert.match(
      asked.shown,
      /FISCO BCOS, chain 1, group 1, contract 0x[0-9a-fA-F]{40} \(zone payment, chain bcos\)/,
    );
    assert.match(asked.shown, /all fields|test[\s\S]*result/);
    assert.ok('result' in asked.outcome, JSON.stringify(asked.outcome));
    const fisco = asked.outcome.result as IssuedGrant;
    assert.equal(fisco.grant.issuer, TEST_ACCOUNT_0);
    assert.deepEqual(fisco.grant.fields, ['test', 'result']);

    const read = () => {
      const proof: GrantedRead = {
        grant: fisco.grantId,
        record: 'lab',
        nonce: Wallet.createRandom().privateKey as Hex,
        issuedAt: Math.floor(Date.now() / 1000),
      };
      return pageRequest(page, {
        method: 'weft_readWithGrant',
        params: [
          {
            grant: fisco.grant,
            signature: fisco.signature,
            read: proof,
            readSignature: signDigest(readDigest(proof), audience.privateKey as Hex),
          },
        ],
      });
    };
    assert.deepEqual(await read(), {
      result: { record: 'lab', fields: { test: 'glucose', result: 'normal' } },
    });

    const popup = await openPopup(browser, 900);
    const row = popup.locator(`[data-grant-id="${fisco.grantId}"]`);
    // A revocation that cannot reach the chain says why, and the grant stays valid.
    const routers = popup.getByTestId('router-list');
    const working = await routers.inputValue();
    await routers.fill(working.replace(/\/tcp\/\d+\//, '/tcp/9/'));
    await popup.getByRole('button', { name: 'Save' }).click();
    await popup
      .getByTestId('router-status')
      .getByText(/Not connected/)
      .waitFor({ timeout: 15_000 });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText(/Not revoked: .*router/).waitFor({ timeout: 30_000 });
    assert.equal(await row.getByTestId('grant-state').textContent(), 'active');
    await routers.fill(working);
    await popup.getByRole('button', { name: 'Save' }).click();
    await popup.getByText(`${FISCO_RECORDS} (2 hops)`).waitFor({ timeout: 20_000 });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByTestId('grant-state').getByText('revoked').waitFor({ timeout: 30_000 });
    await popup.close();
    // On the chain: revoked under the issuer, by a transaction the issuer signed.
    const revoked = await pageRequest(page, {
      method: 'weft_call',
      params: [{ path: FISCO_RECORDS, method: 'isRevoked', args: [TEST_ACCOUNT_0, fisco.grantId] }],
    });
    assert.ok('result' in revoked, JSON.stringify(revoked));
    assert.deepEqual((revoked.result as { values: unknown[] }).values, [true]);

    const after = await read();
    assert.ok('error' in after, JSON.stringify(after));
    assert.equal(after.error.code, -32000);
    assert.match(String(after.error.message), /revoked/);
  });

  test('a request the user rejects answers 4001 and signs nothing', async () => {
    const before = await openPopup(browser, 900);
    await before.getByTestId('grants').waitFor();
    const grants = await before.getByTestId('grant').count();
    await before.close();
    await approveFromDemo('#grant-request', 'Reject');
    await page.waitForFunction(() => /error 4001/.test(document.getElementById('out')?.textContent ?? ''), {
      timeout: 10_000,
    });
    const popup = await openPopup(browser, 900);
    await popup.getByTestId('grants').waitFor();
    assert.equal(await popup.getByTestId('grant').count(), grants);
    assert.match(
      (await popup.getByTestId('activity').locator('li').first().textContent()) ?? '',
      /rejected grant access to trade\.fab\.records: kyc/,
    );
    await popup.close();
  });

  test('bad params get -32602 before any approval', async () => {
    const outcome = await pageRequest(page, {
      method: 'weft_requestGrant',
      params: [
        { resource: RECORDS, records: ['kyc'], durationSeconds: 3600, reason: 'x', audienceKey: 'me' },
      ],
    });
    assert.ok('error' in outcome);
    assert.equal(outcome.error.code, -32602);
  });
});
