import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import * as ethers from 'ethers';
import { recordsSecret, sealRecord, wrapKeys } from '../../../p2p/grants/record-crypto.ts';

type OpenGranted = (
  library: typeof ethers,
  audiencePrivateKey: string,
  read: { grantId: string; resource: string; record: string; fields: Record<string, string>; key: string },
) => Promise<Record<string, string>>;

// The demo page opens granted reads with ethers and WebCrypto alone: it must agree with the wallet's sealing.
const demo = pathToFileURL(join(import.meta.dirname, '../../../demo/open-granted.js')).href;
const { openGranted } = (await import(demo)) as { openGranted: OpenGranted };

test("the demo page's opener reads what the wallet sealed and wrapped, and only the wrapped fields", async () => {
  const audience = ethers.Wallet.createRandom();
  const place = { resource: 'trade.fab.records', record: 'kyc' };
  const grantId = `0x${'5a'.repeat(32)}`;
  const { sealed, keys } = await sealRecord(recordsSecret(secp256k1.utils.randomSecretKey()), place, {
    name: 'Ada Lovelace',
    country: 'GB',
    score: '742',
  });
  const key = await wrapKeys(
    audience.signingKey.compressedPublicKey,
    { grantId, ...place },
    {
      name: keys.name as Uint8Array,
      country: keys.country as Uint8Array,
    },
  );
  assert.deepEqual(
    await openGranted(ethers, audience.privateKey, { grantId, ...place, fields: sealed, key }),
    {
      name: 'Ada Lovelace',
      country: 'GB',
    },
  );
  await assert.rejects(
    openGranted(ethers, ethers.Wallet.createRandom().privateKey, { grantId, ...place, fields: sealed, key }),
  );
});
