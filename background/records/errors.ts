/** The typed errors of the owner's record operations (background/records/records.ts). */
import type { RecordCryptoReason } from '../../p2p/grants/record-crypto.ts';

/** The resource is not a records resource (it has no grant read), or not on the chain type expected. */
export class NotRecordsResourceError extends Error {
  override name = 'NotRecordsResourceError';
}

/** The owner has no record of that id on this resource. */
export class RecordNotFoundError extends Error {
  override name = 'RecordNotFoundError';
  readonly record: string;
  constructor(path: string, record: string) {
    super(`${path} holds no record ${record} of yours`);
    this.record = record;
  }
}

/**
 * A stored value does not open with the owner's keys: not sealed (`malformed`) or altered, moved
 * from another place, or sealed by another account (`wrong-key`). AES-GCM authenticates every
 * value, so a router or node cannot pass off a value the owner did not write.
 */
export class RecordUnreadableError extends Error {
  override name = 'RecordUnreadableError';
  readonly record: string;
  readonly reason: RecordCryptoReason;
  constructor(record: string, reason: RecordCryptoReason, detail: string) {
    super(`record ${record} does not open with this account's keys: ${detail}`);
    this.record = record;
    this.reason = reason;
  }
}

/** The Fabric side of a records operation needs an identity and the wallet holds none for it. */
export class NoFabricIdentityError extends Error {
  override name = 'NoFabricIdentityError';
  constructor() {
    super('no Fabric identity: import one in the popup');
  }
}
