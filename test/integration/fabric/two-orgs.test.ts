/**
 * The two-organisation network: block 0 is a channel config block naming the three
 * MSPs (root certificates, NodeOUs) and the policies; every later block carries the
 * orderer's signature in Fabric's format; the peers of Org1 and Org2 commit the same
 * blocks with the same validation codes and serve them byte for byte alike through
 * qscc; a transaction can go through either organisation's gateway; a peer that lost
 * blocks catches up; a data directory of the one-organisation devpeer is refused.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway } from '@hyperledger/fabric-gateway';
import { common, msp, orderer, peer } from '@hyperledger/fabric-protos';
import { blockHeaderBytes } from '../../../p2p/chains/fabric/block-hash.ts';
import { encodeSerializedIdentity } from '../../../p2p/chains/fabric/header-codec.ts';
import { type FabricSigningIdentity, newDigestSigner } from '../../../p2p/chains/fabric/identity.ts';
import { VALIDATION } from '../../../p2p/devnet/fabric/committer.ts';
import { LegacyDevpeerDataError, startDevpeer } from '../../../p2p/devnet/fabric/devpeer.ts';
import { CHANNEL, decoder, encoder, fundAccounts, startTestDevpeer, type TestDevpeer } from './fixture.ts';

let dir: string;
let devpeer: TestDevpeer;
let org1User: Gateway;
let org2User: Gateway;
const clients: grpc.Client[] = [];

function connectTo(address: string, identity: FabricSigningIdentity): Gateway {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  clients.push(client);
  return connect({
    client,
    identity: { mspId: identity.mspId, credentials: encoder.encode(identity.certificate) },
    signer: newDigestSigner(identity.privateKey),
  });
}

const qscc = (gateway: Gateway) => gateway.getNetwork(CHANNEL).getContract('qscc');

function configOf(block: common.Block): common.Config {
  const envelope = common.Envelope.deserializeBinary(block.getData()?.getDataList_asU8()[0] as Uint8Array);
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const header = common.ChannelHeader.deserializeBinary(
    payload.getHeader()?.getChannelHeader_asU8() as Uint8Array,
  );
  assert.equal(header.getType(), common.HeaderType.CONFIG);
  assert.equal(header.getChannelId(), CHANNEL);
  return common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig() as common.Config;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-two-orgs-'));
  devpeer = await startTestDevpeer({}, dir);
  org1User = connectTo(devpeer.peer.address, devpeer.peer.identities.user1 as FabricSigningIdentity);
  org2User = connectTo(
    devpeer.peer.org2.address,
    devpeer.peer.org2.identities.user1 as FabricSigningIdentity,
  );
  await fundAccounts(org1User, ['alice', 'bob'], '100');
});

after(async () => {
  for (const client of clients) client.close();
  await devpeer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two organisations and an orderer', () => {
  test('block 0 is a channel config block with the three MSPs, NodeOUs and policies', () => {
    const block = common.Block.deserializeBinary(devpeer.peer.genesisBlock(CHANNEL));
    assert.equal(block.getHeader()?.getNumber(), 0);
    const channel = configOf(block).getChannelGroup() as common.ConfigGroup;
    const application = channel.getGroupsMap().get('Application') as common.ConfigGroup;
    const ordererGroup = channel.getGroupsMap().get('Orderer') as common.ConfigGroup;
    assert.deepEqual([...application.getGroupsMap().keys()].sort(), ['Org1MSP', 'Org2MSP']);
    assert.deepEqual([...ordererGroup.getGroupsMap().keys()], ['OrdererOrg']);
    const orgs = [
      [application.getGroupsMap().get('Org1MSP'), devpeer.peer.caCertificate],
      [application.getGroupsMap().get('Org2MSP'), devpeer.peer.org2.caCertificate],
    ] as const;
    for (const [org, root] of orgs) {
      const mspConfig = msp.MSPConfig.deserializeBinary(
        org?.getValuesMap().get('MSP')?.getValue_asU8() as Uint8Array,
      );
      const fabric = msp.FabricMSPConfig.deserializeBinary(mspConfig.getConfig_asU8());
      assert.deepEqual(
        fabric.getRootCertsList_asU8().map((c) => decoder.decode(c)),
        [root],
      );
      assert.equal(fabric.getFabricNodeOus()?.getEnable(), true);
      assert.equal(
        fabric.getFabricNodeOus()?.getPeerOuIdentifier()?.getOrganizationalUnitIdentifier(),
        'peer',
      );
      assert.ok(org?.getPoliciesMap().has('Endorsement'));
    }
    const ordererMsp = msp.FabricMSPConfig.deserializeBinary(
      msp.MSPConfig.deserializeBinary(
        ordererGroup
          .getGroupsMap()
          .get('OrdererOrg')
          ?.getValuesMap()
          .get('MSP')
          ?.getValue_asU8() as Uint8Array,
      ).getConfig_asU8(),
    );
    assert.equal(ordererMsp.getName(), 'OrdererMSP');
    assert.equal(
      orderer.ConsensusType.deserializeBinary(
        ordererGroup.getValuesMap().get('ConsensusType')?.getValue_asU8() as Uint8Array,
      ).getType(),
      'solo',
    );
    const blockValidation = ordererGroup.getPoliciesMap().get('BlockValidation')?.getPolicy();
    assert.equal(blockValidation?.getType(), common.Policy.PolicyType.IMPLICIT_META);
    const rule = common.ImplicitMetaPolicy.deserializeBinary(blockValidation?.getValue_asU8() as Uint8Array);
    assert.deepEqual([rule.getRule(), rule.getSubPolicy()], [common.ImplicitMetaPolicy.Rule.ANY, 'Writers']);
    const endorsement = application.getPoliciesMap().get('Endorsement')?.getPolicy();
    const majority = common.ImplicitMetaPolicy.deserializeBinary(endorsement?.getValue_asU8() as Uint8Array);
    assert.deepEqual(
      [majority.getRule(), majority.getSubPolicy()],
      [common.ImplicitMetaPolicy.Rule.MAJORITY, 'Endorsement'],
    );
  });

  test('every block after 0 is signed by the orderer over value ‖ signature header ‖ DER header; LAST_CONFIG is 0', () => {
    const ledger = devpeer.peer.ledger(CHANNEL);
    const ordererCert = new X509Certificate(devpeer.peer.ordererIdentity.certificate);
    assert.match(ordererCert.subject, /OU=orderer/);
    const ordererKey = createPublicKey(ordererCert.publicKey.export({ format: 'pem', type: 'spki' }));
    const creator = Buffer.from(encodeSerializedIdentity(devpeer.peer.ordererIdentity));
    assert.ok(ledger.height > 2n);
    for (let n = 1n; n < ledger.height; n++) {
      const block = ledger.block(n) as common.Block;
      const header = block.getHeader() as common.BlockHeader;
      const metadata = block.getMetadata()?.getMetadataList_asU8() ?? [];
      const signatures = common.Metadata.deserializeBinary(metadata[0] as Uint8Array);
      const value = common.OrdererBlockMetadata.deserializeBinary(signatures.getValue_asU8());
      assert.equal(value.getLastConfig()?.getIndex(), 0);
      assert.equal(
        common.Metadata.deserializeBinary(metadata[1] as Uint8Array).getSignaturesList().length,
        0,
      );
      assert.equal(
        common.LastConfig.deserializeBinary(
          common.Metadata.deserializeBinary(metadata[1] as Uint8Array).getValue_asU8(),
        ).getIndex(),
        0,
      );
      const [signature] = signatures.getSignaturesList();
      assert.equal(signatures.getSignaturesList().length, 1);
      const signatureHeader = common.SignatureHeader.deserializeBinary(
        signature?.getSignatureHeader_asU8() as Uint8Array,
      );
      assert.deepEqual(Buffer.from(signatureHeader.getCreator_asU8()), creator);
      assert.equal(signatureHeader.getNonce_asU8().length, 24);
      const signed = Buffer.concat([
        signatures.getValue_asU8(),
        signature?.getSignatureHeader_asU8() as Uint8Array,
        blockHeaderBytes(
          BigInt(header.getNumber()),
          header.getPreviousHash_asU8(),
          header.getDataHash_asU8(),
        ),
      ]);
      assert.ok(
        verify('sha256', signed, ordererKey, signature?.getSignature_asU8() as Uint8Array),
        `block ${n}`,
      );
      // The filter has one code per transaction; the orderer's signature does not cover it.
      assert.equal(metadata[2]?.length, block.getData()?.getDataList().length);
    }
  });

  test("Org2's gateway takes a transaction too; both peers' qscc serve the same bytes", async () => {
    const asset = org2User.getNetwork(CHANNEL).getContract('asset');
    await asset.submitTransaction('OpenAccount', 'dave');
    const transfer = await org1User
      .getNetwork(CHANNEL)
      .getContract('asset')
      .submitAsync('Transfer', { arguments: ['alice', 'bob', '3'] });
    const txId = transfer.getTransactionId();
    assert.equal((await transfer.getStatus()).code, VALIDATION.VALID);
    const ask = async (gateway: Gateway) => {
      const contract = qscc(gateway);
      const info = await contract.evaluateTransaction('GetChainInfo', CHANNEL);
      const height = common.BlockchainInfo.deserializeBinary(info).getHeight();
      const blocks = [];
      for (let n = 0; n < height; n++)
        blocks.push(Buffer.from(await contract.evaluateTransaction('GetBlockByNumber', CHANNEL, String(n))));
      return {
        info: Buffer.from(info),
        blocks,
        byTx: Buffer.from(await contract.evaluateTransaction('GetBlockByTxID', CHANNEL, txId)),
        tx: Buffer.from(await contract.evaluateTransaction('GetTransactionByID', CHANNEL, txId)),
      };
    };
    const [fromOrg1, fromOrg2] = [await ask(org1User), await ask(org2User)];
    assert.deepEqual(fromOrg2, fromOrg1);
    assert.equal(
      peer.ProcessedTransaction.deserializeBinary(fromOrg1.tx).getValidationcode(),
      VALIDATION.VALID,
    );
    assert.deepEqual(
      Buffer.from(devpeer.peer.org2.ledger(CHANNEL).blockBytes(0n) as Uint8Array),
      Buffer.from(devpeer.peer.genesisBlock(CHANNEL)),
    );
  });

  test('a lagging peer catches up from the other on restart; a one-organisation data directory is refused', async () => {
    const height = devpeer.peer.ledger(CHANNEL).height;
    const blocks = Array.from({ length: Number(height) }, (_, n) =>
      Buffer.from(devpeer.peer.ledger(CHANNEL).blockBytes(BigInt(n)) as Uint8Array),
    );
    await devpeer.close();
    rmSync(join(dir, 'peers', 'peer0.org2'), { recursive: true });
    devpeer = await startTestDevpeer({}, dir);
    for (const node of devpeer.peer.peers) {
      assert.equal(node.ledger(CHANNEL).height, height);
      for (const [n, bytes] of blocks.entries())
        assert.deepEqual(Buffer.from(node.ledger(CHANNEL).blockBytes(BigInt(n)) as Uint8Array), bytes);
    }

    const legacy = mkdtempSync(join(tmpdir(), 'weft-legacy-'));
    try {
      mkdirSync(join(legacy, 'ledgers', CHANNEL), { recursive: true });
      await assert.rejects(startDevpeer({ dataDir: legacy }), (error: unknown) => {
        assert.ok(error instanceof LegacyDevpeerDataError);
        assert.equal(error.name, 'LegacyDevpeerDataError');
        assert.match(error.message, new RegExp(`delete ${legacy}`));
        return true;
      });
    } finally {
      rmSync(legacy, { recursive: true, force: true });
    }
  });
});
