/**
 * Bad input through the real Gateway client: each request gets the gRPC status and
 * message a real Fabric gateway/peer returns (internal/pkg/gateway, core/endorser),
 * the devpeer keeps serving and the ledger does not change.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { type Gateway, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, peer } from '@hyperledger/fabric-protos';
import { type FabricSigningIdentity, signDigest } from '../../../p2p/chains/fabric/identity.ts';
import { TestCa } from '../../../p2p/devnet/fabric/test-ca.ts';
import { CHANNEL, decoder, fundAccounts, startTestDevpeer, type TestDevpeer } from './fixture.ts';

let devpeer: TestDevpeer;
let user: FabricSigningIdentity;
let online: Gateway;
let caDir: string;
let rogue: FabricSigningIdentity;
let otherOrg: FabricSigningIdentity;

const sign = (identity: FabricSigningIdentity) => async (digest: Uint8Array) =>
  signDigest(identity.privateKey, digest);
const noSignature = async () => new Uint8Array(0);
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The same ECDSA signature with s replaced by n - s: still valid maths, refused by Fabric. */
function toHighS(der: Uint8Array): Uint8Array {
  const rLength = der[3] ?? 0;
  const sLength = der[5 + rLength] ?? 0;
  const s = BigInt(`0x${Buffer.from(der.subarray(6 + rLength, 6 + rLength + sLength)).toString('hex')}`);
  let hex = (P256_ORDER - s).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let sBytes = Buffer.from(hex, 'hex');
  if ((sBytes[0] ?? 0) & 0x80) sBytes = Buffer.concat([Buffer.from([0]), sBytes]);
  const body = Buffer.concat([der.subarray(2, 4 + rLength), Buffer.from([0x02, sBytes.length]), sBytes]);
  return Uint8Array.from(Buffer.concat([Buffer.from([0x30, body.length]), body]));
}

async function balances(): Promise<{ height: bigint; alice: string; bob: string }> {
  const asset = online.getNetwork(CHANNEL).getContract('asset');
  return {
    height: devpeer.peer.ledger(CHANNEL).height,
    alice: decoder.decode(await asset.evaluateTransaction('BalanceOf', 'alice')),
    bob: decoder.decode(await asset.evaluateTransaction('BalanceOf', 'bob')),
  };
}

/** One `gateway.Gateway` call of raw request bytes, past the Gateway client: its error, or null. */
async function rawCall(method: string, request: Uint8Array): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(devpeer.peer.address, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve) =>
      client.makeUnaryRequest(
        `/gateway.Gateway/${method}`,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(request),
        (error) => resolve(error),
      ),
    );
  } finally {
    client.close();
  }
}

