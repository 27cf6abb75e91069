/**
 * followConfig: a channel config change is followed only when the old trust vouches for the
 * config block (old orderers' BlockValidation, CONFIG envelope signed by an old orderer, newer
 * block and sequence); then commits verify under the new trust, and under the old one say the
 * config changed.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type ChannelTrust, readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { followConfig, followConfigAsync } from '../../../p2p/chains/fabric/follow-config.ts';
import {
  FabricConfigChangedError,
  FabricConfigFollowError,
} from '../../../p2p/chains/fabric/verification-errors.ts';
import { verifyCommittedTransaction } from '../../../p2p/chains/fabric/verify-commit.ts';
import { endorsedAnswer, qsccProposal, txIdOf } from './answer-fixture.ts';
import {
  block,
  configEnvelope,
  encodeBlock,
  endorserTransaction,
  FixtureCa,
  headerHash,
  network,
  type TestIdentity,
} from './evidence-fixture.ts';

let net: Awaited<ReturnType<typeof network>>;
let trust: ChannelTrust;
let org3: FixtureCa;
let newOrdererCa: FixtureCa;
let newOrderer: TestIdentity;

before(async () => {
  net = await network();
  trust = readChannelConfig(net.genesis);
  org3 = await FixtureCa.create('Org3MSP');
  newOrdererCa = await FixtureCa.create('NewOrdererMSP');
  newOrderer = await newOrdererCa.issue('orderer0.new', 'orderer');
});

interface ConfigCase {
  number?: bigint;
  sequence?: number;
  envelopeSigner?: TestIdentity | undefined;
  blockSigners?: TestIdentity[];
  lastConfig?: bigint;
  ordererCa?: FixtureCa;
}

function configBlock(c: ConfigCase = {}) {
  const ids = net.identities;
  const number = c.number ?? 2n;
  return block({
    number,
    previousHash: new Uint8Array(32).fill(1),
    envelopes: [
      configEnvelope(
        c.ordererCa ?? net.ordererCa,
        [net.org1, net.org2, org3],
        'envelopeSigner' in c ? c.envelopeSigner : ids.orderer,
        c.sequence ?? 2,
      ),
    ],
    orderers: c.blockSigners ?? [ids.orderer],
    lastConfig: c.lastConfig ?? number,
  });
}

const refusedWith = (reason: string) => (error: unknown) => {
  assert.ok(error instanceof FabricConfigFollowError, String(error));
  assert.equal(error.reason, reason, error.message);
  return true;
};

test('a config block the old orderers signed becomes the trust', async () => {
  const next = followConfig(trust, configBlock());
  assert.equal(next.configBlockNumber, 2n);
  assert.equal(next.sequence, 2n);
  assert.deepEqual(next.applicationOrgs, ['Org1MSP', 'Org2MSP', 'Org3MSP']);
  assert.deepEqual((await followConfigAsync(trust, configBlock())).applicationOrgs, next.applicationOrgs);
});

test('every config block the old trust does not vouch for is refused', () => {
  const ids = net.identities;
  const cases: Array<[string, ConfigCase, string]> = [
    ['signed by orderers not of the old config', { blockSigners: [ids.strangerOrderer] }, 'block'],
    ['signed by a peer', { blockSigners: [ids.peer1] }, 'block'],
    ['not signed at all', { blockSigners: [] }, 'block'],
    [
      'its CONFIG envelope signed by a stranger orderer',
      { envelopeSigner: ids.strangerOrderer },
      'transaction',
    ],
    ['its CONFIG envelope signed by a client', { envelopeSigner: ids.client1 }, 'transaction'],
    ['its CONFIG envelope unsigned', { envelopeSigner: undefined }, 'transaction'],
    ['not newer than the trust', { number: 0n }, 'not-newer'],
    ['a config sequence not after the trusted one', { sequence: 1 }, 'sequence'],
    ['naming another last config', { lastConfig: 1n }, 'block'],
  ];
  for (const [name, c, reason] of cases) {
    assert.throws(() => followConfig(trust, configBlock(c)), refusedWith(reason), name);
  }
  const ordinary = block({
    number: 3n,
    previousHash: new Uint8Array(32),
    envelopes: [endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2] })],
    orderers: [ids.orderer],
    lastConfig: 0n,
  });
  assert.throws(() => followConfig(trust, ordinary), refusedWith('not-config'));
});

test('after a config change that replaces the orderers, commits verify under the new trust only', () => {
  const ids = net.identities;
  const next = followConfig(trust, configBlock({ ordererCa: newOrdererCa }));
  assert.deepEqual(next.ordererOrgs, ['NewOrdererMSP']);
  const submitted = endorserTransaction({ creator: ids.client1, endorsers: [ids.peer1, ids.peer2] });
  const txId = txIdOf(submitted);
  const b = block({
    number: 3n,
    previousHash: headerHash(net.genesis),
    envelopes: [submitted],
    orderers: [newOrderer],
    lastConfig: 2n,
  });
  const signed = qsccProposal(ids.client1, txId);
  const input = {
    trust,
    policies: {},
    submitted,
    txId,
    qsccProposal: signed,
    answer: endorsedAnswer({ signed, endorsers: [ids.peer1, ids.peer2], payload: encodeBlock(b) }),
    requiredOrgs: ['Org1MSP', 'Org2MSP'],
  };
  assert.throws(
    () => verifyCommittedTransaction(input),
    (error: unknown) => error instanceof FabricConfigChangedError && error.configBlockNumber === 2n,
  );
  assert.deepEqual(verifyCommittedTransaction({ ...input, trust: next }).orderedBy, ['NewOrdererMSP']);
});
