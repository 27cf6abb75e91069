/**
 * The happy paths through the unmodified @hyperledger/fabric-gateway client with
 * offline signing: the gateway connection has no signer; every proposal,
 * transaction and commit status request is signed by the test, as the wallet does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '@hyperledger/fabric-gateway';
import { StatusCode } from '@hyperledger/fabric-gateway';
import { gateway as gatewayProtos } from '@hyperledger/fabric-protos';
import { decodeEnvelope } from '../../../p2p/chains/fabric/envelope-codec.ts';
import { type FabricSigningIdentity, hashMessage, signDigest } from '../../../p2p/chains/fabric/identity.ts';
import { decodeProposal } from '../../../p2p/chains/fabric/proposal-codec.ts';
import { CHANNEL, decoder, fundAccounts, startTestDevpeer, type TestDevpeer } from './fixture.ts';

let devpeer: TestDevpeer;
let user: FabricSigningIdentity;
let offline: Gateway;

function sign(identity: FabricSigningIdentity, digest: Uint8Array): Uint8Array {
  return signDigest(identity.privateKey, digest);
}

/** Proposal -> endorse -> sign envelope -> submit -> signed commit status, all offline-signed. */
async function submitOffline(
  identity: FabricSigningIdentity,
  gateway: Gateway,
  chaincode: string,
  fn: string,
  args: string[],
) {
  const contract = gateway.getNetwork(CHANNEL).getContract(chaincode);
  const unsigned = contract.newProposal(fn, { arguments: args });
  const proposal = gateway.newSignedProposal(unsigned.getBytes(), sign(identity, unsigned.getDigest()));
  const unsignedTx = await proposal.endorse();
  const transaction = gateway.newSignedTransaction(
    unsignedTx.getBytes(),
    sign(identity, unsignedTx.getDigest()),
  );
  const submitted = await transaction.submit();
  const commit = gateway.newSignedCommit(submitted.getBytes(), sign(identity, submitted.getDigest()));
  const status = await commit.getStatus();
  return {
    status,
    result: decoder.decode(transaction.getResult()),
    txId: transaction.getTransactionId(),
    unsignedTx,
  };
}

async function evaluateOffline(
  identity: FabricSigningIdentity,
  gateway: Gateway,
  chaincode: string,
  fn: string,
  args: string[],
) {
  const unsigned = gateway.getNetwork(CHANNEL).getContract(chaincode).newProposal(fn, { arguments: args });
  const proposal = gateway.newSignedProposal(unsigned.getBytes(), sign(identity, unsigned.getDigest()));
  return decoder.decode(await proposal.evaluate());
}

before(async () => {
  devpeer = await startTestDevpeer();
  user = devpeer.peer.identities.user1 as FabricSigningIdentity;
  offline = devpeer.connectAs(user, false);
  await fundAccounts(devpeer.connectAs(user), ['alice', 'bob'], '1000');
});

after(async () => {
  await devpeer.close();
});

