/**
 * The devpeer's hand-written codecs (Gateway requests and answers, the chaincode
 * stream, read-write sets, proposal unpacking) against @hyperledger/fabric-protos,
 * which the Gateway client and fabric-shim on the other side of the wire use.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, ledger as ledgerProtos, peer } from '@hyperledger/fabric-protos';
import { isLowSSignature, toLowS } from '../../../p2p/chains/fabric/low-s.ts';
import { encodeFields } from '../../../p2p/chains/fabric/protobuf-wire.ts';
import {
  decodeChaincodeMessage,
  encodeChaincodeMessage,
  encodeQueryResponse,
  MessageType,
} from '../../../p2p/devnet/fabric/chaincode-codec.ts';
import { unpackProposal } from '../../../p2p/devnet/fabric/endorser.ts';
import {
  decodeCommitStatusRequest,
  decodeProposalRequest,
  decodeSignedRequest,
  decodeSubmitRequest,
  encodeCommitStatusResponse,
  encodeEndorseResponse,
  encodeEvaluateResponse,
} from '../../../p2p/devnet/fabric/gateway-codec.ts';
import { Ledger } from '../../../p2p/devnet/fabric/ledger.ts';
import { TxSimulator } from '../../../p2p/devnet/fabric/tx-simulator.ts';

const enc = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), 'weft-devpeer-codec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const certificate = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** A signed proposal as the Gateway client builds it (transient data included). */
function clientProposal(): { signedProposal: peer.SignedProposal; transactionId: string } {
  const client = new grpc.Client('127.0.0.1:1', grpc.credentials.createInsecure());
  const gateway = connect({ client, identity: { mspId: 'Org1MSP', credentials: enc.encode(certificate) } });
  try {
    const proposal = gateway
      .getNetwork('mychannel')
      .getContract('asset')
      .newProposal('Transfer', { arguments: ['alice', 'bob', '5'], transientData: { secret: 'x' } });
    const proposed = gatewayProtos.ProposedTransaction.deserializeBinary(proposal.getBytes());
    const signedProposal = proposed.getProposal() as peer.SignedProposal;
    signedProposal.setSignature(Uint8Array.from([0x30, 0x01, 0x02]));
    return { signedProposal, transactionId: proposal.getTransactionId() };
  } finally {
    gateway.close();
    client.close();
  }
}

