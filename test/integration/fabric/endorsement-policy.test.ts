/**
 * The committers of both organisations enforce the chaincode's endorsement policy
 * (default: a majority of Org1MSP and Org2MSP, i.e. both): a transaction endorsed by
 * one organisation only, by a client or router identity, or by an identity of a CA the
 * channel does not know is committed as ENDORSEMENT_POLICY_FAILURE (10) on both peers;
 * one whose endorsements carry another proposal's hash as INVALID_ENDORSER_TRANSACTION
 * (5), as Fabric 2.x's ValidateTransaction marks it before any policy is evaluated.
 * Nothing is applied and the peers keep serving. The envelopes are tampered after a genuine Endorse and
 * signed again by the client, so only the endorsements differ.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, peer } from '@hyperledger/fabric-protos';
import { encodeSerializedIdentity } from '../../../p2p/chains/fabric/header-codec.ts';
import {
  type FabricSigningIdentity,
  hashMessage,
  signDigest,
  signMessage,
} from '../../../p2p/chains/fabric/identity.ts';
import { VALIDATION } from '../../../p2p/devnet/fabric/committer.ts';
import { TestCa } from '../../../p2p/devnet/fabric/test-ca.ts';
import { CHANNEL, decoder, fundAccounts, startTestDevpeer, type TestDevpeer } from './fixture.ts';

let devpeer: TestDevpeer;
let user: FabricSigningIdentity;
let online: Gateway;
let caDir: string;
let rogueOrg2Peer: FabricSigningIdentity;

const sign = (identity: FabricSigningIdentity, digest: Uint8Array) => signDigest(identity.privateKey, digest);

/** Endorsements of a prepared transaction, for a test to replace; `prp` is the proposal response payload. */
type Tamper = (endorsed: peer.ChaincodeEndorsedAction) => void;

/** An Endorse of a 1-unit transfer alice -> bob, the envelope changed by `tamper`, signed by the user and submitted. */
async function submitTampered(tamper: Tamper): Promise<{ code: number; txId: string }> {
  const contract = online.getNetwork(CHANNEL).getContract('asset');
  const unsigned = contract.newProposal('Transfer', { arguments: ['alice', 'bob', '1'] });
  const proposal = online.newSignedProposal(unsigned.getBytes(), sign(user, unsigned.getDigest()));
  const endorsed = await proposal.endorse();
  const prepared = gatewayProtos.PreparedTransaction.deserializeBinary(endorsed.getBytes());
  const envelope = prepared.getEnvelope() as common.Envelope;
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const action = transaction.getActionsList()[0] as peer.TransactionAction;
  const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
  const endorsedAction = actionPayload.getAction() as peer.ChaincodeEndorsedAction;
  tamper(endorsedAction);
  actionPayload.setAction(endorsedAction);
  action.setPayload(actionPayload.serializeBinary());
  transaction.setActionsList([action]);
  payload.setData(transaction.serializeBinary());
  const payloadBytes = payload.serializeBinary();
  envelope.setPayload(payloadBytes);
  prepared.setEnvelope(envelope);
  const signed = online.newSignedTransaction(
    prepared.serializeBinary(),
    sign(user, hashMessage(payloadBytes)),
  );
  const submitted = await signed.submit();
  const status = await submitted.getStatus();
  return { code: status.code, txId: prepared.getTransactionId() };
}

/** An endorsement by `identity` over (payload ‖ identity), the way a peer signs one. */
function endorsementBy(identity: FabricSigningIdentity, prp: Uint8Array): peer.Endorsement {
  const endorser = encodeSerializedIdentity(identity);
  const endorsement = new peer.Endorsement();
  endorsement.setEndorser(endorser);
  endorsement.setSignature(signMessage(identity, Buffer.concat([prp, endorser])));
  return endorsement;
}

/** Puts `identity`'s endorsement in place of the one of the peer of Org1 (index 0) or Org2 (index 1). */
const replaceWith =
  (index: 0 | 1, identity: () => FabricSigningIdentity): Tamper =>
  (endorsed) => {
    const endorsements = endorsed.getEndorsementsList();
    endorsements[index] = endorsementBy(identity(), endorsed.getProposalResponsePayload_asU8());
    endorsed.setEndorsementsList(endorsements);
  };
const replaceOrg2With = (identity: () => FabricSigningIdentity) => replaceWith(1, identity);

async function balances(): Promise<string[]> {
  const asset = online.getNetwork(CHANNEL).getContract('asset');
  return Promise.all(
    ['alice', 'bob'].map(async (a) => decoder.decode(await asset.evaluateTransaction('BalanceOf', a))),
  );
}

/** Submits a tampered transfer: both peers mark it `code`, balances unchanged (or moved by 1 when VALID). */
async function expectCommitted(tamper: Tamper, code: number): Promise<void> {
  const [alice, bob] = await balances();
  const result = await submitTampered(tamper);
  assert.equal(result.code, code);
  for (const node of devpeer.peer.peers) {
    assert.equal(node.ledger(CHANNEL).txLocation(result.txId)?.code, code, `${node.name}'s code`);
  }
  const moved = code === VALIDATION.VALID ? 1 : 0;
  assert.deepEqual(await balances(), [String(Number(alice) - moved), String(Number(bob) + moved)]);
}

before(async () => {
  devpeer = await startTestDevpeer();
  user = devpeer.peer.identities.user1 as FabricSigningIdentity;
  online = devpeer.connectAs(user);
  await fundAccounts(online, ['alice', 'bob'], '100');
  caDir = mkdtempSync(join(tmpdir(), 'weft-rogue-ca-'));
  // A CA the channel does not know, issuing a peer-role identity that claims Org2MSP.
  rogueOrg2Peer = await (await TestCa.open(join(caDir, 'rogue'), 'Org2MSP', 'org2.example.com')).issue(
    'peer0',
    'peer',
  );
});

