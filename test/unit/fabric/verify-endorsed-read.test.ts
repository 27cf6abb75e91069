/**
 * verifyEndorsedRead: a chaincode read the wallet proposed, endorsed by peers whose signatures
 * satisfy the chaincode's policy, bound to the wallet's proposal; every lie refused with a reason.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { type ChannelTrust, readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { FabricEvidenceError } from '../../../p2p/chains/fabric/evidence-errors.ts';
import { FabricReadUnverifiedError } from '../../../p2p/chains/fabric/verification-errors.ts';
import {
  verifyEndorsedRead,
  verifyEndorsedReadAsync,
} from '../../../p2p/chains/fabric/verify-endorsed-read.ts';
import { endorsedAnswer, proposal } from './answer-fixture.ts';
import { network } from './evidence-fixture.ts';

let net: Awaited<ReturnType<typeof network>>;
let trust: ChannelTrust;
const both = { outOf: 2, orgs: ['Org1MSP', 'Org2MSP'] };
const either = { outOf: 1, orgs: ['Org1MSP', 'Org2MSP'] };
const payload = new TextEncoder().encode('{"id":"a1","owner":"alice"}');

before(async () => {
  net = await network();
  trust = readChannelConfig(net.genesis);
});

function read(overrides: Partial<Parameters<typeof endorsedAnswer>[0]> = {}, signed?: Uint8Array) {
  const ids = net.identities;
  const mine = signed ?? proposal(ids.client1, 'asset', 'ReadAsset', ['a1']);
  const envelope = endorsedAnswer({ signed: mine, endorsers: [ids.peer1, ids.peer2], payload, ...overrides });
  return { trust, policy: both, proposal: mine, envelope };
}

const refusedWith = (reason: string) => (error: unknown) => {
  assert.ok(error instanceof FabricReadUnverifiedError, String(error));
  assert.equal(error.reason, reason, error.message);
  return true;
};

test('an endorsed read verifies: its payload, status and the endorsing organisations', async () => {
  const input = read();
  const result = verifyEndorsedRead(input);
  assert.deepEqual(result, { payload, status: 200, endorsedBy: ['Org1MSP', 'Org2MSP'] });
  assert.deepEqual(await verifyEndorsedReadAsync(input), result);
  const one = read({ endorsers: [net.identities.peer2] });
  assert.deepEqual(verifyEndorsedRead({ ...one, policy: either }).endorsedBy, ['Org2MSP']);
});

test('every lie is refused with its reason', () => {
  const ids = net.identities;
  const other = proposal(ids.client1, 'asset', 'ReadAsset', ['a2']);
  const cases: Array<[string, ReturnType<typeof read>, string]> = [
    ['one organisation where the policy wants two', read({ endorsers: [ids.peer1] }), 'policy'],
    ['two peers of one organisation', read({ endorsers: [ids.peer1, ids.peer1b] }), 'policy'],
    ['an endorsement by a client', read({ endorsers: [ids.peer1, ids.client2] }), 'endorsement'],
    ['an endorsement by an orderer', read({ endorsers: [ids.peer1, ids.orderer] }), 'endorsement'],
    ['a signature that does not verify', read({ flipEndorsement: 0 }), 'endorsement'],
    ['no endorsement at all', read({ endorsers: [] }), 'no-endorsement'],
    ['an answer to another proposal', { ...read(), proposal: other }, 'not-this-proposal'],
    ['the endorsed hash of another proposal', read({ hashOf: other }), 'replayed'],
    ["the envelope carries another proposal's header", read({ headerOf: other }), 'not-this-proposal'],
    ['the envelope carries another invocation', read({ payloadOf: other }), 'not-this-proposal'],
    ['a response from another chaincode', read({ chaincode: 'other' }), 'chaincode'],
    [
      'a proposal for another channel',
      read({}, proposal(ids.client1, 'asset', 'ReadAsset', ['a1'], 'otherchannel')),
      'channel',
    ],
    ['not an envelope', { ...read(), envelope: Uint8Array.of(9, 9, 9) }, 'malformed'],
  ];
  for (const [name, input, reason] of cases) {
    assert.throws(() => verifyEndorsedRead(input), refusedWith(reason), name);
  }
});

test('random byte flips in the envelope never verify to anything else', () => {
  const input = read();
  const result = verifyEndorsedRead(input);
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, mask) => {
      const envelope = Uint8Array.from(input.envelope);
      const i = at % envelope.length;
      envelope[i] = (envelope[i] as number) ^ mask;
      try {
        assert.deepEqual(verifyEndorsedRead({ ...input, envelope }), result, `flip at ${i} verified`);
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        assert.ok(error instanceof FabricEvidenceError, `flip at ${i}: ${String(error)}`);
      }
    }),
    { numRuns: 200 },
  );
});
