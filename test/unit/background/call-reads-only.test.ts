/**
 * `weft_call` reads and nothing else: a method the resource publishes as a write (or does not
 * publish) is refused with -32602 before the wallet signs anything or sends anything on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { handleRequest } from '../../../background/provider/handle-request.ts';
import { providerMethods } from '../../../background/provider/methods/index.ts';
import type { WalletServices } from '../../../background/services.ts';
import { pinOf } from '../../../background/sessions/resource-pin.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { Session } from '../../../content/provider-schema.ts';
import { assetMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';

const ORIGIN = 'https://dapp.example';
const FAB = 'trade.fab.asset';
const BCOS = 'payment.bcos.asset';

const entries: Record<string, ResourceEntry> = {
  [FAB]: {
    path: FAB,
    chain: { type: 'fabric', channel: 'mychannel' },
    address: 'asset',
    methods: assetMethods,
    router: 'r2',
    hops: 1,
  },
  // As the FISCO BCOS connector publishes the Asset ABI: view functions are reads.
  [BCOS]: {
    path: BCOS,
    chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
    address: '0x00000000000000000000000000000000000000a5',
    methods: [
      { name: 'balanceOf', kind: 'read', inputs: [{ name: 'who', type: 'address' }], outputs: [] },
      { name: 'transfer', kind: 'write', inputs: [], outputs: [] },
      // An overload that writes makes the name a write.
      { name: 'touch', kind: 'read', inputs: [], outputs: [] },
      { name: 'touch', kind: 'write', inputs: [{ name: 'x', type: 'uint256' }], outputs: [] },
    ],
    router: 'r1',
    hops: 2,
  },
};

function wallet(session: Session) {
  const sent: unknown[] = [];
  const keysAsked: string[] = [];
  const services = {
    sessions: { get: async (origin: string) => (origin === ORIGIN ? session : null) },
    trust: { anchors: { get: async () => undefined } },
    vault: {
      isUnlocked: () => true,
      // The Fabric signing key: asked for only to sign a proposal.
      fabricSigningIdentity: (id: string) => {
        keysAsked.push(id);
        throw new Error('the test has no Fabric key');
      },
    },
    routers: {
      describe: async (path: string) => entries[path],
      client: () => ({
        call: async (request: unknown) => {
          sent.push(request);
          return { values: ['1'], raw: '0x01' };
        },
      }),
    },
  } as unknown as WalletServices;
  return { methods: providerMethods(services), sent, keysAsked };
}

const session: Session = {
  origin: ORIGIN,
  resources: [FAB, BCOS],
  account: 0,
  address: '0x00000000000000000000000000000000000000aa',
  fabricIdentity: 'user1',
  createdAt: 0,
  // As approved: the descriptions the fake routers serve (background/sessions/resource-pin.ts).
  pins: Object.fromEntries(Object.values(entries).map((e) => [e.path, pinOf(e)])),
};

function weftCall(
  methods: ReturnType<typeof wallet>['methods'],
  path: string,
  method: string,
  args: unknown[],
) {
  return handleRequest(
    { method: 'weft_call', params: [{ path, method, args }] },
    { origin: ORIGIN },
    methods,
  );
}

describe('weft_call refuses writes', () => {
  test('a Fabric write method: -32602 WRITE_METHOD, no proposal signed, nothing sent', async () => {
    const { methods, sent, keysAsked } = wallet(session);
    for (const method of ['Transfer', 'Mint', 'HtlcClaim', 'Commit']) {
      const outcome = await weftCall(methods, FAB, method, ['user1', 'merchant', '5']);
      assert.ok('error' in outcome, `${method}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.error.code, ErrorCode.invalidParams);
      assert.deepEqual(outcome.error.data, { reason: 'WRITE_METHOD' });
      assert.match(outcome.error.message, /weft_sendTransaction/);
    }
    assert.deepEqual(keysAsked, []);
    assert.deepEqual(sent, []);
  });

  test('a FISCO BCOS non-view function (or a name with a writing overload): refused, nothing sent', async () => {
    const { methods, sent } = wallet(session);
    for (const method of ['transfer', 'touch']) {
      const outcome = await weftCall(methods, BCOS, method, []);
      assert.ok('error' in outcome, method);
      assert.equal(outcome.error.code, ErrorCode.invalidParams);
      assert.deepEqual(outcome.error.data, { reason: 'WRITE_METHOD' });
    }
    assert.deepEqual(sent, []);
  });

  test('a method the resource does not publish: -32602 UNKNOWN_METHOD, nothing sent', async () => {
    const { methods, sent, keysAsked } = wallet(session);
    const outcome = await weftCall(methods, FAB, 'Whatever', []);
    assert.ok('error' in outcome);
    assert.equal(outcome.error.code, ErrorCode.invalidParams);
    assert.deepEqual(outcome.error.data, { reason: 'UNKNOWN_METHOD' });
    assert.deepEqual(keysAsked, []);
    assert.deepEqual(sent, []);
  });

  test('reads still go through, saying what backs them (a Fabric read signs with the session identity)', async () => {
    const { methods, sent, keysAsked } = wallet({ ...session });
    const bcos = await weftCall(methods, BCOS, 'balanceOf', [session.address]);
    // FISCO BCOS 2.x has no state proofs: the answer says only the routers back it.
    assert.deepEqual(bcos, {
      result: {
        values: ['1'],
        raw: '0x01',
        verified: { backing: 'router', by: 'the routers only: FISCO BCOS 2.x has no state proofs' },
      },
    });
    assert.deepEqual(sent, [
      { path: BCOS, method: 'balanceOf', args: [session.address], from: session.address },
    ]);
    // The fake vault has no key: the signed read fails, but it was the read that asked for it.
    await weftCall(methods, FAB, 'BalanceOf', ['user1']);
    assert.deepEqual(keysAsked, ['user1']);
  });
});
