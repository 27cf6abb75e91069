/**
 * Property-based fuzzing of the devpeer's `gateway.Gateway` gRPC service (issue 15). A grpc-js
 * client with identity serializers sends each method (Evaluate, Endorse, Submit, CommitStatus,
 * ChaincodeEvents) raw bytes: random and malformed protobuf, and requests built and signed
 * offline as a wallet does (proposals for the asset chaincode and qscc, envelopes endorsed by the
 * peer, commit-status and event requests) then mutated: bytes changed, inserted or cut, fields
 * swapped for hostile values, signed by the right key over the wrong bytes.
 *
 * Each answer is a response of the method's type or a gRPC status a Fabric peer gives (Fabric's
 * internal/pkg/gateway): INVALID_ARGUMENT, FAILED_PRECONDITION, ABORTED, UNAVAILABLE, UNKNOWN,
 * PERMISSION_DENIED, NOT_FOUND, and INTERNAL only where a Go server cannot unmarshal the request.
 * CommitStatus and ChaincodeEvents wait for what is asked, as a peer does, so a well-signed one may
 * run to the client's deadline. A refused call leaves the ledger (height, last block hash) as it
 * was, and the peer answers a valid evaluate after every case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { gateway, orderer } from '@hyperledger/fabric-protos';
import fc from 'fast-check';
import { type FabricSigningIdentity, hashMessage, signDigest } from '../../../p2p/chains/fabric/identity.ts';
import {
  fromHex,
  signPreparedTransaction,
  signProposal,
} from '../../../p2p/chains/fabric/offline-signing.ts';
import { bytesField, decodeFields, encodeFields } from '../../../p2p/chains/fabric/protobuf-wire.ts';
import { recordFuzzCount } from '../../fuzz.ts';
import { checkProperty } from '../fuzz-check.ts';
import { CHANNEL, decoder, fundAccounts, startTestDevpeer, type TestDevpeer } from './fixture.ts';

type Method = 'Evaluate' | 'Endorse' | 'Submit' | 'CommitStatus' | 'ChaincodeEvents';
const METHODS: Method[] = ['Evaluate', 'Endorse', 'Submit', 'CommitStatus', 'ChaincodeEvents'];
/**
 * The statuses Fabric's gateway answers each method with (evaluate.go, endorse.go, submit.go,
 * commitstatus.go, chaincodeevents.go); INTERNAL only where a Go server cannot unmarshal the request.
 */
const {
  INVALID_ARGUMENT,
  FAILED_PRECONDITION,
  ABORTED,
  UNAVAILABLE,
  UNKNOWN,
  PERMISSION_DENIED,
  NOT_FOUND,
  INTERNAL,
} = grpc.status;
const FABRIC_CODES: Record<Method, Set<grpc.status>> = {
  // ABORTED: the chaincode failed with no payload (fabric-shim refusing a proposal Go accepted, as
  // in fabric-gateway's "Evaluate crash chaincode" scenario) and no other peer is left to try.
  Evaluate: new Set([INVALID_ARGUMENT, UNAVAILABLE, FAILED_PRECONDITION, ABORTED, UNKNOWN, INTERNAL]),
  Endorse: new Set([INVALID_ARGUMENT, UNAVAILABLE, FAILED_PRECONDITION, ABORTED, INTERNAL]),
  Submit: new Set([INVALID_ARGUMENT, FAILED_PRECONDITION, ABORTED, INTERNAL]),
  CommitStatus: new Set([INVALID_ARGUMENT, PERMISSION_DENIED, ABORTED, INTERNAL]),
  ChaincodeEvents: new Set([INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND, INTERNAL]),
};
const WAITS_MS = 100;
const identity = (b: Buffer) => b;

function show(value: unknown): string {
  return inspect(value, { depth: 3, maxArrayLength: 8, maxStringLength: 200, breakLength: Infinity });
}

interface Answer {
  error?: grpc.ServiceError;
  response?: Buffer;
  /** A call that was still waiting (commit status, events) when the client's deadline came. */
  waiting?: boolean;
}