describe('devpeer proposal unpacking', () => {
  test('reads what fabric-protos reads, keeps the signed bytes, strips the transient map', () => {
    const { signedProposal, transactionId } = clientProposal();
    const up = unpackProposal(signedProposal.serializeBinary());
    const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    assert.deepEqual(Buffer.from(up.proposalBytes), Buffer.from(signedProposal.getProposalBytes_asU8()));
    assert.deepEqual(Buffer.from(up.signature), Buffer.from([0x30, 0x01, 0x02]));
    assert.deepEqual(Buffer.from(up.headerBytes), Buffer.from(proposal.getHeader_asU8()));
    assert.equal(up.channelHeader.channelId, 'mychannel');
    assert.equal(up.channelHeader.txId, transactionId);
    assert.equal(up.channelHeader.type, common.HeaderType.ENDORSER_TRANSACTION);
    assert.equal(up.channelHeader.epoch, 0n);
    assert.equal(up.chaincodeName, 'asset');
    assert.deepEqual(
      up.args.map((arg) => Buffer.from(arg).toString()),
      ['Transfer', 'alice', 'bob', '5'],
    );
    assert.ok(up.hasTransientData);
    const payload = peer.ChaincodeProposalPayload.deserializeBinary(up.payloadWithoutTransient);
    assert.equal(payload.getTransientmapMap().getLength(), 0, 'transient map left out');
    const input = peer.ChaincodeInput.deserializeBinary(up.input);
    assert.equal(Buffer.from(input.getArgsList_asU8()[0] ?? []).toString(), 'Transfer');
    const expectedHash = createHash('sha256')
      .update(header.getChannelHeader_asU8())
      .update(header.getSignatureHeader_asU8())
      .update(up.payloadWithoutTransient)
      .digest();
    assert.deepEqual(Buffer.from(up.proposalHash), expectedHash);
  });

  test("refuses what Fabric's UnpackProposal refuses, with its messages", () => {
    const { signedProposal } = clientProposal();
    const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    channelHeader.setExtension$(new peer.ChaincodeHeaderExtension().serializeBinary());
    header.setChannelHeader(channelHeader.serializeBinary());
    proposal.setHeader(header.serializeBinary());
    signedProposal.setProposalBytes(proposal.serializeBinary());
    assert.throws(() => unpackProposal(signedProposal.serializeBinary()), /ChaincodeId is nil/);
    assert.throws(
      () => unpackProposal(Uint8Array.from([0x0a, 0x03, 0x0a, 0x05, 0x01])),
      /could not unmarshal proposal bytes/,
    );
  });

  test('refuses broken nested messages Go unmarshals with their parent: the timestamp, the transient map', () => {
    const withTimestamp = (timestamp: Uint8Array) => {
      const { signedProposal } = clientProposal();
      const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
      const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
      // A second occurrence of a message field merges into the first, as the wire format says.
      const channelHeader = Buffer.concat([
        header.getChannelHeader_asU8(),
        Uint8Array.of(0x1a, timestamp.length),
        timestamp,
      ]);
      header.setChannelHeader(channelHeader);
      proposal.setHeader(header.serializeBinary());
      signedProposal.setProposalBytes(proposal.serializeBinary());
      return signedProposal.serializeBinary();
    };
    assert.doesNotThrow(() => unpackProposal(withTimestamp(Uint8Array.of(0x08, 0x01, 0x10, 0x02))));
    assert.throws(
      () => unpackProposal(withTimestamp(Uint8Array.of(0x08, 0x01, 0xda, 0xd8, 0x06, 0x10, 0x80))),
      /could not unmarshal channel header timestamp/,
    );
    const { signedProposal } = clientProposal();
    const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
    proposal.setPayload(Buffer.concat([proposal.getPayload_asU8(), Uint8Array.of(0x12, 0x02, 0x0a, 0x05)]));
    signedProposal.setProposalBytes(proposal.serializeBinary());
    assert.throws(
      () => unpackProposal(signedProposal.serializeBinary()),
      /could not unmarshal transient map entry/,
    );
  });

  test('refuses what Go refuses in the chaincode ids and the input: strings not UTF-8, broken decorations', () => {
    const notUtf8 = Uint8Array.of(0xc3, 0x28);
    /** A proposal whose header extension names `headerId` and whose spec is `spec`. */
    const build = (headerId: Uint8Array, spec: Uint8Array) => {
      const { signedProposal } = clientProposal();
      const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
      const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
      const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
      channelHeader.setExtension$(encodeFields([[2, headerId]]));
      header.setChannelHeader(channelHeader.serializeBinary());
      proposal.setHeader(header.serializeBinary());
      // ChaincodeProposalPayload { input: ChaincodeInvocationSpec { chaincode_spec } }.
      proposal.setPayload(encodeFields([[1, encodeFields([[1, spec]])]]));
      signedProposal.setProposalBytes(proposal.serializeBinary());
      return signedProposal.serializeBinary();
    };
    const id = (version: Uint8Array | string) =>
      encodeFields([
        [2, 'asset'],
        [3, version],
      ]);
    const spec = (specId: Uint8Array, input: Uint8Array) =>
      encodeFields([
        [2, specId],
        [3, input],
      ]);
    const input = encodeFields([[1, 'BalanceOf', 'repeated']]);
    const decoration = (entry: Uint8Array) =>
      encodeFields([
        [1, 'BalanceOf', 'repeated'],
        [2, entry, 'repeated'],
      ]);

    const good = unpackProposal(
      build(
        id('1.0'),
        spec(
          id('1.0'),
          decoration(
            encodeFields([
              [1, 'k'],
              [2, 'v'],
            ]),
          ),
        ),
      ),
    );
    assert.equal(good.chaincodeName, 'asset');
    assert.deepEqual(
      good.args.map((a) => Buffer.from(a).toString()),
      ['BalanceOf'],
    );
    assert.throws(
      () => unpackProposal(build(id(notUtf8), spec(id('1.0'), input))),
      /could not unmarshal chaincode id: field 3/,
    );
    assert.throws(
      () => unpackProposal(build(id('1.0'), spec(id(notUtf8), input))),
      /could not unmarshal chaincode spec id: field 3/,
    );
    assert.throws(
      () => unpackProposal(build(id('1.0'), spec(id('1.0'), decoration(Uint8Array.of(0x0a, 0x05))))),
      /could not unmarshal chaincode input decoration/,
    );
    assert.throws(
      () => unpackProposal(build(id('1.0'), spec(id('1.0'), decoration(encodeFields([[1, notUtf8]]))))),
      /could not unmarshal chaincode input decoration: field 1/,
    );
  });
});

