/** The router's libp2p identity: an Ed25519 key kept in its data directory (mode 0600). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';

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
