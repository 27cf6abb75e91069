/**
 * Chain ids from trust anchors: a FISCO BCOS anchor's genesis hash, a Fabric anchor's config
 * block when it is block 0; past it, block 0 as the routers give it. Kept per chain until the
 * chain's anchor changes; a failure is not kept.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import { chainIdOfProfile } from '../../../background/provider/caip/chain-ids.ts';
import { decodeBlock } from '../../../p2p/chains/fabric/block-file.ts';
import { toHex } from '../../../p2p/chains/fabric/offline-signing.ts';
import {
  type CaipWallet,
  caipWallet,
  FAB,
  FABRIC_CHAIN,
  FISCO_CHAIN,
  FISCO_GENESIS,
  fabricGenesisHash,
  RESOURCES,
} from './caip-wallet.ts';

const testnetBlock3 = new Uint8Array(
  readFileSync(new URL('../../../../shared/vectors/fabric/testnet-block3.block', import.meta.url)),
);

let wallet: CaipWallet | undefined;
afterEach(async () => {
  await wallet?.close();
  wallet = undefined;
});

/** The chain ids the wallet resolves now, as weft_scopes lists them. */
async function scopesOf(w: CaipWallet): Promise<string[]> {
  const outcome = await w.request('weft_scopes');
  assert.ok('result' in outcome, JSON.stringify(outcome));
  return Object.keys(outcome.result as object);
}

describe('chain ids from anchors', () => {
  test('FISCO BCOS from the genesis hash; Fabric from a block-0 config block, none from a later one', () => {
    const fisco = chainIdOfProfile({
      type: 'fisco-bcos',
      chainId: 1,
      groupId: 1,
      crypto: 'ecdsa',
      genesisHash: FISCO_GENESIS,
      sealers: [],
      sealersAt: 0,
      receiptsWithRemainGas: false,
    });
    assert.equal(fisco, FISCO_CHAIN);
    assert.equal(decodeBlock(testnetBlock3).number, 3n);
    assert.equal(
      chainIdOfProfile({
        type: 'fabric',
        channel: 'mychannel',
        configBlock: toHex(testnetBlock3),
        chaincodes: {},
      }),
      null,
    );
  });

  test('weft_scopes lists each chain the routers reach once, by its id, and the wallet scope', async () => {
    wallet = await caipWallet();
    // Another zone's name for the same FISCO BCOS group: one chain, one id.
    wallet.routers.entries.push({ ...(RESOURCES[0] as (typeof RESOURCES)[0]), path: 'other.bcos.asset' });
    const anchor = await wallet.anchors.get('payment.bcos');
    assert.ok(anchor);
    await wallet.anchors.put({ ...anchor, chain: 'other.bcos' });
    assert.deepEqual(await scopesOf(wallet), [FABRIC_CHAIN, FISCO_CHAIN, 'wallet']);
  });

  test("a Fabric anchor past block 0 takes block 0's hash from the routers; none there, no scope", async () => {
    wallet = await caipWallet();
    const anchor = await wallet.anchors.get('trade.fab');
    assert.ok(anchor && anchor.profile.type === 'fabric');
    await wallet.anchors.put({
      ...anchor,
      profile: { ...anchor.profile, configBlock: toHex(testnetBlock3) },
    });
    assert.deepEqual(await scopesOf(wallet), [FISCO_CHAIN, 'wallet'], 'no block 0 from the routers');
    assert.ok(wallet.routers.asked.includes(`getBlock ${FAB} 0`));
    // Not kept: once the routers have it, the chain has its id.
    wallet.routers.blocks.set(FAB, {
      number: 0n,
      hash: fabricGenesisHash as `0x${string}`,
      parentHash: '0x',
      timestamp: 0,
      txIds: [],
      raw: null,
    });
    // The list of chains is kept 30 s, or until the routers change.
    wallet.events.emit('routers:changed');
    assert.deepEqual(await scopesOf(wallet), [FABRIC_CHAIN, FISCO_CHAIN, 'wallet']);
  });

  test("a chain's id is kept until its anchor changes", async () => {
    wallet = await caipWallet();
    assert.deepEqual(await scopesOf(wallet), [FABRIC_CHAIN, FISCO_CHAIN, 'wallet']);
    const anchor = await wallet.anchors.get('payment.bcos');
    assert.ok(anchor && anchor.profile.type === 'fisco-bcos');
    // The user imports another profile for the zone's chain: another genesis, another id.
    const genesis: `0x${string}` = `0x${'77'.repeat(32)}`;
    await wallet.anchors.put({ ...anchor, profile: { ...anchor.profile, genesisHash: genesis } });
    wallet.events.emit('routers:changed');
    assert.deepEqual(await scopesOf(wallet), [FABRIC_CHAIN, `fisco:${'77'.repeat(16)}`, 'wallet']);
  });

  test('no routers: weft_scopes fails as the chain methods do (4901)', async () => {
    wallet = await caipWallet();
    wallet.routers.resources = async () => {
      const { NoRoutersError } = await import('../../../background/routers/router-connection.ts');
      throw new NoRoutersError('no routers configured');
    };
    const outcome = await wallet.request('weft_scopes');
    assert.ok('error' in outcome);
    assert.equal(outcome.error.code, 4901);
  });
});
