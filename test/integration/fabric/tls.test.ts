/**
 * TLS as real Fabric networks run it: the devpeer serves with a certificate from
 * its CA; the connector and the Gateway client trust that root; plain TCP fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect } from '@hyperledger/fabric-gateway';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import { FabricUnavailableError } from '../../../p2p/chains/fabric/errors.ts';
import { type FabricSigningIdentity, newDigestSigner } from '../../../p2p/chains/fabric/identity.ts';
import { CHANNEL, decoder, encoder, fundAccounts, startTestDevpeer, type TestDevpeer } from './fixture.ts';

let devpeer: TestDevpeer;
let user: FabricSigningIdentity;
let tlsRoot: string;

before(async () => {
  devpeer = await startTestDevpeer({ tls: true });
  user = devpeer.peer.identities.user1 as FabricSigningIdentity;
  tlsRoot = devpeer.peer.tlsRootCertificate ?? '';
});

after(async () => {
  await devpeer.close();
});

describe('devpeer over TLS', () => {
  test('the Gateway client and the connector reach it with the CA as TLS root', async () => {
    const client = new grpc.Client(devpeer.peer.address, grpc.credentials.createSsl(Buffer.from(tlsRoot)));
    const gateway = connect({
      client,
      identity: { mspId: user.mspId, credentials: encoder.encode(user.certificate) },
      signer: newDigestSigner(user.privateKey),
    });
    try {
      await fundAccounts(gateway, ['tls-a'], '9');
      const connector = new FabricConnector({
        endpoint: devpeer.peer.address,
        tlsRootCertificate: tlsRoot,
        channel: CHANNEL,
        zone: 'z',
        chainName: 'f',
        routerIdentity: devpeer.peer.identities.router1 as FabricSigningIdentity,
        resources: [{ name: 'asset', chaincode: 'asset' }],
      });
      try {
        const result = await connector.call({ resource: 'asset', method: 'BalanceOf', args: ['tls-a'] });
        assert.deepEqual(result.values, [9]);
        assert.ok((await connector.blockNumber()) > 0n);
      } finally {
        await connector.close();
      }
      assert.equal(
        decoder.decode(
          await gateway.getNetwork(CHANNEL).getContract('asset').evaluateTransaction('BalanceOf', 'tls-a'),
        ),
        '9',
      );
    } finally {
      gateway.close();
      client.close();
    }
  });

  test('a plain-TCP client cannot talk to it', async () => {
    const connector = new FabricConnector({
      endpoint: devpeer.peer.address,
      channel: CHANNEL,
      zone: 'z',
      chainName: 'f',
      routerIdentity: devpeer.peer.identities.router1 as FabricSigningIdentity,
      resources: [{ name: 'asset', chaincode: 'asset' }],
      callTimeoutMs: 3000,
    });
    try {
      await assert.rejects(
        connector.call({ resource: 'asset', method: 'BalanceOf', args: ['tls-a'] }),
        FabricUnavailableError,
      );
    } finally {
      await connector.close();
    }
  });
});
