/**
 * Chain evidence through routers (issue 13; docs/router-protocol.md#chain-evidence): the fronting
 * router fetches what the wallet verifies, and relays never decide. On the local network a
 * wallet entering at r3 reaches the FISCO BCOS chain in two hops (r3 -> r2 -> r1) and Fabric in
 * one (r3 -> r2). Every answer is compared with what the chain itself says.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import type { FabricChainProfile, FiscoChainProfile } from '../../../p2p/chains/chain-profile.ts';
import type { Hex } from '../../../p2p/chains/connector.ts';
import { decodeBlock } from '../../../p2p/chains/fabric/block-file.ts';
import { readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import { decodeEnvelope } from '../../../p2p/chains/fabric/envelope-codec.ts';
import type { FabricSigningIdentity } from '../../../p2p/chains/fabric/identity.ts';
import {
  fromHex,
  signPreparedTransaction,
  signProposal,
} from '../../../p2p/chains/fabric/offline-signing.ts';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { assetArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../../p2p/client/light-client.ts';
import { startDevnode } from '../../../p2p/devnet/fisco-bcos/devnode.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import { HipError } from '../../../p2p/protocol/errors.ts';

const BCOS = 'payment.bcos.asset';
const FAB = 'trade.fab.asset';
const run = promisify(execFile);
const random32 = () => `0x${bytesToHex(crypto.getRandomValues(new Uint8Array(32)))}` as Hex;

async function refusal(promise: Promise<unknown>): Promise<HipError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HipError, `a HipError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('chain evidence through routers', { timeout: 180_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let client: LightClient;
  let rpc: FiscoRpcClient;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-evidence-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 100 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      5,
    );
    client = new LightClient({ routers: [net.routers[2]?.wsAddress as string] });
    rpc = new FiscoRpcClient({ url: net.fisco.node.url, groupId: net.fisco.groupId });
  });

  after(async () => {
    await client?.stop();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A wallet's FISCO BCOS write through the routers (two hops). */
  async function bcosSend(method: string, args: unknown[]) {
    const fields = transactionFields({
      to: net.fisco.asset,
      data: encodeCall(assetArtifact.abi as never, method, args),
      chainId: net.fisco.chainId,
      groupId: net.fisco.groupId,
      blockLimit: (await rpc.blockNumber()) + 500n,
    });
    const receipt = await client.submit(BCOS, signTransaction(fields, net.fisco.deployer).raw);
    assert.equal(receipt.status, 'success', method);
    return receipt;
  }

  test('FISCO BCOS chainProfile, two hops away, says what the chain says', async () => {
    const profile = (await client.request({ op: 'chainProfile', path: BCOS })) as FiscoChainProfile;
    const genesis = await rpc.getBlockHeaderByNumber(0, false);
    const head = await rpc.blockNumber();
    assert.equal(profile.type, 'fisco-bcos');
    assert.equal(profile.chainId, net.fisco.chainId);
    assert.equal(profile.groupId, net.fisco.groupId);
    assert.equal(profile.crypto, 'ecdsa');
    assert.equal(profile.genesisHash, genesis.hash.toLowerCase());
    assert.deepEqual(
      profile.sealers,
      (await rpc.getSealerList()).map((id) => id.replace(/^0x/, '').toLowerCase()),
    );
    assert.ok(profile.sealersAt > 0 && BigInt(profile.sealersAt) <= head, 'sealersAt names a sealed header');
    const atHeader = await rpc.getBlockHeaderByNumber(profile.sealersAt, false);
    assert.deepEqual(
      profile.sealers,
      atHeader.sealerList.map((id) => id.replace(/^0x/, '').toLowerCase()),
    );
    assert.equal(profile.receiptsWithRemainGas, true, 'the devnode is 2.9.1');
  });

  test('a guomi chain profiles as sm (SM3 reproduces its genesis hash)', async () => {
    const node = await startDevnode({ crypto: 'sm', blockIntervalMs: 100 });
    const connector = new FiscoBcosConnector({
      url: node.url,
      chainId: 1,
      groupId: 1,
      zone: 'z',
      chainName: 'gm',
      resources: [],
    });
    try {
      assert.equal((await connector.profile()).crypto, 'sm');
    } finally {
      await node.close();
    }
  });

  test('txEvidence after a transfer: proofs and the header of the receipt block; unknown tx: null', async () => {
    const receipt = await bcosSend('transfer', [`0x${'ab'.repeat(20)}`, 5]);
    const evidence = await client.request({ op: 'txEvidence', path: BCOS, txId: receipt.txId });
    assert.ok(evidence);
    assert.equal(evidence.transaction.transaction.hash.toLowerCase(), receipt.txId.toLowerCase());
    assert.ok(Array.isArray(evidence.transaction.txProof));
    assert.equal(
      evidence.receipt.transactionReceipt.transactionHash.toLowerCase(),
      receipt.txId.toLowerCase(),
    );
    assert.ok(Array.isArray(evidence.receipt.receiptProof));
    assert.equal(BigInt(evidence.header.number), receipt.blockNumber);
    assert.equal(BigInt(evidence.receipt.transactionReceipt.blockNumber), receipt.blockNumber);
    assert.ok(evidence.header.signatureList.length >= 3, 'the header carries the sealers’ signatures');
    assert.equal(
      evidence.header.receiptsRoot,
      (await rpc.getBlockHeaderByNumber(receipt.blockNumber)).receiptsRoot,
    );

    assert.equal(await client.request({ op: 'txEvidence', path: BCOS, txId: random32() }), null);
  });

  test('blockHeader: block 0 as the node has it, past the head: null', async () => {
    const header = await client.request({ op: 'blockHeader', path: BCOS, number: 0n });
    assert.equal(header?.hash, (await rpc.getBlockHeaderByNumber(0)).hash);
    assert.ok(Array.isArray(header?.signatureList));
    const past = (await rpc.blockNumber()) + 1_000n;
    assert.equal(await client.request({ op: 'blockHeader', path: BCOS, number: past }), null);
  });

  test('Fabric chainProfile: the channel config block and each chaincode’s policy', async () => {
    const profile = (await client.request({ op: 'chainProfile', path: FAB })) as FabricChainProfile;
    assert.equal(profile.type, 'fabric');
    assert.equal(profile.channel, net.fabric.channel);
    const trust = readChannelConfig(decodeBlock(fromHex(profile.configBlock)));
    assert.equal(trust.channelId, net.fabric.channel);
    assert.deepEqual([...trust.applicationOrgs].sort(), ['Org1MSP', 'Org2MSP']);
    // The channel has had no config update: its latest config block is block 0, byte for byte.
    assert.equal(profile.configBlock, `0x${bytesToHex(net.fabric.peer.genesisBlock(net.fabric.channel))}`);
    for (const chaincode of ['asset', 'records']) {
      const policy = net.fabric.peer.policyOf(chaincode);
      assert.ok(policy);
      assert.deepEqual(profile.chaincodes[chaincode], { outOf: policy.n, orgs: policy.orgs });
    }
    assert.deepEqual(profile.chaincodes.asset, { outOf: 2, orgs: ['Org1MSP', 'Org2MSP'] });
  });

  test('blockByTxId: the block holding a write, endorsed by a peer of each organisation asked', async () => {
    const { user, channel } = net.fabric;
    const fn = 'OpenAccount';
    const proposal = signProposal(user, { channel, chaincode: 'asset', fn, args: [`acct-${Date.now()}`] });
    const prepared = await client.prepare(FAB, proposal.signed);
    const { signed } = signPreparedTransaction(user, prepared.unsigned, { txId: proposal.txId, fn });
    const receipt = await client.submit(FAB, signed);
    assert.equal(receipt.status, 'success');

    const query = () =>
      signProposal(user, { channel, chaincode: 'qscc', fn: 'GetBlockByTxID', args: [channel, receipt.txId] });
    // Org2's peer may commit a moment after Org1's, whose commit status the submit waited for.
    const { envelope } = await until('both peers to serve the block', () =>
      client.request({ op: 'blockByTxId', path: FAB, signed: query().signed, orgs: ['Org1MSP', 'Org2MSP'] }),
    );
    const decoded = decodeEnvelope(fromHex(envelope));
    assert.equal(decoded.chaincode, 'qscc');
    assert.equal(decoded.endorsements.length, 2);
    assert.deepEqual(decoded.endorsers.map((e) => e.mspId).sort(), ['Org1MSP', 'Org2MSP']);
    assert.equal(decoded.response.status, 200);
    const block = decodeBlock(decoded.response.payload);
    assert.equal(block.number, receipt.blockNumber);
    assert.ok(
      block.data.some((tx) => decodeEnvelope(tx).txId === receipt.txId),
      'the block holds the transaction',
    );

    // Only the organisations asked endorse.
    const one = await client.request({
      op: 'blockByTxId',
      path: FAB,
      signed: query().signed,
      orgs: ['Org2MSP'],
    });
    assert.deepEqual(
      decodeEnvelope(fromHex(one.envelope)).endorsers.map((e) => e.mspId),
      ['Org2MSP'],
    );
    // An organisation with no peer on the channel: the gateway cannot collect its endorsement.
    const missing = await refusal(
      client.request({ op: 'blockByTxId', path: FAB, signed: query().signed, orgs: ['Org3MSP'] }),
    );
    assert.equal(missing.code, 'CHAIN_UNAVAILABLE');
  });

  test('Fabric profile without a stated policy: the majority of the config block’s organisations', async () => {
    const connector = new FabricConnector({
      endpoint: net.fabric.peer.address,
      channel: net.fabric.channel,
      zone: 'z',
      chainName: 'f',
      routerIdentity: net.fabric.peer.identities.router1 as FabricSigningIdentity,
      resources: [
        { name: 'asset', chaincode: 'asset' },
        { name: 'records', chaincode: 'records', endorsement: { outOf: 1, orgs: ['Org2MSP'] } },
      ],
    });
    try {
      const profile = await connector.profile();
      assert.deepEqual(profile.chaincodes, {
        asset: { outOf: 2, orgs: ['Org1MSP', 'Org2MSP'] },
        records: { outOf: 1, orgs: ['Org2MSP'] },
      });
      // Without endorsing organisations the gateway still has no plan for system chaincode.
      const proposal = connector.network
        .getContract('qscc')
        .newProposal('GetBlockByNumber', { arguments: [net.fabric.channel, '0'] });
      await assert.rejects(proposal.endorse(), /no endorsement policy for system chaincode qscc/);
    } finally {
      await connector.close();
    }
  });

  test('blockByTxId refuses any proposal but qscc GetBlockByTxID on this channel', async () => {
    const { user, channel } = net.fabric;
    const txId = 'a'.repeat(64);
    const cases = [
      { channel, chaincode: 'asset', fn: 'BalanceOf', args: ['user1'] },
      { channel, chaincode: 'qscc', fn: 'GetBlockByNumber', args: [channel, '0'] },
      { channel: 'otherchannel', chaincode: 'qscc', fn: 'GetBlockByTxID', args: ['otherchannel', txId] },
      { channel, chaincode: 'qscc', fn: 'GetBlockByTxID', args: ['otherchannel', txId] },
    ];
    for (const input of cases) {
      const error = await refusal(
        client.request({
          op: 'blockByTxId',
          path: FAB,
          signed: signProposal(user, input).signed,
          orgs: ['Org1MSP'],
        }),
      );
      assert.equal(error.code, 'BAD_REQUEST', `${input.chaincode} ${input.fn} on ${input.channel}`);
    }
  });

  test('property: whatever a wallet sends as blockByTxId or txEvidence, a typed answer, never INTERNAL', async () => {
    const { user, channel } = net.fabric;
    const text = fc.string({ maxLength: 12 });
    // Well-formed, correctly signed proposals for anything but qscc GetBlockByTxID [channel, txId].
    const otherQuery = fc
      .record({
        channel: fc.constantFrom(channel, 'otherchannel'),
        chaincode: fc.oneof(fc.constantFrom('qscc', 'asset', 'lscc'), text),
        fn: fc.oneof(fc.constantFrom('GetBlockByTxID', 'GetBlockByNumber', 'GetChainInfo'), text),
        args: fc.array(fc.oneof(fc.constant(channel), text), { maxLength: 3 }),
      })
      .filter(
        (q) =>
          !(
            q.channel === channel &&
            q.chaincode === 'qscc' &&
            q.fn === 'GetBlockByTxID' &&
            q.args.length === 2 &&
            q.args[0] === channel &&
            q.args[1] !== ''
          ),
      );
    await fc.assert(
      fc.asyncProperty(otherQuery, async (query) => {
        const signed = signProposal(user, query).signed;
        const error = await refusal(
          client.request({ op: 'blockByTxId', path: FAB, signed, orgs: ['Org1MSP'] }),
        );
        assert.equal(error.code, 'BAD_REQUEST');
      }),
      { numRuns: 25 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const signed = `0x${bytesToHex(bytes)}` as Hex;
        const error = await refusal(
          client.request({ op: 'blockByTxId', path: FAB, signed, orgs: ['Org1MSP'] }),
        );
        assert.equal(error.code, 'BAD_REQUEST');
      }),
      { numRuns: 25 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (bytes) => {
        const txId = `0x${bytesToHex(bytes)}` as Hex;
        assert.equal(await client.request({ op: 'txEvidence', path: BCOS, txId }), null);
      }),
      { numRuns: 10 },
    );
  });

  test('an op for the other chain type: UNSUPPORTED_OPERATION', async () => {
    const onFabric = await refusal(client.request({ op: 'txEvidence', path: FAB, txId: random32() }));
    assert.equal(onFabric.code, 'UNSUPPORTED_OPERATION');
    assert.match(onFabric.message, /FISCO BCOS/);
    const header = await refusal(client.request({ op: 'blockHeader', path: FAB, number: 0n }));
    assert.equal(header.code, 'UNSUPPORTED_OPERATION');
    const onBcos = await refusal(
      client.request({ op: 'blockByTxId', path: BCOS, signed: '0x00', orgs: ['Org1MSP'] }),
    );
    assert.equal(onBcos.code, 'UNSUPPORTED_OPERATION');
  });

  test('ttmEvents lists the TxPrepared a router saw for an id; none: empty; not a TTM asset: refused', async () => {
    const id = random32();
    const hashLock = `0x${bytesToHex(sha256(hexToBytes(random32().slice(2))))}`;
    const deadline = Math.floor(Date.now() / 1000) + 600;
    const receipt = await bcosSend('prepare', [id, hashLock, deadline, [`0x${'cd'.repeat(20)}`], [3]]);
    const events = await until('r1 to see the prepare', async () => {
      const seen = await client.request({ op: 'ttmEvents', path: BCOS, id });
      return seen.length > 0 ? seen : undefined;
    });
    const prepared = events.find((e) => e.name === 'TxPrepared');
    assert.ok(prepared, 'TxPrepared listed');
    assert.equal(prepared.txId.toLowerCase(), receipt.txId.toLowerCase());
    assert.equal(prepared.blockNumber, receipt.blockNumber);
    assert.equal(String(prepared.args?.hashLock).toLowerCase(), hashLock);

    assert.deepEqual(await client.request({ op: 'ttmEvents', path: BCOS, id: random32() }), []);

    // The same on Fabric, one hop away: r2's watcher saw the chaincode event.
    const { user, channel } = net.fabric;
    const fabId = random32();
    const transfers = JSON.stringify([{ from: 'user1', to: 'merchant', amount: '1' }]);
    const args = [fabId, hashLock, String(deadline), transfers];
    const proposal = signProposal(user, { channel, chaincode: 'asset', fn: 'Prepare', args });
    const unsigned = await client.prepare(FAB, proposal.signed);
    const { signed } = signPreparedTransaction(user, unsigned.unsigned, {
      txId: proposal.txId,
      fn: 'Prepare',
    });
    const fabReceipt = await client.submit(FAB, signed);
    assert.equal(fabReceipt.status, 'success');
    const fabEvents = await until('r2 to see the prepare', async () => {
      const seen = await client.request({ op: 'ttmEvents', path: FAB, id: fabId });
      return seen.length > 0 ? seen : undefined;
    });
    assert.deepEqual(
      fabEvents.map((e) => [e.name, e.txId]),
      [['TxPrepared', fabReceipt.txId]],
    );
    const kv = await refusal(client.request({ op: 'ttmEvents', path: 'payment.bcos.kv', id }));
    assert.equal(kv.code, 'UNSUPPORTED_OPERATION');
  });

  test('`weft-router profile` prints the profiles of a local network router config', async () => {
    const cli = join(import.meta.dirname, '../../../p2p/router/cli.ts');
    const [r1, r2, r3] = net.routers;
    const bcos = JSON.parse(
      (await run(process.execPath, [cli, 'profile', '--config', r1?.configFile as string])).stdout,
    );
    assert.deepEqual(Object.keys(bcos), ['payment.bcos']);
    assert.equal(bcos['payment.bcos'].genesisHash, (await rpc.getBlockHeaderByNumber(0)).hash);
    const fab = JSON.parse(
      (await run(process.execPath, [cli, 'profile', '--config', r2?.configFile as string])).stdout,
    );
    assert.deepEqual(Object.keys(fab), ['trade.fab']);
    assert.equal(fab['trade.fab'].channel, net.fabric.channel);
    assert.deepEqual(fab['trade.fab'].chaincodes.asset, { outOf: 2, orgs: ['Org1MSP', 'Org2MSP'] });
    const none = JSON.parse(
      (await run(process.execPath, [cli, 'profile', '--config', r3?.configFile as string])).stdout,
    );
    assert.deepEqual(none, {});

    // A chain that cannot be reached: a clear error and exit code 1.
    const config = JSON.parse(await readFile(r1?.configFile as string, 'utf8'));
    config.chains[0].rpcUrl = 'http://127.0.0.1:1';
    config.dataDir = join(dir, 'dead-router');
    const dead = join(dir, 'dead-router.json');
    await writeFile(dead, JSON.stringify(config));
    const failed = await run(process.execPath, [cli, 'profile', '--config', dead]).then(
      () => assert.fail('profile of an unreachable chain succeeded'),
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /cannot read the profile of payment\.bcos/);
    assert.equal(failed.stdout, '');
  });
});