function unary(client: grpc.Client, method: Method, bytes: Uint8Array): Promise<Answer> {
  return new Promise((resolve) => {
    const waits = method === 'CommitStatus';
    client.makeUnaryRequest(
      `/gateway.Gateway/${method}`,
      identity,
      identity,
      Buffer.from(bytes),
      { deadline: Date.now() + (waits ? WAITS_MS : 15_000) },
      (error, response) => {
        if (error && waits && error.code === grpc.status.DEADLINE_EXCEEDED) resolve({ waiting: true });
        else resolve(error ? { error } : { response: response as Buffer });
      },
    );
  });
}

/** ChaincodeEvents streams until cancelled: the first message or status, or `waiting` at the deadline. */
function events(client: grpc.Client, bytes: Uint8Array): Promise<Answer> {
  return new Promise((resolve) => {
    const call = client.makeServerStreamRequest(
      '/gateway.Gateway/ChaincodeEvents',
      identity,
      identity,
      Buffer.from(bytes),
    );
    const timer = setTimeout(() => {
      resolve({ waiting: true });
      call.cancel();
    }, WAITS_MS);
    call.on('data', (response: Buffer) => {
      clearTimeout(timer);
      resolve({ response });
      call.cancel();
    });
    call.on('error', (error: grpc.ServiceError) => {
      clearTimeout(timer);
      if (error.code !== grpc.status.CANCELLED) resolve({ error });
    });
    call.on('end', () => {
      clearTimeout(timer);
      resolve({ response: Buffer.alloc(0) });
    });
  });
}

/** Checks a successful answer decodes as the method's response type. */
function checkResponse(method: Method, response: Buffer): void {
  switch (method) {
    case 'Evaluate':
      assert.ok(gateway.EvaluateResponse.deserializeBinary(response).getResult(), 'an evaluate result');
      break;
    case 'Endorse':
      assert.ok(
        gateway.EndorseResponse.deserializeBinary(response).getPreparedTransaction(),
        'a prepared transaction',
      );
      break;
    case 'Submit':
      assert.equal(response.length, 0, 'SubmitResponse has no fields');
      break;
    case 'CommitStatus':
      gateway.CommitStatusResponse.deserializeBinary(response);
      break;
    case 'ChaincodeEvents':
      gateway.ChaincodeEventsResponse.deserializeBinary(response);
      break;
  }
}

// ---- generators ------------------------------------------------------------------------------

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    '__proto__',
    'constructor',
    'toString',
    '\u0000',
    'a'.repeat(3000),
    '-1',
    '99999999999999999999',
  ),
);

/** Byte edits: set, insert or delete at random places. */
function mutate(bytes: Uint8Array, edits: [number, number, string][]): Uint8Array {
  const out = [...bytes];
  for (const [at, byte, how] of edits) {
    const i = at % (out.length + 1);
    if (how === 'set' && i < out.length) out[i] = byte;
    else if (how === 'insert') out.splice(i, 0, byte);
    else out.splice(i, 1);
  }
  return Uint8Array.from(out);
}
const edits = fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('set', 'insert', 'delete')), {
  minLength: 1,
  maxLength: 4,
});

interface Context {
  user: FabricSigningIdentity;
  /** A signed Submit of an endorsed read (committing it changes no balance). */
  submit: Uint8Array;
  /** The txid of a committed transaction, for commit status. */
  committedTxId: string;
}

