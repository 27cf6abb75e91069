/**
 * The CAIP-only dapp of the chain-agnostic e2e tests, shared by Chromium (caip.test.ts) and
 * Firefox (caip-firefox.test.ts) so both browsers run the same page script and the same steps:
 *
 * - `CAIP_DAPP`: a page that knows only the ChainAgnostic standards. It finds wallets by CAIP-294,
 *   speaks JSON-RPC on the chosen wallet's `caip294:<uuid>` event channel, records every
 *   notification sent there, and (Chromium, CAIP-341) can open `chrome.runtime.connect(<target>)`
 *   and speak the same JSON-RPC on that port. No `weft_` name, no `window.weft`.
 * - `CaipDapp`: drives that page through JavaScript evaluated in it (Playwright's and
 *   puppeteer's `page.evaluate` both take a string), so it works with either browser's driver.
 * - `startCaipNetwork`: the local network, the wallet's account 0 funded, and the chain ids the
 *   wallet must offer, computed as the namespace write-ups say from each chain's block 0 asked of
 *   the nodes directly, plus user1's Fabric identity and its CAIP-10 account.
 * - The steps (`createSession`, `readBothChains`, …): what the dapp does and what it must get,
 *   with the browser-specific part (answering the wallet's approval window) passed in.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeBlock } from '../../p2p/chains/fabric/block-file.ts';
import { blockHeaderHash } from '../../p2p/chains/fabric/block-hash.ts';
import { encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import { assetArtifact } from '../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../p2p/client/light-client.ts';
import {
  FABRIC_ASSET_SYMBOL,
  type LocalNetwork,
  startLocalNetwork,
  waitForDirectory,
} from '../../p2p/devnet/local-network.ts';
import { TEST_ACCOUNT_0 } from './harness.ts';

export const ASSET = 'payment.bcos.asset';
export const FAB = 'trade.fab.asset';

/**
 * The dapp: a CAIP-294 wallet list, JSON-RPC on the chosen wallet's `caip294:<uuid>` channel,
 * every notification the wallet sends on it, and a CAIP-341 port where the browser offers one.
 * Nothing Weft-specific.
 */
export const CAIP_DAPP = `<!doctype html><html><head><title>caip dapp</title><script>
  const wallets = new Map();
  const notifications = [];
  const portNotifications = [];
  const portPending = new Map();
  let port = null;
  let portClosed = null;
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
    // CAIP-341: the announced target's transport, where the browser gives this page one.
    canConnect: () => typeof chrome !== 'undefined' && !!chrome.runtime && typeof chrome.runtime.connect === 'function',
    connect(extensionId) {
      port = chrome.runtime.connect(extensionId);
      port.onMessage.addListener((message) => {
        const waiter = message && message.id !== undefined ? portPending.get(message.id) : undefined;
        if (waiter) {
          portPending.delete(message.id);
          waiter(message.error ? { error: message.error } : { result: message.result, jsonrpc: message.jsonrpc });
        } else if (message && message.method) portNotifications.push(message);
      });
      port.onDisconnect.addListener(() => {
        portClosed = String((chrome.runtime.lastError && chrome.runtime.lastError.message) || 'disconnected');
        for (const waiter of portPending.values()) waiter({ error: { code: -1, message: 'port closed: ' + portClosed } });
        portPending.clear();
      });
    },
    portCall(method, params) {
      const id = next++;
      return new Promise((resolve) => {
        if (portClosed !== null) return resolve({ error: { code: -1, message: 'port closed: ' + portClosed } });
        portPending.set(id, resolve);
        port.postMessage({ id, jsonrpc: '2.0', method, params });
      });
    },
    portNotifications: () => portNotifications,
    disconnect() {
      if (port) port.disconnect();
    },
  };
</script></head><body>a dapp that speaks CAIP only</body></html>`;

