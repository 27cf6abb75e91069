/**
 * Granted reads across the router network (docs/grants.md): the light client enters at r3, the
 * Fabric records are one hop away (r3 -> r2) and the FISCO BCOS records two (r3 -> r2 -> r1).
 * The router fronting the data refuses bad grants and proofs with GRANT_REJECTED and a reason
 * (forwarded back over the hops); what passes it is checked again by the chain; only the fields
 * a grant covers ever come back.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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
    const record = JSON.stringify({ name: 'Ada', country: 'UK', score: '812' });
    await fabricWrite(net.fabric.user, 'PutRecord', ['kyc', record]);
    await bcosWrite(owner.signer, 'put', ['kyc', ['name', 'country', 'score'], ['Ada', 'UK', '812']]);
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
      assert.deepEqual(result, { record: 'kyc', fields: { name: 'Ada', country: 'UK' } });
      const all = grantFor(path, { fields: [] });
      const everything = await client.readGranted(path, all, prove(all.grant));
      assert.deepEqual(everything.fields, { name: 'Ada', country: 'UK', score: '812' });
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
      if (direct) assert.equal(direct.values.length, 2);
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
