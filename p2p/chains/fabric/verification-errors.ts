/**
 * Why the wallet refuses Fabric evidence a router carried: each error names its `reason` (a
 * short stable token for callers and tests) beside a message for people.
 */
import { FabricEvidenceError } from './evidence-errors.ts';

export class FabricUnverifiedError extends FabricEvidenceError {
  override name = 'FabricUnverifiedError';
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** An endorsed read (a prepared envelope) does not prove what the chaincode answered. */
export class FabricReadUnverifiedError extends FabricUnverifiedError {
  override name = 'FabricReadUnverifiedError';
}

/** A qscc answer does not prove the submitted transaction committed VALID. */
export class FabricCommitUnverifiedError extends FabricUnverifiedError {
  override name = 'FabricCommitUnverifiedError';
}

/**
 * The block names a config block newer than the wallet's trust: the channel config changed.
 * Fetch block `configBlockNumber`, follow it (followConfig) and verify again.
 */
export class FabricConfigChangedError extends FabricCommitUnverifiedError {
  override name = 'FabricConfigChangedError';
  readonly configBlockNumber: bigint;
  constructor(configBlockNumber: bigint, trusted: bigint) {
    super(
      'config-changed',
      `the channel config changed: the block names config block ${configBlockNumber}, the wallet trusts block ${trusted}`,
    );
    this.configBlockNumber = configBlockNumber;
  }
}

/** A config block that the trust the wallet holds does not vouch for. */
export class FabricConfigFollowError extends FabricUnverifiedError {
  override name = 'FabricConfigFollowError';
}
