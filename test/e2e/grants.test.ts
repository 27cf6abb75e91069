/**
 * Data-access grants end to end, driven through the demo dapp as `npm start` serves it: the
 * dapp keeps a record on Fabric (sealed in the wallet), asks for read access, the user narrows
 * the request in the popup and approves, the dapp opens only what was granted with its own key,
 * another origin presenting the grant is refused by the wallet, the user revokes the grant in
 * the popup's Data access list and the next read is refused; a rejected request answers 4001.
 * The same on FISCO BCOS, then the privacy check of issue 16: the records' distinctive values
 * appear nowhere in plaintext: not in any block, transaction or receipt of either chain, not in
 * any file of the network's data directory, not in any router's log, not in any HIP answer.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Wallet } from 'ethers';
import type { Page } from 'playwright-core';
import { LightClient } from '../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork } from '../../p2p/devnet/local-network.ts';
import { isSealed, openGranted } from '../../p2p/grants/record-crypto.ts';
import {
  type Grant,
  type GrantedRead,
  grantId,
  type Hex,
  readDigest,
  recoverSigner,
  signDigest,
} from '../../p2p/grants/typed-data.ts';
import { createLogger } from '../../p2p/router/log.ts';
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
import { plaintextIn } from './plaintext-scan.ts';

const RECORDS = 'trade.fab.records';
const FISCO_RECORDS = 'payment.bcos.records';

/** Values no test data, key or hash could hold by chance: what the privacy check looks for. */
const tag = () => Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString('hex');
const NAME = `Ada Lovelace ${tag()}`;
const LAB = { test: `glucose ${tag()}`, result: `normal ${tag()}`, lab: `St Mary ${tag()}` };
const LAB_UPDATED = `high ${tag()}`;
const LAB_AFTER_REVOCATION = `very high ${tag()}`;
const SECRETS = [NAME, ...Object.values(LAB), LAB_UPDATED, LAB_AFTER_REVOCATION];

interface IssuedGrant {
  grant: Grant;
  signature: Hex;
  grantId: Hex;
  sharedKeys: { record: string; status: string; txId?: string; error?: string }[];
}

interface Sealed {
  record: string;
  fields: Record<string, string>;
  key: string;
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
  const routerLogs: string[] = [];
  /** Every answer a client of the routers got, as JSON: what the privacy check scans. */
  const hipAnswers: string[] = [];
  let snoop: LightClient;
  /** The FISCO BCOS record writes: the privacy check must find them among what it scans. */
  const fiscoWrites: string[] = [];

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
  async function demoAudienceKey(): Promise<Hex> {
    const key = await page.evaluate(() => localStorage.getItem('weft-demo-audience-key'));
    assert.ok(key, 'the demo keeps its audience key');
    return key as Hex;
  }