function proposalRequest(ctx: Context): fc.Arbitrary<Uint8Array> {
  const signed = fc
    .record({
      channel: fc.oneof(
        { weight: 6, arbitrary: fc.constant(CHANNEL) },
        fc.constantFrom('', 'nochannel', 'MYCHANNEL'),
        hostileString,
      ),
      chaincode: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('asset', 'records', 'qscc') },
        fc.constantFrom('', 'lscc', 'nocc', '_lifecycle', 'cscc'),
        hostileString,
      ),
      fn: fc.oneof(
        fc.constantFrom(
          'BalanceOf',
          'TotalSupply',
          'Transfer',
          'Mint',
          'OpenAccount',
          'GetChainInfo',
          'GetBlockByNumber',
          'GetTransactionByID',
          'GetBlockByTxID',
          'GetBlockByHash',
        ),
        hostileString,
      ),
      args: fc.array(
        fc.oneof(
          fc.constantFrom('alice', 'bob', CHANNEL, '0', '1', '-1', '1e9', String(2n ** 64n)),
          hostileString,
        ),
        { maxLength: 4 },
      ),
    })
    .map((p) => fromHex(signProposal(ctx.user, p).signed));
  // SignedProposal { proposal_bytes = 1, signature = 2 }: the right key over other bytes, or bytes changed after signing.
  const tampered = fc.oneof(
    fc.tuple(signed, edits).map(([bytes, e]) => mutate(bytes, e)),
    fc.tuple(signed, edits).map(([bytes, e]) => {
      const proposal = mutate(bytesField(decodeFields(bytes), 1), e);
      return encodeFields([
        [1, proposal],
        [2, signDigest(ctx.user.privateKey, hashMessage(proposal))],
      ]);
    }),
    fc.uint8Array({ maxLength: 200 }),
  );
  const signedProposal = fc.oneof({ weight: 3, arbitrary: signed }, { weight: 4, arbitrary: tampered });
  return fc
    .tuple(
      fc.oneof(fc.constant(''), hostileString),
      fc.oneof(fc.constant(CHANNEL), hostileString),
      fc.option(signedProposal, { freq: 10 }),
    )
    .map(([txId, channel, proposal]) =>
      // EvaluateRequest / EndorseRequest { transaction_id = 1, channel_id = 2, proposed_transaction = 3 }
      encodeFields([
        [1, txId],
        [2, channel],
        [3, proposal ?? undefined],
      ]),
    );
}

function submitRequest(ctx: Context): fc.Arbitrary<Uint8Array> {
  const envelope = bytesField(decodeFields(ctx.submit), 3);
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(ctx.submit) },
    { weight: 4, arbitrary: edits.map((e) => mutate(ctx.submit, e)) },
    {
      weight: 4,
      // The envelope's payload changed, then signed again with the user's key over the changed bytes,
      // or the signature kept; or the outer fields swapped.
      arbitrary: fc
        .tuple(
          edits,
          fc.boolean(),
          fc.oneof(fc.constant(CHANNEL), hostileString),
          fc.oneof(fc.constant(''), hostileString),
        )
        .map(([e, resign, channel, txId]) => {
          const fields = decodeFields(envelope);
          const payload = mutate(bytesField(fields, 1), e);
          const signature = resign
            ? signDigest(ctx.user.privateKey, hashMessage(payload))
            : bytesField(fields, 2);
          return encodeFields([
            [1, txId],
            [2, channel],
            [
              3,
              encodeFields([
                [1, payload],
                [2, signature],
              ]),
            ],
          ]);
        }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(hostileString, hostileString).map(([txId, channel]) =>
        encodeFields([
          [1, txId],
          [2, channel],
          [3, envelope],
        ]),
      ),
    },
  );
}

/** Signed*Request { request = 1, signature = 2 } around `request`, signed by the user, or mutated after. */
function signedRequest(ctx: Context, request: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const signed = request.map((r) =>
    encodeFields([
      [1, r],
      [2, signDigest(ctx.user.privateKey, hashMessage(r))],
    ]),
  );
  return fc.oneof(
    { weight: 2, arbitrary: signed },
    { weight: 3, arbitrary: fc.tuple(signed, edits).map(([bytes, e]) => mutate(bytes, e)) },
  );
}

function creator(ctx: Context, mspId = ctx.user.mspId): Uint8Array {
  // msp.SerializedIdentity { mspid = 1, id_bytes = 2 }
  return encodeFields([
    [1, mspId],
    [2, new TextEncoder().encode(ctx.user.certificate)],
  ]);
}

function commitStatusRequest(ctx: Context): fc.Arbitrary<Uint8Array> {
  const request = fc
    .record({
      txId: fc.oneof({ weight: 6, arbitrary: fc.constant(ctx.committedTxId) }, hostileString),
      channel: fc.oneof({ weight: 6, arbitrary: fc.constant(CHANNEL) }, hostileString),
      identity: fc.oneof(
        { weight: 6, arbitrary: fc.constant(creator(ctx)) },
        fc.constant(creator(ctx, 'Org2MSP')),
        fc.uint8Array({ maxLength: 40 }),
      ),
    })
    .map((r) =>
      encodeFields([
        [1, r.txId],
        [2, r.channel],
        [3, r.identity],
      ]),
    );
  return signedRequest(ctx, request);
}

