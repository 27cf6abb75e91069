/**
 * The devnode's consensus nodes: each sealer (and observer) has its own key, and a sealer's
 * signature over a block hash goes into the header's signatureList as a PBFT commit does.
 * secp256k1 seals are `r‖s‖v` (v the recovery id); SM2 seals (guomi) are `r‖s‖public key`.
 * A node ID is the 64-byte public key without the 04 prefix.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { sm2 } from 'sm-crypto-v2';

export type DevnodeCrypto = 'ecdsa' | 'sm';

export interface Sealer {
  nodeId: string;
  sign(hash: Uint8Array): string;
}

export function sealerFromKey(privateKeyHex: string, crypto: DevnodeCrypto = 'ecdsa'): Sealer {
  const bare = privateKeyHex.replace(/^0x/, '').padStart(64, '0').toLowerCase();
  if (crypto === 'sm') {
    const publicKey = sm2.getPublicKeyFromPrivateKey(bare);
    const nodeId = publicKey.slice(2);
    return {
      nodeId,
      // SM2Signature::asBytes: r ‖ s ‖ the signer's public key; signed over Z_A ‖ hash as FISCO's SM2 sign.
      sign: (hash) => `0x${sm2.doSignature(hash, bare, { hash: true, publicKey })}${nodeId}`,
    };
  }
  const key = hexToBytes(bare);
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

function randomKey(crypto: DevnodeCrypto): string {
  return crypto === 'sm'
    ? `0x${sm2.generateKeyPairHex().privateKey.padStart(64, '0')}`
    : `0x${bytesToHex(secp256k1.utils.randomSecretKey())}`;
}

/**
 * Given keys win; otherwise keys persisted in the data directory (`file`, sealers.json or
 * observers.json); otherwise `count` fresh ones, persisted there.
 */
export function loadNodeKeys(
  dataDir: string | undefined,
  given: string[] | undefined,
  count: number,
  crypto: DevnodeCrypto = 'ecdsa',
  fileName = 'sealers.json',
): string[] {
  if (given && given.length > 0) return given;
  const file = dataDir === undefined ? undefined : join(dataDir, fileName);
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as string[];
  const keys = Array.from({ length: count }, () => randomKey(crypto));
  if (file) writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}