  async function freshRead(grant: IssuedGrant) {
    const key = await demoAudienceKey();
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
    net = await startLocalNetwork({
      dataDir: dir,
      blockIntervalMs: 200,
      logger: createLogger('debug', {}, (line) => routerLogs.push(line)),
    });
    // Anyone may run a light client: this one listens to both records resources from the start.
    snoop = new LightClient({ routers: [net.routers[0]?.wsAddress as string] });
    for (const path of [RECORDS, FISCO_RECORDS]) {
      await snoop.subscribe(path, (event) => hipAnswers.push(json(event)));
    }
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
    await snoop?.stop();
    await browser?.close();
    await demo?.close();
    await other?.close();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the dapp connects and keeps a record of the user on Fabric, sealed in the wallet', async () => {
    await approveFromDemo('#connect');
    await page.getByText(`connected as ${TEST_ACCOUNT_0}`).waitFor({ timeout: 10_000 });
    await page.fill('#kyc-name', NAME);
    const shown = await approveFromDemo('#kyc-write');
    for (const expected of [RECORDS, 'Fabric, channel mychannel', 'kyc', `name: ${NAME}`, 'country: GB']) {
      assert.ok(shown.includes(expected), `the approval shows ${expected}: ${shown}`);
    }
    assert.match(shown, /user1 \(Org1MSP\)/);
    assert.match(shown, /readable by:you/, 'no grant yet: only the user');
    await page.waitForFunction(
      () => /"status": "success"/.test(document.getElementById('out')?.textContent ?? ''),
      { timeout: 20_000 },
    );
    // The owner reads it back in plaintext, opened with the keys only the wallet derives.
    await page.click('#kyc-read');
    await page.waitForFunction(
      () => /"record": "kyc"/.test(document.getElementById('out')?.textContent ?? ''),
      { timeout: 20_000 },
    );
    const out = await text('#out');
    const own = JSON.parse(out.slice(out.indexOf('-> ') + 3)) as { fields: Record<string, string> };
    assert.deepEqual(own, { record: 'kyc', fields: { name: NAME, country: 'GB', score: '742' } });
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
    // The record existed before the grant: the wallet shared its name's key with the site's key.
    assert.deepEqual(
      issued.sharedKeys.map((s) => [s.record, s.status]),
      [['kyc', 'shared']],
    );
  });

  test('a read with the grant returns only the approved fields', async () => {
    await page.click('#grant-read');
    await page.waitForFunction(() => (document.getElementById('granted')?.textContent ?? '') !== '', {
      timeout: 15_000,
    });
    assert.equal(await text('#granted'), `record kyc: {"name":"${NAME}"}`);
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
    assert.ok('result' in allowed, JSON.stringify(allowed));
    // What the wallet hands the page is sealed: only the name's ciphertext and a key blob that
    // the demo's own key alone opens.
    const sealed = allowed.result as Sealed;
    assert.deepEqual(Object.keys(sealed.fields), ['name']);
    assert.ok(isSealed(sealed.fields.name as string), sealed.fields.name);
    assert.match(sealed.key, /^weft-key1:/);
    const opened = await openGranted(await demoAudienceKey(), {
      grantId: issued.grantId,
      resource: RECORDS,
      ...sealed,
    });
    assert.deepEqual(opened, { name: NAME });
    await assert.rejects(
      openGranted(Wallet.createRandom().privateKey as Hex, {
        grantId: issued.grantId,
        resource: RECORDS,
        ...sealed,
      }),
      { name: 'RecordCryptoError' },
    );
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
    const putLab = (fields: Record<string, string>) =>
      approve({ method: 'weft_putRecord', params: [{ path: FISCO_RECORDS, record: 'lab', fields }] });
    const put = await putLab(LAB);
    assert.ok('result' in put.outcome, JSON.stringify(put.outcome));
    fiscoWrites.push((put.outcome.result as { txId: string }).txId);
    assert.equal((put.outcome.result as { status: string }).status, 'success');
    assert.match(put.shown, new RegExp(`result: ${LAB.result}`));

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
          audiencePublicKey: audience.signingKey.compressedPublicKey,
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
    assert.equal(fisco.grant.audienceKey, audience.address);
    assert.deepEqual(
      fisco.sharedKeys.map((s) => [s.record, s.status]),
      [['lab', 'shared']],
    );

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
    /** A granted read opened with the audience's key: what the site learns. */
    const open = async () => {
      const answer = await read();
      assert.ok('result' in answer, JSON.stringify(answer));
      const sealed = answer.result as Sealed;
      assert.ok(Object.values(sealed.fields).every(isSealed), JSON.stringify(sealed));
      return openGranted(audience.privateKey as Hex, {
        grantId: fisco.grantId,
        resource: FISCO_RECORDS,
        ...sealed,
      });
    };
    assert.deepEqual(await open(), { test: LAB.test, result: LAB.result });

    // A write while the grant is active: new keys, wrapped for the site too; the approval says so.
    const update = await putLab({ ...LAB, result: LAB_UPDATED });
    assert.ok('result' in update.outcome, JSON.stringify(update.outcome));
    fiscoWrites.push((update.outcome.result as { txId: string }).txId);
    assert.ok(update.shown.includes(`${origin}: test, result`), update.shown);
    assert.deepEqual(await open(), { test: LAB.test, result: LAB_UPDATED });

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

    // A write after the revocation wraps keys for nobody but the user.
    const later = await putLab({ ...LAB, result: LAB_AFTER_REVOCATION });
    assert.ok('result' in later.outcome, JSON.stringify(later.outcome));
    fiscoWrites.push((later.outcome.result as { txId: string }).txId);
    assert.ok(!later.shown.includes(`${origin}: test`), later.shown);
    const own = await pageRequest(page, {
      method: 'weft_getRecord',
      params: [{ path: FISCO_RECORDS, record: 'lab' }],
    });
    assert.deepEqual(own, {
      result: { record: 'lab', fields: { ...LAB, result: LAB_AFTER_REVOCATION } },
    });
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

  test('no value of any record appears in plaintext in blocks, transactions, data files, router logs or HIP answers', async () => {
    // Every HIP answer any client can get about the records: blocks, transactions, evidence,
    // descriptions, and reads naming the owner as `from` (FISCO BCOS) or as owner (Fabric).
    const ask = (body: Parameters<LightClient['request']>[0]) =>
      snoop.request(body).then(json, (error: Error) => `${error.name}: ${error.message}`);
    hipAnswers.push(await ask({ op: 'resources' }));
    for (const path of [RECORDS, FISCO_RECORDS]) {
      hipAnswers.push(await ask({ op: 'describe', path }));
      const { blockNumber } = await snoop.chainInfo(path);
      for (let n = 0n; n <= blockNumber; n++) {
        const block = await snoop.getBlock(path, n);
        hipAnswers.push(json(block));
        for (const txId of block?.txIds ?? []) {
          hipAnswers.push(await ask({ op: 'getTransaction', path, txId }));
          if (path === FISCO_RECORDS) hipAnswers.push(await ask({ op: 'txEvidence', path, txId }));
        }
      }
    }
    for (const method of ['get', 'list']) {
      const args = method === 'get' ? ['lab'] : [];
      const forged = await ask({ op: 'call', path: FISCO_RECORDS, method, args, from: TEST_ACCOUNT_0 });
      assert.match(forged, method === 'get' ? /weft-enc1:/ : /lab/, forged);
      hipAnswers.push(forged);
    }
    const owner = hipAnswers.join('\n').match(/"owner":"(x509::[^"]+)"/)?.[1];
    assert.ok(owner, 'the Fabric record events name its owner');
    hipAnswers.push(await ask({ op: 'call', path: RECORDS, method: 'GetRecord', args: [owner, 'kyc'] }));
    hipAnswers.push(await ask({ op: 'call', path: RECORDS, method: 'ListRecords', args: [] }));
    assert.ok(
      hipAnswers.some((a) => a.includes('RecordPut')),
      'the subscription saw the writes',
    );

    // Straight from the chains: every FISCO BCOS block, transaction and receipt over JSON-RPC,
    // every Fabric block of both organisations' peers.
    const rpc = async (method: string, params: unknown[]) => {
      const response = await fetch(net.fisco.node.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      });
      return (await response.json()) as { result: unknown };
    };
    const chainData: { where: string; bytes: Uint8Array }[] = [];
    const group = net.fisco.groupId;
    const height = Number.parseInt((await rpc('getBlockNumber', [group])).result as string, 16);
    const scanned = new Set<string>();
    for (let n = 0; n <= height; n++) {
      const block = await rpc('getBlockByNumber', [group, `0x${n.toString(16)}`, true]);
      chainData.push({ where: `FISCO BCOS block ${n}`, bytes: Buffer.from(JSON.stringify(block)) });
      const txs = (block.result as { transactions: { hash: string }[] }).transactions;
      for (const { hash } of txs) {
        scanned.add(hash);
        const receipt = await rpc('getTransactionReceipt', [group, hash]);
        chainData.push({ where: `FISCO BCOS receipt ${hash}`, bytes: Buffer.from(JSON.stringify(receipt)) });
      }
    }
    assert.equal(fiscoWrites.length, 3);
    for (const txId of fiscoWrites) assert.ok(scanned.has(txId), `the scan read the write ${txId}`);
    for (const [i, peer] of net.fabric.peer.peers.entries()) {
      const ledger = peer.ledger(net.fabric.channel);
      for (let n = 0n; n < ledger.height; n++) {
        chainData.push({ where: `Fabric peer ${i} block ${n}`, bytes: ledger.blockBytes(n) as Uint8Array });
      }
    }

    const found = [
      ...chainData.flatMap(({ where, bytes }) => plaintextIn(bytes, SECRETS).map((s) => `${where}: ${s}`)),
      ...(await filesUnder(dir)).flatMap(({ where, bytes }) =>
        plaintextIn(bytes, SECRETS).map((s) => `${where}: ${s}`),
      ),
      ...plaintextIn(Buffer.from(routerLogs.join('\n')), SECRETS).map((s) => `router logs: ${s}`),
      ...plaintextIn(Buffer.from(hipAnswers.join('\n')), SECRETS).map((s) => `HIP answers: ${s}`),
    ];
    assert.deepEqual(found, []);
    // The scan can see: the sealed values are there, and each form of a secret is caught.
    for (const name of net.routers.map((r) => r.name)) {
      assert.ok(
        routerLogs.some((line) => line.includes(`"name":"${name}"`)),
        `${name}'s log is scanned`,
      );
    }
    assert.deepEqual(plaintextIn(Buffer.from(hipAnswers.join('\n')), ['weft-enc1:']), ['weft-enc1:']);
    const probe = Buffer.from(`xy${NAME}z`);
    for (const form of [probe, Buffer.from(probe.toString('hex')), Buffer.from(probe.toString('base64'))]) {
      assert.deepEqual(plaintextIn(form, SECRETS), [NAME]);
    }
  });
});

function json(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
}

async function filesUnder(root: string): Promise<{ where: string; bytes: Uint8Array }[]> {
  const files: { where: string; bytes: Uint8Array }[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({ where: path, bytes: await readFile(path) });
  }
  assert.ok(files.length > 0, `files under ${root}`);
  return files;
}