function eventsRequest(ctx: Context): fc.Arbitrary<Uint8Array> {
  const request = fc
    .record({
      channel: fc.oneof({ weight: 4, arbitrary: fc.constant(CHANNEL) }, hostileString),
      chaincode: fc.oneof(fc.constantFrom('asset', 'nocc'), hostileString),
      start: fc.oneof(
        fc.constant(undefined),
        fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }),
        fc.constantFrom('oldest', 'newest', 'next'),
      ),
      after: fc.oneof(fc.constant(''), fc.constant(ctx.committedTxId), hostileString),
    })
    .map((r) => {
      const request = new gateway.ChaincodeEventsRequest();
      request.setChannelId(r.channel);
      request.setChaincodeId(r.chaincode);
      request.setIdentity(creator(ctx));
      if (r.start !== undefined) {
        const position = new orderer.SeekPosition();
        if (typeof r.start === 'bigint') {
          const specified = new orderer.SeekSpecified();
          specified.setNumber(Number(r.start));
          position.setSpecified(specified);
        } else if (r.start === 'oldest') position.setOldest(new orderer.SeekOldest());
        else if (r.start === 'newest') position.setNewest(new orderer.SeekNewest());
        else position.setNextCommit(new orderer.SeekNextCommit());
        request.setStartPosition(position);
      }
      request.setAfterTransactionId(r.after);
      return request.serializeBinary();
    });
  return signedRequest(ctx, request);
}

function caseArb(ctx: Context): fc.Arbitrary<[Method, Uint8Array]> {
  const garbage = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    // Protobuf-looking garbage: a tag, then a length that runs past the end, or a bad wire type.
    fc
      .tuple(fc.nat(30), fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7), fc.uint8Array({ maxLength: 20 }))
      .map(([field, wire, rest]) => Uint8Array.from([(field << 3) | wire, ...rest])),
    fc.constantFrom(
      Uint8Array.of(0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f),
      Uint8Array.of(0x1a, 0x80),
      Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
    ),
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom<Method>(...METHODS), garbage) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom<Method>('Evaluate', 'Endorse'), proposalRequest(ctx)) },
    { weight: 3, arbitrary: submitRequest(ctx).map((b): [Method, Uint8Array] => ['Submit', b]) },
    { weight: 2, arbitrary: commitStatusRequest(ctx).map((b): [Method, Uint8Array] => ['CommitStatus', b]) },
    { weight: 1, arbitrary: eventsRequest(ctx).map((b): [Method, Uint8Array] => ['ChaincodeEvents', b]) },
  );
}

// ---- the property ----------------------------------------------------------------------------

