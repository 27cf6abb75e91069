/**
 * The devnode's sealer set: secp256k1 keys whose signatures over each block hash fill the
 * header's signatureList, as PBFT sealers do, so later work can verify headers against the
 * sealer list. A node ID is the 64-byte uncompressed public key without the 04 prefix.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

export interface Sealer {
  nodeId: string;
  sign(hash: Uint8Array): string;
}

export function sealerFromKey(privateKeyHex: string): Sealer {
  const key = hexToBytes(privateKeyHex.replace(/^0x/, '').padStart(64, '0'));
  return {
    nodeId: bytesToHex(secp256k1.getPublicKey(key, false).subarray(1)),
    sign(hash) {
      // FISCO BCOS 2.x serialises an ECDSA signature as r || s || v with v the recovery id.
      const sig = secp256k1.Signature.fromBytes(
        secp256k1.sign(hash, key, { prehash: false, lowS: true, format: 'recovered' }),
        'recovered',
      );
      return `0x${bytesToHex(sig.toBytes('compact'))}${(sig.recovery ?? 0).toString(16).padStart(2, '0')}`;
    },
  };
}

/** Given keys win; otherwise keys persisted in the data directory; otherwise fresh ones. */
export function loadSealerKeys(
  dataDir: string | undefined,
  given: string[] | undefined,
  count: number,
): string[] {
  if (given && given.length > 0) return given;
  const file = dataDir === undefined ? undefined : join(dataDir, 'sealers.json');
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as string[];
  const keys = Array.from({ length: count }, () => `0x${bytesToHex(secp256k1.utils.randomSecretKey())}`);
  if (file) writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}
