/**
 * What the private-records suites (one per chain) share: wallets made or restored from a recovery
 * phrase on fresh storage, grants signed as the wallet signs them and kept in its grant store,
 * a grantee site's key and read proofs, the wallet's revocation services over the suite's
 * client, and a scanner that looks for a plaintext value in chain data in every encoding it
 * could hide in (bytes, hex, base64).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { computeAddress, hexlify, randomBytes, SigningKey } from 'ethers';
import { ActivityLog } from '../../../background/activity/activity-log.ts';
import { WalletEvents } from '../../../background/events.ts';
import type { StoredGrant } from '../../../background/grants/grant-state.ts';
import { GrantStore } from '../../../background/grants/grant-store.ts';
import type { RevocationServices } from '../../../background/grants/revoke-grant.ts';
import type { RouterConnection } from '../../../background/routers/router-connection.ts';
import type { ChainTrust } from '../../../background/trust/chain-trust.ts';
import { Vault } from '../../../background/vault/vault.ts';
import type { ChainType } from '../../../p2p/chains/connector.ts';
import type { LightClient } from '../../../p2p/client/light-client.ts';
import { RecordCryptoError } from '../../../p2p/grants/record-crypto.ts';
import {
  type Grant,
  grantId,
  type Hex,
  type ReadProof,
  readDigest,
  type SignedGrant,
  signDigest,
} from '../../../p2p/grants/typed-data.ts';
import { HipError } from '../../../p2p/protocol/errors.ts';
import { MemoryStorageArea } from '../../unit/vault/memory-storage.ts';

export const PASSWORD = 'correct horse battery';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const random32 = () => hexlify(randomBytes(32)) as Hex;

/** A distinctive plaintext: if it is anywhere in chain data, the scan finds it. */
export function secretValue(label: string): string {
  return `weft-secret-${label}-${hexlify(randomBytes(16)).slice(2)}`;
}

/** A record id of its own per test, so one test's writes never answer another's reads. */
export function recordId(label: string): string {
  return `rec-${label}-${hexlify(randomBytes(6)).slice(2)}`;
}

export interface Wallet {
  vault: Vault;
  mnemonic: string;
  /** Account 0's address. */
  address: string;
}

/**
 * An unlocked wallet on storage of its own (nothing shared with any other wallet): new, or
 * restored from `mnemonic` as onboarding imports a recovery phrase. A low KDF cost: the suite is
 * not about the vault.
 */
export async function newWallet(mnemonic?: string): Promise<Wallet> {
  const vault = new Vault({
    local: new MemoryStorageArea(),
    session: new MemoryStorageArea(),
    iterations: 1_000,
    events: new WalletEvents(),
  });
  const created = await vault.create(PASSWORD, mnemonic);
  const [account] = created.accounts;
  assert.ok(account);
  return { vault, mnemonic: created.mnemonic, address: account.address };
}

/** A grantee site's key pair: reads are signed with it, field keys are wrapped to it. */
export interface Audience {
  privateKey: Hex;
  /** Compressed, as weft_requestGrant takes it. */
  publicKey: Hex;
  address: string;
}

export function newAudience(): Audience {
  const privateKey = random32();
  const key = new SigningKey(privateKey);
  return { privateKey, publicKey: key.compressedPublicKey as Hex, address: computeAddress(key.publicKey) };
}

/** A grant as the wallet keeps it, with what a site presents to read under it. */
export interface IssuedGrant {
  stored: StoredGrant;
  signed: SignedGrant;
  id: Hex;
  audience: Audience;
}

/**
 * Signs a read grant of `wallet`'s account 0 for `audience` (as weft_requestGrant does: the
 * account key signs the grant id) and adds it to `store`, with the audience's public key that
 * later writes wrap keys to.
 */
export async function issueGrant(
  store: GrantStore,
  wallet: Wallet,
  audience: Audience,
  scope: { resource: string; records: string[]; fields: string[]; chain: ChainType; fabricIdentity?: string },
): Promise<IssuedGrant> {
  const now = nowSeconds();
  const grant: Grant = {
    issuer: wallet.address,
    audienceOrigin: 'https://grantee.example',
    audienceKey: audience.address,
    resource: scope.resource,
    records: scope.records,
    fields: scope.fields,
    actions: ['read'],
    notBefore: now - 60,
    expiry: now + 3600,
    nonce: random32(),
  };
  const id = grantId(grant);
  const key = wallet.vault.privateKey(0);
  let signature: Hex;
  try {
    signature = signDigest(id, key);
  } finally {
    key.fill(0);
  }
  const stored: StoredGrant = {
    id,
    grant,
    signature,
    audiencePublicKey: audience.publicKey,
    origin: grant.audienceOrigin,
    chain: scope.chain,
    signer: { account: 0, ...(scope.fabricIdentity ? { fabricIdentity: scope.fabricIdentity } : {}) },
    createdAt: Date.now(),
  };
  await store.add(stored);
  return { stored, signed: { grant, signature }, id, audience };
}

