/**
 * FabricConnector (product code) against the devpeer: the wallet signs with the
 * browser-safe helpers, the connector relays through the real Gateway client with
 * offline signing, errors arrive typed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChainRejectedError, ChainRevertError, UnknownResourceError } from '../../../p2p/chains/errors.ts';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import { encodeSignedEnvelope } from '../../../p2p/chains/fabric/envelope-codec.ts';
import {
  FabricChaincodeError,
  FabricCommitError,
  FabricRejectedError,
} from '../../../p2p/chains/fabric/errors.ts';
import type { FabricSigningIdentity } from '../../../p2p/chains/fabric/identity.ts';
import { hashMessage, signMessage } from '../../../p2p/chains/fabric/identity.ts';
import {
  fromHex,
  signPreparedTransaction,
  signProposal,
  toHex,
} from '../../../p2p/chains/fabric/offline-signing.ts';
import { CHANNEL, fundAccounts, startTestDevpeer, type TestDevpeer } from './fixture.ts';

let devpeer: TestDevpeer;
let user: FabricSigningIdentity;
let connector: FabricConnector;

const RESOURCE = 'zone1.fabric1.token';

function proposal(fn: string, args: string[]) {
  return signProposal(user, { channel: CHANNEL, chaincode: 'asset', fn, args });
}

/** The wallet's write: sign proposal, router endorses, wallet checks and signs the envelope, router submits. */
async function write(fn: string, args: string[]) {
  const signedProposal = proposal(fn, args);
  const prepared = await connector.prepare({ resource: RESOURCE, signed: signedProposal.signed });
  assert.equal(prepared.txId, signedProposal.txId);
  const { signed, transaction } = signPreparedTransaction(user, prepared.unsigned, {
    txId: signedProposal.txId,
    fn,
    chaincode: 'asset',
  });
  assert.equal(toHex(hashMessage(transaction.payloadBytes)), prepared.digest);
  return { prepared, signed, receipt: () => connector.submit({ resource: RESOURCE, signed }) };
}

before(async () => {
  devpeer = await startTestDevpeer();
  user = devpeer.peer.identities.user1 as FabricSigningIdentity;
  await fundAccounts(devpeer.connectAs(user), ['alice', 'bob'], '500');
  connector = new FabricConnector({
    endpoint: devpeer.peer.address,
    channel: CHANNEL,
    zone: 'zone1',
    chainName: 'fabric1',
    routerIdentity: devpeer.peer.identities.router1 as FabricSigningIdentity,
    resources: [
      {
        name: 'token',
        chaincode: 'asset',
        methods: [
          { name: 'BalanceOf', kind: 'read', inputs: [{ name: 'account', type: 'string' }], outputs: [] },
          { name: 'Transfer', kind: 'write', inputs: [], outputs: [] },
        ],
      },
      { name: 'records', chaincode: 'records' },
    ],
  });
});

after(async () => {
  await connector.close();
  await devpeer.close();
});