describe('devpeer Gateway codec', () => {
  test('requests from fabric-protos decode, with the signed bytes untouched', () => {
    const { signedProposal } = clientProposal();
    const endorse = new gatewayProtos.EndorseRequest();
    endorse.setTransactionId('tx1');
    endorse.setChannelId('mychannel');
    endorse.setProposedTransaction(signedProposal);
    endorse.setEndorsingOrganizationsList(['Org1MSP']);
    const decoded = decodeProposalRequest(endorse.serializeBinary());
    assert.equal(decoded.transactionId, 'tx1');
    assert.equal(decoded.channelId, 'mychannel');
    assert.deepEqual(
      Buffer.from(decoded.signedProposal ?? []),
      Buffer.from(signedProposal.serializeBinary()),
    );
    assert.equal(
      decodeProposalRequest(new gatewayProtos.EvaluateRequest().serializeBinary()).signedProposal,
      undefined,
    );

    const envelope = new common.Envelope();
    envelope.setPayload(Uint8Array.from([1, 2, 3]));
    envelope.setSignature(Uint8Array.from([4, 5]));
    const submit = new gatewayProtos.SubmitRequest();
    submit.setTransactionId('tx1');
    submit.setChannelId('mychannel');
    submit.setPreparedTransaction(envelope);
    const decodedSubmit = decodeSubmitRequest(submit.serializeBinary());
    assert.deepEqual(Buffer.from(decodedSubmit.envelope ?? []), Buffer.from(envelope.serializeBinary()));
    assert.deepEqual([...decodedSubmit.signature], [4, 5]);
    assert.throws(() => decodeSubmitRequest(Uint8Array.from([0x12, 0x05, 0xff])));
    // A prepared transaction whose own encoding is broken fails the call, as in a Go server.
    assert.throws(() => decodeSubmitRequest(Uint8Array.from([0x1a, 0x02, 0x0a, 0x05])));

    const statusRequest = new gatewayProtos.CommitStatusRequest();
    statusRequest.setTransactionId('tx1');
    statusRequest.setChannelId('mychannel');
    statusRequest.setIdentity(Uint8Array.from([9, 9]));
    const signed = new gatewayProtos.SignedCommitStatusRequest();
    signed.setRequest(statusRequest.serializeBinary());
    signed.setSignature(Uint8Array.from([7]));
    const decodedSigned = decodeSignedRequest(signed.serializeBinary());
    assert.deepEqual([...decodedSigned.signature], [7]);
    assert.deepEqual(decodeCommitStatusRequest(decodedSigned.request), {
      transactionId: 'tx1',
      channelId: 'mychannel',
      identity: Uint8Array.from([9, 9]),
    });
  });

  test('answers read back with fabric-protos', () => {
    const evaluated = gatewayProtos.EvaluateResponse.deserializeBinary(
      encodeEvaluateResponse({ status: 200, message: '', payload: enc.encode('100') }),
    ).getResult();
    assert.equal(evaluated?.getStatus(), 200);
    assert.equal(Buffer.from(evaluated?.getPayload_asU8() ?? []).toString(), '100');
    const envelope = encodeFields([[1, Uint8Array.from([1, 2, 3])]]);
    const endorsed = gatewayProtos.EndorseResponse.deserializeBinary(encodeEndorseResponse(envelope));
    assert.deepEqual([...(endorsed.getPreparedTransaction()?.getPayload_asU8() ?? [])], [1, 2, 3]);
    const status = gatewayProtos.CommitStatusResponse.deserializeBinary(
      encodeCommitStatusResponse(peer.TxValidationCode.MVCC_READ_CONFLICT, 2n ** 40n),
    );
    assert.equal(status.getResult(), peer.TxValidationCode.MVCC_READ_CONFLICT);
    assert.equal(status.getBlockNumber(), 2 ** 40);
    const valid = gatewayProtos.CommitStatusResponse.deserializeBinary(encodeCommitStatusResponse(0, 7n));
    assert.equal(valid.getResult(), peer.TxValidationCode.VALID);
    assert.equal(valid.getBlockNumber(), 7);
  });
});

