/**
 * verifyCommittedTransaction (sync and WebCrypto) on fixture networks with real test CAs and
 * signatures: a submitted envelope proven committed VALID by a qscc answer that peers of two
 * organisations endorsed; every lie a router could tell refused with a typed reason.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { type ChannelTrust, readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { FabricEvidenceError } from '../../../p2p/chains/fabric/evidence-errors.ts';
import {
  FabricCommitUnverifiedError,
  FabricConfigChangedError,
} from '../../../p2p/chains/fabric/verification-errors.ts';
import {
  type CommitInput,
  verifyCommittedTransaction,
  verifyCommittedTransactionAsync,
} from '../../../p2p/chains/fabric/verify-commit.ts';
import { endorsedAnswer, qsccProposal, txIdOf } from './answer-fixture.ts';
import {
  type BlockInput,
  block,
  encodeBlock,
  endorserTransaction,
  flipLastByte,
  headerHash,
  network,
  type TransactionInput,
} from './evidence-fixture.ts';

let net: Awaited<ReturnType<typeof network>>;
let trust: ChannelTrust;
const policies = { asset: { outOf: 2, orgs: ['Org1MSP', 'Org2MSP'] } };

before(async () => {
  net = await network();
  trust = readChannelConfig(net.genesis);
});

interface Case {
  tx?: Partial<TransactionInput>;
  /** What the block holds instead of the submitted envelope, or beside it. */
  block?: Partial<BlockInput>;
  before?: Uint8Array[];
  reporters?: 'both' | 'org1';
  answer?: Partial<Parameters<typeof endorsedAnswer>[0]>;
  requiredOrgs?: string[];
  /** The proposal verified against, when not the one answered. */
  otherProposal?: boolean;
  submitted?: (envelope: Uint8Array) => Uint8Array;
}

function build(c: Case = {}): CommitInput {
  const ids = net.identities;
  const submitted = endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2], ...c.tx });
  const txId = txIdOf(submitted);
  const b = block({
    number: 1n,
    previousHash: headerHash(net.genesis),
    envelopes: [...(c.before ?? []), submitted],
    orderers: [ids.orderer],
    lastConfig: 0n,
    ...c.block,
  });
  const signed = qsccProposal(ids.client1, txId);
  const answer = endorsedAnswer({
    signed,
    endorsers: c.reporters === 'org1' ? [ids.peer1] : [ids.peer1, ids.peer2],
    payload: encodeBlock(b),
    ...c.answer,
  });
  return {
    trust,
    policies,
    submitted: c.submitted ? c.submitted(submitted) : submitted,
    txId,
    qsccProposal: c.otherProposal ? qsccProposal(ids.client1, txId) : signed,
    answer,
    requiredOrgs: c.requiredOrgs ?? ['Org1MSP', 'Org2MSP'],
  };
}

const refusedWith = (reason: string) => (error: unknown) => {
  assert.ok(error instanceof FabricCommitUnverifiedError, String(error));
  assert.equal(error.reason, reason, error.message);
  return true;
};

test('a committed transaction verifies, sync and through WebCrypto, with who vouched for what', async () => {
  const input = build();
  const verdict = verifyCommittedTransaction(input);
  assert.deepEqual(verdict, {
    blockNumber: 1n,
    validationCode: 'VALID',
    endorsedBy: ['Org1MSP', 'Org2MSP'],
    orderedBy: ['OrdererMSP'],
    reportedBy: ['Org1MSP', 'Org2MSP'],
  });
  assert.deepEqual(await verifyCommittedTransactionAsync(input), verdict);
  // A block of several transactions: only the submitted one is checked in full.
  const ids = net.identities;
  const others = [endorserTransaction({ creator: ids.client2, endorsers: [ids.peer1] })];
  assert.equal(verifyCommittedTransaction(build({ before: others })).blockNumber, 1n);
  // The chaincode's own policy applies, not the channel default (a MAJORITY of both organisations).
  const one = build({ tx: { endorsers: [ids.peer1] } });
  assert.throws(() => verifyCommittedTransaction(one), FabricCommitUnverifiedError);
  const lenient = { asset: { outOf: 1, orgs: ['Org1MSP', 'Org2MSP'] } };
  assert.deepEqual(verifyCommittedTransaction({ ...one, policies: lenient }).endorsedBy, ['Org1MSP']);
});

test('a qscc proposal asking for another transaction is refused', () => {
  const input = build();
  const ids = net.identities;
  const elsewhere = qsccProposal(ids.client1, 'ab'.repeat(32));
  const answer = endorsedAnswer({
    signed: elsewhere,
    endorsers: [ids.peer1, ids.peer2],
    payload: new Uint8Array(0),
  });
  assert.throws(
    () => verifyCommittedTransaction({ ...input, qsccProposal: elsewhere, answer }),
    refusedWith('not-this-query'),
  );
});