describe('devpeer through the Gateway client with offline signing', () => {
  test('evaluate reads committed state', async () => {
    assert.equal(await evaluateOffline(user, offline, 'asset', 'BalanceOf', ['alice']), '1000');
    assert.equal(await evaluateOffline(user, offline, 'asset', 'TotalSupply', []), '2000');
  });

  test('submit commits a transfer and returns the chaincode result', async () => {
    const { status, result, txId } = await submitOffline(user, offline, 'asset', 'Transfer', [
      'alice',
      'bob',
      '250',
    ]);
    assert.equal(status.code, StatusCode.VALID);
    assert.equal(status.successful, true);
    assert.equal(status.transactionId, txId);
    assert.ok(status.blockNumber > 0n);
    assert.equal(result, '750');
    assert.equal(await evaluateOffline(user, offline, 'asset', 'BalanceOf', ['bob']), '1250');
  });

  test('the wallet-side codecs read what it signs: proposal and prepared envelope', async () => {
    const contract = offline.getNetwork(CHANNEL).getContract('asset');
    const unsigned = contract.newProposal('Transfer', { arguments: ['bob', 'alice', '5'] });
    const proposedTx = gatewayProtos.ProposedTransaction.deserializeBinary(unsigned.getBytes());
    const decodedProposal = decodeProposal(
      proposedTx.getProposal()?.getProposalBytes_asU8() ?? new Uint8Array(0),
    );
    assert.equal(decodedProposal.channel, CHANNEL);
    assert.equal(decodedProposal.chaincode, 'asset');
    assert.equal(decodedProposal.fn, 'Transfer');
    assert.deepEqual(
      decodedProposal.args.map((a) => decoder.decode(a)),
      ['bob', 'alice', '5'],
    );
    assert.equal(decodedProposal.txId, unsigned.getTransactionId());
    assert.deepEqual(
      Buffer.from(hashMessage(proposedTx.getProposal()?.getProposalBytes_asU8() ?? new Uint8Array(0))),
      Buffer.from(unsigned.getDigest()),
    );

    const proposal = offline.newSignedProposal(unsigned.getBytes(), sign(user, unsigned.getDigest()));
    const prepared = await proposal.endorse();
    const envelope = gatewayProtos.PreparedTransaction.deserializeBinary(prepared.getBytes()).getEnvelope();
    const decoded = decodeEnvelope(envelope?.serializeBinary() ?? new Uint8Array(0));
    assert.equal(decoded.txId, prepared.getTransactionId());
    assert.equal(decoded.channel, CHANNEL);
    assert.equal(decoded.chaincode, 'asset');
    assert.equal(decoded.fn, 'Transfer');
    assert.equal(decoder.decode(decoded.response.payload), decoder.decode(prepared.getResult()));
    assert.equal(decoded.response.status, 200);
    assert.deepEqual(Buffer.from(hashMessage(decoded.payloadBytes)), Buffer.from(prepared.getDigest()));
    assert.equal(decoded.creator.mspId, 'Org1MSP');
    // The default policy (a majority of two organisations) needs a peer of each.
    assert.deepEqual(
      decoded.endorsers.map((e) => e.mspId),
      ['Org1MSP', 'Org2MSP'],
    );
    assert.equal(decoded.event?.name, 'Transfer');
    // The write set names the two accounts it changes.
    assert.equal(decoded.writes.length, 2);
    assert.ok(decoded.writes.every((w) => w.namespace === 'asset' && w.key.includes('account')));
  });

  test('chaincode events stream from a start block, signed offline', async () => {
    const start = (await submitOffline(user, offline, 'asset', 'Transfer', ['alice', 'bob', '1'])).status
      .blockNumber;
    await submitOffline(user, offline, 'asset', 'Transfer', ['bob', 'alice', '2']);
    const request = offline.getNetwork(CHANNEL).newChaincodeEventsRequest('asset', { startBlock: start });
    const signed = offline.newSignedChaincodeEventsRequest(
      request.getBytes(),
      sign(user, request.getDigest()),
    );
    const events = await signed.getEvents();
    const seen: Array<{ name: string; payload: unknown; block: bigint }> = [];
    try {
      for await (const event of events) {
        seen.push({
          name: event.eventName,
          payload: JSON.parse(decoder.decode(event.payload)),
          block: event.blockNumber,
        });
        if (seen.length === 2) break;
      }
    } finally {
      events.close();
    }
    assert.deepEqual(
      seen.map((e) => e.payload),
      [
        { from: 'alice', to: 'bob', amount: '1' },
        { from: 'bob', to: 'alice', amount: '2' },
      ],
    );
    assert.equal(seen[0]?.block, start);
  });

  test('record store: owner writes, lists and reads; another identity cannot read without a grant', async () => {
    const online = devpeer.connectAs(user);
    const records = online.getNetwork(CHANNEL).getContract('records');
    await records.submitTransaction('PutRecord', 'kyc', '{"level":2}', '');
    await records.submitTransaction('PutRecord', 'address', 'Main St 1', '{}');
    const owner = decoder.decode(
      await online.getNetwork(CHANNEL).getContract('asset').evaluateTransaction('ClientID'),
    );
    const listed = JSON.parse(decoder.decode(await records.evaluateTransaction('ListRecords'))) as Array<{
      id: string;
    }>;
    assert.deepEqual(
      listed.map((r) => r.id),
      ['address', 'kyc'],
    );
    const own = JSON.parse(decoder.decode(await records.evaluateTransaction('GetRecord', owner, 'kyc')));
    assert.equal(own.data, '{"level":2}');

    // Reading someone else's record takes a signed grant (ReadWithGrant, records-grants.test.ts).
    const reader = await devpeer.peer.issue('reader1');
    const readerRecords = devpeer.connectAs(reader).getNetwork(CHANNEL).getContract('records');
    await assert.rejects(
      readerRecords.evaluateTransaction('GetRecord', owner, 'kyc'),
      /access denied to record kyc/,
    );
    await records.submitTransaction('DeleteRecord', 'address');
    const after = JSON.parse(decoder.decode(await records.evaluateTransaction('ListRecords'))) as Array<{
      id: string;
    }>;
    assert.deepEqual(
      after.map((r) => r.id),
      ['kyc'],
    );
  });
});