describe('devpeer chaincode stream codec', () => {
  test('ChaincodeMessage both ways, proposal and event included', () => {
    const { signedProposal } = clientProposal();
    const bytes = encodeChaincodeMessage({
      type: MessageType.TRANSACTION,
      payload: Uint8Array.from([1, 2]),
      txid: 'tx1',
      channelId: 'mychannel',
      proposal: signedProposal.serializeBinary(),
    });
    const read = peer.ChaincodeMessage.deserializeBinary(bytes);
    assert.equal(read.getType(), peer.ChaincodeMessage.Type.TRANSACTION);
    assert.equal(read.getTxid(), 'tx1');
    assert.equal(read.getChannelId(), 'mychannel');
    assert.deepEqual([...read.getPayload_asU8()], [1, 2]);
    assert.deepEqual(
      Buffer.from(read.getProposal()?.getProposalBytes_asU8() ?? []),
      Buffer.from(signedProposal.getProposalBytes_asU8()),
    );

    const event = new peer.ChaincodeEvent();
    event.setEventName('Transfer');
    event.setPayload(enc.encode('{}'));
    const completed = new peer.ChaincodeMessage();
    completed.setType(peer.ChaincodeMessage.Type.COMPLETED);
    completed.setTxid('tx1');
    completed.setChannelId('mychannel');
    completed.setPayload(Uint8Array.from([3]));
    completed.setChaincodeEvent(event);
    const decoded = decodeChaincodeMessage(completed.serializeBinary());
    assert.equal(decoded.type, MessageType.COMPLETED);
    assert.equal(decoded.txid, 'tx1');
    assert.equal(decoded.channelId, 'mychannel');
    assert.deepEqual([...decoded.payload], [3]);
    assert.equal(
      peer.ChaincodeEvent.deserializeBinary(decoded.chaincodeEvent ?? new Uint8Array()).getEventName(),
      'Transfer',
    );
    assert.equal(decodeChaincodeMessage(new peer.ChaincodeMessage().serializeBinary()).proposal, undefined);
  });

  test('range query pages read back as QueryResponse of queryresult.KV', () => {
    const response = peer.QueryResponse.deserializeBinary(
      encodeQueryResponse('it-0', true, 'asset', [
        { key: 'a', value: enc.encode('1') },
        { key: 'b', value: new Uint8Array(0) },
      ]),
    );
    assert.equal(response.getId(), 'it-0');
    assert.equal(response.getHasMore(), true);
    const kvs = response
      .getResultsList()
      .map((result) => ledgerProtos.queryresult.KV.deserializeBinary(result.getResultbytes_asU8()));
    assert.deepEqual(
      kvs.map((kv) => [kv.getNamespace(), kv.getKey(), Buffer.from(kv.getValue_asU8()).toString()]),
      [
        ['asset', 'a', '1'],
        ['asset', 'b', ''],
      ],
    );
  });
});