export type Outcome = { result: unknown } | { error: { code: number; message: string; data?: unknown } };
export type Scopes = Record<string, { methods: string[]; notifications: string[]; accounts?: string[] }>;
/** A JSON-RPC notification the page got (`wallet_notify`, `wallet_sessionChanged`). */
export interface Notification {
  method: string;
  params: unknown;
}
/** `wallet_notify`'s params for a resource event (CAIP-319). */
export interface NotifyParams {
  scope: string;
  notification: {
    method: string;
    params: {
      subscription: string;
      result: { path: string; name?: string; args?: Record<string, unknown>; txId: string };
    };
  };
}
/** What a wallet announces by CAIP-294. */
export interface Announced {
  uuid: string;
  name: string;
  rdns: string;
  target?: { type: string; value: string }[];
  scopes: Scopes;
}

/** Evaluates JavaScript in the dapp's page and resolves with its (awaited) value. */
export type Evaluate = (expression: string) => Promise<unknown>;

const js = (value: unknown) => JSON.stringify(value);

/** The dapp page, driven from Node; every method runs the page's own script. */
export class CaipDapp {
  readonly #evaluate: Evaluate;
  /** The wallet's CAIP-294 uuid, once chosen. */
  uuid = '';

  constructor(evaluate: Evaluate) {
    this.#evaluate = evaluate;
  }

  prompt(): Promise<unknown> {
    return this.#evaluate('window.dapp.prompt()');
  }

  async wallets(): Promise<Announced[]> {
    return (await this.#evaluate('window.dapp.wallets()')) as Announced[];
  }

  async call(method: string, params?: unknown): Promise<Outcome> {
    return (await this.#evaluate(
      `window.dapp.call(${js(this.uuid)}, ${js(method)}, ${params === undefined ? 'undefined' : js(params)})`,
    )) as Outcome;
  }

  invoke(scope: string, method: string, params: unknown): Promise<Outcome> {
    return this.call('wallet_invokeMethod', { scope, request: { method, params } });
  }

  async notifications(): Promise<Notification[]> {
    return (await this.#evaluate('window.dapp.notifications()')) as Notification[];
  }

  async canConnect(): Promise<boolean> {
    return (await this.#evaluate('window.dapp.canConnect()')) === true;
  }

  connect(extensionId: string): Promise<unknown> {
    return this.#evaluate(`window.dapp.connect(${js(extensionId)})`);
  }

  async portCall(method: string, params?: unknown): Promise<Outcome> {
    return (await this.#evaluate(
      `window.dapp.portCall(${js(method)}, ${params === undefined ? 'undefined' : js(params)})`,
    )) as Outcome;
  }

  async portNotifications(): Promise<Notification[]> {
    return (await this.#evaluate('window.dapp.portNotifications()')) as Notification[];
  }

  /** Resolves with the first of `list()` that `match` accepts, polling until `timeoutMs`. */
  async waitFor<T>(
    list: () => Promise<T[]>,
    match: (item: T) => boolean,
    what: string,
    timeoutMs = 20_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await list()).find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The first notification on the channel that `match` accepts. */
  notification(match: (n: Notification) => boolean, what: string, timeoutMs?: number): Promise<Notification> {
    return this.waitFor(() => this.notifications(), match, what, timeoutMs);
  }
}

export const resultOf = (outcome: Outcome): unknown => {
  assert.ok('result' in outcome, JSON.stringify(outcome));
  return outcome.result;
};

export const errorCode = (outcome: Outcome): number | undefined =>
  'error' in outcome ? outcome.error.code : undefined;

export interface CaipNetwork {
  net: LocalNetwork;
  node: LightClient;
  /** The router the wallet is pointed at. */
  r3: string;
  fiscoChain: string;
  fabricChain: string;
  /** user1, Org1MSP: the Fabric identity the wallet imports, owner of the Fabric account `user1`. */
  user1: { mspDir: string; account: string };
  /** A FISCO BCOS balance as the light client in Node reads it. */
  fiscoBalance(who: string): Promise<bigint>;
  /** A FISCO BCOS transfer signed in Node by the asset's deployer. */
  fiscoFund(to: string, amount: bigint): Promise<void>;
  stop(): Promise<void>;
}

/** The local network in `dir`, the wallet's account 0 funded with 1000, and the chain ids. */
export async function startCaipNetwork(dir: string): Promise<CaipNetwork> {
  const net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 200 });
  let node: LightClient | undefined;
  try {
    await waitForDirectory(
      net.routers.map((r) => r.router),
      4,
    );
    const r3 = net.routers.find((r) => r.name === 'r3')?.wsAddress as string;
    const client = new LightClient({ routers: [r3] });
    node = client;
    const fiscoFund = async (to: string, amount: bigint) => {
      const info = await client.chainInfo(ASSET);
      const move = transactionFields({
        to: net.fisco.asset,
        data: encodeCall(assetArtifact.abi as never, 'transfer', [to, amount]),
        chainId: 1,
        groupId: 1,
        blockLimit: info.blockNumber + 500n,
      });
      await client.submit(ASSET, signTransaction(move, net.fisco.deployer).raw);
    };
    await fiscoFund(TEST_ACCOUNT_0, 1000n);

    // The chain ids, by the namespaces' resolution methods: FISCO BCOS JSON-RPC getBlockHashByNumber
    // on the node; Fabric block 0 of the channel from the peer, its header hashed.
    const response = await fetch(net.fisco.node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getBlockHashByNumber', params: [1, '0x0'] }),
    });
    const genesis = ((await response.json()) as { result: string }).result;
    const fiscoChain = `fisco:${genesis.slice(2, 34).toLowerCase()}`;
    const block0 = decodeBlock(net.fabric.peer.genesisBlock(net.fabric.channel));
    const hash = blockHeaderHash(block0.number, block0.previousHash, block0.dataHash);
    const fabricChain = `fabric:${Buffer.from(hash).toString('hex').slice(0, 32)}`;

