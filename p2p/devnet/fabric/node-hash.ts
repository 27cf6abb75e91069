/**
 * SHA-256 with node:crypto for the devpeer's per-transaction and per-block hashes
 * (txids, block data and header hashes): the same digests as the browser-safe
 * codecs in p2p/chains/fabric, without hashing megabytes of blocks in JS.
 */
import { createHash } from 'node:crypto';
import { blockHeaderBytes } from '../../chains/fabric/block-hash.ts';

/** Fabric's transaction id: hex SHA-256 of nonce followed by the serialized creator. */
export function txIdOf(nonce: Uint8Array, creatorBytes: Uint8Array): string {
  return createHash('sha256').update(nonce).update(creatorBytes).digest('hex');
}

/** SHA-256 of the concatenated envelopes, without concatenating them. */
export function dataHashOf(envelopes: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const envelope of envelopes) hash.update(envelope);
  return hash.digest();
}

export function headerHashOf(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(blockHeaderBytes(number, previousHash, dataHash))
    .digest();
}