describe('devpeer gRPC fuzzing', { timeout: 3_600_000 }, () => {
  let devpeer: TestDevpeer;
  let client: grpc.Client;
  let ctx: Context;
  let balances: { alice: string; bob: string };

  const ledger = () => devpeer.peer.ledger(CHANNEL);
  const chainState = () => ({
    height: ledger().height,
    hash: Buffer.from(ledger().currentHash).toString('hex'),
  });

  async function readBalances() {
    const asset = devpeer.connectAs(ctx.user).getNetwork(CHANNEL).getContract('asset');
    return {
      alice: decoder.decode(await asset.evaluateTransaction('BalanceOf', 'alice')),
      bob: decoder.decode(await asset.evaluateTransaction('BalanceOf', 'bob')),
    };
  }

  /** A valid evaluate gets its answer: the peer keeps serving. */
  async function stillServes(): Promise<void> {
    const signed = fromHex(
      signProposal(ctx.user, { channel: CHANNEL, chaincode: 'asset', fn: 'BalanceOf', args: ['alice'] })
        .signed,
    );
    const answer = await unary(
      client,
      'Evaluate',
      encodeFields([
        [2, CHANNEL],
        [3, signed],
      ]),
    );
    assert.ok(answer.response, `the peer stopped serving: ${show(answer.error)}`);
    const result = gateway.EvaluateResponse.deserializeBinary(answer.response).getResult();
    assert.equal(decoder.decode(result?.getPayload_asU8()), balances.alice);
  }

  before(async () => {
    devpeer = await startTestDevpeer({ blockIntervalMs: 10 });
    const user = devpeer.peer.identities.user1 as FabricSigningIdentity;
    await fundAccounts(devpeer.connectAs(user), ['alice', 'bob'], '100');
    client = new grpc.Client(devpeer.peer.address, grpc.credentials.createInsecure());
    // An endorsed read, signed: a valid Submit whose commit changes no state.
    const proposal = signProposal(user, {
      channel: CHANNEL,
      chaincode: 'asset',
      fn: 'BalanceOf',
      args: ['bob'],
    });
    const endorsed = await unary(
      client,
      'Endorse',
      encodeFields([
        [1, proposal.txId],
        [2, CHANNEL],
        [3, fromHex(proposal.signed)],
      ]),
    );
    assert.ok(endorsed.response, show(endorsed.error));
    const unsigned = bytesField(decodeFields(endorsed.response), 1);
    const { signed } = signPreparedTransaction(user, `0x${Buffer.from(unsigned).toString('hex')}`, {
      txId: proposal.txId,
    });
    ctx = {
      user,
      submit: encodeFields([
        [1, proposal.txId],
        [2, CHANNEL],
        [3, fromHex(signed)],
      ]),
      committedTxId: '',
    };
    const submitted = await unary(client, 'Submit', ctx.submit);
    assert.ok(submitted.response, show(submitted.error));
    while (!ledger().txLocation(proposal.txId)) await new Promise((r) => setTimeout(r, 10));
    ctx.committedTxId = proposal.txId;
    balances = await readBalances();
  });

  after(async () => {
    client?.close();
    await devpeer?.close();
  });

  test('every call gets a response of its type or a Fabric status; refused calls change nothing', async () => {
    let cases = 0;
    let refused = 0;
    await checkProperty(
      fc.asyncProperty(caseArb(ctx), async ([method, bytes]) => {
        cases++;
        const before = chainState();
        const answer =
          method === 'ChaincodeEvents' ? await events(client, bytes) : await unary(client, method, bytes);
        try {
          if (answer.error) {
            const { code, details } = answer.error;
            assert.ok(
              FABRIC_CODES[method].has(code),
              `a status a Fabric peer gives ${method}: ${code} ${details}`,
            );
            if (code === INTERNAL) {
              // A Go gRPC server that cannot unmarshal the request; anything else is a leak.
              assert.match(details, /^Error deserializing request/, `an untyped error: ${details}`);
            }
            assert.deepEqual(chainState(), before, 'the ledger changed on a refused call');
            refused++;
          } else if (answer.response) {
            checkResponse(method, answer.response);
            if (method === 'Submit') {
              // Accepted by the orderer: it commits (a duplicate is flagged in a block of its own).
              devpeer.peer.cutBlocks();
              const deadline = Date.now() + 10_000;
              while (ledger().height === before.height) {
                assert.ok(Date.now() < deadline, 'an accepted transaction never committed');
                await new Promise((r) => setTimeout(r, 5));
              }
            }
          } else {
            assert.ok(
              answer.waiting && (method === 'CommitStatus' || method === 'ChaincodeEvents'),
              `${method} never answered`,
            );
            assert.deepEqual(chainState(), before, 'the ledger changed while a call waited');
          }
          await stillServes();
        } catch (error) {
          const sent = Buffer.from(bytes).toString('hex');
          throw new Error(
            `${(error as Error).message}\n  ${method}: ${sent.slice(0, 400)}${sent.length > 400 ? '…' : ''}`,
            { cause: error },
          );
        }
      }),
      2000,
    );
    // Nothing any case did moved a balance: every transaction that committed was a read.
    assert.deepEqual(await readBalances(), balances);
    recordFuzzCount('fabric-grpc', { cases, refused });
  });
});
