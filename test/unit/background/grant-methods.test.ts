import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SigningKey } from 'ethers';
import { grantReadError } from '../../../background/provider/grant-errors.ts';
import { handleRequest } from '../../../background/provider/handle-request.ts';
import { providerMethods } from '../../../background/provider/methods/index.ts';
import { grantRequest } from '../../../background/provider/methods/request-grant.ts';
import type { WalletServices } from '../../../background/services.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import {
  type Grant,
  type GrantedRead,
  grantId,
  readDigest,
  signDigest,
} from '../../../p2p/grants/typed-data.ts';
import { HipError, HipErrorCode } from '../../../p2p/protocol/errors.ts';

const context = { origin: 'https://clinic.example' };
// Parameter checks and the origin check come before any wallet service is touched.
const methods = providerMethods({} as WalletServices);
const AUDIENCE_KEY = `0x${'22'.repeat(32)}` as const;
const AUDIENCE = '0x1563915e194D8CfBA1943570603F7606A3115508';
const AUDIENCE_PUBLIC = new SigningKey(AUDIENCE_KEY).compressedPublicKey;

const request = {
  resource: 'trade.fab.records',
  records: ['kyc'],
  fields: ['name', 'country'],
  durationSeconds: 3600,
  reason: 'open an account',
  audiencePublicKey: AUDIENCE_PUBLIC,
};

function signedRead() {
  const grant: Grant = {
    issuer: '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A',
    audienceOrigin: 'https://clinic.example',
    audienceKey: AUDIENCE,
    resource: 'trade.fab.records',
    records: ['kyc'],
    fields: ['name'],
    actions: ['read'],
    notBefore: 1_800_000_000,
    expiry: 1_800_003_600,
    nonce: `0x${'ab'.repeat(32)}`,
  };
  const id = grantId(grant);
  const read: GrantedRead = {
    grant: id,
    record: 'kyc',
    nonce: `0x${'cd'.repeat(32)}`,
    issuedAt: 1_800_000_100,
  };
  return {
    grant,
    signature: signDigest(id, `0x${'11'.repeat(32)}`),
    read,
    readSignature: signDigest(readDigest(read), AUDIENCE_KEY),
  };
}

async function errorCode(method: string, params: unknown, origin = context.origin) {
  const outcome = await handleRequest({ method, params: [params] }, { origin }, methods);
  assert.ok('error' in outcome, `${method} ${JSON.stringify(params)} did not fail`);
  return outcome.error;
}

describe('weft_requestGrant params', () => {
  test('each malformed field is -32602 naming it', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ resource: 'records' }, /resource/],
      [{ records: [] }, /records/],
      [{ records: ['kyc', 'kyc'] }, /twice/],
      [{ records: ['x'.repeat(201)] }, /records/],
      [{ fields: 'name' }, /fields/],
      [{ durationSeconds: 10 }, /durationSeconds/],
      [{ durationSeconds: 400 * 86_400 }, /durationSeconds/],
      [{ durationSeconds: '3600' }, /durationSeconds/],
      [{ reason: '  ' }, /reason/],
      [{ reason: 'x'.repeat(501) }, /reason/],
      [{ audiencePublicKey: 'clinic' }, /audiencePublicKey/],
      // An address is not a public key: nothing could be wrapped to it.
      [{ audiencePublicKey: AUDIENCE }, /audiencePublicKey/],
      [{ audiencePublicKey: AUDIENCE_PUBLIC.slice(0, -2) }, /audiencePublicKey/],
      [{ audiencePublicKey: `0x05${AUDIENCE_PUBLIC.slice(4)}` }, /audiencePublicKey/],
      // The right length and prefix, but x = 0 is on no point of the curve.
      [{ audiencePublicKey: `0x02${'00'.repeat(32)}` }, /audiencePublicKey/],
      // The old parameter, alone: said so, not a bare "missing".
      [{ audiencePublicKey: undefined, audienceKey: AUDIENCE }, /audienceKey is no longer taken/],
    ];
    for (const [change, message] of cases) {
      const error = await errorCode('weft_requestGrant', { ...request, ...change });
      assert.equal(error.code, ErrorCode.invalidParams, JSON.stringify(change));
      assert.match(error.message, message);
    }
  });
});

describe('weft_requestGrant audience key', () => {
  test('the grant names the address of the public key given, in either encoding; the key is kept compressed', () => {
    const uncompressed = new SigningKey(AUDIENCE_KEY).publicKey;
    assert.equal(uncompressed.length, 2 + 130);
    for (const audiencePublicKey of [
      AUDIENCE_PUBLIC,
      uncompressed,
      AUDIENCE_PUBLIC.toUpperCase().replace('0X', '0x'),
    ]) {
      const checked = grantRequest({ ...request, audiencePublicKey });
      assert.equal(checked.audienceKey, AUDIENCE);
      assert.equal(checked.audiencePublicKey, AUDIENCE_PUBLIC);
    }
  });
});

describe('weft_readWithGrant', () => {
  test('malformed grant, read or signatures are -32602', async () => {
    const good = signedRead();
    const cases: Record<string, unknown>[] = [
      { grant: { ...good.grant, records: [] } },
      { grant: { ...good.grant, extra: 1 } },
      { grant: { ...good.grant, resource: 'records' } },
      { signature: '0x1234' },
      { read: { ...good.read, nonce: '0x12' } },
      { readSignature: undefined },
    ];
    for (const change of cases) {
      const error = await errorCode('weft_readWithGrant', { ...good, ...change });
      assert.equal(error.code, ErrorCode.invalidParams, JSON.stringify(change));
    }
  });

  test('another origin than the grant audience is refused by the wallet with 4100', async () => {
    const error = await errorCode('weft_readWithGrant', signedRead(), 'https://thief.example');
    assert.equal(error.code, ErrorCode.unauthorized);
    assert.match(error.message, /this grant is for https:\/\/clinic\.example/);
    assert.deepEqual(error.data, { reason: 'wrong-origin', audienceOrigin: 'https://clinic.example' });
  });
});

describe('grantReadError', () => {
  test('a router refusal keeps its reason', () => {
    const error = grantReadError(
      new HipError(HipErrorCode.grantRejected, 'grant revoked by its issuer', {
        reason: 'revoked',
        grantId: '0x01',
      }),
    );
    assert.equal(error.code, -32000);
    assert.match(error.message, /refused \(revoked\)/);
    assert.deepEqual(error.data, { reason: 'revoked', grantId: '0x01', refusedBy: 'router' });
  });

  test('a chain refusal gets the same spelling of the reason, and the chain’s own words', () => {
    const error = grantReadError(
      new HipError(HipErrorCode.chainReverted, 'execution reverted: Grant: not yet valid', {
        chainCode: '0x16',
        chainMessage: 'Grant: not yet valid',
      }),
    );
    assert.equal(error.code, -32000);
    assert.deepEqual(error.data, {
      reason: 'not-yet-valid',
      refusedBy: 'chain',
      chainReason: 'Grant: not yet valid',
      chainCode: '0x16',
    });
  });

  test('anything else maps as other chain errors do', () => {
    const error = grantReadError(new HipError(HipErrorCode.unreachable, 'no router reachable'));
    assert.equal(error.code, ErrorCode.chainDisconnected);
  });
});
