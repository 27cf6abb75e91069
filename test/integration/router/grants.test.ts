/**
 * Granted reads across the router network (docs/grants.md): the light client enters at r3, the
 * Fabric records are one hop away (r3 -> r2) and the FISCO BCOS records two (r3 -> r2 -> r1).
 * The router fronting the data refuses bad grants and proofs with GRANT_REJECTED and a reason
 * (forwarded back over the hops); what passes it is checked again by the chain; only the fields
 * a grant covers ever come back, with the key blob the owner stored for that grant. The grant
 * read method itself runs through `readGranted` only: a plain call, prepare, endorse or submit of
 * it is refused with BAD_REQUEST, so the router's replay and revocation checks cannot be skipped.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { recordMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import type { FabricSigningIdentity } from '../../../p2p/chains/fabric/identity.ts';
import { signPreparedTransaction, signProposal } from '../../../p2p/chains/fabric/offline-signing.ts';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { recordsArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { LightClient } from '../../../p2p/client/light-client.ts';
import { type LocalNetwork, startLocalNetwork, waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import {
  accountLinkDigest,
  type Grant,
  type GrantedRead,
  grantId,
  type Hex,
  readDigest,
  signDigest,
} from '../../../p2p/grants/typed-data.ts';
import { HipError } from '../../../p2p/protocol/errors.ts';

const FAB = 'trade.fab.records';
const BCOS = 'payment.bcos.records';
const random32 = () => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}` as Hex;
const now = () => Math.floor(Date.now() / 1000);

/** A wallet's account: the signer and its raw key (grants are signed with the key). */
function account() {
  const key = random32();
  return { key, signer: new EcdsaSigner(key), address: new EcdsaSigner(key).address };
}

function rejected(reason: string) {
  return (error: unknown) => {
    assert.ok(error instanceof HipError, `expected a HipError, got ${error}`);
    assert.equal(error.code, 'GRANT_REJECTED', error.message);
    assert.equal(error.details.reason, reason, error.message);
    return true;
  };
}

/** The refusal of the grant read method outside readGranted. */
function ungated(error: unknown) {
  assert.ok(error instanceof HipError, `expected a HipError, got ${error}`);
  assert.equal(error.code, 'BAD_REQUEST', error.message);
  assert.match(error.message, /readGranted/);
  return true;
}

function reverted(reason: string) {
  return (error: unknown) => {
    assert.ok(error instanceof HipError, `expected a HipError, got ${error}`);
    assert.equal(error.code, 'CHAIN_REVERTED', error.message);
    assert.match(String(error.details.chainMessage ?? error.message), new RegExp(reason));
    return true;
  };
}

