/**
 * The devpeer's endorsement policies (`OutOf(n, orgs.peer...)`) and the MSP's roles:
 * a plan a gateway makes always satisfies its policy, fewer organisations than `n`
 * never do, a policy naming an organisation outside the channel is refused, and an
 * identity's role is its certificate's NodeOU.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { encodeSerializedIdentity } from '../../../p2p/chains/fabric/header-codec.ts';
import {
  checkPolicy,
  describePolicy,
  EndorsementPolicyError,
  endorsementPlan,
  isSatisfied,
  majorityOf,
} from '../../../p2p/devnet/fabric/endorsement-policy.ts';
import { MspVerifier } from '../../../p2p/devnet/fabric/msp-verifier.ts';
import { TestCa } from '../../../p2p/devnet/fabric/test-ca.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const orgsArb = fc.uniqueArray(fc.constantFrom('Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP', 'Org5MSP'), {
  minLength: 1,
});

describe('endorsement policies', () => {
  test('majority of two is both; of three is two', () => {
    assert.equal(majorityOf(['Org1MSP', 'Org2MSP']).n, 2);
    assert.equal(majorityOf(['A', 'B', 'C']).n, 2);
    assert.equal(
      describePolicy(majorityOf(['Org1MSP', 'Org2MSP'])),
      "OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer')",
    );
  });

  test('a plan satisfies its policy, starts with the local organisation when named, and n - 1 organisations never do', () => {
    fc.assert(
      fc.property(orgsArb, fc.nat(), fc.nat(), (orgs, nSeed, localSeed) => {
        const policy = { n: 1 + (nSeed % orgs.length), orgs };
        const local = orgs[localSeed % orgs.length] as string;
        const plan = endorsementPlan(policy, local);
        assert.equal(plan.length, policy.n);
        assert.equal(plan[0], local);
        assert.ok(isSatisfied(policy, new Set(plan)));
        assert.ok(!isSatisfied(policy, new Set(plan.slice(1))));
        // Organisations the policy does not name count for nothing.
        assert.ok(!isSatisfied(policy, new Set([...plan.slice(1), 'OtherMSP'])));
      }),
    );
  });

  test('policies naming 0, too many or unknown organisations are refused', () => {
    const channel = ['Org1MSP', 'Org2MSP'];
    for (const policy of [
      { n: 0, orgs: channel },
      { n: 3, orgs: channel },
      { n: 1.5, orgs: channel },
      { n: 1, orgs: ['Org1MSP', 'Org9MSP'] },
    ]) {
      assert.throws(() => checkPolicy(policy, channel), EndorsementPolicyError);
    }
    assert.deepEqual(checkPolicy({ n: 1, orgs: channel }, channel), { n: 1, orgs: channel });
  });
});

describe('the channel MSPs', () => {
  test("an identity's role is its NodeOU; an identity of another CA under a known MSP id is unknown", async () => {
    const org1 = await TestCa.open(join(dir, 'org1'), 'Org1MSP');
    const org2 = await TestCa.open(join(dir, 'org2'), 'Org2MSP', 'org2.example.com');
    const rogue = await TestCa.open(join(dir, 'rogue'), 'Org2MSP', 'org2.example.com');
    const msp = new MspVerifier([org1, org2]);
    const view = msp.forPeer('Org2MSP');
    assert.equal(view.mspId, 'Org2MSP');
    for (const role of ['client', 'peer', 'admin', 'orderer'] as const) {
      const identity = await org2.issue(`${role}-x`, role);
      const known = view.deserialize(encodeSerializedIdentity(identity));
      assert.equal(known?.role, role);
      assert.equal(known?.mspId, 'Org2MSP');
    }
    assert.equal(msp.deserialize(encodeSerializedIdentity(await rogue.issue('peer0', 'peer'))), null);
    // The right certificate under the other organisation's MSP id is unknown too.
    const peer1 = await org1.issue('peer0', 'peer');
    assert.equal(msp.deserialize(encodeSerializedIdentity({ ...peer1, mspId: 'Org2MSP' })), null);
  });
});