describe('devpeer read-write sets', () => {
  test('reads (absent keys without version), range queries and sorted writes, as fabric-protos reads them', () => {
    const ledger = Ledger.open(dir, 'rwset');
    try {
      const simulator = new TxSimulator(ledger, 'asset');
      simulator.getState('zeta');
      simulator.getState('alpha');
      simulator.putState('b', enc.encode('2'));
      simulator.deleteState('a');
      simulator.openRange('k', 'l');
      const txRwSet = ledgerProtos.rwset.TxReadWriteSet.deserializeBinary(simulator.readWriteSet());
      const [ns] = txRwSet.getNsRwsetList();
      assert.equal(ns?.getNamespace(), 'asset');
      const kv = ledgerProtos.rwset.kvrwset.KVRWSet.deserializeBinary(
        ns?.getRwset_asU8() ?? new Uint8Array(),
      );
      assert.deepEqual(
        kv.getReadsList().map((read) => [read.getKey(), read.hasVersion()]),
        [
          ['alpha', false],
          ['zeta', false],
        ],
      );
      assert.deepEqual(
        kv
          .getWritesList()
          .map((write) => [
            write.getKey(),
            write.getIsDelete(),
            Buffer.from(write.getValue_asU8()).toString(),
          ]),
        [
          ['a', true, ''],
          ['b', false, '2'],
        ],
      );
      const [range] = kv.getRangeQueriesInfoList();
      assert.equal(range?.getStartKey(), 'k');
      assert.equal(range?.getEndKey(), 'l');
      assert.equal(range?.getItrExhausted(), true);
      assert.ok(range?.hasRawReads(), 'raw reads present even when empty');
    } finally {
      ledger.close();
    }
  });
});

describe('low-S on the bytes', () => {
  test('accepts low-S DER signatures only, malformed ones never', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let high = 0;
    for (let i = 0; i < 64; i++) {
      const signature = sign('sha256', Buffer.from(`m${i}`), privateKey);
      const low = toLowS(signature);
      if (low !== signature) {
        high++;
        assert.equal(isLowSSignature(signature), false, 'high-S refused');
      }
      assert.equal(isLowSSignature(low), true);
      assert.equal(isLowSSignature(Uint8Array.from([...low, 0])), false, 'trailing byte');
      assert.equal(isLowSSignature(low.subarray(0, low.length - 1)), false, 'truncated');
    }
    assert.ok(high > 0, 'some signatures came out high-S');
    // r = 0
    assert.equal(isLowSSignature(Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01])), false);
    // s = 0
    assert.equal(isLowSSignature(Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00])), false);
    assert.equal(isLowSSignature(Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])), true);
  });
});

describe('encoder buffers', () => {
  test('encoded messages never share bytes with later ones', () => {
    const first = encodeFields([[1, 'first message']]);
    const copy = Buffer.from(first);
    const later = Array.from({ length: 5000 }, (_, i) =>
      encodeFields([
        [1, `message ${i}`],
        [2, i + 1],
      ]),
    );
    assert.deepEqual(Buffer.from(first), copy);
    assert.equal(
      Buffer.from(later[4999] ?? [])
        .toString('latin1')
        .includes('message 4999'),
      true,
    );
    const big = encodeFields([[1, new Uint8Array(20_000).fill(7)]]);
    assert.equal(big.length, 1 + 3 + 20_000, 'key, three-byte length, body');
    assert.deepEqual(Buffer.from(first), copy);
  });
});