after(async () => {
  await devpeer.close();
  rmSync(caDir, { recursive: true, force: true });
});

describe('endorsement policy (majority of Org1MSP, Org2MSP)', () => {
  test('the untampered transaction, signed again the same way, is VALID (the harness changes nothing else)', async () => {
    await expectCommitted(() => {}, VALIDATION.VALID);
  });

  test('endorsed by one organisation only: ENDORSEMENT_POLICY_FAILURE', async () => {
    await expectCommitted((endorsed) => {
      endorsed.setEndorsementsList(endorsed.getEndorsementsList().slice(0, 1));
    }, VALIDATION.ENDORSEMENT_POLICY_FAILURE);
    // Org1 twice does not count as two organisations.
    await expectCommitted((endorsed) => {
      const [org1] = endorsed.getEndorsementsList();
      endorsed.setEndorsementsList([org1 as peer.Endorsement, org1 as peer.Endorsement]);
    }, VALIDATION.ENDORSEMENT_POLICY_FAILURE);
  });

  test("a client (user) of Org2 in place of Org2's peer: ENDORSEMENT_POLICY_FAILURE", async () => {
    await expectCommitted(
      replaceOrg2With(() => devpeer.peer.org2.identities.user1 as FabricSigningIdentity),
      VALIDATION.ENDORSEMENT_POLICY_FAILURE,
    );
    await expectCommitted(
      replaceOrg2With(() => devpeer.peer.org2.identities.admin as FabricSigningIdentity),
      VALIDATION.ENDORSEMENT_POLICY_FAILURE,
    );
  });

  test("a router identity (an Org1 client) in place of Org1's peer: ENDORSEMENT_POLICY_FAILURE", async () => {
    await expectCommitted(
      replaceWith(0, () => devpeer.peer.identities.router1 as FabricSigningIdentity),
      VALIDATION.ENDORSEMENT_POLICY_FAILURE,
    );
  });

  test('a peer identity of an unknown CA claiming Org2MSP: ENDORSEMENT_POLICY_FAILURE', async () => {
    await expectCommitted(
      replaceOrg2With(() => rogueOrg2Peer),
      VALIDATION.ENDORSEMENT_POLICY_FAILURE,
    );
  });

  test("Org2's real peer with a bad signature: ENDORSEMENT_POLICY_FAILURE", async () => {
    await expectCommitted((endorsed) => {
      const [org1, org2] = endorsed.getEndorsementsList() as [peer.Endorsement, peer.Endorsement];
      // Org1's signature under Org2's identity.
      org2.setSignature(org1.getSignature_asU8());
      endorsed.setEndorsementsList([org1, org2]);
    }, VALIDATION.ENDORSEMENT_POLICY_FAILURE);
  });

  test("endorsements, validly signed by both peers, over another proposal's hash: INVALID_ENDORSER_TRANSACTION", async () => {
    const peers = [
      devpeer.peer.identities.peer0 as FabricSigningIdentity,
      devpeer.peer.org2.identities.peer0 as FabricSigningIdentity,
    ];
    await expectCommitted((endorsed) => {
      const prp = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
      const hash = Buffer.from(prp.getProposalHash_asU8());
      hash[0] = (hash[0] ?? 0) ^ 1;
      prp.setProposalHash(hash);
      const prpBytes = prp.serializeBinary();
      endorsed.setProposalResponsePayload(prpBytes);
      endorsed.setEndorsementsList(peers.map((p) => endorsementBy(p, prpBytes)));
    }, VALIDATION.INVALID_ENDORSER_TRANSACTION);
    // The same re-signing with the true hash is valid: only the hash made the difference.
    await expectCommitted((endorsed) => {
      const prpBytes = endorsed.getProposalResponsePayload_asU8();
      endorsed.setEndorsementsList(peers.map((p) => endorsementBy(p, prpBytes)));
    }, VALIDATION.VALID);
  });
});

describe('a 1-of-2 policy', () => {
  test('an endorsement by either organisation alone is enough', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-devpeer-'));
    const single = await startTestDevpeer(
      {
        endorsementPolicies: { asset: { n: 1, orgs: ['Org1MSP', 'Org2MSP'] } },
      },
      dir,
    );
    try {
      const gateway = single.connectAs(single.peer.identities.user1 as FabricSigningIdentity);
      await fundAccounts(gateway, ['carol'], '5');
      const asset = gateway.getNetwork(CHANNEL).getContract('asset');
      const submitted = await asset.submitAsync('BalanceOf', { arguments: ['carol'] });
      assert.equal(decoder.decode(submitted.getResult()), '5');
      assert.equal((await submitted.getStatus()).code, VALIDATION.VALID);
      const block = single.peer.ledger(CHANNEL).block(single.peer.ledger(CHANNEL).height - 1n);
      const envelope = block?.getData()?.getDataList_asU8()[0] as Uint8Array;
      const payload = common.Payload.deserializeBinary(
        common.Envelope.deserializeBinary(envelope).getPayload_asU8(),
      );
      const action = peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()[0];
      const endorsed = peer.ChaincodeActionPayload.deserializeBinary(
        action?.getPayload_asU8() ?? new Uint8Array(0),
      ).getAction();
      assert.equal(endorsed?.getEndorsementsList().length, 1, 'the gateway asked its own organisation only');
    } finally {
      await single.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
