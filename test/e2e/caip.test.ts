/**
 * A dapp that knows only the ChainAgnostic standards, against the real local network through the
 * wallet in Chromium: it finds Weft by CAIP-294, opens a CAIP-25 session the user approves in the
 * popup, reads and transfers on FISCO BCOS (and reads on Fabric) with CAIP-27
 * `wallet_invokeMethod`, gets the transfer's event by CAIP-319 `wallet_notify` on a subscription,
 * follows the session with `wallet_sessionChanged`, and revokes it. The page's script uses no
 * `weft_` name and not `window.weft`: it talks on the `caip294:<uuid>` event channel only.
 * The chain ids it must be offered are computed here as the namespace write-ups say, from each
 * chain's block 0, asked of the nodes directly.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { decodeBlock } from '../../p2p/chains/fabric/block-file.ts';
import { blockHeaderHash } from '../../p2p/chains/fabric/block-hash.ts';
import { encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import { assetArtifact } from '../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../p2p/devnet/local-network.ts';
import {
  connectWallet,
  type ExtensionBrowser,
  launchExtension,
  nextApprovalWindow,
  type PageServer,
  servePages,
  TEST_ACCOUNT_0,
} from './harness.ts';

const ASSET = 'payment.bcos.asset';
const FAB = 'trade.fab.asset';

/**
 * The dapp: a CAIP-294 wallet list, JSON-RPC on the chosen wallet's `caip294:<uuid>` channel,
 * and every notification the wallet sends on it. Nothing Weft-specific.
 */
const DAPP = `<!doctype html><html><head><title>caip dapp</title><script>
  const wallets = new Map();
  const notifications = [];
  let next = 1;
  window.addEventListener('caip294:wallet_announce', (event) => {
    const data = event.detail.params;
    if (!wallets.has(data.uuid)) {
      window.addEventListener('caip294:' + data.uuid, (e) => {
        if (e.detail && e.detail.method && e.detail.id === undefined) notifications.push(e.detail);
      });
    }
    wallets.set(data.uuid, data);
  });
  window.dapp = {
    wallets: () => [...wallets.values()],
    notifications: () => notifications,
    prompt() {
      window.dispatchEvent(new CustomEvent('caip294:wallet_prompt', {
        detail: { id: next++, jsonrpc: '2.0', method: 'wallet_prompt', params: {} },
      }));
    },
    call(uuid, method, params) {
      const id = next++;
      return new Promise((resolve) => {
        const listen = (e) => {
          if (!e.detail || e.detail.id !== id || e.detail.method) return;
          window.removeEventListener('caip294:' + uuid, listen);
          resolve(e.detail.error ? { error: e.detail.error } : { result: e.detail.result });
        };
        window.addEventListener('caip294:' + uuid, listen);
        window.dispatchEvent(new CustomEvent('caip294:' + uuid, { detail: { id, jsonrpc: '2.0', method, params } }));
      });
    },
  };
</script></head><body>a dapp that speaks CAIP only</body></html>`;

type Outcome = { result: unknown } | { error: { code: number; message: string; data?: unknown } };
type Scopes = Record<string, { methods: string[]; notifications: string[]; accounts?: string[] }>;