    // CAIP-10 on Fabric: <chain>:<MSP id>.<SHA-256 of the certificate's DER>, here by node:crypto.
    const mspDir = (net.fabric.peer.identities.user1 as { mspDir: string }).mspDir;
    const certificate = new X509Certificate(await readFile(join(mspDir, 'signcerts', 'cert.pem')));
    const fingerprint = certificate.fingerprint256.replaceAll(':', '').toLowerCase();
    return {
      net,
      node: client,
      r3,
      fiscoChain,
      fabricChain,
      user1: { mspDir, account: `${fabricChain}:Org1MSP.${fingerprint}` },
      fiscoBalance: async (who) =>
        BigInt(String((await client.call({ path: ASSET, method: 'balanceOf', args: [who] })).values[0])),
      fiscoFund,
      async stop() {
        await client.stop();
        await net.stop();
      },
    };
  } catch (error) {
    await node?.stop().catch(() => {});
    await net.stop().catch(() => {});
    throw error;
  }
}

/**
 * Answers the wallet's approval window for what `request` asks: waits for the window, for its
 * text to match `shows`, clicks Approve, and resolves with the request's outcome and what the
 * window showed (its text and the origin it named).
 */
export type Approve = (
  request: () => Promise<Outcome>,
  shows: RegExp,
) => Promise<{ outcome: Outcome; shown: string; origin: string }>;

/** One browser's run of the dapp: its page, the network, and how that browser answers approvals. */
export interface CaipRun {
  dapp: CaipDapp;
  chains: CaipNetwork;
  approve: Approve;
  /** The dapp page's origin. */
  origin: string;
}

