/**
 * A session's pin of a resource's description and the comparison every session method makes:
 * each field a router could change (address, ABI, chain type, chainId, groupId, channel,
 * chaincode, the chain's anchor) is caught on its own; what does not change the resource
 * (key order, address letter case, the router and hops) is not.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  abiHash,
  canonicalJson,
  DescriptionChangedError,
  DescriptionNotPinnedError,
  pinChanges,
  pinOf,
  requirePinned,
  shortHash,
} from '../../../background/sessions/resource-pin.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';

const ABI = [
  {
    type: 'function',
    name: 'transfer',
    inputs: [{ name: 'to', type: 'address' }],
    stateMutability: 'nonpayable',
  },
];
const fisco: ResourceEntry = {
  path: 'payment.bcos.asset',
  chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
  address: '0x00000000000000000000000000000000000000A5',
  methods: [{ name: 'transfer', kind: 'write', inputs: [{ name: 'to', type: 'address' }], outputs: [] }],
  abi: ABI,
  router: 'r1',
  hops: 0,
};
const fabric: ResourceEntry = {
  path: 'trade.fab.asset',
  chain: { type: 'fabric', channel: 'mychannel', mspId: 'Org1MSP' },
  address: 'asset',
  methods: [{ name: 'Transfer', kind: 'write', inputs: [], outputs: [] }],
  router: 'r2',
  hops: 1,
};
const ANCHOR = 'aa'.repeat(32);

function fields(pinned: ResourceEntry, now: ResourceEntry, anchors: [string?, string?] = []) {
  return pinChanges(pinOf(pinned, anchors[0]), pinOf(now, anchors[1])).map((c) => c.field);
}

describe('resource pins', () => {
  test('a pin holds the chain, lowercase address, ABI hash and anchor; not the router or hops', () => {
    const pin = pinOf(fisco, ANCHOR, 5);
    assert.deepEqual(pin, {
      path: 'payment.bcos.asset',
      chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
      anchor: ANCHOR,
      address: '0x00000000000000000000000000000000000000a5',
      abiHash: abiHash(fisco),
      pinnedAt: 5,
    });
    assert.match(pin.abiHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(pinOf(fabric, undefined, 5).chain, { type: 'fabric', channel: 'mychannel' });
    assert.equal(pinOf(fabric).address, 'asset');
  });

  test('the same description is no change, whatever the router, hops, key order or address case', () => {
    const reordered = JSON.parse(canonicalJson(fisco)) as ResourceEntry;
    assert.deepEqual(fields(fisco, { ...reordered, router: 'other', hops: 3 }, [ANCHOR, ANCHOR]), []);
    assert.deepEqual(fields(fisco, { ...fisco, address: fisco.address.toLowerCase() }), []);
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: undefined }] }), '{"a":[2,{"d":3}],"b":1}');
    assert.equal(canonicalJson({ n: 10n }), '{"n":"10"}');
  });

  test('FISCO BCOS: each of address, ABI, chainId, groupId changed alone is caught', () => {
    assert.deepEqual(fields(fisco, { ...fisco, address: `0x${'b6'.repeat(20)}` }), ['address']);
    const otherAbi = [
      {
        ...ABI[0],
        inputs: [
          { name: 'to', type: 'address' },
          { name: 'x', type: 'uint256' },
        ],
      },
    ];
    assert.deepEqual(fields(fisco, { ...fisco, abi: otherAbi }), ['abiHash']);
    // The published methods count too: weft_call and weft_sendTransaction decide read or write from them.
    const flipped = fisco.methods.map((m) => ({ ...m, kind: 'read' as const }));
    assert.deepEqual(fields(fisco, { ...fisco, methods: flipped }), ['abiHash']);
    assert.deepEqual(fields(fisco, { ...fisco, chain: { type: 'fisco-bcos', chainId: 2, groupId: 1 } }), [
      'chainId',
    ]);
    assert.deepEqual(fields(fisco, { ...fisco, chain: { type: 'fisco-bcos', chainId: 1, groupId: 2 } }), [
      'groupId',
    ]);
  });

  test('Fabric: channel and chaincode changed alone are caught; a chain type swapped too', () => {
    assert.deepEqual(fields(fabric, { ...fabric, chain: { type: 'fabric', channel: 'otherchannel' } }), [
      'channel',
    ]);
    assert.deepEqual(fields(fabric, { ...fabric, address: 'asset2' }), ['chaincode']);
    const swapped = fields(fabric, { ...fisco, path: fabric.path });
    assert.deepEqual(swapped, ['chain', 'address', 'abiHash']);
  });

  test("the chain's anchor: another fingerprint is caught; a pin or a wallet without one compares the rest", () => {
    assert.deepEqual(fields(fisco, fisco, [ANCHOR, 'bb'.repeat(32)]), ['anchor']);
    assert.deepEqual(fields(fisco, fisco, [undefined, ANCHOR]), []);
    assert.deepEqual(fields(fisco, fisco, [ANCHOR, undefined]), []);
  });

  test('requirePinned: a typed error naming each change, old and new; no pin is its own error', () => {
    const pinned = pinOf(fisco);
    requirePinned(fisco.path, pinned, pinOf({ ...fisco, router: 'r9' }));
    assert.throws(
      () => requirePinned(fisco.path, pinned, pinOf({ ...fisco, address: `0x${'b6'.repeat(20)}` })),
      (error) => {
        assert.ok(error instanceof DescriptionChangedError);
        assert.equal(error.path, fisco.path);
        assert.deepEqual(error.changes, [
          {
            field: 'address',
            pinned: '0x00000000000000000000000000000000000000a5',
            now: `0x${'b6'.repeat(20)}`,
          },
        ]);
        assert.match(error.message, /weft_requestSession/);
        return true;
      },
    );
    assert.throws(() => requirePinned(fisco.path, undefined, pinned), DescriptionNotPinnedError);
  });

  test('short hashes for the popup', () => {
    assert.equal(shortHash(`0x${'12'.repeat(32)}`), '12121212…1212');
    assert.equal(shortHash('abcd'), 'abcd');
  });
});
