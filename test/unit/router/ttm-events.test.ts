import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ResourceEventRecord } from '../../../p2p/chains/connector.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { TtmEventIndex } from '../../../p2p/router/ttm-events.ts';

const event = (name: string, txId = '0x01'): ResourceEventRecord => ({
  address: '0xasset',
  name,
  data: '0x',
  blockNumber: 1n,
  txId,
});

describe('TtmEventIndex', () => {
  test('keeps the TTM events of an id under its path, in order, once each', () => {
    const index = new TtmEventIndex();
    index.add('z.c.asset', '0xAA', event('TxPrepared', '0x01'));
    index.add('z.c.asset', '0xaa', event('TxPrepared', '0x01'));
    index.add('z.c.asset', '0xaa', event('TxCommitted', '0x02'));
    index.add('z.c.asset', '0xaa', event('Transfer', '0x03'));
    assert.deepEqual(
      index.get('z.c.asset', '0xAa').map((e) => e.name),
      ['TxPrepared', 'TxCommitted'],
    );
    assert.deepEqual(index.get('z.c.other', '0xaa'), []);
    assert.deepEqual(index.get('z.c.asset', '0xbb'), []);
  });

  test('holds at most maxIds ids (the oldest dropped) and perId events per id', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), {
          maxLength: 300,
        }),
        (maxIds, adds) => {
          const index = new TtmEventIndex({ maxIds, perId: 3 });
          for (const [id, tx] of adds) index.add('p', `0x${id}`, event('HtlcLocked', `0x${tx}`));
          assert.ok(index.size <= maxIds);
          for (const [id] of adds) assert.ok(index.get('p', `0x${id}`).length <= 3);
          const last = adds.at(-1);
          if (last) assert.ok(index.get('p', `0x${last[0]}`).length > 0, 'the newest id is kept');
        },
      ),
    );
  });
});

describe('router config: a Fabric resource’s endorsement policy', () => {
  const config = (endorsement: unknown) => ({
    zone: 'z',
    dataDir: '/tmp/weft-x',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    chains: [
      {
        type: 'fabric',
        name: 'fab',
        endpoint: '127.0.0.1:7051',
        channel: 'mychannel',
        identity: { mspId: 'Org1MSP', certificateFile: 'c.pem', privateKeyFile: 'k.pem' },
        resources: [{ name: 'asset', chaincode: 'asset', endorsement }],
      },
    ],
  });

  test('is optional and kept as stated', () => {
    const parsed = parseRouterConfig(config({ outOf: 1, orgs: ['Org1MSP', 'Org2MSP'] }));
    const chain = parsed.chains[0];
    assert.equal(chain?.type, 'fabric');
    assert.deepEqual(chain?.type === 'fabric' && chain.resources[0]?.endorsement, {
      outOf: 1,
      orgs: ['Org1MSP', 'Org2MSP'],
    });
    const without = parseRouterConfig(config(undefined)).chains[0];
    assert.equal(without?.type === 'fabric' && without.resources[0]?.endorsement, undefined);
  });

  test('outOf must be 1..orgs.length', () => {
    assert.throws(() => parseRouterConfig(config({ outOf: 3, orgs: ['Org1MSP', 'Org2MSP'] })), /endorsement/);
    assert.throws(() => parseRouterConfig(config({ outOf: 0, orgs: ['Org1MSP'] })), /endorsement\.outOf/);
    assert.throws(() => parseRouterConfig(config({ outOf: 1, orgs: [] })), /endorsement\.orgs/);
  });
});