/** CAIP-294: prompts until the wallet answers with the chains its routers reach; picks it. */
export async function discoverWallet({ dapp, chains }: CaipRun): Promise<Announced> {
  // A prompt the wallet answers before its worker knows the chains names only the namespaces
  // (the inpage script waits 2 s, then keeps that answer for 30 s): the dapp asks again.
  let wallet: Announced | undefined;
  for (let attempt = 0; !wallet; attempt++) {
    await dapp.prompt();
    wallet = await dapp
      .waitFor(
        () => dapp.wallets(),
        (w) => w.scopes !== undefined && chains.fiscoChain in w.scopes,
        'wallet announcing the FISCO BCOS chain',
        5_000,
      )
      .catch((error: unknown) => {
        if (attempt >= 8) throw error;
        return undefined;
      });
  }
  assert.equal(wallet.name, 'Weft');
  assert.equal(wallet.rdns, 'dev.weft.wallet');
  assert.deepEqual(
    Object.keys(wallet.scopes).sort(),
    [chains.fabricChain, chains.fiscoChain, 'wallet'].sort(),
  );
  for (const method of ['fisco_call', 'fisco_sendTransaction', 'fisco_subscribe'])
    assert.ok(wallet.scopes[chains.fiscoChain]?.methods.includes(method), method);
  for (const method of ['fabric_call', 'fabric_sendTransaction', 'fabric_subscribe'])
    assert.ok(wallet.scopes[chains.fabricChain]?.methods.includes(method), method);
  assert.deepEqual(wallet.scopes[chains.fabricChain]?.notifications, ['fabric_subscription']);
  dapp.uuid = wallet.uuid;
  return wallet;
}

/** What the dapp asks for: FISCO BCOS required, Fabric optional, each with its writes and events. */
export function sessionRequest(chains: CaipNetwork) {
  return {
    requiredScopes: {
      [chains.fiscoChain]: {
        methods: ['fisco_call', 'fisco_sendTransaction', 'fisco_subscribe'],
        notifications: ['fisco_subscription'],
      },
    },
    optionalScopes: {
      [chains.fabricChain]: {
        methods: ['fabric_call', 'fabric_sendTransaction', 'fabric_subscribe'],
        notifications: ['fabric_subscription'],
      },
    },
    scopedProperties: {
      [chains.fiscoChain]: { resources: [ASSET] },
      [chains.fabricChain]: { resources: [FAB] },
    },
    sessionProperties: {},
  };
}

/** CAIP-25: the user approves both chains' resources; the answer names the accounts on each. */
export async function createSession(run: CaipRun): Promise<void> {
  const { dapp, chains } = run;
  const { outcome, shown, origin } = await run.approve(
    () => dapp.call('wallet_createSession', sessionRequest(chains)),
    /trade\.fab\.asset/,
  );
  assert.match(shown, /payment\.bcos\.asset/);
  assert.equal(origin, run.origin);
  const answer = resultOf(outcome) as {
    sessionScopes: Scopes;
    scopedProperties: Record<string, { resources: string[] }>;
  };
  assert.deepEqual(
    Object.keys(answer.sessionScopes).sort(),
    [chains.fabricChain, chains.fiscoChain, 'wallet'].sort(),
  );
  assert.deepEqual(answer.sessionScopes[chains.fiscoChain]?.accounts, [
    `${chains.fiscoChain}:${TEST_ACCOUNT_0.toLowerCase()}`,
  ]);
  assert.deepEqual(answer.sessionScopes[chains.fabricChain]?.accounts, [chains.user1.account]);
  assert.deepEqual(answer.sessionScopes[chains.fabricChain]?.notifications, ['fabric_subscription']);
  assert.deepEqual(answer.scopedProperties, {
    [chains.fiscoChain]: { resources: [ASSET] },
    [chains.fabricChain]: { resources: [FAB] },
  });
  // CAIP-311: the page heard of it on its channel too.
  const changed = await dapp.notification(
    (n) => n.method === 'wallet_sessionChanged',
    'wallet_sessionChanged',
  );
  assert.deepEqual(
    Object.keys((changed.params as { sessionScopes: Scopes }).sessionScopes).sort(),
    Object.keys(answer.sessionScopes).sort(),
  );
}

