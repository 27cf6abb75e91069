/**
 * Routers and a simulated FISCO BCOS chain in process, reached through the light
 * client over WebSockets: discovery across zones, multi-hop reads and writes signed
 * by the test (never by a router), and the typed errors of the protocol.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signPreparedTransaction, signProposal } from '../../../p2p/chains/fabric/offline-signing.ts';
import { decodeRevertReason, encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { assetArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import { HipError } from '../../../p2p/protocol/errors.ts';
import { encodeFrame } from '../../../p2p/protocol/frame.ts';
import { CLIENT_PROTOCOL, FORWARD_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import type { ResourceEvent } from '../../../p2p/protocol/messages.ts';
import { rawClient } from './raw-client.ts';

const abi = assetArtifact.abi as never;

function hipCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof HipError, `expected a HipError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  };
}

describe('router network', { timeout: 120_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let client: LightClient;

  /** A FISCO BCOS asset transfer, built and signed here as a wallet does, blockLimit from chain info read through the routers. */
  async function signedTransfer(
    to: string,
    amount: bigint,
    options: { signer?: EcdsaSigner; chainId?: number } = {},
  ) {
    const info = await client.chainInfo('payment.bcos.asset');
    const fields = transactionFields({
      to: net.fisco.asset,
      data: encodeCall(abi, 'transfer', [to, amount]),
      chainId: options.chainId ?? net.fisco.chainId,
      groupId: net.fisco.groupId,
      blockLimit: info.blockNumber + 500n,
    });
    return signTransaction(fields, options.signer ?? net.fisco.deployer);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-net-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 50 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      5,
    );
    const r3 = net.routers.find((r) => r.name === 'r3');
    client = new LightClient({ routers: [r3?.wsAddress as string] });
  });

  after(async () => {
    await client?.stop();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('every router learns the paths of other zones with their hop counts', async () => {
    const [r1, r2, r3] = net.routers.map((r) => r.router);
    const hops = (r: typeof r1) => r?.directory.entries().map((e) => [e.path, e.hops]);
    assert.deepEqual(hops(r1), [
      ['payment.bcos.asset', 0],
      ['payment.bcos.kv', 0],
      ['payment.bcos.records', 0],
      ['trade.fab.asset', 1],
      ['trade.fab.records', 1],
    ]);
    assert.deepEqual(hops(r2), [
      ['payment.bcos.asset', 1],
      ['payment.bcos.kv', 1],
      ['payment.bcos.records', 1],
      ['trade.fab.asset', 0],
      ['trade.fab.records', 0],
    ]);
    assert.deepEqual(hops(r3), [
      ['payment.bcos.asset', 2],
      ['payment.bcos.kv', 2],
      ['payment.bcos.records', 2],
      ['trade.fab.asset', 1],
      ['trade.fab.records', 1],
    ]);
    const listed = await client.resources();
    assert.deepEqual(
      listed.map((e) => [e.path, e.hops, e.router]),
      [
        ['payment.bcos.asset', 2, r1?.peerId],
        ['payment.bcos.kv', 2, r1?.peerId],
        ['payment.bcos.records', 2, r1?.peerId],
        ['trade.fab.asset', 1, r2?.peerId],
        ['trade.fab.records', 1, r2?.peerId],
      ],
    );
    const asset = await client.describe('payment.bcos.asset');
    assert.deepEqual(asset.chain, { type: 'fisco-bcos', chainId: 1, groupId: 1 });
    assert.ok(asset.methods.some((m) => m.name === 'transfer' && m.kind === 'write'));
    const fab = await client.chainInfo('trade.fab.asset');
    assert.deepEqual(fab.chain, { type: 'fabric', channel: 'mychannel', mspId: 'Org1MSP' });
  });

  test('Fabric: a wallet-signed write through the other zone (r1 -> r2) and a read back', async () => {
    const r1 = net.routers.find((r) => r.name === 'r1');
    const fromPayment = new LightClient({ routers: [r1?.wsAddress as string] });
    try {
      const user = net.fabric.user;
      const account = `acct-${Date.now()}`;
      const proposal = signProposal(user, {
        channel: 'mychannel',
        chaincode: 'asset',
        fn: 'OpenAccount',
        args: [account],
      });
      const prepared = await fromPayment.prepare('trade.fab.asset', proposal.signed);
      assert.equal(prepared.txId, proposal.txId);
      const { signed, transaction } = signPreparedTransaction(user, prepared.unsigned, {
        txId: proposal.txId,
        fn: 'OpenAccount',
        chaincode: 'asset',
      });
      assert.deepEqual(
        transaction.args.map((a) => new TextDecoder().decode(a)),
        [account],
      );
      const receipt = await fromPayment.submit('trade.fab.asset', signed, 10_000);
      assert.equal(receipt.status, 'success');
      assert.equal(receipt.txId, proposal.txId);
      assert.ok(receipt.events.some((e) => e.name === 'AccountOpened'));
      const balance = await fromPayment.call({
        path: 'trade.fab.asset',
        method: 'BalanceOf',
        args: [account],
      });
      assert.equal(String(balance.values[0]), '0');
      const supply = await client.call({ path: 'trade.fab.asset', method: 'TotalSupply', args: [] });
      assert.ok(BigInt(String(supply.values[0])) >= 1_000_000n);
    } finally {
      await fromPayment.stop();
    }
  });

  test('a read crosses two hops and returns the chain answer', async () => {
    const result = await client.call({
      path: 'payment.bcos.asset',
      method: 'balanceOf',
      args: [net.fisco.deployer.address],
    });
    assert.equal(result.values[0], 1_000_000_000n);
  });

  test('a write signed by the wallet crosses two hops and comes back with its receipt', async () => {
    const info = await client.chainInfo('payment.bcos.asset');
    assert.equal(info.chain.type, 'fisco-bcos');
    const recipient = EcdsaSigner.random().address;
    const signed = await signedTransfer(recipient, 25n);
    const receipt = await client.submit('payment.bcos.asset', signed.raw, 10_000);
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.txId, signed.hash);
    assert.ok(receipt.events.some((e) => e.name === 'Transfer'));
    const balance = await client.call({ path: 'payment.bcos.asset', method: 'balanceOf', args: [recipient] });
    assert.equal(balance.values[0], 25n);
    const tx = await client.getTransaction('payment.bcos.asset', signed.hash);
    assert.equal(tx?.from.toLowerCase(), net.fisco.deployer.address.toLowerCase());
  });

  test('events of both chains reach a subscriber across hops, and stop after unsubscribe', async () => {
    const seen: ResourceEvent[] = [];
    const bcos = await client.subscribe('payment.bcos.asset', (e) => seen.push(e));
    const fab = await client.subscribe('trade.fab.asset', (e) => seen.push(e));
    // FISCO BCOS: a transfer signed here, sent through r3 -> r2 -> r1.
    const recipient = EcdsaSigner.random().address;
    const transfer = await signedTransfer(recipient, 3n);
    const bcosReceipt = await client.submit('payment.bcos.asset', transfer.raw);
    // Fabric: a new account opened by user1 through r3 -> r2.
    const account = `sub-${Date.now()}`;
    const user = net.fabric.user;
    const proposal = signProposal(user, {
      channel: 'mychannel',
      chaincode: 'asset',
      fn: 'OpenAccount',
      args: [account],
    });
    const prepared = await client.prepare('trade.fab.asset', proposal.signed);
    const envelope = signPreparedTransaction(user, prepared.unsigned, {
      txId: proposal.txId,
      fn: 'OpenAccount',
    });
    const fabReceipt = await client.submit('trade.fab.asset', envelope.signed);

    const deadline = Date.now() + 10_000;
    const arrived = () =>
      seen.some((e) => e.txId === bcosReceipt.txId) && seen.some((e) => e.txId === fabReceipt.txId);
    while (!arrived() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const bcosEvent = seen.find((e) => e.txId === bcosReceipt.txId);
    assert.equal(bcosEvent?.path, 'payment.bcos.asset');
    assert.equal(bcosEvent?.name, 'Transfer');
    assert.equal(bcosEvent?.blockNumber, bcosReceipt.blockNumber);
    const fabEvent = seen.find((e) => e.txId === fabReceipt.txId);
    assert.equal(fabEvent?.path, 'trade.fab.asset');
    assert.equal(fabEvent?.name, 'AccountOpened');

    await bcos.unsubscribe();
    await fab.unsubscribe();
    const count = seen.length;
    const again = await signedTransfer(recipient, 1n);
    await client.submit('payment.bcos.asset', again.raw);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(seen.length, count, 'no events after unsubscribe');
  });

  test('a revert comes back as CHAIN_REVERTED with the chain code and reason', async () => {
    const poor = EcdsaSigner.random();
    const signed = await signedTransfer(net.fisco.deployer.address, 1n, { signer: poor });
    const receipt = await client.submit('payment.bcos.asset', signed.raw, 10_000);
    assert.equal(receipt.status, 'reverted');
    assert.equal(receipt.chainStatus, '0x16');
    assert.match(decodeRevertReason(receipt.output) ?? '', /balance/i);
  });

  test('a transaction the chain refuses comes back as CHAIN_REJECTED with the node code', async () => {
    const wrongChain = await signedTransfer(net.fisco.deployer.address, 1n, { chainId: 99 });
    await assert.rejects(client.submit('payment.bcos.asset', wrongChain.raw, 10_000), (error: unknown) => {
      hipCode('CHAIN_REJECTED')(error);
      assert.ok((error as HipError).details.chainCode !== undefined);
      return true;
    });
  });

  test('unknown paths, unknown methods and malformed requests get their codes', async () => {
    await assert.rejects(client.describe('nowhere.chain.thing'), hipCode('UNKNOWN_RESOURCE'));
    await assert.rejects(
      client.call({ path: 'payment.bcos.asset', method: 'steal', args: [] }),
      hipCode('UNKNOWN_METHOD'),
    );
    await assert.rejects(client.describe('not-a-path'), hipCode('BAD_REQUEST'));
    await assert.rejects(
      client.request({ op: 'prepare', path: 'payment.bcos.asset', signed: '0x00' }),
      hipCode('UNSUPPORTED_OPERATION'),
    );
  });

  test('a request with too few hops left is refused with HOP_LIMIT_EXCEEDED', async () => {
    const raw = await rawClient(net.routers[2]?.wsAddress as string);
    try {
      const path = 'payment.bcos.asset';
      // r3 -> r2 takes the one hop allowed; r2 would need a second one.
      await assert.rejects(
        raw.channel.request({ op: 'describe', path }, { hopsLeft: 1 }),
        hipCode('HOP_LIMIT_EXCEEDED'),
      );
      const entry = (await raw.channel.request({ op: 'describe', path }, { hopsLeft: 2 })) as {
        path: string;
      };
      assert.equal(entry.path, path);
    } finally {
      await raw.stop();
    }
  });

  test('an oversized frame gets TOO_LARGE and the router keeps serving others', async () => {
    const raw = await rawClient(net.routers[2]?.wsAddress as string);
    try {
      const answer = raw.channel.request({
        op: 'call',
        path: 'payment.bcos.kv',
        method: 'get',
        args: ['x'.repeat(1_100_000)],
      });
      await assert.rejects(answer, hipCode('TOO_LARGE'));
    } finally {
      await raw.stop();
    }
    assert.equal((await client.resources()).length, 5);
  });

  test('garbage on the wire gets BAD_REQUEST, and a light client may not use the router protocols', async () => {
    const raw = await rawClient(net.routers[2]?.wsAddress as string);
    try {
      const bad = await raw.exchange(CLIENT_PROTOCOL, new TextEncoder().encode('{not json'));
      assert.equal(bad.error?.code, 'BAD_REQUEST');
      const wrongShape = await raw.exchange(
        CLIENT_PROTOCOL,
        encodeFrame({ type: 'request', id: 7, body: { op: 'fly' } }),
      );
      assert.equal(wrongShape.error?.code, 'BAD_REQUEST');
      assert.equal(wrongShape.id, 7);
      const forward = await raw.exchange(
        FORWARD_PROTOCOL,
        encodeFrame({ type: 'request', id: 1, body: { op: 'resources' } }),
      );
      assert.equal(forward.error?.code, 'FORBIDDEN');
    } finally {
      await raw.stop();
    }
    assert.equal((await client.resources()).length, 5);
  });

  test('a client that floods is rate limited while others are served', async () => {
    const raw = await rawClient(net.routers[2]?.wsAddress as string);
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 600 }, () => raw.channel.request({ op: 'resources' })),
      );
      const limited = outcomes.filter(
        (o) => o.status === 'rejected' && (o.reason as HipError).code === 'RATE_LIMITED',
      );
      assert.ok(limited.length > 0, 'some requests must be refused');
      assert.ok(
        outcomes.some((o) => o.status === 'fulfilled'),
        'the burst allowance is served',
      );
    } finally {
      await raw.stop();
    }
    assert.equal((await client.resources()).length, 5);
  });
});
