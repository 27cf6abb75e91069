/**
 * ECDSA P-256 signing on libuv's thread pool (node:crypto's callback form), low-S as
 * Fabric requires: the peers' endorsement signatures are made off the event loop, so
 * one devpeer process serving two peers and an orderer keeps its thread for the
 * protocol work while another core signs.
 */
import { createPrivateKey, sign } from 'node:crypto';
import type { FabricSigningIdentity } from '../../chains/fabric/identity.ts';
import { toLowS } from '../../chains/fabric/low-s.ts';

/** Signs SHA-256(message), DER, low-S, on the thread pool. */
export function newAsyncMessageSigner(
  identity: FabricSigningIdentity,
): (message: Uint8Array) => Promise<Uint8Array> {
  // The raw scalar as SEC1 DER (ECPrivateKey with the P-256 OID, no public key).
  const key = createPrivateKey({
    key: Buffer.concat([
      Buffer.from('30310201010420', 'hex'),
      Buffer.from(identity.privateKey),
      Buffer.from('a00a06082a8648ce3d030107', 'hex'),
    ]),
    format: 'der',
    type: 'sec1',
  });
  return (message) =>
    new Promise((resolve, reject) => {
      sign('sha256', message, key, (error, signature) =>
        error ? reject(error) : resolve(toLowS(signature)),
      );
    });
}
