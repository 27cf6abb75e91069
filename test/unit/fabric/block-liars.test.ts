/**
 * Blocks that lie, built with test CAs: each defence of the block verifier is shown to
 * catch its lie, beside an honest block that passes.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FabricBlock } from '../../../p2p/chains/fabric/block-file.ts';
import { type BlockVerdict, verifyBlock } from '../../../p2p/chains/fabric/block-verifier.ts';
import { type ChannelTrust, readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { readPolicy } from '../../../p2p/chains/fabric/policy.ts';
import {
  block,
  configEnvelope,
  endorserTransaction,
  flipLastByte,
  headerHash,
  network,
  signaturePolicy,
  type TestIdentity,
  type TransactionInput,
} from './evidence-fixture.ts';

let net: Awaited<ReturnType<typeof network>>;
let trust: ChannelTrust;
let ids: Awaited<ReturnType<typeof network>>['identities'];

before(async () => {
  net = await network();
  ids = net.identities;
  trust = readChannelConfig(net.genesis);
});

function blockOf(
  transactions: Array<Partial<TransactionInput>>,
  options: {
    orderers?: TestIdentity[];
    flipOrdererSignature?: boolean;
    filter?: number[];
    lastConfig?: bigint;
  } = {},
): FabricBlock {
  return block({
    number: 1n,
    previousHash: headerHash(net.genesis),
    envelopes: transactions.map((tx) =>
      endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2], ...tx }),
    ),
    orderers: options.orderers ?? [ids.orderer],
    lastConfig: options.lastConfig ?? 0n,
    filter: options.filter,
    flipOrdererSignature: options.flipOrdererSignature,
  });
}

function verify(b: FabricBlock, options: Parameters<typeof verifyBlock>[2] = {}): BlockVerdict {
  return verifyBlock(b, trust, { previousHeaderHash: headerHash(net.genesis), ...options });
}

/** The block-level checks pass and the one transaction fails with `problem` (which the VALID filter contradicts). */
function assertTransactionRefused(verdict: BlockVerdict, problem: RegExp): void {
  assert.deepEqual(verdict.problems, []);
  const [tx] = verdict.transactions;
  assert.ok(tx);
  assert.equal(tx.valid, false);
  assert.ok(
    tx.problems.some((p) => problem.test(p)),
    `expected ${problem}, got ${JSON.stringify(tx.problems)}`,
  );
  assert.equal(tx.filterCodeName, 'VALID');
  assert.equal(tx.filterContradiction, true);
}