describe('granted reads across routers', { timeout: 180_000 }, () => {
  let dir: string;
  let net: LocalNetwork;
  let client: LightClient;
  const owner = account();
  const audience = account();
  const stranger = account();
  /** Per path: a grant the owner wrapped keys for when writing the record, and its blob. */
  const keyed = new Map<string, { signed: { grant: Grant; signature: Hex }; blob: string }>();

  async function fabricWrite(identity: FabricSigningIdentity, fn: string, args: string[]) {
    const proposal = signProposal(identity, { channel: 'mychannel', chaincode: 'records', fn, args });
    const prepared = await client.prepare(FAB, proposal.signed);
    const envelope = signPreparedTransaction(identity, prepared.unsigned, { txId: proposal.txId, fn });
    const receipt = await client.submit(FAB, envelope.signed);
    assert.equal(receipt.status, 'success', `${fn} failed`);
    return receipt;
  }

  async function link(identity: FabricSigningIdentity, who: { key: Hex; address: string }) {
    const proposal = signProposal(identity, {
      channel: 'mychannel',
      chaincode: 'records',
      fn: 'WhoAmI',
      args: [],
    });
    const me = (await client.call({ path: FAB, method: 'WhoAmI', signed: proposal.signed })).values[0] as {
      id: string;
    };
    const signature = signDigest(accountLinkDigest({ fabricId: me.id, account: who.address }), who.key);
    await fabricWrite(identity, 'LinkAccount', [who.address, signature]);
  }

  async function bcosWrite(signer: EcdsaSigner, method: string, args: unknown[]) {
    const info = await client.chainInfo(BCOS);
    const fields = transactionFields({
      to: net.fisco.records,
      data: encodeCall(recordsArtifact.abi as never, method, args),
      chainId: net.fisco.chainId,
      groupId: net.fisco.groupId,
      blockLimit: info.blockNumber + 500n,
    });
    const receipt = await client.submit(BCOS, signTransaction(fields, signer).raw);
    assert.equal(receipt.status, 'success', `${method} failed`);
    return receipt;
  }

  /** The contract's own check, past every router: a read straight to the FISCO BCOS node. */
  function directRead(signed: { grant: Grant; signature: Hex }) {
    const proof = prove(signed.grant);
    return new FiscoBcosConnector({
      url: net.fisco.node.url,
      chainId: net.fisco.chainId,
      groupId: net.fisco.groupId,
      zone: 'payment',
      chainName: 'bcos',
      resources: [{ name: 'records', address: net.fisco.records, abi: recordsArtifact.abi as never }],
    }).call({
      resource: BCOS,
      method: 'readWithGrant',
      args: [signed.grant, signed.signature, proof.read, proof.signature],
    });
  }

  function grantFor(resource: string, overrides: Partial<Grant> = {}, issuer = owner) {
    const grant: Grant = {
      issuer: issuer.address,
      audienceOrigin: 'http://127.0.0.1:8080',
      audienceKey: audience.address,
      resource,
      records: ['kyc'],
      fields: ['name', 'country'],
      actions: ['read'],
      notBefore: now() - 30,
      expiry: now() + 3600,
      nonce: random32(),
      ...overrides,
    };
    return { grant, signature: signDigest(grantId(grant), issuer.key) };
  }

  function prove(grant: Grant, overrides: Partial<GrantedRead> = {}, signer = audience) {
    const read: GrantedRead = {
      grant: grantId(grant),
      record: 'kyc',
      nonce: random32(),
      issuedAt: now(),
      ...overrides,
    };
    return { read, signature: signDigest(readDigest(read), signer.key) };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-grants-'));
    net = await startLocalNetwork({ dataDir: dir, blockIntervalMs: 100 });
    await waitForDirectory(
      net.routers.map((r) => r.router),
      5,
    );
    client = new LightClient({ routers: [net.routers.find((r) => r.name === 'r3')?.wsAddress as string] });
    // The owner's record on both chains: on Fabric written by user1, linked to the owner's account.
    await link(net.fabric.user, owner);
    for (const path of [FAB, BCOS]) {
      const signed = grantFor(path, { fields: ['country'] });
      keyed.set(path, { signed, blob: `weft-key1:${path}:${grantId(signed.grant)}` });
    }
    const fabKeyed = keyed.get(FAB) as { signed: { grant: Grant }; blob: string };
    const bcosKeyed = keyed.get(BCOS) as { signed: { grant: Grant }; blob: string };
    const record = JSON.stringify({ name: 'Ada', country: 'UK', score: '812' });
    await fabricWrite(net.fabric.user, 'PutRecord', [
      'kyc',
      record,
      JSON.stringify({ [grantId(fabKeyed.signed.grant)]: fabKeyed.blob }),
    ]);
    await bcosWrite(owner.signer, 'put', [
      'kyc',
      ['name', 'country', 'score'],
      ['Ada', 'UK', '812'],
      [grantId(bcosKeyed.signed.grant)],
      [bcosKeyed.blob],
    ]);
  });

  after(async () => {
    await client?.stop();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const path of [FAB, BCOS]) {
    test(`${path}: a valid grant reads exactly the covered fields`, async () => {
      const signed = grantFor(path);
      const result = await client.readGranted(path, signed, prove(signed.grant));
      assert.deepEqual(result, { record: 'kyc', fields: { name: 'Ada', country: 'UK' }, key: '' });
      const all = grantFor(path, { fields: [] });
      const everything = await client.readGranted(path, all, prove(all.grant));
      assert.deepEqual(everything.fields, { name: 'Ada', country: 'UK', score: '812' });
    });

    test(`${path}: readGranted answers the blob stored for its grant, and one shared later`, async () => {
      const { signed, blob } = keyed.get(path) as { signed: { grant: Grant; signature: Hex }; blob: string };
      assert.deepEqual(await client.readGranted(path, signed, prove(signed.grant)), {
        record: 'kyc',
        fields: { country: 'UK' },
        key: blob,
      });
      // A grant made after the write: no blob until the owner shares its keys.
      const later = grantFor(path, { fields: ['score'] });
      assert.equal((await client.readGranted(path, later, prove(later.grant))).key, '');
      const id = grantId(later.grant);
      if (path === FAB) await fabricWrite(net.fabric.user, 'ShareKeys', ['kyc', id, 'weft-key1:later']);
      else await bcosWrite(owner.signer, 'shareKeys', ['kyc', id, 'weft-key1:later']);
      assert.deepEqual(await client.readGranted(path, later, prove(later.grant)), {
        record: 'kyc',
        fields: { score: '812' },
        key: 'weft-key1:later',
      });
      // The first grant's blob is its own still.
      assert.equal((await client.readGranted(path, signed, prove(signed.grant))).key, blob);
    });

    test(`${path}: a plain call of the grant read method is refused; the one-time use holds`, async () => {
      const method = path === FAB ? 'ReadWithGrant' : 'readWithGrant';
      const signed = grantFor(path);
      const proof = prove(signed.grant);
      const args =
        path === FAB
          ? [JSON.stringify(signed.grant), signed.signature, JSON.stringify(proof.read), proof.signature]
          : [signed.grant, signed.signature, proof.read, proof.signature];
      // A valid grant and a fresh proof: the chain would answer, the router does not ask it.
      await assert.rejects(client.call({ path, method, args }), ungated);
      // The proof was not spent by the refusal: readGranted answers it once, then calls it a replay.
      assert.equal((await client.readGranted(path, signed, proof)).fields.name, 'Ada');
      await assert.rejects(client.readGranted(path, signed, proof), rejected('replayed'));
      // The replayed proof through a plain call: refused too, never the record.
      await assert.rejects(client.call({ path, method, args }), ungated);
      // Other methods of the resource still answer plain calls.
      const isRevoked = await client.call({
        path,
        method: path === FAB ? 'IsRevoked' : 'isRevoked',
        args: [owner.address, grantId(signed.grant)],
      });
      assert.equal(isRevoked.values[0], false);
      const fronting = net.routers.find((r) => r.name === (path === FAB ? 'r2' : 'r1'))?.router;
      const metrics = await fronting?.metrics.registry.getSingleMetricAsString(
        'weft_router_grant_rejections_total',
      );
      assert.match(metrics ?? '', /reason="ungated-read"} [2-9]/);
    });

    test(`${path}: the router refuses bad grants and proofs, with the reason, across the hops`, async () => {
      const signed = grantFor(path);
      const forged = { grant: signed.grant, signature: signDigest(grantId(signed.grant), stranger.key) };
      await assert.rejects(client.readGranted(path, forged, prove(signed.grant)), rejected('bad-signature'));
      const widened = { ...signed.grant, fields: [] };
      await assert.rejects(
        client.readGranted(path, { grant: widened, signature: signed.signature }, prove(widened)),
        rejected('bad-signature'),
      );
      await assert.rejects(
        client.readGranted(path, signed, prove(signed.grant, {}, stranger)),
        rejected('wrong-audience'),
      );
      const proof = prove(signed.grant);
      await client.readGranted(path, signed, proof);
      await assert.rejects(client.readGranted(path, signed, proof), rejected('replayed'));
      await assert.rejects(
        client.readGranted(path, signed, prove(signed.grant, { issuedAt: now() - 600 })),
        rejected('stale'),
      );
      await assert.rejects(
        client.readGranted(path, signed, prove(signed.grant, { record: 'other' })),
        rejected('not-covered'),
      );
      const expired = grantFor(path, { notBefore: now() - 7200, expiry: now() - 3600 });
      await assert.rejects(client.readGranted(path, expired, prove(expired.grant)), rejected('expired'));
      const early = grantFor(path, { notBefore: now() + 3600, expiry: now() + 7200 });
      await assert.rejects(client.readGranted(path, early, prove(early.grant)), rejected('not-yet-valid'));
      const other = grantFor(path === FAB ? BCOS : FAB);
      await assert.rejects(client.readGranted(path, other, prove(other.grant)), rejected('wrong-resource'));
      await assert.rejects(
        client.readGranted(path, { grant: {}, signature: '0x' } as never, {} as never),
        rejected('malformed'),
      );
      const fronting = net.routers.find((r) => r.name === (path === FAB ? 'r2' : 'r1'))?.router;
      const metrics = await fronting?.metrics.registry.getSingleMetricAsString(
        'weft_router_grant_rejections_total',
      );
      assert.match(metrics ?? '', /reason="bad-signature"} [2-9]/);
    });

    test(`${path}: a grant by someone else names only their own records, never the owner's`, async () => {
      const thief = account();
      if (path === FAB) {
        const admin = net.fabric.peer.identities.admin as FabricSigningIdentity;
        await link(admin, thief);
      }
      const signed = grantFor(path, { fields: [] }, thief);
      await assert.rejects(
        client.readGranted(path, signed, prove(signed.grant)),
        reverted('Records: no such record'),
      );
    });

    test(`${path}: from the revocation's commit on, the router refuses the grant, and so does the chain`, async () => {
      const signed = grantFor(path);
      await client.readGranted(path, signed, prove(signed.grant)); // the router now follows this grant
      const id = grantId(signed.grant);
      // Straight to the chain, past any router: the grant still reads.
      const direct = path === FAB ? null : await directRead(signed);
      if (direct) assert.deepEqual(direct.values, [['name', 'country'], ['Ada', 'UK'], '']);
      if (path === FAB) await fabricWrite(net.fabric.user, 'RevokeGrant', [id]);
      else await bcosWrite(owner.signer, 'revoke', [id]);
      // The revocation was relayed by the router fronting the data: it knows from the receipt on.
      await assert.rejects(client.readGranted(path, signed, prove(signed.grant)), rejected('revoked'));
      if (path === BCOS) await assert.rejects(directRead(signed), /Grant: revoked/);
      // Other grants of the same owner still read.
      const still = grantFor(path);
      assert.equal((await client.readGranted(path, still, prove(still.grant))).fields.name, 'Ada');
    });
  }

  test('Fabric: a signed ReadWithGrant proposal is refused as a call, prepare, endorse or submit', async () => {
    const signed = grantFor(FAB);
    const proof = prove(signed.grant);
    const args = [
      JSON.stringify(signed.grant),
      signed.signature,
      JSON.stringify(proof.read),
      proof.signature,
    ];
    const user = net.fabric.user;
    const proposal = (fn: string) =>
      signProposal(user, { channel: 'mychannel', chaincode: 'records', fn, args });
    await assert.rejects(
      client.call({ path: FAB, method: 'ReadWithGrant', signed: proposal('ReadWithGrant').signed }),
      ungated,
    );
    await assert.rejects(client.prepare(FAB, proposal('ReadWithGrant').signed), ungated);
    // The contract-qualified name runs the same function.
    await assert.rejects(client.prepare(FAB, proposal('records:ReadWithGrant').signed), ungated);
    await assert.rejects(
      client.request({ op: 'endorse', path: FAB, signed: proposal('ReadWithGrant').signed }),
      ungated,
    );
    // An envelope endorsed past the routers, straight at the peer, cannot be relayed either.
    const direct = new FabricConnector({
      endpoint: net.fabric.peer.address,
      channel: net.fabric.channel,
      zone: 'trade',
      chainName: 'fab',
      routerIdentity: net.fabric.peer.identities.router1 as FabricSigningIdentity,
      resources: [{ name: 'records', chaincode: 'records', methods: recordMethods }],
    });
    try {
      const endorsed = proposal('ReadWithGrant');
      const prepared = await direct.prepare({ resource: FAB, signed: endorsed.signed });
      const envelope = signPreparedTransaction(user, prepared.unsigned, {
        txId: endorsed.txId,
        fn: 'ReadWithGrant',
        chaincode: 'records',
      });
      await assert.rejects(client.submit(FAB, envelope.signed), ungated);
    } finally {
      await direct.close();
    }
    // The same proof still reads once through readGranted: nothing above reached the chain as a read.
    assert.equal((await client.readGranted(FAB, signed, proof)).fields.name, 'Ada');
  });

  test('FISCO BCOS: a signed transaction calling readWithGrant is refused at submit', async () => {
    const signed = grantFor(BCOS);
    const proof = prove(signed.grant);
    const info = await client.chainInfo(BCOS);
    const fields = transactionFields({
      to: net.fisco.records,
      data: encodeCall(recordsArtifact.abi as never, 'readWithGrant', [
        signed.grant,
        signed.signature,
        proof.read,
        proof.signature,
      ]),
      chainId: net.fisco.chainId,
      groupId: net.fisco.groupId,
      blockLimit: info.blockNumber + 500n,
    });
    await assert.rejects(client.submit(BCOS, signTransaction(fields, audience.signer).raw), ungated);
    assert.equal((await client.readGranted(BCOS, signed, proof)).fields.name, 'Ada');
  });

  test('a resource that holds no granted data answers UNSUPPORTED_OPERATION', async () => {
    const signed = grantFor('payment.bcos.asset');
    await assert.rejects(
      client.readGranted('payment.bcos.asset', signed, prove(signed.grant)),
      (error: unknown) => {
        assert.ok(error instanceof HipError);
        assert.equal(error.code, 'UNSUPPORTED_OPERATION');
        return true;
      },
    );
  });
});
