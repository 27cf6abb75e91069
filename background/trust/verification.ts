/**
 * What the wallet says about chain evidence: how an outcome was verified, or, when the evidence
 * does not back a router's answer, why not. Such an answer is never used: the provider rejects
 * with `data.reason`, the popup shows it in red.
 */
import type { TransactionReceipt } from '../../p2p/chains/connector.ts';
import type { Blamed, FailureKind } from '../../p2p/client/failover.ts';

export class EvidenceRefusedError extends Error implements Blamed {
  override name = 'EvidenceRefusedError';
  /** Resource path the answer was about. */
  readonly path: string;
  /** Why the evidence does not hold, in a sentence ("the chain shows no receipt for 0x…"). */
  readonly reason: string;
  /**
   * What it says of the router that carried it (p2p/client/failover.ts): `lie` (the evidence does
   * not verify: another router is asked and this one demoted), `absent` (none came: another may
   * have it), or null (the evidence verified and says no, such as a Fabric transaction marked
   * invalid: every router would say the same).
   */
  readonly blame: FailureKind | null;

  constructor(path: string, reason: string, blame: FailureKind | null = 'lie') {
    super(`unverified answer for ${path}: ${reason}`);
    this.path = path;
    this.reason = reason;
    this.blame = blame;
  }
}

/** How an outcome was verified, for the user: "sealed by 3 of 4 sealers". */
export interface Verification {
  by: string;
}

/** A receipt the wallet rebuilt from chain evidence, with what verified it. */
export type VerifiedReceipt = TransactionReceipt & { verified: Verification };