describe('a CAIP-only dapp through the wallet', { timeout: 240_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let browser: ExtensionBrowser;
  let server: PageServer;
  let page: Page;
  let node: LightClient;
  let fiscoChain: string;
  let fabricChain: string;
  let uuid: string;
  let subscription: string;

  const call = (method: string, params?: unknown): Promise<Outcome> =>
    page.evaluate(
      ([u, m, p]) =>
        (
          window as unknown as { dapp: { call(u: string, m: string, p: unknown): Promise<Outcome> } }
        ).dapp.call(u as string, m as string, p),
      [uuid, method, params] as const,
    );
  const invoke = (scope: string, method: string, params: unknown) =>
    call('wallet_invokeMethod', { scope, request: { method, params } });
  const notifications = () =>
    page.evaluate(() =>
      (
        window as unknown as { dapp: { notifications(): { method: string; params: unknown }[] } }
      ).dapp.notifications(),
    );
  const balance = async (who: string) =>
    BigInt(String((await node.call({ path: ASSET, method: 'balanceOf', args: [who] })).values[0]));
  const resultOf = (outcome: Outcome) => {
    assert.ok('result' in outcome, JSON.stringify(outcome));
    return outcome.result;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-caip-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 200 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      4,
    );
    const r3 = net.routers.find((r) => r.name === 'r3')?.wsAddress as string;
    node = new LightClient({ routers: [r3] });
    const info = await node.chainInfo(ASSET);
    const fund = transactionFields({
      to: net.fisco.asset,
      data: encodeCall(assetArtifact.abi as never, 'transfer', [TEST_ACCOUNT_0, 1000n]),
      chainId: 1,
      groupId: 1,
      blockLimit: info.blockNumber + 500n,
    });
    await node.submit(ASSET, signTransaction(fund, net.fisco.deployer).raw);

    // The chain ids, by the namespaces' resolution methods: FISCO BCOS JSON-RPC getBlockHashByNumber
    // on the node; Fabric block 0 of the channel from the peer, its header hashed.
    const response = await fetch(net.fisco.node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getBlockHashByNumber', params: [1, '0x0'] }),
    });
    const genesis = ((await response.json()) as { result: string }).result;
    fiscoChain = `fisco:${genesis.slice(2, 34).toLowerCase()}`;
    const block0 = decodeBlock(net.fabric.peer.genesisBlock(net.fabric.channel));
    const hash = blockHeaderHash(block0.number, block0.previousHash, block0.dataHash);
    fabricChain = `fabric:${Buffer.from(hash).toString('hex').slice(0, 32)}`;

    browser = await launchExtension();
    await connectWallet(browser, r3, 'payment.bcos.asset (2 hops)');
    server = await servePages({ '/': DAPP });
    page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
  });

  after(async () => {
    await node?.stop();
    await browser?.close();
    await server?.close();
    await net?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the dapp finds the wallet by CAIP-294, with its extension id and the chains it serves', async () => {
    await page.evaluate(() => (window as unknown as { dapp: { prompt(): void } }).dapp.prompt());
    await page.waitForFunction(
      (chain) =>
        (window as unknown as { dapp: { wallets(): { scopes?: object }[] } }).dapp
          .wallets()
          .some((w) => w.scopes && chain in w.scopes),
      fiscoChain,
      { timeout: 20_000 },
    );
    const [wallet] = (await page.evaluate(() =>
      (window as unknown as { dapp: { wallets(): unknown[] } }).dapp.wallets(),
    )) as {
      uuid: string;
      name: string;
      rdns: string;
      target: { type: string; value: string }[];
      scopes: Scopes;
    }[];
    assert.ok(wallet);
    assert.equal(wallet.name, 'Weft');
    assert.equal(wallet.rdns, 'dev.weft.wallet');
    assert.deepEqual(wallet.target, [{ type: 'caip341', value: browser.extensionId }]);
    assert.deepEqual(Object.keys(wallet.scopes).sort(), [fabricChain, fiscoChain, 'wallet'].sort());
    assert.ok(wallet.scopes[fiscoChain]?.methods.includes('fisco_sendTransaction'));
    uuid = wallet.uuid;
  });

  test('wallet_createSession: the user approves the resources in the popup', async () => {
    const approval = nextApprovalWindow(browser);
    const pending = call('wallet_createSession', {
      requiredScopes: {
        [fiscoChain]: {
          methods: ['fisco_call', 'fisco_sendTransaction', 'fisco_subscribe'],
          notifications: ['fisco_subscription'],
        },
      },
      optionalScopes: { [fabricChain]: { methods: ['fabric_call'], notifications: [] } },
      scopedProperties: { [fiscoChain]: { resources: [ASSET] }, [fabricChain]: { resources: [FAB] } },
      sessionProperties: {},
    });
    const popup = await approval;
    await popup.getByTestId('approval').waitFor();
    const shown = (await popup.getByTestId('approval').textContent()) ?? '';
    assert.match(shown, /payment\.bcos\.asset/);
    assert.match(shown, /trade\.fab\.asset/);
    assert.equal(await popup.getByTestId('approval-origin').textContent(), server.origin);
    await popup.getByRole('button', { name: 'Approve' }).click();
    const answer = resultOf(await pending) as {
      sessionScopes: Scopes;
      scopedProperties: Record<string, { resources: string[] }>;
    };
    await popup.close().catch(() => {});
    assert.deepEqual(Object.keys(answer.sessionScopes).sort(), [fabricChain, fiscoChain, 'wallet'].sort());
    assert.deepEqual(answer.sessionScopes[fiscoChain]?.accounts, [
      `${fiscoChain}:${TEST_ACCOUNT_0.toLowerCase()}`,
    ]);
    assert.deepEqual(answer.sessionScopes[fabricChain]?.accounts, [], 'no Fabric identity in this wallet');
    assert.deepEqual(answer.scopedProperties[fiscoChain], { resources: [ASSET] });
    // CAIP-311: the page heard of it on its channel too.
    await page.waitForFunction(() =>
      (window as unknown as { dapp: { notifications(): { method: string }[] } }).dapp
        .notifications()
        .some((n) => n.method === 'wallet_sessionChanged'),
    );
    const changed = (await notifications()).find((n) => n.method === 'wallet_sessionChanged');
    assert.ok(changed);
    assert.deepEqual(
      Object.keys((changed.params as { sessionScopes: Scopes }).sessionScopes).sort(),
      Object.keys(answer.sessionScopes).sort(),
    );
  });

  test('reads through wallet_invokeMethod: FISCO BCOS and Fabric', async () => {
    const fisco = resultOf(
      await invoke(fiscoChain, 'fisco_call', [{ path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] }]),
    ) as { values: string[]; verified: { backing: string } };
    assert.deepEqual(fisco.values, ['1000']);
    assert.equal(fisco.verified.backing, 'router');
    const fabric = resultOf(
      await invoke(fabricChain, 'fabric_call', [{ path: FAB, method: 'BalanceOf', args: ['user2'] }]),
    ) as { values: unknown[] };
    assert.equal(String(fabric.values[0]), '1000');
    // Out of scope: the FISCO BCOS resource through the Fabric scope; a method the scope lacks.
    const crossed = await invoke(fabricChain, 'fabric_call', [
      { path: ASSET, method: 'balanceOf', args: [] },
    ]);
    assert.ok('error' in crossed && crossed.error.code === 4100, JSON.stringify(crossed));
    const unknown = await invoke(fiscoChain, 'eth_call', []);
    assert.ok('error' in unknown && unknown.error.code === 4200, JSON.stringify(unknown));
  });

  test('a subscription, then a transfer approved in the popup: the event comes as wallet_notify', async () => {
    subscription = resultOf(await invoke(fiscoChain, 'fisco_subscribe', [{ path: ASSET }])) as string;
    assert.match(subscription, /^0x[0-9a-f]{32}$/);
    const recipient = EcdsaSigner.random().address;
    const approval = nextApprovalWindow(browser);
    const pending = invoke(fiscoChain, 'fisco_sendTransaction', [
      { path: ASSET, method: 'transfer', args: [recipient, '7'] },
    ]);
    const popup = await approval;
    await popup.getByTestId('approval').waitFor();
    await popup.getByRole('button', { name: 'Approve' }).click();
    const receipt = resultOf(await pending) as { status: string; txId: string; verified: { by: string } };
    await popup.close().catch(() => {});
    assert.equal(receipt.status, 'success');
    assert.match(receipt.verified.by, /^sealed by [34] of 4 sealers/);
    assert.equal(await balance(recipient), 7n);

    await page.waitForFunction(
      (txId) =>
        (
          window as unknown as {
            dapp: {
              notifications(): {
                method: string;
                params: { notification?: { params?: { result?: { txId?: string } } } };
              }[];
            };
          }
        ).dapp
          .notifications()
          .some(
            (n) =>
              n.method === 'wallet_notify' &&
              n.params.notification?.params?.result?.txId?.toLowerCase() === txId.toLowerCase(),
          ),
      receipt.txId,
      { timeout: 30_000 },
    );
    const notified = (await notifications()).find(
      (n) =>
        n.method === 'wallet_notify' &&
        (
          n.params as { notification: { params: { result: { txId: string } } } }
        ).notification.params.result.txId.toLowerCase() === receipt.txId.toLowerCase(),
    )?.params as {
      scope: string;
      notification: {
        method: string;
        params: { subscription: string; result: { name: string; path: string } };
      };
    };
    assert.equal(notified.scope, fiscoChain);
    assert.equal(notified.notification.method, 'fisco_subscription');
    assert.equal(notified.notification.params.subscription, subscription);
    assert.equal(notified.notification.params.result.path, ASSET);
    assert.equal(notified.notification.params.result.name, 'Transfer');
  });

  test('wallet_revokeSession ends the session, its scopes and its subscription', async () => {
    assert.equal(resultOf(await call('wallet_revokeSession', {})), true);
    await page.waitForFunction(() =>
      (
        window as unknown as {
          dapp: { notifications(): { method: string; params: { sessionScopes?: object } }[] };
        }
      ).dapp
        .notifications()
        .some(
          (n) =>
            n.method === 'wallet_sessionChanged' &&
            n.params.sessionScopes &&
            Object.keys(n.params.sessionScopes).length === 0,
        ),
    );
    assert.deepEqual(resultOf(await call('wallet_getSession', {})), { sessionScopes: {} });
    const refused = await invoke(fiscoChain, 'fisco_call', [
      { path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] },
    ]);
    assert.ok('error' in refused && refused.error.code === 4100, JSON.stringify(refused));
    // The subscription ended with the session: a transfer now brings the page no event.
    const before = (await notifications()).filter((n) => n.method === 'wallet_notify').length;
    const info = await node.chainInfo(ASSET);
    const move = transactionFields({
      to: net.fisco.asset,
      data: encodeCall(assetArtifact.abi as never, 'transfer', [TEST_ACCOUNT_0, 1n]),
      chainId: 1,
      groupId: 1,
      blockLimit: info.blockNumber + 500n,
    });
    await node.submit(ASSET, signTransaction(move, net.fisco.deployer).raw);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal((await notifications()).filter((n) => n.method === 'wallet_notify').length, before);
  });
});