/** Runs `action`, expects a GatewayError with `code` and `message`, then checks the devpeer still serves and nothing changed. */
async function expectRefused(
  action: () => Promise<unknown>,
  expected: { code: number; message: RegExp; detail?: RegExp; name?: string },
): Promise<void> {
  const before = await balances();
  const error = await action().then(
    () => assert.fail('expected the request to be refused'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GatewayError, `not a GatewayError: ${String(error)}`);
  assert.equal(error.code, expected.code, error.message);
  assert.match(error.message, expected.message);
  if (expected.name) assert.equal(error.name, expected.name);
  if (expected.detail) {
    assert.equal(error.details.length, 1);
    assert.match(error.details[0]?.message ?? '', expected.detail);
    assert.equal(error.details[0]?.mspId, 'Org1MSP');
  }
  // Refused requests never reach a block: same height, same balances, and reads still work.
  assert.deepEqual(await balances(), before);
}

before(async () => {
  devpeer = await startTestDevpeer();
  user = devpeer.peer.identities.user1 as FabricSigningIdentity;
  online = devpeer.connectAs(user);
  await fundAccounts(online, ['alice', 'bob'], '100');
  caDir = mkdtempSync(join(tmpdir(), 'weft-rogue-ca-'));
  rogue = await (await TestCa.open(join(caDir, 'same-msp'), 'Org1MSP')).issue('mallory');
  otherOrg = await (await TestCa.open(join(caDir, 'other-msp'), 'Org2MSP')).issue('oscar');
});

after(async () => {
  await devpeer.close();
  rmSync(caDir, { recursive: true, force: true });
});

describe('devpeer refuses bad input like a Fabric peer', () => {
  test('chaincode that throws: evaluate is UNKNOWN, endorse is ABORTED with the chaincode 500 in details', async () => {
    const asset = online.getNetwork(CHANNEL).getContract('asset');
    await expectRefused(() => asset.evaluateTransaction('BalanceOf', 'nobody'), {
      code: grpc.status.UNKNOWN,
      message:
        /evaluate call to endorser returned error: chaincode response 500, account nobody does not exist/,
      detail: /^chaincode response 500, account nobody does not exist$/,
    });
    await expectRefused(() => asset.submitTransaction('Transfer', 'alice', 'bob', '1000'), {
      code: grpc.status.ABORTED,
      message: /failed to endorse transaction, see attached details for more info/,
      detail: /^chaincode response 500, insufficient funds in account alice$/,
      name: 'EndorseError',
    });
    await expectRefused(() => asset.submitTransaction('NoSuchFunction'), {
      code: grpc.status.ABORTED,
      message: /failed to endorse/,
      detail: /chaincode response 500, You've asked to invoke a function that does not exist: NoSuchFunction/,
    });
  });

  test('unsigned proposals are refused: empty signature bytes', async () => {
    const unsigned = devpeer.connectAs(user, noSignature).getNetwork(CHANNEL).getContract('asset');
    await expectRefused(() => unsigned.evaluateTransaction('BalanceOf', 'alice'), {
      code: grpc.status.FAILED_PRECONDITION,
      message: /evaluate call to endorser returned error: error validating proposal: empty signature bytes/,
    });
    await expectRefused(() => unsigned.submitTransaction('Transfer', 'alice', 'bob', '1'), {
      code: grpc.status.ABORTED,
      message: /failed to endorse transaction/,
      detail: /^error validating proposal: empty signature bytes$/,
    });
  });

  test('wrongly signed proposals are refused: access denied', async () => {
    // user1's certificate, mallory's key.
    const forged = devpeer.connectAs(user, sign(rogue)).getNetwork(CHANNEL).getContract('asset');
    await expectRefused(() => forged.evaluateTransaction('BalanceOf', 'alice'), {
      code: grpc.status.FAILED_PRECONDITION,
      message: /error validating proposal: access denied: channel \[mychannel\] creator org \[Org1MSP\]/,
    });
    // The right key, but the high-S twin of a valid signature: Fabric accepts low-S only.
    const highS = devpeer
      .connectAs(user, async (digest) => toHighS(signDigest(user.privateKey, digest)))
      .getNetwork(CHANNEL)
      .getContract('asset');
    await expectRefused(() => highS.evaluateTransaction('BalanceOf', 'alice'), {
      code: grpc.status.FAILED_PRECONDITION,
      message: /error validating proposal: access denied: channel \[mychannel\] creator org \[Org1MSP\]/,
    });
    // A certificate the devpeer's CA never issued, under its MSP id.
    const stranger = devpeer.connectAs(rogue).getNetwork(CHANNEL).getContract('asset');
    await expectRefused(() => stranger.submitTransaction('Transfer', 'alice', 'bob', '1'), {
      code: grpc.status.ABORTED,
      message: /failed to endorse/,
      detail: /^error validating proposal: access denied: channel \[mychannel\] creator org \[Org1MSP\]$/,
    });
    // Another organisation the channel does not know.
    const foreign = devpeer.connectAs(otherOrg).getNetwork(CHANNEL).getContract('asset');
    await expectRefused(() => foreign.evaluateTransaction('BalanceOf', 'alice'), {
      code: grpc.status.FAILED_PRECONDITION,
      message: /access denied: channel \[mychannel\] creator org unknown, creator is malformed/,
    });
  });

  test('unknown channel and unknown chaincode', async () => {
    await expectRefused(
      () => online.getNetwork('nochannel').getContract('asset').evaluateTransaction('TotalSupply'),
      {
        code: grpc.status.UNAVAILABLE,
        message: /failed to get config for channel \[nochannel\]/,
      },
    );
    await expectRefused(
      () => online.getNetwork(CHANNEL).getContract('nocc').evaluateTransaction('Anything'),
      {
        code: grpc.status.FAILED_PRECONDITION,
        message: /no peers available to evaluate chaincode nocc in channel mychannel/,
      },
    );
    await expectRefused(() => online.getNetwork(CHANNEL).getContract('nocc').submitTransaction('Anything'), {
      code: grpc.status.FAILED_PRECONDITION,
      message:
        /no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode nocc in channel mychannel/,
    });
  });

  /**
   * Evaluates and endorses TotalSupply with its proposal changed by `tamper` and then signed; sent
   * as raw gRPC, since the Gateway client (google-protobuf) cannot carry some of these proposals.
   */
  async function refusesTampered(tamper: (proposal: peer.Proposal) => void) {
    const unsigned = online.getNetwork(CHANNEL).getContract('asset').newProposal('TotalSupply');
    const proposed = gatewayProtos.ProposedTransaction.deserializeBinary(unsigned.getBytes());
    const proposal = peer.Proposal.deserializeBinary(
      proposed.getProposal()?.getProposalBytes_asU8() ?? new Uint8Array(0),
    );
    tamper(proposal);
    const signedProposal = new peer.SignedProposal();
    signedProposal.setProposalBytes(proposal.serializeBinary());
    const digest = createHash('sha256').update(proposal.serializeBinary()).digest();
    signedProposal.setSignature(signDigest(user.privateKey, digest));
    const request = new gatewayProtos.EvaluateRequest();
    request.setTransactionId(unsigned.getTransactionId());
    request.setChannelId(CHANNEL);
    request.setProposedTransaction(signedProposal);
    const before = await balances();
    // EndorseRequest starts with the same three fields as EvaluateRequest.
    const refusals = {
      Evaluate: /^failed to unpack transaction proposal: could not unmarshal/,
      Endorse: /^could not unmarshal/,
    };
    for (const [method, message] of Object.entries(refusals)) {
      const error = await rawCall(method, request.serializeBinary());
      assert.equal(error?.code, grpc.status.INVALID_ARGUMENT, `${method}: ${error?.message}`);
      assert.match(error.details, message);
    }
    assert.deepEqual(await balances(), before);
  }

  /** Go unmarshals nested messages eagerly: a broken one anywhere in the proposal is INVALID_ARGUMENT. */
  const malformed: [string, (proposal: peer.Proposal) => void][] = [
    [
      'the payload',
      (proposal) => proposal.setPayload(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])), // length runs past the end
    ],
    [
      // Found by grpc.fuzz.test.ts: the devpeer let it through and fabric-shim's stub crashed on it.
      "the channel header's timestamp",
      (proposal) => {
        const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
        const timestamp = Uint8Array.from([
          0x08, 0xcc, 0x05, 0xda, 0xd8, 0x06, 0x10, 0x80, 0xe3, 0xd0, 0xfe, 0x01,
        ]);
        // A later occurrence of a message field merges into the first: this one's unknown field overruns.
        header.setChannelHeader(
          Buffer.concat([header.getChannelHeader_asU8(), Uint8Array.of(0x1a, timestamp.length), timestamp]),
        );
        proposal.setHeader(header.serializeBinary());
      },
    ],
    [
      'a transient map entry',
      (proposal) =>
        proposal.setPayload(
          Buffer.concat([proposal.getPayload_asU8(), Uint8Array.of(0x12, 0x02, 0x0a, 0x05)]),
        ),
    ],
  ];
  for (const [where, tamper] of malformed) {
    test(`malformed protobuf in ${where} of a signed proposal: INVALID_ARGUMENT`, () =>
      refusesTampered(tamper));
  }

  test('garbage bytes on the wire: the devpeer answers with an error and keeps serving', async () => {
    const error = await rawCall('Submit', Uint8Array.of(0x12, 0x05, 0xff));
    assert.ok(error, 'expected an error');
    // Like a Go gRPC server that cannot unmarshal the request.
    assert.equal(error.code, grpc.status.INTERNAL);
    await balances();
  });

  test('unsigned and wrongly signed transactions are refused at submit (orderer FORBIDDEN)', async () => {
    const unsignedTx = devpeer.connectAs(user, false);
    const contract = unsignedTx.getNetwork(CHANNEL).getContract('asset');
    const proposal = contract.newProposal('Transfer', { arguments: ['alice', 'bob', '1'] });
    const endorsed = await unsignedTx
      .newSignedProposal(proposal.getBytes(), signDigest(user.privateKey, proposal.getDigest()))
      .endorse();
    const emptySigner = devpeer.connectAs(user, noSignature);
    await expectRefused(() => emptySigner.newTransaction(endorsed.getBytes()).submit(), {
      code: grpc.status.INVALID_ARGUMENT,
      message: /prepared transaction must be signed/,
    });
    const forged = unsignedTx.newSignedTransaction(
      endorsed.getBytes(),
      signDigest(rogue.privateKey, endorsed.getDigest()),
    );
    await expectRefused(() => forged.submit(), {
      code: grpc.status.ABORTED,
      message:
        /received unsuccessful response from orderer: status=FORBIDDEN, info=implicit policy evaluation failed/,
    });
  });

  test('commit status and event requests signed by a stranger are PERMISSION_DENIED', async () => {
    const submitted = await online
      .getNetwork(CHANNEL)
      .getContract('asset')
      .submitAsync('Transfer', { arguments: ['alice', 'bob', '1'] });
    await submitted.getStatus();
    const stranger = devpeer.connectAs(rogue, false);
    const forgedCommit = stranger.newSignedCommit(
      submitted.getBytes(),
      signDigest(rogue.privateKey, submitted.getDigest()),
    );
    await expectRefused(() => forgedCommit.getStatus(), {
      code: grpc.status.PERMISSION_DENIED,
      message:
        /failed evaluating policy on signed data during check policy \[\/Channel\/Application\/Writers\]/,
    });
    const request = stranger.getNetwork(CHANNEL).newChaincodeEventsRequest('asset', { startBlock: 0n });
    const forgedEvents = stranger.newSignedChaincodeEventsRequest(
      request.getBytes(),
      signDigest(rogue.privateKey, request.getDigest()),
    );
    await expectRefused(
      async () => {
        const events = await forgedEvents.getEvents();
        try {
          for await (const _ of events) break;
        } finally {
          events.close();
        }
      },
      { code: grpc.status.PERMISSION_DENIED, message: /implicit policy evaluation failed/ },
    );
  });

  test('conflicting concurrent writes: the second is MVCC_READ_CONFLICT and changes nothing', async () => {
    const asset = online.getNetwork(CHANNEL).getContract('asset');
    const before = await balances();
    // Both endorsed against the same state, then ordered into the same block.
    const first = await asset.newProposal('Transfer', { arguments: ['alice', 'bob', '10'] }).endorse();
    const second = await asset.newProposal('Transfer', { arguments: ['alice', 'bob', '20'] }).endorse();
    // Submitted one after the other: two submissions in flight reach the orderer in no fixed order.
    const a = await first.submit();
    const b = await second.submit();
    const [statusA, statusB] = await Promise.all([a.getStatus(), b.getStatus()]);
    assert.equal(statusA.code, StatusCode.VALID);
    assert.equal(statusB.code, StatusCode.MVCC_READ_CONFLICT);
    assert.equal(statusB.successful, false);
    const now = await balances();
    assert.equal(now.alice, String(Number(before.alice) - 10));
    assert.equal(now.bob, String(Number(before.bob) + 10));
  });

  test('a range read overtaken by an insert is PHANTOM_READ_CONFLICT', async () => {
    const asset = online.getNetwork(CHANNEL).getContract('asset');
    // TotalSupply reads every account by range; the insert is ordered first: in the same block
    // (validated against the block's earlier writes) or, on a loaded machine, the block before
    // (against committed state). Either way the range no longer reads what it endorsed.
    const insert = await asset.newProposal('OpenAccount', { arguments: ['carol'] }).endorse();
    const rangeRead = await asset.newProposal('TotalSupply').endorse();
    const first = await insert.submit();
    const second = await rangeRead.submit();
    const [statusInsert, statusRange] = await Promise.all([first.getStatus(), second.getStatus()]);
    assert.equal(statusInsert.code, StatusCode.VALID);
    assert.equal(statusRange.code, StatusCode.PHANTOM_READ_CONFLICT);
    assert.ok(statusRange.blockNumber >= statusInsert.blockNumber, 'the insert was ordered first');
  });

  test('a transaction submitted twice commits once; the copy is DUPLICATE_TXID; re-endorsing is refused', async () => {
    const asset = online.getNetwork(CHANNEL).getContract('asset');
    const proposal = asset.newProposal('Transfer', { arguments: ['bob', 'alice', '5'] });
    const transaction = await proposal.endorse();
    const submitted = await transaction.submit();
    const status = await submitted.getStatus();
    assert.equal(status.code, StatusCode.VALID);
    const afterFirst = await balances();

    // The same signed envelope again: the orderer accepts it, the committer flags it.
    const again = await transaction.submit();
    const againStatus = await again.getStatus();
    assert.equal(againStatus.code, StatusCode.VALID, 'CommitStatus reports the first, committed occurrence');
    assert.equal(againStatus.blockNumber, status.blockNumber);
    const ledger = devpeer.peer.ledger(CHANNEL);
    for (let i = 0; i < 100 && ledger.height === afterFirst.height; i++)
      await new Promise((r) => setTimeout(r, 20));
    const block = common.Block.deserializeBinary(
      await online
        .getNetwork(CHANNEL)
        .getContract('qscc')
        .evaluateTransaction('GetBlockByNumber', CHANNEL, String(ledger.height - 1n)),
    );
    const filter = block.getMetadata()?.getMetadataList_asU8()[2] ?? new Uint8Array(0);
    assert.deepEqual([...filter], [StatusCode.DUPLICATE_TXID]);
    const now = await balances();
    assert.equal(now.alice, afterFirst.alice);
    assert.equal(now.bob, afterFirst.bob);

    // The same proposal again: the endorser finds the txid in the ledger.
    await expectRefused(() => proposal.endorse(), {
      code: grpc.status.ABORTED,
      message: /failed to endorse/,
      detail: new RegExp(
        `^duplicate transaction found \\[${proposal.getTransactionId()}\\]\\. Creator \\[[0-9a-f]+\\]$`,
      ),
    });
  });
});
