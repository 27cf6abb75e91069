/**
 * What the config reader takes from a config block and what it refuses, and how the
 * channel's MSP settings (OU restrictions, NodeOUs off) and a signature-policy
 * BlockValidation change what the verifier accepts.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FabricBlock } from '../../../p2p/chains/fabric/block-file.ts';
import { verifyBlock } from '../../../p2p/chains/fabric/block-verifier.ts';
import { readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { ChannelConfigError, FabricEvidenceError } from '../../../p2p/chains/fabric/evidence-errors.ts';
import {
  block,
  type ConfigVariation,
  configEnvelope,
  endorserTransaction,
  headerHash,
  implicitMeta,
  network,
  type Role,
  signaturePolicy,
  type TestIdentity,
} from './evidence-fixture.ts';

let net: Awaited<ReturnType<typeof network>>;

before(async () => {
  net = await network();
});

function genesisWith(variation: ConfigVariation): FabricBlock {
  return block({
    number: 0n,
    previousHash: new Uint8Array(0),
    envelopes: [configEnvelope(net.ordererCa, [net.org1, net.org2], undefined, 1, variation)],
    orderers: [],
    lastConfig: 0n,
  });
}

function nextBlock(genesis: FabricBlock, envelopes: Uint8Array[], orderers: TestIdentity[]): FabricBlock {
  return block({ number: 1n, previousHash: headerHash(genesis), envelopes, orderers, lastConfig: 0n });
}

function refusedWith(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ChannelConfigError);
    assert.ok(error instanceof FabricEvidenceError);
    assert.equal(error.name, 'ChannelConfigError');
    assert.match(error.message, message);
    return true;
  });
}

describe('channel config', () => {
  test('the trust read from a config block', () => {
    const trust = readChannelConfig(net.genesis);
    assert.equal(trust.channelId, 'weftchannel');
    assert.equal(trust.configBlockNumber, 0n);
    assert.deepEqual(trust.configBlockHash, headerHash(net.genesis));
    assert.deepEqual(trust.ordererOrgs, ['OrdererMSP']);
    assert.deepEqual(trust.applicationOrgs, ['Org1MSP', 'Org2MSP']);
    assert.equal(trust.msps.get('Org1MSP')?.roots.length, 1);
    assert.equal(trust.msps.get('Org1MSP')?.nodeOUs?.peer?.organizationalUnit, 'peer');
    assert.deepEqual(trust.blockValidation, { type: 'implicitMeta', subPolicy: 'Writers', rule: 'ANY' });
  });

  test('refused: BFT ordering, another hash, no BlockValidation, not a config block', () => {
    refusedWith(() => readChannelConfig(genesisWith({ consensus: 'BFT' })), /BFT/);
    refusedWith(() => readChannelConfig(genesisWith({ hashing: 'SHA3_256' })), /hashing algorithm/);
    refusedWith(() => readChannelConfig(genesisWith({ blockValidation: null })), /BlockValidation/);
    const ids = net.identities;
    const tx = endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2] });
    refusedWith(() => readChannelConfig(nextBlock(net.genesis, [tx], [ids.orderer])), /not a CONFIG/);
    refusedWith(() => readChannelConfig({ ...net.genesis, data: [] }), /one envelope/);
  });

  test('an MSP restricted to an OU refuses identities without it', async () => {
    const genesis = genesisWith({ memberOU: { mspId: 'Org1MSP', ou: 'weft' } });
    const trust = readChannelConfig(genesis);
    const ids = net.identities;
    const weftClient = await net.org1.issue('weft.user', ['client', 'weft' as Role]);
    const refused = verifyBlock(
      nextBlock(
        genesis,
        [endorserTransaction({ creator: ids.client1, endorsers: [ids.peer2] })],
        [ids.orderer],
      ),
      trust,
    );
    assert.match(refused.transactions[0]?.problems[0] ?? '', /carries none of the MSP's OUs/);
    const accepted = verifyBlock(
      nextBlock(
        genesis,
        [endorserTransaction({ creator: weftClient, endorsers: [ids.peer2] })],
        [ids.orderer],
      ),
      trust,
    );
    // The creator passes; Org1's peer lacks the OU, so only Org2 endorsed: the policy still wants both.
    assert.deepEqual(accepted.transactions[0]?.problems, [
      'endorsements do not satisfy Application/Endorsement',
    ]);
  });

  test('with NodeOUs off, roles cannot be told apart: a .peer policy is never met, any member may sign blocks', () => {
    const genesis = genesisWith({ noNodeOUs: true });
    const trust = readChannelConfig(genesis);
    const ids = net.identities;
    const verdict = verifyBlock(
      nextBlock(
        genesis,
        [endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2] })],
        [ids.ordererClient],
      ),
      trust,
    );
    assert.deepEqual(verdict.problems, []);
    assert.deepEqual(verdict.transactions[0]?.problems, [
      'endorsements do not satisfy Application/Endorsement',
    ]);
  });

  test('BlockValidation as a signature policy: two distinct orderers needed', async () => {
    const genesis = genesisWith({
      blockValidation: signaturePolicy(2, [
        ['OrdererMSP', 'orderer'],
        ['OrdererMSP', 'orderer'],
      ]),
    });
    const trust = readChannelConfig(genesis);
    assert.equal(trust.blockValidation.type, 'signature');
    const ids = net.identities;
    const orderer1 = await net.ordererCa.issue('orderer1', 'orderer');
    const tx = endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2] });
    for (const [orderers, ok] of [
      [[ids.orderer], false],
      [[ids.orderer, ids.orderer], false],
      [[ids.orderer, orderer1], true],
    ] as const) {
      const verdict = verifyBlock(nextBlock(genesis, [tx], [...orderers]), trust);
      assert.equal(verdict.valid, ok, `${orderers.length} signatures`);
    }
  });

  test('an implicit-meta BlockValidation naming a sub-policy no group has: fails closed, even ALL of none', () => {
    const ids = net.identities;
    const tx = endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2] });
    for (const rule of ['ANY', 'ALL', 'MAJORITY'] as const) {
      const genesis = genesisWith({ blockValidation: implicitMeta('Nobody', rule) });
      const verdict = verifyBlock(nextBlock(genesis, [tx], [ids.orderer]), readChannelConfig(genesis));
      assert.deepEqual(verdict.problems, ['orderer signatures do not satisfy BlockValidation'], rule);
    }
  });
});
