/**
 * The wallet's Fabric verifiers against the devpeer network (two organisations, an orderer)
 * through the router's connector, as the wallet will meet them: a write the wallet signed and
 * submitted is proven committed VALID by a qscc GetBlockByTxID answer endorsed by peers of both
 * organisations (sync and WebCrypto); a read it proposed is proven by its endorsements; the
 * trust is the profile's config block, the policies the profile's.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FabricChainProfile } from '../../../p2p/chains/chain-profile.ts';
import { decodeBlock } from '../../../p2p/chains/fabric/block-file.ts';
import { type ChannelTrust, readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import type { FabricSigningIdentity } from '../../../p2p/chains/fabric/identity.ts';
import {
  fromHex,
  signPreparedTransaction,
  signProposal,
} from '../../../p2p/chains/fabric/offline-signing.ts';
import { FabricCommitUnverifiedError } from '../../../p2p/chains/fabric/verification-errors.ts';
import {
  verifyCommittedTransaction,
  verifyCommittedTransactionAsync,
} from '../../../p2p/chains/fabric/verify-commit.ts';
import { verifyEndorsedRead } from '../../../p2p/chains/fabric/verify-endorsed-read.ts';
import { CHANNEL, decoder, fundAccounts, startTestDevpeer, type TestDevpeer } from './fixture.ts';

const RESOURCE = 'zone1.fabric1.token';
let devpeer: TestDevpeer;
let user: FabricSigningIdentity;
let connector: FabricConnector;
let profile: FabricChainProfile;
let trust: ChannelTrust;

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
    ],
  });
  profile = await connector.profile();
  trust = readChannelConfig(decodeBlock(fromHex(profile.configBlock)));
});

after(async () => {
  await connector?.close();
  await devpeer?.close();
});

/** Signs and has the router endorse; `submit` sends it (and waits for its commit). */
async function prepare(fn: string, args: string[]) {
  const proposal = signProposal(user, { channel: CHANNEL, chaincode: 'asset', fn, args });
  const prepared = await connector.prepare({ resource: RESOURCE, signed: proposal.signed });
  const { signed } = signPreparedTransaction(user, prepared.unsigned, { txId: proposal.txId, fn });
  return {
    submitted: fromHex(signed),
    txId: proposal.txId,
    submit: () => connector.submit({ resource: RESOURCE, signed }),
  };
}

async function write(fn: string, args: string[]): Promise<{ submitted: Uint8Array; txId: string }> {
  const tx = await prepare(fn, args);
  await tx.submit();
  return tx;
}

async function commitInput(submitted: Uint8Array, txId: string, orgs = ['Org1MSP', 'Org2MSP']) {
  const qscc = signProposal(user, {
    channel: CHANNEL,
    chaincode: 'qscc',
    fn: 'GetBlockByTxID',
    args: [CHANNEL, txId],
  });
  const { envelope } = await connector.blockByTxId(qscc.signed, orgs);
  return {
    trust,
    policies: profile.chaincodes,
    submitted,
    txId,
    qsccProposal: fromHex(qscc.signed),
    answer: fromHex(envelope),
    requiredOrgs: ['Org1MSP', 'Org2MSP'],
  };
}

test("a committed write is proven by both organisations' peers, the orderer and its endorsers", async () => {
  const { submitted, txId } = await write('Transfer', ['alice', 'bob', '5']);
  const input = await commitInput(submitted, txId);
  const verdict = verifyCommittedTransaction(input);
  assert.equal(verdict.validationCode, 'VALID');
  assert.ok(verdict.blockNumber > 0n);
  assert.deepEqual([...verdict.reportedBy].sort(), ['Org1MSP', 'Org2MSP']);
  assert.deepEqual(verdict.orderedBy, ['OrdererMSP']);
  assert.ok(verdict.endorsedBy.length >= 1);
  assert.deepEqual(await verifyCommittedTransactionAsync(input), verdict);
});

test('an answer vouched for by one organisation, or for another transaction, is refused', async () => {
  const first = await write('Transfer', ['alice', 'bob', '1']);
  const input = await commitInput(first.submitted, first.txId, ['Org1MSP']);
  assert.throws(
    () => verifyCommittedTransaction(input),
    (error: unknown) => error instanceof FabricCommitUnverifiedError && error.reason === 'endorsers',
  );
  // Another transaction's envelope presented as the submitted one.
  const second = await write('Transfer', ['alice', 'bob', '1']);
  const swapped = await commitInput(first.submitted, second.txId);
  assert.throws(
    () => verifyCommittedTransaction(swapped),
    (error: unknown) => error instanceof FabricCommitUnverifiedError && error.reason === 'not-submitted',
  );
});

test("an endorsed read is proven by its endorsements under the chaincode's policy", async () => {
  const proposal = signProposal(user, {
    channel: CHANNEL,
    chaincode: 'asset',
    fn: 'BalanceOf',
    args: ['alice'],
  });
  const prepared = await connector.prepare({ resource: RESOURCE, signed: proposal.signed });
  const policy = profile.chaincodes.asset;
  assert.ok(policy);
  const read = verifyEndorsedRead({
    trust,
    policy,
    proposal: fromHex(proposal.signed),
    envelope: fromHex(prepared.unsigned),
  });
  assert.equal(read.status, 200);
  assert.match(decoder.decode(read.payload), /^\d+$/);
  assert.ok(read.endorsedBy.length >= policy.outOf);
});

test('of two writes endorsed on the same state, the one peers marked MVCC_READ_CONFLICT is refused', async () => {
  const a = await prepare('Transfer', ['alice', 'bob', '2']);
  const b = await prepare('Transfer', ['alice', 'bob', '3']);
  await a.submit();
  await assert.rejects(b.submit());
  assert.equal(verifyCommittedTransaction(await commitInput(a.submitted, a.txId)).validationCode, 'VALID');
  const conflicted = await commitInput(b.submitted, b.txId);
  assert.throws(
    () => verifyCommittedTransaction(conflicted),
    (error: unknown) => error instanceof FabricCommitUnverifiedError && error.reason === 'not-valid',
  );
});
