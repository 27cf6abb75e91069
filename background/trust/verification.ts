/**
 * What the wallet says about chain evidence: how an outcome was verified, or, when the evidence
 * does not back a router's answer, why not. Such an answer is never used: the provider rejects
 * with `data.reason`, the popup shows it in red.
 */
import type { TransactionReceipt } from '../../p2p/chains/connector.ts';

export class EvidenceRefusedError extends Error {
  override name = 'EvidenceRefusedError';
  /** Resource path the answer was about. */
  readonly path: string;
  /** Why the evidence does not hold, in a sentence ("the chain shows no receipt for 0x…"). */
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`unverified answer for ${path}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

/** How an outcome was verified, for the user: "sealed by 3 of 4 sealers". */
export interface Verification {
  by: string;
}

/** A receipt the wallet rebuilt from chain evidence, with what verified it. */
export type VerifiedReceipt = TransactionReceipt & { verified: Verification };
