/**
 * Routers finish what a revealed secret allows (docs/ttm.md, docs/router-protocol.md#ttm), on the
 * local network: r1 fronts payment.bcos.asset, r2 trade.fab.asset, r3 is a hop. The test plays a
 * wallet that prepares (or locks) on both chains with one id and one hash lock, reveals the
 * secret on one chain only, straight to that chain (past every router), and never comes back:
 * the routers must commit or claim the other chain themselves, before its deadline, and leave
 * alone what is past it. Every wait polls the chains' state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Hex } from '../../../p2p/chains/connector.ts';
import { assetMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import type { FabricSigningIdentity } from '../../../p2p/chains/fabric/identity.ts';
import { signPreparedTransaction, signProposal } from '../../../p2p/chains/fabric/offline-signing.ts';
import { decodeRevertReason, encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { assetArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import { HipError } from '../../../p2p/protocol/errors.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import type { Router } from '../../../p2p/router/router.ts';
import { rawClient } from './raw-client.ts';

const BCOS = 'payment.bcos.asset';
const FAB = 'trade.fab.asset';
const abi = assetArtifact.abi as never;

const random32 = () => `0x${bytesToHex(crypto.getRandomValues(new Uint8Array(32)))}` as Hex;
const hashOf = (preimage: string) => `0x${bytesToHex(sha256(hexToBytes(preimage.slice(2))))}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A secret and its lock, as the wallet draws them. */
function secret() {
  const s = random32();
  return { s, h: hashOf(s) };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface FabricTx {
  state: string;
  hashLock: string;
}

describe('routers finish transactions whose secret is public', { timeout: 90_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let fisco: FiscoBcosConnector;
  let fabric: FabricConnector;
  let client: LightClient;
  /** A wallet whose entry router is r2, which fronts the Fabric asset. */
  let wallet: LightClient;
  let r1: Router;
  let r2: Router;
  const logs: Record<string, unknown>[] = [];
  /** The wallet's FISCO BCOS accounts: alice pays, bob receives. */
  const alice = EcdsaSigner.random();
  const bob = EcdsaSigner.random();
  let user: FabricSigningIdentity;
  /** Fabric accounts, all owned by user1: fa pays, fb receives. */
  const fa = `fa-${Date.now()}`;
  const fb = `fb-${Date.now()}`;
  const reveals: Record<string, number> = {};

  // ---- a wallet's writes, straight to each chain -----------------------------------

  async function bcosSend(by: EcdsaSigner, method: string, args: unknown[]) {
    const fields = transactionFields({
      to: net.fisco.asset,
      data: encodeCall(abi, method, args),
      chainId: net.fisco.chainId,
      groupId: net.fisco.groupId,
      blockLimit: (await fisco.blockNumber()) + 500n,
    });
    const receipt = await fisco.submit({ resource: BCOS, signed: signTransaction(fields, by).raw });
    assert.equal(receipt.status, 'success', `${method}: ${decodeRevertReason(receipt.output)}`);
    return receipt;
  }

  async function bcosRead(method: string, args: unknown[]) {
    return (await fisco.call({ resource: BCOS, method, args })).values;
  }

  const bcosBalance = async (who: string) => (await bcosRead('balanceOf', [who]))[0] as bigint;
  /** txState state: 0 none, 1 prepared, 2 committed, 3 aborted. */
  const bcosTxState = async (id: string) => Number((await bcosRead('txState', [id]))[3]);
  /** htlcState state: 0 none, 1 locked, 2 claimed, 3 refunded. */
  const bcosHtlcState = async (id: string) => Number((await bcosRead('htlcState', [id]))[5]);

  async function fabWrite(fn: string, args: string[]) {
    const proposal = signProposal(user, { channel: net.fabric.channel, chaincode: 'asset', fn, args });
    const prepared = await fabric.prepare({ resource: FAB, signed: proposal.signed });
    const { signed } = signPreparedTransaction(user, prepared.unsigned, { txId: proposal.txId, fn });
    const receipt = await fabric.submit({ resource: FAB, signed });
    assert.equal(receipt.status, 'success', fn);
    return receipt;
  }

  async function fabRead(fn: string, args: string[]) {
    return (await fabric.call({ resource: FAB, method: fn, args })).values[0];
  }

  const fabBalance = async (account: string) => BigInt(String(await fabRead('BalanceOf', [account])));
  const fabTx = async (id: string) => (await fabRead('TxState', [id])) as FabricTx;
  const fabHtlc = async (id: string) => (await fabRead('HtlcState', [id])) as FabricTx;

  /** Everything the test's accounts hold, plus both chains' escrow and the Fabric supply. */
  async function holdings() {
    return {
      alice: await bcosBalance(alice.address),
      bob: await bcosBalance(bob.address),
      bcosEscrow: await bcosBalance(net.fisco.asset),
      fa: await fabBalance(fa),
      fb: await fabBalance(fb),
      fabSupply: BigInt(String(await fabRead('TotalSupply', []))),
    };
  }

  /** A counter's value for the metric line that starts with `prefix`, 0 if absent. */
  async function metric(router: Router, name: string, prefix: string): Promise<number> {
    const text = await router.metrics.registry.getSingleMetricAsString(name);
    const line = text.split('\n').find((l) => l.startsWith(prefix));
    return line ? Number(line.split(' ').pop()) : 0;
  }
  const forwardedReveals = (router: Router) =>
    metric(
      router,
      'weft_router_requests_total',
      'weft_router_requests_total{protocol="forward",op="ttmReveal"',
    );
  const droppedReveals = (router: Router, reason: string) =>
    metric(
      router,
      'weft_router_reveals_dropped_total',
      `weft_router_reveals_dropped_total{reason="${reason}"}`,
    );

  const completions = async (router: Router, kind: 'tx' | 'htlc') => {
    const metric = await router.metrics.ttmCompletions.get();
    return metric.values.find((v) => v.labels.kind === kind)?.value ?? 0;
  };

  /** Prepares `amount` from alice to bob and from fa to fb under one id and lock. */
  async function prepareBoth(
    id: string,
    h: string,
    amount: number,
    deadlines: { bcos: number; fab: number },
  ) {
    await Promise.all([
      bcosSend(alice, 'prepare', [id, h, deadlines.bcos, [bob.address], [amount]]),
      fabWrite('Prepare', [
        id,
        h,
        String(deadlines.fab),
        JSON.stringify([{ from: fa, to: fb, amount: String(amount) }]),
      ]),
    ]);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-ttm-watcher-'));
    const logger = createLogger('info', {}, (line) => logs.push(JSON.parse(line)));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 100, logger });
    r1 = net.routers.find((r) => r.name === 'r1')?.router as Router;
    r2 = net.routers.find((r) => r.name === 'r2')?.router as Router;
    await waitForDirectory(
      net.routers.map((r) => r.router),
      5,
    );
    assert.deepEqual(r1.ttm.paths, [BCOS]);
    assert.deepEqual(r2.ttm.paths, [FAB]);
    assert.deepEqual(net.routers.find((r) => r.name === 'r3')?.router.ttm.paths, []);
    user = net.fabric.user;
    fisco = new FiscoBcosConnector({
      url: net.fisco.node.url,
      chainId: net.fisco.chainId,
      groupId: net.fisco.groupId,
      zone: 'payment',
      chainName: 'bcos',
      resources: [{ name: 'asset', address: net.fisco.asset, abi }],
    });
    fabric = new FabricConnector({
      endpoint: net.fabric.peer.address,
      channel: net.fabric.channel,
      zone: 'trade',
      chainName: 'fab',
      routerIdentity: user,
      resources: [{ name: 'asset', chaincode: 'asset', methods: assetMethods }],
    });
    client = new LightClient({ routers: [net.routers.find((r) => r.name === 'r3')?.wsAddress as string] });
    wallet = new LightClient({ routers: [net.routers.find((r) => r.name === 'r2')?.wsAddress as string] });
    await Promise.all([
      bcosSend(net.fisco.deployer, 'transfer', [alice.address, 1000]),
      (async () => {
        await fabWrite('OpenAccount', [fa]);
        await fabWrite('OpenAccount', [fb]);
        await fabWrite('Transfer', ['user1', fa, '1000']);
      })(),
    ]);
  });

  after(async () => {
    await client?.stop();
    await wallet?.stop();
    await fabric?.close();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
    const measured = Object.entries(reveals).map(([what, ms]) => `${what}: ${ms} ms`);
    if (measured.length > 0) console.log(`reveal on one chain -> done on the other: ${measured.join('; ')}`);
    const own = logs
      .filter((l) => l.msg === 'ttm transaction committed' || l.msg === 'ttm htlc claimed')
      .map((l) => `${l.path} ${l.kind} ${l.sinceRevealMs} ms`);
    if (own.length > 0)
      console.log(`routers' own receipts, from the secret reaching them: ${own.join('; ')}`);
  });

  test('committed only on FISCO BCOS: r2 commits the Fabric leg', async () => {
    const start = await holdings();
    const before = await completions(r2, 'tx');
    const id = random32();
    const { s, h } = secret();
    await prepareBoth(id, h, 10, { bcos: nowSeconds() + 300, fab: nowSeconds() + 360 });
    // Each router indexes the prepare on its own chain from the events.
    const indexed = (router: Router, path: string) =>
      router.ttm.pending().some((item) => item.id === id && item.path === path && item.hashLock === h);
    await until('both routers to index the prepares', async () => indexed(r1, BCOS) && indexed(r2, FAB));
    await bcosSend(alice, 'commit', [id, s]);
    const revealed = Date.now();
    await until('the Fabric leg committed', async () => (await fabTx(id)).state === 'committed');
    reveals['2PC FISCO -> Fabric'] = Date.now() - revealed;
    // The router counts and logs it once its own receipt is back, which can come after the state.
    await until('r2 to count its commit', async () => (await completions(r2, 'tx')) === before + 1);
    assert.deepEqual(await holdings(), {
      ...start,
      alice: start.alice - 10n,
      bob: start.bob + 10n,
      fa: start.fa - 10n,
      fb: start.fb + 10n,
    });
    assert.ok(!indexed(r1, BCOS) && !indexed(r2, FAB), 'settled items leave the index');
    const line = logs.find((l) => l.msg === 'ttm transaction committed' && l.id === id);
    assert.ok(line, 'r2 logs the commit it made');
    assert.equal(line.path, FAB);
  });

  test('committed only on Fabric: r1 commits the FISCO BCOS leg, with its own key', async () => {
    const start = await holdings();
    const before = await completions(r1, 'tx');
    const id = random32();
    const { s, h } = secret();
    await prepareBoth(id, h, 12, { bcos: nowSeconds() + 360, fab: nowSeconds() + 300 });
    await fabWrite('Commit', [id, s]);
    const revealed = Date.now();
    await until('the FISCO BCOS leg committed', async () => (await bcosTxState(id)) === 2);
    reveals['2PC Fabric -> FISCO'] = Date.now() - revealed;
    await until('r1 to count its commit', async () => (await completions(r1, 'tx')) === before + 1);
    assert.deepEqual(await holdings(), {
      ...start,
      alice: start.alice - 12n,
      bob: start.bob + 12n,
      fa: start.fa - 12n,
      fb: start.fb + 12n,
    });
    // Committed by the router, not by the wallet: the committing transaction's sender is r1's key.
    const receiptLine = logs.find((l) => l.msg === 'ttm transaction committed' && l.id === id);
    const tx = await fisco.getTransaction(String(receiptLine?.chainTxId));
    assert.ok(tx);
    assert.notEqual(tx.from.toLowerCase(), alice.address);
  });

  test('swap: claimed on Fabric, the routers claim the FISCO BCOS HTLC for its receiver', async () => {
    const start = await holdings();
    const before = await completions(r1, 'htlc');
    const id = random32();
    const { s, h } = secret();
    // The initiator (alice / fb's side) locks on FISCO BCOS for bob with the longer timelock; the
    // participant locks on Fabric from fa to fb with the shorter one. Both under one id and lock.
    await bcosSend(alice, 'htlcLock', [id, bob.address, 7, h, nowSeconds() + 600]);
    await fabWrite('HtlcLock', [id, fa, fb, '5', h, String(nowSeconds() + 300)]);
    await fabWrite('HtlcClaim', [id, s]);
    const revealed = Date.now();
    await until('the FISCO BCOS HTLC claimed', async () => (await bcosHtlcState(id)) === 2);
    reveals['HTLC Fabric -> FISCO'] = Date.now() - revealed;
    await until('r1 to count its claim', async () => (await completions(r1, 'htlc')) === before + 1);
    assert.equal((await fabHtlc(id)).state, 'claimed');
    assert.deepEqual(await holdings(), {
      ...start,
      alice: start.alice - 7n,
      bob: start.bob + 7n,
      fa: start.fa - 5n,
      fb: start.fb + 5n,
    });
  });

  test('swap the other way: claimed on FISCO BCOS, r2 claims the Fabric HTLC', async () => {
    const start = await holdings();
    const id = random32();
    const { s, h } = secret();
    await fabWrite('HtlcLock', [id, fa, fb, '3', h, String(nowSeconds() + 600)]);
    await bcosSend(alice, 'htlcLock', [id, bob.address, 4, h, nowSeconds() + 300]);
    await bcosSend(bob, 'htlcClaim', [id, s]);
    const revealed = Date.now();
    await until('the Fabric HTLC claimed', async () => (await fabHtlc(id)).state === 'claimed');
    reveals['HTLC FISCO -> Fabric'] = Date.now() - revealed;
    assert.deepEqual(await holdings(), {
      ...start,
      alice: start.alice - 4n,
      bob: start.bob + 4n,
      fa: start.fa - 3n,
      fb: start.fb + 3n,
    });
  });

  test('a leg already past its deadline is left alone, and the routers carry on', async () => {
    const start = await holdings();
    const before = await completions(r2, 'tx');
    const id = random32();
    const { s, h } = secret();
    const fabDeadline = nowSeconds() + 4;
    await prepareBoth(id, h, 9, { bcos: nowSeconds() + 300, fab: fabDeadline });
    await until('the Fabric deadline to pass', async () => Date.now() >= fabDeadline * 1000 + 50);
    await bcosSend(alice, 'commit', [id, s]);
    // r2 hears of the secret (from r1) and reads the Fabric leg: too late, so it writes nothing.
    const late = await until('r2 to see the reveal too late', async () =>
      logs.find((l) => l.msg === 'ttm secret revealed too late to finish' && l.id === id),
    );
    assert.equal(late.path, FAB);
    assert.equal(await completions(r2, 'tx'), before);
    assert.equal((await fabTx(id)).state, 'prepared');
    // Past its deadline anyone may abort the Fabric leg: the escrow goes back to fa.
    await fabWrite('Abort', [id]);
    assert.equal((await fabTx(id)).state, 'aborted');
    assert.deepEqual(await holdings(), {
      ...start,
      alice: start.alice - 9n,
      bob: start.bob + 9n,
    });
  });

  test('a wrong preimage or garbage is refused and changes nothing; the right one from a wallet finishes both legs', async () => {
    const start = await holdings();
    const id = random32();
    const { s, h } = secret();
    await prepareBoth(id, h, 6, { bcos: nowSeconds() + 300, fab: nowSeconds() + 300 });
    const badRequest = (reason?: string) => (error: unknown) => {
      assert.ok(error instanceof HipError, `expected a HipError, got ${error}`);
      assert.equal(error.code, 'BAD_REQUEST', error.message);
      if (reason) assert.equal(error.details.reason, reason);
      return true;
    };
    await assert.rejects(
      client.request({ op: 'ttmReveal', hashLock: h, preimage: random32(), ids: [id] }),
      badRequest('wrong-preimage'),
    );
    await assert.rejects(
      client.request({ op: 'ttmReveal', hashLock: 'garbage', preimage: 42 } as never),
      badRequest(),
    );
    await assert.rejects(client.request({ op: 'ttmReveal', hashLock: h } as never), badRequest());
    assert.equal(await bcosTxState(id), 1);
    assert.equal((await fabTx(id)).state, 'prepared');
    // r3 fronts no chain, so it does not know the lock: from a client it passes the secret on to
    // nobody (docs/router-protocol.md#limits).
    const r3 = net.routers.find((r) => r.name === 'r3')?.router as Router;
    const heardByR2 = await forwardedReveals(r2);
    const unknownAtR3 = await droppedReveals(r3, 'unknown-hash-lock');
    assert.deepEqual(await client.request({ op: 'ttmReveal', hashLock: h, preimage: s, ids: [id] }), {
      hashLock: h,
      fresh: false,
    });
    assert.equal(await droppedReveals(r3, 'unknown-hash-lock'), unknownAtR3 + 1);
    assert.equal(await forwardedReveals(r2), heardByR2);
    // The wallet spreads it through r2, which holds the Fabric prepare under this lock: r2 commits
    // Fabric and floods the secret to r1 (FISCO BCOS), and both legs commit.
    const answer = await wallet.request({ op: 'ttmReveal', hashLock: h, preimage: s, ids: [id] });
    assert.deepEqual(answer, { hashLock: h, fresh: true });
    const revealed = Date.now();
    await until(
      'both legs committed',
      async () => (await bcosTxState(id)) === 2 && (await fabTx(id)).state === 'committed',
    );
    reveals['gossip from a wallet -> both chains'] = Date.now() - revealed;
    // Seen once: a repeat is acknowledged and not flooded again.
    assert.deepEqual(await client.request({ op: 'ttmReveal', hashLock: h, preimage: s }), {
      hashLock: h,
      fresh: false,
    });
    assert.deepEqual(await holdings(), {
      ...start,
      alice: start.alice - 6n,
      bob: start.bob + 6n,
      fa: start.fa - 6n,
      fb: start.fb + 6n,
    });
    // Frames that fail the schema are refused before their op is counted; the wrong preimage is.
    const metrics = await r3.metrics.registry.getSingleMetricAsString('weft_router_requests_total');
    assert.match(metrics, /op="ttmReveal",outcome="BAD_REQUEST"} 1/);
  });

  test('attack 11: a client flooding made-up secrets reaches no neighbour; a genuine reveal still finishes both legs', async () => {
    const start = await holdings();
    const r3 = net.routers.find((r) => r.name === 'r3')?.router as Router;
    const heard = { r1: await forwardedReveals(r1), r3: await forwardedReveals(r3) };
    const attacker = await rawClient(net.routers.find((r) => r.name === 'r2')?.wsAddress as string);
    try {
      const flood = Array.from({ length: 2_000 }, () => {
        const { s: preimage, h: hashLock } = secret();
        return attacker.channel.request({ op: 'ttmReveal', hashLock, preimage, ids: [random32()] }).then(
          (result) => ({ result }),
          (error: HipError) => ({ error }),
        );
      });
      // r2 keeps serving its other clients meanwhile.
      const asked = Date.now();
      assert.equal((await wallet.describe(FAB)).path, FAB);
      assert.ok(Date.now() - asked < 2_000, 'another client is answered promptly');
      const outcomes = await Promise.all(flood);
      const answered = outcomes.filter((o) => 'result' in o).length;
      assert.ok(answered > 0 && answered <= 20, `${answered} within the per-client reveal budget`);
      for (const o of outcomes) if ('error' in o) assert.equal(o.error.code, 'RATE_LIMITED');
      assert.ok((await droppedReveals(r2, 'rate-limited')) > 0);
    } finally {
      await attacker.stop();
    }
    // A genuine reveal, from a wallet, for a lock r2 holds: flooded, both legs commit.
    const id = random32();
    const { s, h } = secret();
    await prepareBoth(id, h, 4, { bcos: nowSeconds() + 300, fab: nowSeconds() + 300 });
    await until('r2 to index the Fabric prepare', async () =>
      r2.ttm.pending().some((item) => item.id === id && item.hashLock === h),
    );
    assert.deepEqual(await wallet.request({ op: 'ttmReveal', hashLock: h, preimage: s }), {
      hashLock: h,
      fresh: true,
    });
    await until(
      'both legs committed',
      async () => (await bcosTxState(id)) === 2 && (await fabTx(id)).state === 'committed',
    );
    // The neighbours heard exactly one reveal each: the genuine one, none of the 2 000.
    assert.deepEqual(
      { r1: await forwardedReveals(r1), r3: await forwardedReveals(r3) },
      {
        r1: heard.r1 + 1,
        r3: heard.r3 + 1,
      },
    );
    assert.deepEqual(await holdings(), {
      ...start,
      alice: start.alice - 4n,
      bob: start.bob + 4n,
      fa: start.fa - 4n,
      fb: start.fb + 4n,
    });
  });
});