describe('FabricConnector', () => {
  test('describes its resources under zone.chain.resource', () => {
    assert.deepEqual(
      connector.resources().map((r) => r.path),
      ['zone1.fabric1.token', 'zone1.fabric1.records'],
    );
    assert.equal(connector.describe('token').address, 'asset');
    assert.deepEqual(connector.describe(RESOURCE).chain, {
      type: 'fabric',
      channel: CHANNEL,
      mspId: 'Org1MSP',
    });
    assert.throws(() => connector.describe('nope'), UnknownResourceError);
  });

  test('call: wallet-signed evaluate and router-signed evaluate', async () => {
    const signed = await connector.call({
      resource: RESOURCE,
      method: 'BalanceOf',
      args: [],
      signed: proposal('BalanceOf', ['alice']).signed,
    });
    assert.deepEqual(signed.values, [500]);
    assert.equal(new TextDecoder().decode(fromHex(signed.raw)), '500');
    const unsigned = await connector.call({ resource: 'token', method: 'BalanceOf', args: ['bob'] });
    assert.deepEqual(unsigned.values, [500]);
  });

  test('a signed proposal for another function is refused before it reaches the peer', async () => {
    await assert.rejects(
      connector.call({
        resource: RESOURCE,
        method: 'BalanceOf',
        args: [],
        signed: proposal('TotalSupply', []).signed,
      }),
      (error: unknown) => error instanceof FabricRejectedError && /function TotalSupply/.test(error.message),
    );
  });

  test('prepare + submit: receipt with block, result and event; block and transaction lookups', async () => {
    const before = await connector.blockNumber();
    const { receipt } = await write('Transfer', ['alice', 'bob', '25']);
    const result = await receipt();
    assert.equal(result.status, 'success');
    assert.equal(result.chainStatus, 'VALID');
    assert.ok(result.blockNumber > before);
    assert.equal(new TextDecoder().decode(fromHex(result.output ?? '0x')), '475');
    assert.deepEqual(result.events, [
      {
        address: 'asset',
        name: 'Transfer',
        args: { from: 'alice', to: 'bob', amount: '25' },
        data: toHex(new TextEncoder().encode(JSON.stringify({ from: 'alice', to: 'bob', amount: '25' }))),
      },
    ]);
    assert.equal(await connector.blockNumber(), result.blockNumber);

    const block = await connector.getBlock(result.blockNumber);
    assert.ok(block);
    assert.ok(block.txIds.includes(result.txId));
    const previous = await connector.getBlock(result.blockNumber - 1n);
    assert.equal(block.parentHash, previous?.hash, 'blocks chain by header hash');
    assert.equal(await connector.getBlock(result.blockNumber + 1000n), null);

    const tx = await connector.getTransaction(result.txId);
    assert.equal(tx?.blockNumber, result.blockNumber);
    assert.equal(tx?.to, 'asset');
    assert.deepEqual(JSON.parse(new TextDecoder().decode(fromHex(tx?.input ?? '0x'))), [
      'Transfer',
      'alice',
      'bob',
      '25',
    ]);
    assert.equal(await connector.getTransaction('0'.repeat(64)), null);
    const info = await connector.info();
    assert.equal(info.blockNumber, result.blockNumber);
  });

  test('the wallet refuses to sign a prepared transaction that is not what it proposed', async () => {
    const signedProposal = proposal('Transfer', ['alice', 'bob', '1']);
    const prepared = await connector.prepare({ resource: RESOURCE, signed: signedProposal.signed });
    assert.throws(
      () => signPreparedTransaction(user, prepared.unsigned, { txId: signedProposal.txId, fn: 'Mint' }),
      /calls Transfer, not Mint/,
    );
    assert.throws(
      () => signPreparedTransaction(user, prepared.unsigned, { txId: 'f'.repeat(64) }),
      /not ffff/,
    );
    const other = await devpeer.peer.issue('someone-else');
    assert.throws(
      () => signPreparedTransaction(other, prepared.unsigned, { txId: signedProposal.txId }),
      /another creator/,
    );
  });

  test('chaincode error becomes FabricChaincodeError (a ChainRevertError) with status 500', async () => {
    await assert.rejects(
      write('Transfer', ['alice', 'bob', '99999']),
      (error: unknown) =>
        error instanceof FabricChaincodeError &&
        error instanceof ChainRevertError &&
        error.code === 500 &&
        error.chaincodeMessage === 'insufficient funds in account alice' &&
        error.failure.grpcStatus === 'ABORTED',
    );
    await assert.rejects(
      connector.call({ resource: RESOURCE, method: 'BalanceOf', args: ['ghost'] }),
      (error: unknown) => error instanceof FabricChaincodeError && error.failure.grpcStatus === 'UNKNOWN',
    );
  });

  test('MVCC conflict becomes FabricCommitError with MVCC_READ_CONFLICT', async () => {
    const first = await write('Transfer', ['bob', 'alice', '1']);
    const second = await write('Transfer', ['bob', 'alice', '2']);
    // Both read bob's balance at the same version; whichever the orderer takes first wins
    // (two concurrent submissions reach it in no fixed order, as on real Fabric).
    const results = await Promise.allSettled([first.receipt(), second.receipt()]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const error = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
    assert.ok(error instanceof FabricCommitError);
    assert.equal(error.code, 'MVCC_READ_CONFLICT');
    assert.equal(error.validationCode, 11);
  });

  test('a wrongly signed envelope is refused: FabricRejectedError carrying the orderer status', async () => {
    const { prepared } = await write('Transfer', ['alice', 'bob', '1']);
    const mallory = await devpeer.peer.issue('mallory');
    // mallory signs user1's envelope: the creator's signature does not verify.
    const payload = signPreparedTransaction(user, prepared.unsigned, { txId: prepared.txId }).transaction
      .payloadBytes;
    const forged = toHex(encodeSignedEnvelope(payload, signMessage(mallory, payload)));
    await assert.rejects(
      connector.submit({ resource: RESOURCE, signed: forged }),
      (error: unknown) =>
        error instanceof FabricRejectedError &&
        error instanceof ChainRejectedError &&
        error.code === 10 &&
        /status=FORBIDDEN/.test(error.failure.grpcMessage),
    );
  });

  test('chaincode events, read by the router from a start block', async () => {
    const { receipt } = await write('Transfer', ['alice', 'bob', '3']);
    const committed = await receipt();
    const abort = new AbortController();
    const seen = [];
    for await (const event of connector.events(RESOURCE, {
      startBlock: committed.blockNumber,
      signal: abort.signal,
    })) {
      seen.push(event);
      if (event.txId === committed.txId) break;
    }
    abort.abort();
    assert.equal(seen.at(-1)?.name, 'Transfer');
    assert.deepEqual(seen.at(-1)?.args, { from: 'alice', to: 'bob', amount: '3' });
    assert.equal(seen.at(-1)?.blockNumber, committed.blockNumber);
  });
});
