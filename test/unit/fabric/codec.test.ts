/**
 * The hand-written protobuf codec (browser bundle) against @hyperledger/fabric-protos
 * encodings and @hyperledger/fabric-gateway's own proposals.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { decodeEnvelope, encodeSignedEnvelope } from '../../../p2p/chains/fabric/envelope-codec.ts';
import { computeTxId, encodeSerializedIdentity } from '../../../p2p/chains/fabric/header-codec.ts';
import {
  buildProposal,
  decodeProposal,
  decodeSignedProposal,
  encodeSignedProposal,
} from '../../../p2p/chains/fabric/proposal-codec.ts';
import { decodeFields, encodeFields, ProtobufDecodeError } from '../../../p2p/chains/fabric/protobuf-wire.ts';

const certificate = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const creator = { mspId: 'Org1MSP', certificate };
const enc = new TextEncoder();
const dec = new TextDecoder();

describe('protobuf wire format', () => {
  test('round-trips varints beyond 32 bits, bytes, strings, and empty repeated elements', () => {
    const bytes = encodeFields([
      [1, 2n ** 40n + 5n],
      [2, 'héllo'],
      [3, Uint8Array.from([1, 2, 3])],
      [4, new Uint8Array(0), 'repeated'],
      [4, Uint8Array.from([9]), 'repeated'],
      [5, 0],
      [6, ''],
    ]);
    const fields = decodeFields(bytes);
    assert.deepEqual(fields.get(1), [2n ** 40n + 5n]);
    assert.equal(dec.decode(fields.get(2)?.[0] as Uint8Array), 'héllo');
    assert.deepEqual(
      [...(fields.get(4) ?? [])].map((b) => [...(b as Uint8Array)]),
      [[], [9]],
    );
    assert.equal(fields.has(5), false, 'proto3 leaves zero out');
    assert.equal(fields.has(6), false, 'proto3 leaves empty strings out');
  });

  test('rejects truncated and malformed input', () => {
    assert.throws(() => decodeFields(Uint8Array.from([0x0a, 0x05, 0x01])), ProtobufDecodeError);
    assert.throws(() => decodeFields(Uint8Array.from([0x08, 0xff])), ProtobufDecodeError);
    assert.throws(() => decodeFields(Uint8Array.from([0x0b])), ProtobufDecodeError);
    assert.throws(() => decodeFields(Uint8Array.from([0x00, 0x01])), ProtobufDecodeError);
  });
});

describe('proposals', () => {
  test('decodes a proposal built by @hyperledger/fabric-gateway, transient data included', () => {
    const client = new grpc.Client('127.0.0.1:1', grpc.credentials.createInsecure());
    const gateway = connect({ client, identity: { mspId: 'Org1MSP', credentials: enc.encode(certificate) } });
    try {
      const proposal = gateway
        .getNetwork('mychannel')
        .getContract('asset')
        .newProposal('Transfer', { arguments: ['alice', 'bob', '5'], transientData: { secret: 'x' } });
      const proposed = gatewayProtos.ProposedTransaction.deserializeBinary(proposal.getBytes());
      const bytes = proposed.getProposal()?.getProposalBytes_asU8() ?? new Uint8Array(0);
      const decoded = decodeProposal(bytes);
      assert.equal(decoded.channel, 'mychannel');
      assert.equal(decoded.chaincode, 'asset');
      assert.equal(decoded.fn, 'Transfer');
      assert.deepEqual(
        decoded.args.map((a) => dec.decode(a)),
        ['alice', 'bob', '5'],
      );
      assert.equal(decoded.txId, proposal.getTransactionId());
      assert.equal(decoded.txId, computeTxId(decoded.nonce, decoded.creatorBytes));
      assert.deepEqual(decoded.creator, creator);
      assert.deepEqual(decoded.transientKeys, ['secret']);
      assert.equal(decoded.type, common.HeaderType.ENDORSER_TRANSACTION);
      assert.ok(Math.abs(decoded.timestamp - Date.now()) < 60_000);
    } finally {
      gateway.close();
      client.close();
    }
  });

  test('a proposal built here reads back with @hyperledger/fabric-protos', () => {
    const nonce = Uint8Array.from({ length: 24 }, (_, i) => i);
    const { proposalBytes, txId } = buildProposal({
      channel: 'mychannel',
      chaincode: 'records',
      fn: 'PutRecord',
      args: ['id-1', '', Uint8Array.from([0, 255])],
      creator,
      nonce,
      timestamp: 1_700_000_000_123,
    });
    const proposal = peer.Proposal.deserializeBinary(proposalBytes);
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    assert.equal(channelHeader.getChannelId(), 'mychannel');
    assert.equal(channelHeader.getTxId(), txId);
    assert.equal(channelHeader.getType(), common.HeaderType.ENDORSER_TRANSACTION);
    assert.equal(channelHeader.getTimestamp()?.getSeconds(), 1_700_000_000);
    assert.equal(channelHeader.getTimestamp()?.getNanos(), 123_000_000);
    const extension = peer.ChaincodeHeaderExtension.deserializeBinary(channelHeader.getExtension_asU8());
    assert.equal(extension.getChaincodeId()?.getName(), 'records');
    const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    const identity = msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8());
    assert.equal(identity.getMspid(), 'Org1MSP');
    assert.equal(dec.decode(identity.getIdBytes_asU8()), certificate);
    const expectedTxId = createHash('sha256')
      .update(nonce)
      .update(signatureHeader.getCreator_asU8())
      .digest('hex');
    assert.equal(txId, expectedTxId);
    const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
    const spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8()).getChaincodeSpec();
    assert.equal(spec?.getChaincodeId()?.getName(), 'records');
    assert.deepEqual(
      spec
        ?.getInput()
        ?.getArgsList_asU8()
        .map((a) => [...a]),
      [[...enc.encode('PutRecord')], [...enc.encode('id-1')], [], [0, 255]],
      'empty arguments survive',
    );

    const signed = encodeSignedProposal(proposalBytes, Uint8Array.from([7, 7]));
    const viaProtos = peer.SignedProposal.deserializeBinary(signed);
    assert.deepEqual([...viaProtos.getSignature_asU8()], [7, 7]);
    assert.deepEqual(decodeSignedProposal(signed).proposalBytes, proposalBytes);
  });
});

function version(block: number, tx: number) {
  const v = new ledger.rwset.kvrwset.Version();
  v.setBlockNum(block);
  v.setTxNum(tx);
  return v;
}

describe('prepared transaction envelopes', () => {
  test('decodes an envelope assembled with @hyperledger/fabric-protos', () => {
    const { proposalBytes, txId } = buildProposal({
      channel: 'mychannel',
      chaincode: 'asset',
      fn: 'Transfer',
      args: ['a', 'b', '3'],
      creator,
      nonce: new Uint8Array(24).fill(1),
    });
    const proposal = peer.Proposal.deserializeBinary(proposalBytes);
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());

    const kv = new ledger.rwset.kvrwset.KVRWSet();
    const read = new ledger.rwset.kvrwset.KVRead();
    read.setKey('a');
    read.setVersion(version(4, 2));
    const fresh = new ledger.rwset.kvrwset.KVRead();
    fresh.setKey('new');
    kv.setReadsList([read, fresh]);
    const range = new ledger.rwset.kvrwset.RangeQueryInfo();
    range.setStartKey('a');
    range.setEndKey('z');
    range.setItrExhausted(true);
    const rawReads = new ledger.rwset.kvrwset.QueryReads();
    rawReads.setKvReadsList([read]);
    range.setRawReads(rawReads);
    kv.setRangeQueriesInfoList([range]);
    const write = new ledger.rwset.kvrwset.KVWrite();
    write.setKey('b');
    write.setValue(enc.encode('7'));
    const deletion = new ledger.rwset.kvrwset.KVWrite();
    deletion.setKey('gone');
    deletion.setIsDelete(true);
    kv.setWritesList([write, deletion]);
    const ns = new ledger.rwset.NsReadWriteSet();
    ns.setNamespace('asset');
    ns.setRwset(kv.serializeBinary());
    const rwset = new ledger.rwset.TxReadWriteSet();
    rwset.setNsRwsetList([ns]);

    const event = new peer.ChaincodeEvent();
    event.setChaincodeId('asset');
    event.setTxId(txId);
    event.setEventName('Transfer');
    event.setPayload(enc.encode('{"amount":"3"}'));
    const response = new peer.Response();
    response.setStatus(200);
    response.setPayload(enc.encode('97'));
    const action = new peer.ChaincodeAction();
    action.setResults(rwset.serializeBinary());
    action.setEvents(event.serializeBinary());
    action.setResponse(response);
    const responsePayload = new peer.ProposalResponsePayload();
    responsePayload.setProposalHash(new Uint8Array(32));
    responsePayload.setExtension$(action.serializeBinary());
    const endorsement = new peer.Endorsement();
    endorsement.setEndorser(encodeSerializedIdentity({ mspId: 'Org1MSP', certificate: 'peer-cert' }));
    endorsement.setSignature(Uint8Array.from([1, 2, 3]));
    const endorsed = new peer.ChaincodeEndorsedAction();
    endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
    endorsed.setEndorsementsList([endorsement]);
    const actionPayload = new peer.ChaincodeActionPayload();
    actionPayload.setChaincodeProposalPayload(proposal.getPayload_asU8());
    actionPayload.setAction(endorsed);
    const transactionAction = new peer.TransactionAction();
    transactionAction.setHeader(header.getSignatureHeader_asU8());
    transactionAction.setPayload(actionPayload.serializeBinary());
    const transaction = new peer.Transaction();
    transaction.setActionsList([transactionAction]);
    const payload = new common.Payload();
    payload.setHeader(header);
    payload.setData(transaction.serializeBinary());
    const payloadBytes = payload.serializeBinary();
    const envelopeBytes = encodeSignedEnvelope(payloadBytes, Uint8Array.from([9, 9]));
    assert.deepEqual([...common.Envelope.deserializeBinary(envelopeBytes).getSignature_asU8()], [9, 9]);

    const decoded = decodeEnvelope(envelopeBytes);
    assert.equal(decoded.txId, txId);
    assert.equal(decoded.channel, 'mychannel');
    assert.equal(decoded.chaincode, 'asset');
    assert.equal(decoded.fn, 'Transfer');
    assert.deepEqual(
      decoded.args.map((a) => dec.decode(a)),
      ['a', 'b', '3'],
    );
    assert.deepEqual(decoded.payloadBytes, payloadBytes);
    assert.deepEqual([...decoded.signature], [9, 9]);
    assert.equal(decoded.response.status, 200);
    assert.equal(dec.decode(decoded.response.payload), '97');
    assert.deepEqual(decoded.reads, [
      { namespace: 'asset', key: 'a', version: { blockNum: 4n, txNum: 2n } },
      { namespace: 'asset', key: 'new', version: null },
    ]);
    assert.deepEqual(
      decoded.writes.map((w) => [w.key, w.isDelete, dec.decode(w.value)]),
      [
        ['b', false, '7'],
        ['gone', true, ''],
      ],
    );
    assert.deepEqual(decoded.rangeQueries, [
      {
        namespace: 'asset',
        startKey: 'a',
        endKey: 'z',
        exhausted: true,
        reads: [{ namespace: 'asset', key: 'a', version: { blockNum: 4n, txNum: 2n } }],
      },
    ]);
    assert.deepEqual(decoded.event && { ...decoded.event, payload: dec.decode(decoded.event.payload) }, {
      chaincode: 'asset',
      txId,
      name: 'Transfer',
      payload: '{"amount":"3"}',
    });
    assert.deepEqual(decoded.endorsers, [{ mspId: 'Org1MSP', certificate: 'peer-cert' }]);
    assert.deepEqual([...(decoded.endorsements[0]?.signature ?? [])], [1, 2, 3]);
  });

  test('garbage is a decode error, not a wrong answer', () => {
    assert.throws(() => decodeEnvelope(Uint8Array.from([0x0a, 0x02, 0x0a, 0x7f])), ProtobufDecodeError);
    assert.throws(() => decodeEnvelope(new Uint8Array(0)), ProtobufDecodeError);
  });
});
