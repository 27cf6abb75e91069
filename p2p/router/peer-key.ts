/**
 * Keys kept in files (mode 0600), made on first use: the router's libp2p identity (Ed25519) and
 * secp256k1 account keys for FISCO BCOS (a router's own writes, the local network's deployer).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EcdsaSigner } from '../chains/fisco-bcos/ecdsa.ts';

export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const file = join(dataDir, 'peer.key');
  try {
    return privateKeyFromProtobuf(readFileSync(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`cannot read the router key ${file}: ${(error as Error).message}`);
    }
  }
  const key = await generateKeyPair('Ed25519');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' });
  return key;
}

/** A FISCO BCOS account key as hex in `file`. */
export function loadOrCreateEcdsaKey(file: string): EcdsaSigner {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${bytesToHex(EcdsaSigner.randomKey())}\n`, { mode: 0o600, flag: 'wx' });
  }
  return new EcdsaSigner(readFileSync(file, 'utf8').trim());
}