/** A Fabric `BalanceOf` through the session's Fabric scope. */
export async function fabricBalance({ dapp, chains }: CaipRun, account: string): Promise<bigint> {
  const read = resultOf(
    await dapp.invoke(chains.fabricChain, 'fabric_call', [
      { path: FAB, method: 'BalanceOf', args: [account] },
    ]),
  ) as { values: unknown[] };
  return BigInt(String(read.values[0]));
}

/** CAIP-27 reads on both chains, and the calls a scope refuses. */
export async function readBothChains(run: CaipRun): Promise<void> {
  const { dapp, chains } = run;
  const fisco = resultOf(
    await dapp.invoke(chains.fiscoChain, 'fisco_call', [
      { path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] },
    ]),
  ) as { values: string[]; verified: { backing: string } };
  assert.deepEqual(fisco.values, ['1000']);
  assert.equal(fisco.verified.backing, 'router');
  const fabric = resultOf(
    await dapp.invoke(chains.fabricChain, 'fabric_call', [
      { path: FAB, method: 'BalanceOf', args: ['user2'] },
    ]),
  ) as { values: unknown[]; verified: unknown };
  assert.equal(String(fabric.values[0]), '1000');
  // Read with the session's Fabric identity: endorsed by both organisations, checked by the wallet.
  assert.deepEqual(fabric.verified, { backing: 'endorsed', by: 'endorsed by Org1MSP and Org2MSP' });
  // Out of scope: the FISCO BCOS resource through the Fabric scope; a method no scope has.
  const crossed = await dapp.invoke(chains.fabricChain, 'fabric_call', [
    { path: ASSET, method: 'balanceOf', args: [] },
  ]);
  assert.equal(errorCode(crossed), 4100, JSON.stringify(crossed));
  const unknown = await dapp.invoke(chains.fiscoChain, 'eth_call', []);
  assert.equal(errorCode(unknown), 4200, JSON.stringify(unknown));
}

/** The `wallet_notify` on the channel for transaction `txId` in `scope`. */
async function eventOf(dapp: CaipDapp, scope: string, txId: string): Promise<NotifyParams> {
  const notified = await dapp.notification(
    (n) => {
      if (n.method !== 'wallet_notify') return false;
      const params = n.params as Partial<NotifyParams>;
      return (
        params.scope === scope &&
        params.notification?.params?.result?.txId?.toLowerCase() === txId.toLowerCase()
      );
    },
    `wallet_notify for ${txId} in ${scope}`,
    30_000,
  );
  return notified.params as NotifyParams;
}

/** FISCO BCOS: a subscription, a transfer approved in the wallet, its event as wallet_notify. */
export async function fiscoWriteAndEvent(run: CaipRun): Promise<void> {
  const { dapp, chains } = run;
  const subscription = resultOf(
    await dapp.invoke(chains.fiscoChain, 'fisco_subscribe', [{ path: ASSET }]),
  ) as string;
  assert.match(subscription, /^0x[0-9a-f]{32}$/);
  const recipient = EcdsaSigner.random().address;
  const { outcome, shown } = await run.approve(
    () =>
      dapp.invoke(chains.fiscoChain, 'fisco_sendTransaction', [
        { path: ASSET, method: 'transfer', args: [recipient, '7'] },
      ]),
    /Send 7 WFA to /,
  );
  assert.match(shown, /payment\.bcos\.asset/);
  const receipt = resultOf(outcome) as { status: string; txId: string; verified: { by: string } };
  assert.equal(receipt.status, 'success');
  assert.match(receipt.verified.by, /^sealed by [34] of 4 sealers \(block \d+\)$/);
  // Read back through the same CAIP API, and in Node.
  const after = resultOf(
    await dapp.invoke(chains.fiscoChain, 'fisco_call', [
      { path: ASSET, method: 'balanceOf', args: [recipient] },
    ]),
  ) as { values: string[] };
  assert.deepEqual(after.values, ['7']);
  assert.equal(await chains.fiscoBalance(recipient), 7n);

  const notified = await eventOf(dapp, chains.fiscoChain, receipt.txId);
  assert.equal(notified.notification.method, 'fisco_subscription');
  assert.equal(notified.notification.params.subscription, subscription);
  assert.equal(notified.notification.params.result.path, ASSET);
  assert.equal(notified.notification.params.result.name, 'Transfer');
}

