/**
 * The router's grant check, one refusal per reason, plus the fast paths (a known grant, a known
 * audience key) refusing exactly what the slow paths refuse.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TypedDataEncoder, Wallet } from 'ethers';
import { SignerKeys } from '../../../p2p/grants/signer-keys.ts';
import {
  GRANT_DOMAIN,
  GRANT_TYPES,
  type Grant,
  type GrantedRead,
  grantId,
  type Hex,
  READ_TYPES,
  readDigest,
  signDigest,
} from '../../../p2p/grants/typed-data.ts';
import { GrantRejectedError, type GrantRejection, GrantVerifier } from '../../../p2p/grants/verify.ts';

const PATH = 'trade.fab.records';
const NOW = 1_800_000_000;
const random32 = () => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}` as Hex;

const issuer = Wallet.createRandom();
const audience = Wallet.createRandom();
const stranger = Wallet.createRandom();
const key = (w: { privateKey: string }) => w.privateKey as Hex;

function makeGrant(overrides: Partial<Grant> = {}): Grant {
  return {
    issuer: issuer.address,
    audienceOrigin: 'http://127.0.0.1:8080',
    audienceKey: audience.address,
    resource: PATH,
    records: ['kyc'],
    fields: ['name'],
    actions: ['read'],
    notBefore: NOW - 60,
    expiry: NOW + 3600,
    nonce: random32(),
    ...overrides,
  };
}

function signGrant(grant: Grant, signer = issuer) {
  return { grant, signature: signDigest(grantId(grant), key(signer)) };
}

function proveRead(grant: Grant, overrides: Partial<GrantedRead> = {}, signer = audience) {
  const read: GrantedRead = {
    grant: grantId(grant),
    record: 'kyc',
    nonce: random32(),
    issuedAt: NOW,
    ...overrides,
  };
  return { read, signature: signDigest(readDigest(read), key(signer)) };
}

function verifier(revoked = new Set<string>()) {
  return new GrantVerifier({ isRevoked: async (_issuer, id) => revoked.has(id), now: () => NOW });
}

async function refused(promise: Promise<unknown>, reason: GrantRejection) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof GrantRejectedError, String(error));
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

describe('grant typed data', () => {
  test('the hand-written read digest is the EIP-712 digest', () => {
    const read = { grant: random32(), record: 'kyc ✓ 記録', nonce: random32(), issuedAt: NOW };
    assert.equal(readDigest(read), TypedDataEncoder.hash(GRANT_DOMAIN, READ_TYPES, read));
  });

  test('a grant signed by a standard EIP-712 wallet has the signature signDigest makes', async () => {
    const grant = makeGrant();
    const fromWallet = await issuer.signTypedData(GRANT_DOMAIN, GRANT_TYPES, grant);
    assert.equal(fromWallet, signDigest(grantId(grant), key(issuer)));
  });
});

describe('GrantVerifier', () => {
  test('accepts a valid read, and a second read of the same grant with a fresh proof', async () => {
    const v = verifier();
    const grant = makeGrant();
    const signed = signGrant(grant);
    const first = await v.verify(PATH, signed, proveRead(grant));
    assert.equal(first.grantId, grantId(grant).toLowerCase());
    assert.equal(first.record, 'kyc');
    await v.verify(PATH, signed, proveRead(grant));
  });

  test('malformed grant or proof', async () => {
    const grant = makeGrant();
    await refused(
      verifier().verify(PATH, { grant: { ...grant, records: [] }, signature: '0x' }, {}),
      'malformed',
    );
    await refused(verifier().verify(PATH, signGrant(grant), { read: {}, signature: '0x00' }), 'malformed');
    await refused(verifier().verify(PATH, { ...signGrant(grant), extra: 1 }, proveRead(grant)), 'malformed');
  });

  test('forged: signed by someone else than the issuer', async () => {
    const grant = makeGrant();
    await refused(verifier().verify(PATH, signGrant(grant, stranger), proveRead(grant)), 'bad-signature');
  });

  test('widened by the grantee after signing, also when the original was checked before', async () => {
    const v = verifier();
    const grant = makeGrant();
    const signed = signGrant(grant);
    await v.verify(PATH, signed, proveRead(grant));
    const wider = { ...grant, records: ['kyc', 'salary'], fields: [] };
    await refused(
      v.verify(PATH, { grant: wider, signature: signed.signature }, proveRead(wider)),
      'bad-signature',
    );
    const longer = { ...grant, expiry: grant.expiry + 86_400 };
    await refused(
      v.verify(PATH, { grant: longer, signature: signed.signature }, proveRead(longer)),
      'bad-signature',
    );
  });

  test('a high-S twin of a valid signature is refused', async () => {
    const grant = makeGrant();
    const { signature } = signGrant(grant);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${signature.slice(66, 130)}`);
    const v = signature.slice(130) === '1b' ? '1c' : '1b';
    const twin = `${signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${v}` as Hex;
    await refused(verifier().verify(PATH, { grant, signature: twin }, proveRead(grant)), 'bad-signature');
  });

  test('wrong resource', async () => {
    const grant = makeGrant({ resource: 'payment.bcos.records' });
    await refused(verifier().verify(PATH, signGrant(grant), proveRead(grant)), 'wrong-resource');
  });

  test('a record the grant does not list, or no read action', async () => {
    const grant = makeGrant();
    await refused(
      verifier().verify(PATH, signGrant(grant), proveRead(grant, { record: 'salary' })),
      'not-covered',
    );
    const writeOnly = makeGrant({ actions: ['write'] });
    await refused(verifier().verify(PATH, signGrant(writeOnly), proveRead(writeOnly)), 'not-covered');
  });

  test('not yet valid, and expired', async () => {
    const early = makeGrant({ notBefore: NOW + 10 });
    await refused(verifier().verify(PATH, signGrant(early), proveRead(early)), 'not-yet-valid');
    const late = makeGrant({ expiry: NOW });
    await refused(verifier().verify(PATH, signGrant(late), proveRead(late)), 'expired');
  });

  test('a stolen grant without the audience key, and a proof made for another grant', async () => {
    const grant = makeGrant();
    await refused(
      verifier().verify(PATH, signGrant(grant), proveRead(grant, {}, stranger)),
      'wrong-audience',
    );
    await refused(
      verifier().verify(PATH, signGrant(grant), proveRead(grant, { grant: random32() })),
      'wrong-audience',
    );
  });

  test('the fast path of a known audience key refuses another signer and a flipped v', async () => {
    const v = verifier();
    const grant = makeGrant();
    const signed = signGrant(grant);
    await v.verify(PATH, signed, proveRead(grant)); // the audience key is known from here on
    await refused(v.verify(PATH, signed, proveRead(grant, {}, stranger)), 'wrong-audience');
    const proof = proveRead(grant);
    const flipped = `${proof.signature.slice(0, 130)}${proof.signature.endsWith('1b') ? '1c' : '1b'}` as Hex;
    await refused(v.verify(PATH, signed, { ...proof, signature: flipped }), 'wrong-audience');
    await v.verify(PATH, signed, proof);
  });

  test('a stale proof, either way', async () => {
    const grant = makeGrant();
    await refused(
      verifier().verify(PATH, signGrant(grant), proveRead(grant, { issuedAt: NOW - 61 })),
      'stale',
    );
    await refused(
      verifier().verify(PATH, signGrant(grant), proveRead(grant, { issuedAt: NOW + 61 })),
      'stale',
    );
  });

  test('a replayed read', async () => {
    const v = verifier();
    const grant = makeGrant();
    const signed = signGrant(grant);
    const proof = proveRead(grant);
    await v.verify(PATH, signed, proof);
    await refused(v.verify(PATH, signed, proof), 'replayed');
  });

  test('a revoked grant', async () => {
    const grant = makeGrant();
    const revoked = new Set([grantId(grant).toLowerCase()]);
    await refused(verifier(revoked).verify(PATH, signGrant(grant), proveRead(grant)), 'revoked');
  });
});

describe('SignerKeys', () => {
  test('agrees with ecrecover on both paths, for many signatures', () => {
    const keys = new SignerKeys();
    for (let i = 0; i < 20; i++) {
      const digest = random32();
      const signature = signDigest(digest, key(audience));
      assert.ok(keys.isSignedBy(digest, signature, audience.address));
      assert.ok(!keys.isSignedBy(random32(), signature, audience.address));
      assert.ok(!keys.isSignedBy(digest, signature, stranger.address));
    }
  });
});
