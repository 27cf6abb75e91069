/**
 * Loads a Fabric signing identity from PEM files (Node only: routers, tools, tests).
 * Understands the MSP folder layout Fabric CAs write: signcerts/, keystore/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FabricSigningIdentity, privateKeyFromPem } from './identity.ts';

export interface IdentityFiles {
  mspId: string;
  certificatePath: string;
  privateKeyPath: string;
}

export function loadIdentity(files: IdentityFiles): FabricSigningIdentity {
  const certificate = readFileSync(files.certificatePath, 'utf8');
  const privateKey = privateKeyFromPem(readFileSync(files.privateKeyPath, 'utf8'));
  return { mspId: files.mspId, certificate, privateKey };
}

function firstPem(dir: string): string {
  const name = readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort()[0];
  if (!name) throw new Error(`no file in ${dir}`);
  return join(dir, name);
}

/** `mspDir` holds signcerts/<cert> and keystore/<key>, as cryptogen and fabric-ca-client write them. */
export function loadIdentityFromMspDir(mspDir: string, mspId: string): FabricSigningIdentity {
  return loadIdentity({
    mspId,
    certificatePath: firstPem(join(mspDir, 'signcerts')),
    privateKeyPath: firstPem(join(mspDir, 'keystore')),
  });
}