type Ids = Awaited<ReturnType<typeof network>>['identities'];
const lies: Array<[string, (ids: Ids) => Case, string]> = [
  [
    'the envelope in the block is not the one submitted',
    () => ({ submitted: (e) => flipLastByte(e) }),
    'not-submitted',
  ],
  [
    'the envelope changed after its creator signed it',
    () => ({ tx: { flipPayloadAfterSigning: true } }),
    'transaction',
  ],
  [
    'the transaction is endorsed by one organisation only',
    (ids) => ({ tx: { endorsers: [ids.peer1] } }),
    'transaction',
  ],
  ['a required organisation has no peer vouching', () => ({ reporters: 'org1' }), 'endorsers'],
  ['one organisation is asked to vouch alone', () => ({ requiredOrgs: ['Org1MSP'] }), 'one-organisation'],
  [
    'an organisation that is not in the channel',
    () => ({ requiredOrgs: ['Org1MSP', 'Org9MSP'] }),
    'required-orgs',
  ],
  [
    'the qscc answer is for another proposal (replayed)',
    () => ({ otherProposal: true }),
    'not-this-proposal',
  ],
  ['a qscc endorsement does not verify', () => ({ answer: { flipEndorsement: 1 } }), 'endorsement'],
  [
    'a qscc endorsement by a client, not a peer',
    (ids) => ({ answer: { endorsers: [ids.peer1, ids.client2] } }),
    'endorsement',
  ],
  ['qscc answered an error', () => ({ answer: { status: 500 } }), 'status'],
  ['the answer is not a block', () => ({ answer: { payload: Uint8Array.of(1, 2, 3) } }), 'not-a-block'],
  ['the answer is from another chaincode', () => ({ answer: { chaincode: 'asset' } }), 'chaincode'],
  [
    'the block is signed by a peer instead of the orderer',
    (ids) => ({ block: { orderers: [ids.peer1] } }),
    'block',
  ],
  [
    'the block is signed by an orderer of another CA',
    (ids) => ({ block: { orderers: [ids.strangerOrderer] } }),
    'block',
  ],
  ['an orderer signature that does not verify', () => ({ block: { flipOrdererSignature: true } }), 'block'],
  ['peers marked the transaction invalid', () => ({ block: { filter: [11] } }), 'not-valid'],
  [
    'a VALID code on a transaction whose endorsement does not verify',
    () => ({ tx: { flipEndorsementSignature: 0 } }),
    'transaction',
  ],
];

test('every lie is refused with its reason', () => {
  for (const [name, make, reason] of lies) {
    assert.throws(() => verifyCommittedTransaction(build(make(net.identities))), refusedWith(reason), name);
  }
});

test("a replayed answer: the header made the wallet's, the endorsed hash still another proposal's", () => {
  const input = build();
  const ids = net.identities;
  const mine = qsccProposal(ids.client1, input.txId);
  const answer = endorsedAnswer({
    signed: mine,
    endorsers: [ids.peer1, ids.peer2],
    payload: new Uint8Array(0),
    hashOf: input.qsccProposal,
  });
  assert.throws(
    () => verifyCommittedTransaction({ ...input, qsccProposal: mine, answer }),
    refusedWith('replayed'),
  );
});

test('an earlier transaction with the same tx id in the block makes the submitted one a duplicate', () => {
  const input = build();
  const ids = net.identities;
  // The block now holds the submitted bytes twice; the first is the one Fabric commits.
  const twice = block({
    number: 1n,
    previousHash: headerHash(net.genesis),
    envelopes: [input.submitted, input.submitted],
    orderers: [ids.orderer],
    lastConfig: 0n,
  });
  const answer = endorsedAnswer({
    signed: input.qsccProposal,
    endorsers: [ids.peer1, ids.peer2],
    payload: encodeBlock(twice),
  });
  // findIndex picks the first: that one verifies (it is the committed one).
  assert.equal(verifyCommittedTransaction({ ...input, answer }).blockNumber, 1n);
  const other = endorserTransaction({
    creator: ids.client1,
    endorsers: [ids.peer1, ids.peer2],
    txId: input.txId,
  });
  const dup = block({
    number: 1n,
    previousHash: headerHash(net.genesis),
    envelopes: [other, input.submitted],
    orderers: [ids.orderer],
    lastConfig: 0n,
  });
  const dupAnswer = endorsedAnswer({
    signed: input.qsccProposal,
    endorsers: [ids.peer1, ids.peer2],
    payload: encodeBlock(dup),
  });
  assert.throws(
    () => verifyCommittedTransaction({ ...input, answer: dupAnswer }),
    refusedWith('not-submitted'),
  );
});

test('a block naming a newer config block says the channel config changed, with its number', () => {
  const input = build({ block: { lastConfig: 5n } });
  assert.throws(
    () => verifyCommittedTransaction(input),
    (error: unknown) => error instanceof FabricConfigChangedError && error.configBlockNumber === 5n,
  );
});

test('the WebCrypto variant refuses what the sync one refuses', async () => {
  const ids = net.identities;
  for (const c of [
    { block: { orderers: [ids.peer1] } },
    { answer: { flipEndorsement: 0 } },
    { tx: { flipEndorsementSignature: 1 } },
  ] as Case[]) {
    await assert.rejects(verifyCommittedTransactionAsync(build(c)), FabricCommitUnverifiedError);
  }
});

test('random byte flips in the answer never verify to anything else', () => {
  const input = build();
  const verdict = verifyCommittedTransaction(input);
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, mask) => {
      const answer = Uint8Array.from(input.answer);
      const i = at % answer.length;
      answer[i] = (answer[i] as number) ^ mask;
      try {
        assert.deepEqual(verifyCommittedTransaction({ ...input, answer }), verdict, `flip at ${i} verified`);
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        assert.ok(error instanceof FabricEvidenceError, `flip at ${i}: ${String(error)}`);
      }
    }),
    { numRuns: 120 },
  );
});

test('the recording pass leaves no verdict behind: a bad signature stays bad on every later check', async () => {
  const ids = net.identities;
  // A fresh trust, so the first check of each identity happens under the recorder.
  const fresh = readChannelConfig(net.genesis);
  for (const c of [
    { block: { orderers: [ids.strangerOrderer] } },
    { answer: { flipEndorsement: 0 } },
  ] as Case[]) {
    const input = { ...build(c), trust: fresh };
    await assert.rejects(verifyCommittedTransactionAsync(input), FabricCommitUnverifiedError);
    assert.throws(() => verifyCommittedTransaction(input), FabricCommitUnverifiedError);
    await assert.rejects(verifyCommittedTransactionAsync(input), FabricCommitUnverifiedError);
  }
});