/**
 * Fabric: a subscription, `Transfer(user1, user2, 5)` approved in the wallet and signed by the
 * session's identity (user1, owner of the account `user1`), the balances moved as read back
 * through the Fabric scope, and the chaincode's Transfer event as wallet_notify.
 */
export async function fabricWriteAndEvent(run: CaipRun): Promise<void> {
  const { dapp, chains } = run;
  const subscription = resultOf(
    await dapp.invoke(chains.fabricChain, 'fabric_subscribe', [{ path: FAB }]),
  ) as string;
  assert.match(subscription, /^0x[0-9a-f]{32}$/);
  const before = { user1: await fabricBalance(run, 'user1'), user2: await fabricBalance(run, 'user2') };
  const { outcome, shown } = await run.approve(
    () =>
      dapp.invoke(chains.fabricChain, 'fabric_sendTransaction', [
        { path: FAB, method: 'Transfer', args: ['user1', 'user2', '5'] },
      ]),
    new RegExp(`Send 5 ${FABRIC_ASSET_SYMBOL} from user1`),
  );
  assert.match(shown, /trade\.fab\.asset/);
  assert.match(shown, /user2/);
  const receipt = resultOf(outcome) as { status: string; txId: string; verified: { by: string } };
  assert.equal(receipt.status, 'success');
  assert.match(receipt.txId, /^(0x)?[0-9a-f]{64}$/i);
  assert.match(
    receipt.verified.by,
    /^endorsed by Org1MSP and Org2MSP, ordered by OrdererMSP, valid per Org1MSP and Org2MSP \(block \d+\)$/,
  );
  assert.equal(await fabricBalance(run, 'user1'), before.user1 - 5n);
  assert.equal(await fabricBalance(run, 'user2'), before.user2 + 5n);

  const notified = await eventOf(dapp, chains.fabricChain, receipt.txId);
  assert.equal(notified.notification.method, 'fabric_subscription');
  assert.equal(notified.notification.params.subscription, subscription);
  assert.equal(notified.notification.params.result.path, FAB);
  assert.equal(notified.notification.params.result.name, 'Transfer');
  assert.deepEqual(notified.notification.params.result.args, { from: 'user1', to: 'user2', amount: '5' });
}

/** CAIP-285: revoking ends the session, its scopes on both chains and its subscriptions. */
export async function revokeSession(run: CaipRun): Promise<void> {
  const { dapp, chains } = run;
  assert.equal(resultOf(await dapp.call('wallet_revokeSession', {})), true);
  await dapp.notification(
    (n) =>
      n.method === 'wallet_sessionChanged' &&
      Object.keys((n.params as { sessionScopes?: object }).sessionScopes ?? { x: 1 }).length === 0,
    'wallet_sessionChanged with no scopes',
  );
  assert.deepEqual(resultOf(await dapp.call('wallet_getSession', {})), { sessionScopes: {} });
  const fisco = await dapp.invoke(chains.fiscoChain, 'fisco_call', [
    { path: ASSET, method: 'balanceOf', args: [TEST_ACCOUNT_0] },
  ]);
  assert.equal(errorCode(fisco), 4100, JSON.stringify(fisco));
  const fabric = await dapp.invoke(chains.fabricChain, 'fabric_call', [
    { path: FAB, method: 'BalanceOf', args: ['user2'] },
  ]);
  assert.equal(errorCode(fabric), 4100, JSON.stringify(fabric));
  // The subscriptions ended with the session: a transfer now brings the page no event.
  const count = async () => (await dapp.notifications()).filter((n) => n.method === 'wallet_notify').length;
  const before = await count();
  await chains.fiscoFund(TEST_ACCOUNT_0, 1n);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  assert.equal(await count(), before);
}