describe('Fabric block verifier against lying blocks', () => {
  test('an honest chain verifies: unsigned genesis as the anchor, then a signed block of two-organisation transactions', () => {
    const anchor = verifyBlock(net.genesis, trust);
    assert.equal(anchor.anchor, true);
    assert.deepEqual(anchor.problems, []);
    const verdict = verify(blockOf([{}, { creator: ids.admin1 }]));
    assert.deepEqual(verdict.problems, []);
    assert.deepEqual(verdict.ordererSignatures, [{ mspId: 'OrdererMSP', ok: true }]);
    for (const tx of verdict.transactions) {
      assert.deepEqual(tx.problems, []);
      assert.deepEqual(
        tx.endorsements.map((e) => [e.mspId, e.ok]),
        [
          ['Org1MSP', true],
          ['Org2MSP', true],
        ],
      );
    }
  });

  test('a flipped orderer signature: BlockValidation fails', () => {
    const verdict = verify(blockOf([{}], { flipOrdererSignature: true }));
    assert.deepEqual(verdict.problems, ['orderer signatures do not satisfy BlockValidation']);
    assert.equal(verdict.ordererSignatures[0]?.ok, false);
  });

  test('an orderer certificate from an unknown CA (same MSP id): refused', () => {
    const verdict = verify(blockOf([{}], { orderers: [ids.strangerOrderer] }));
    assert.deepEqual(verdict.problems, ['orderer signatures do not satisfy BlockValidation']);
    assert.match(verdict.ordererSignatures[0]?.reason ?? '', /does not chain/);
  });

  test('an orderer-organisation identity without the orderer role, or a peer, cannot sign blocks', () => {
    for (const signer of [ids.ordererClient, ids.peer1]) {
      const verdict = verify(blockOf([{}], { orderers: [signer] }));
      assert.deepEqual(verdict.problems, ['orderer signatures do not satisfy BlockValidation']);
    }
  });

  test('an unsigned block that is not the anchor: refused', () => {
    const verdict = verify(blockOf([{}], { orderers: [] }));
    assert.ok(verdict.problems.includes('orderer signatures do not satisfy BlockValidation'));
    const fakeGenesis = block({
      number: 0n,
      previousHash: new Uint8Array(0),
      envelopes: [configEnvelope(net.ordererCa, [net.org1])],
      orderers: [],
      lastConfig: 0n,
    });
    assert.ok(
      verifyBlock(fakeGenesis, trust).problems.includes('orderer signatures do not satisfy BlockValidation'),
    );
  });

  test('a flipped envelope byte after ordering: the data hash no longer matches', () => {
    const b = blockOf([{}]);
    b.data[0] = flipLastByte(b.data[0] as Uint8Array);
    const verdict = verify(b);
    assert.deepEqual(verdict.problems, ['data hash mismatch']);
  });

  test('a block that does not follow the previous header: refused', () => {
    const verdict = verifyBlock(blockOf([{}]), trust, { previousHeaderHash: new Uint8Array(32) });
    assert.deepEqual(verdict.problems, ['previous hash mismatch']);
  });

  test('a LAST_CONFIG other than the trusted config block: refused', () => {
    const verdict = verify(blockOf([{}], { lastConfig: 5n }));
    assert.deepEqual(verdict.problems, ['LAST_CONFIG is 5, expected 0']);
  });

  test('a flipped creator signature: the transaction is refused and the VALID filter contradicted', () => {
    assertTransactionRefused(verify(blockOf([{ flipCreatorSignature: true }])), /^creator: .*bad signature/);
  });

  test('a payload changed after the creator signed it (block re-hashed by the liar): creator signature fails', () => {
    assertTransactionRefused(
      verify(blockOf([{ flipPayloadAfterSigning: true }])),
      /^creator: .*bad signature/,
    );
  });

  test('a high-S creator signature (valid ECDSA, refused by Fabric): refused', () => {
    assertTransactionRefused(verify(blockOf([{ highSCreatorSignature: true }])), /^creator: .*bad signature/);
  });

  test('a CA certificate used as the creator identity: refused', () => {
    assertTransactionRefused(
      verify(blockOf([{ creator: net.org1.asIdentity() }])),
      /CA certificate is not an identity/,
    );
  });

  test('a peer as creator (not a client or admin): refused', () => {
    assertTransactionRefused(verify(blockOf([{ creator: ids.peer1 }])), /^creator: .*not a client or admin/);
  });

  test('a tx id that is not hash(nonce ‖ creator): refused', () => {
    assertTransactionRefused(verify(blockOf([{ txId: 'f'.repeat(64) }])), /tx id is not/);
  });

  test('a transaction of another channel: refused', () => {
    assertTransactionRefused(verify(blockOf([{ channel: 'otherchannel' }])), /is not this channel/);
  });

  test('_lifecycle writing public state needs LifecycleEndorsement (both organisations), not one', () => {
    assertTransactionRefused(
      verify(blockOf([{ chaincode: '_lifecycle', endorsers: [ids.peer1] }])),
      /do not satisfy Application\/LifecycleEndorsement/,
    );
    assert.deepEqual(verify(blockOf([{ chaincode: '_lifecycle' }])).transactions[0]?.problems, []);
  });

  test("_lifecycle writing only an organisation's implicit collection needs that organisation's Endorsement policy", () => {
    const approval = { chaincode: '_lifecycle', publicWrite: false, implicitCollectionOf: 'Org1MSP' };
    assert.deepEqual(
      verify(blockOf([{ ...approval, endorsers: [ids.peer1] }])).transactions[0]?.problems,
      [],
    );
    assertTransactionRefused(
      verify(blockOf([{ ...approval, endorsers: [ids.peer2] }])),
      /do not satisfy Org1MSP\/Endorsement/,
    );
    // A public write besides the collection: LifecycleEndorsement again.
    assertTransactionRefused(
      verify(blockOf([{ ...approval, publicWrite: true, endorsers: [ids.peer1] }])),
      /do not satisfy Application\/LifecycleEndorsement/,
    );
  });

  test('an identity with two NodeOU roles (peer and client) is no identity', () => {
    const verdict = verify(blockOf([{ endorsers: [ids.peerAndClient1, ids.peer2] }]));
    assertTransactionRefused(verdict, /do not satisfy Application\/Endorsement/);
    assert.match(verdict.transactions[0]?.endorsements[0]?.reason ?? '', /2 NodeOU roles/);
  });

  test('a flipped endorsement signature: that endorsement does not count, the 2-organisation policy fails', () => {
    const verdict = verify(blockOf([{ flipEndorsementSignature: 1 }]));
    assertTransactionRefused(verdict, /do not satisfy Application\/Endorsement/);
    assert.deepEqual(
      verdict.transactions[0]?.endorsements.map((e) => [e.mspId, e.ok]),
      [
        ['Org1MSP', true],
        ['Org2MSP', false],
      ],
    );
  });

  test('a client identity as endorser: does not count as a peer', () => {
    const verdict = verify(blockOf([{ endorsers: [ids.peer1, ids.client2] }]));
    assertTransactionRefused(verdict, /do not satisfy Application\/Endorsement/);
    assert.match(verdict.transactions[0]?.endorsements[1]?.reason ?? '', /not a peer/);
  });

  test('an endorsement for another proposal (proposal hash differs): refused', () => {
    assertTransactionRefused(verify(blockOf([{ wrongProposalHash: true }])), /proposal hash differs/);
  });

  test('one organisation endorsing under the default majority-of-two policy: refused', () => {
    assertTransactionRefused(
      verify(blockOf([{ endorsers: [ids.peer1] }])),
      /do not satisfy Application\/Endorsement/,
    );
  });

  test('the same peer endorsing twice counts once', () => {
    assertTransactionRefused(
      verify(blockOf([{ endorsers: [ids.peer1, ids.peer1] }])),
      /do not satisfy Application\/Endorsement/,
    );
    const twoOrg1Peers = readPolicy(
      signaturePolicy(2, [
        ['Org1MSP', 'peer'],
        ['Org1MSP', 'peer'],
      ]),
    );
    const twice = verify(blockOf([{ endorsers: [ids.peer1, ids.peer1] }]), {
      endorsementPolicy: twoOrg1Peers,
    });
    assertTransactionRefused(twice, /do not satisfy asset endorsement policy/);
    const two = verify(blockOf([{ endorsers: [ids.peer1, ids.peer1b] }]), {
      endorsementPolicy: twoOrg1Peers,
    });
    assert.deepEqual(two.transactions[0]?.problems, []);
  });

  test("a chaincode's own policy (Org1 peer alone) is applied when given", () => {
    const org1Only = readPolicy(signaturePolicy(1, [['Org1MSP', 'peer']]));
    const b = blockOf([{ endorsers: [ids.peer1] }]);
    assert.deepEqual(verify(b, { endorsementPolicy: org1Only }).transactions[0]?.problems, []);
    assert.deepEqual(
      verify(b, { endorsementPolicy: (chaincode) => (chaincode === 'asset' ? org1Only : undefined) })
        .transactions[0]?.problems,
      [],
    );
    const org2Only = readPolicy(signaturePolicy(1, [['Org2MSP', 'peer']]));
    assert.match(
      verify(b, { endorsementPolicy: org2Only }).transactions[0]?.problems[0] ?? '',
      /asset endorsement policy/,
    );
  });

  test('filter codes are reported as peers wrote them; only VALID over a failing transaction is a contradiction', () => {
    const verdict = verify(blockOf([{}, { flipCreatorSignature: true }, {}], { filter: [11, 10, 0] }));
    assert.deepEqual(verdict.problems, []);
    assert.deepEqual(
      verdict.transactions.map((tx) => [tx.filterCode, tx.filterCodeName, tx.valid, tx.filterContradiction]),
      [
        [11, 'MVCC_READ_CONFLICT', true, false],
        [10, 'ENDORSEMENT_POLICY_FAILURE', false, false],
        [0, 'VALID', true, false],
      ],
    );
  });

  test('the same transaction twice in a block: the second is a duplicate, VALID for it is a contradiction', () => {
    const tx = endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2] });
    const b = block({
      number: 1n,
      previousHash: headerHash(net.genesis),
      envelopes: [tx, tx, tx],
      orderers: [ids.orderer],
      lastConfig: 0n,
      filter: [0, 9, 0],
    });
    const verdict = verify(b);
    assert.deepEqual(verdict.problems, []);
    assert.deepEqual(
      verdict.transactions.map((t) => [t.valid, t.filterCodeName, t.filterContradiction]),
      [
        [true, 'VALID', false],
        [false, 'DUPLICATE_TXID', false],
        [false, 'VALID', true],
      ],
    );
    assert.deepEqual(verdict.transactions[2]?.problems, ['duplicate tx id in this block']);
  });

  test('a filter with the wrong number of codes: refused', () => {
    const verdict = verify(blockOf([{}, {}], { filter: [0] }));
    assert.deepEqual(verdict.problems, ['TRANSACTIONS_FILTER has 1 codes for 2 transactions']);
    assert.equal(verdict.transactions[1]?.filterCodeName, 'NOT_VALIDATED');
  });

  test('a config update signed by the orderer becomes the next trust; one signed by a client does not verify', () => {
    const update = block({
      number: 1n,
      previousHash: headerHash(net.genesis),
      envelopes: [configEnvelope(net.ordererCa, [net.org1, net.org2], ids.orderer, 2)],
      orderers: [ids.orderer],
      lastConfig: 1n,
    });
    const verdict = verify(update);
    assert.deepEqual(verdict.problems, []);
    assert.deepEqual(verdict.transactions[0]?.problems, []);
    const next = readChannelConfig(update);
    assert.equal(next.configBlockNumber, 1n);
    assert.equal(next.sequence, 2n);
    const forged = block({
      number: 1n,
      previousHash: headerHash(net.genesis),
      envelopes: [configEnvelope(net.ordererCa, [net.org1, net.org2], ids.client1, 2)],
      orderers: [ids.orderer],
      lastConfig: 1n,
    });
    assert.match(verify(forged).transactions[0]?.problems[0] ?? '', /^creator: /);
  });
});