/** A fresh read proof (new nonce, now) for `record` under `issued`, signed by its audience. */
export function prove(issued: IssuedGrant, record: string): ReadProof {
  const read = { grant: issued.id, record, nonce: random32(), issuedAt: nowSeconds() };
  return { read, signature: signDigest(readDigest(read), issued.audience.privateKey) };
}

export function newGrantStore(): GrantStore {
  return new GrantStore(new MemoryStorageArea(), new WalletEvents());
}

/**
 * The services the wallet's revocation (background/grants/revoke-grant.ts) runs on. The
 * wallet's RouterConnection is a describe cache over its light client; here it is that client.
 */
export function revocationServices(
  client: LightClient,
  vault: Vault,
  trust: ChainTrust,
  grants: GrantStore,
): RevocationServices {
  const routers = {
    describe: (path: string) => client.describe(path),
    client: () => client,
  } as unknown as RouterConnection;
  return {
    grants,
    vault,
    trust,
    routers,
    activity: new ActivityLog(new MemoryStorageArea(), new WalletEvents()),
  };
}

/**
 * `client` with every `call` sent as `from`: what anyone can do on FISCO BCOS, where a call's
 * sender is whatever the caller says.
 */
export function forgedFrom<C extends LightClient>(client: C, from: string): C {
  return new Proxy(client, {
    get(target, property) {
      if (property === 'call') {
        return (params: Parameters<LightClient['call']>[0]) => target.call({ ...params, from });
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The router's refusal of a granted read, with its reason. */
export function grantRejected(reason: string) {
  return (error: unknown) => {
    assert.ok(error instanceof HipError, `expected a HipError, got ${String(error)}`);
    assert.equal(error.code, 'GRANT_REJECTED', error.message);
    assert.equal(error.details.reason, reason, error.message);
    return true;
  };
}

/** A RecordCryptoError of `reason`. */
export function cryptoError(reason: 'malformed' | 'wrong-key') {
  return (error: unknown) => {
    assert.ok(error instanceof RecordCryptoError, `expected a RecordCryptoError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return true;
  };
}

const BASE64_LEAD = [0, 2, 3];

/**
 * The encodings in which `secret` (ASCII) occurs in `haystack`: raw bytes / text ('utf8'), hex in
 * either case ('hex'), standard or URL-safe base64 at any of the three byte alignments
 * ('base64'). Empty: not there. Bytes are searched as latin1 text, which keeps ASCII as it is.
 */
export function leaks(haystack: string | Uint8Array, secret: string): string[] {
  const text = typeof haystack === 'string' ? haystack : Buffer.from(haystack).toString('latin1');
  const bytes = Buffer.from(secret, 'utf8');
  const found: string[] = [];
  if (text.includes(secret)) found.push('utf8');
  if (text.toLowerCase().includes(bytes.toString('hex'))) found.push('hex');
  const base64 = [0, 1, 2].flatMap((shift) => {
    // `shift` bytes before the secret change the first characters; the bytes after it, the last.
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const core = encoded.slice(BASE64_LEAD[shift], Math.floor((shift + bytes.length) / 3) * 4);
    return [core, core.replace(/\+/g, '-').replace(/\//g, '_')];
  });
  if (base64.some((core) => text.includes(core))) found.push('base64');
  return found;
}

/** The scanner finds a planted value in every encoding and at every alignment (so a clean scan means something). */
export function assertScannerFinds(secret: string): void {
  const bytes = Buffer.from(secret, 'utf8');
  assert.deepEqual(leaks(`{"v":"${secret}"}`, secret), ['utf8']);
  assert.deepEqual(leaks(`0x00ff${bytes.toString('hex').toUpperCase()}00`, secret), ['hex']);
  for (const shift of [0, 1, 2]) {
    const planted = Buffer.concat([Buffer.alloc(shift, 7), bytes, Buffer.from([1, 2])]);
    assert.deepEqual(leaks(planted.toString('base64'), secret), ['base64'], `shift ${shift}`);
    assert.deepEqual(leaks(planted.toString('base64url'), secret), ['base64'], `url, shift ${shift}`);
    assert.deepEqual(leaks(new Uint8Array(planted), secret), ['utf8'], `bytes, shift ${shift}`);
  }
  assert.deepEqual(leaks(secret.slice(0, -1), secret), []);
}

/** Every file under `dir`, with its bytes. */
export async function filesUnder(dir: string): Promise<{ path: string; bytes: Uint8Array }[]> {
  const out: { path: string; bytes: Uint8Array }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, bytes: await readFile(path) });
  }
  return out;
}

/** What `leaks` finds in each file under `dir`, by path (files with nothing found left out). */
export async function leaksOnDisk(dir: string, secret: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const { path, bytes } of await filesUnder(dir)) {
    const found = leaks(bytes, secret);
    if (found.length > 0) out[path] = found;
  }
  return out;
}
