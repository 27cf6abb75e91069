/**
 * A Fabric read the wallet acts on: the proposal it signed, ENDORSED by peers (the router
 * returns the prepared, unsigned envelope), whose signatures satisfy the chaincode's
 * endorsement policy. The answer is what those peers signed, bound to the wallet's proposal;
 * no router's word is taken. Browser-safe and synchronous; `verifyEndorsedReadAsync` runs the
 * same checks with the signatures verified by WebCrypto.
 */
import type { EndorsementRequirement } from '../chain-profile.ts';
import type { ChannelTrust } from './channel-config.ts';
import { mspIdsOf, readEndorsedResponse, requirementPolicy } from './endorsed-response.ts';
import { evaluatePolicy } from './policy.ts';
import { withWebCryptoSignatures } from './signatures-batch.ts';
import { FabricReadUnverifiedError } from './verification-errors.ts';

export interface EndorsedReadInput {
  trust: ChannelTrust;
  /** The chaincode's endorsement policy. */
  policy: EndorsementRequirement;
  /** The peer.SignedProposal the wallet made. */
  proposal: Uint8Array;
  /** The prepared envelope a router returned from `prepare` (payload only, not yet signed). */
  envelope: Uint8Array;
}

export interface EndorsedRead {
  /** The chaincode response's payload. */
  payload: Uint8Array;
  status: number;
  /** MSP ids of the organisations whose peers endorsed it. */
  endorsedBy: string[];
}

export function verifyEndorsedRead(input: EndorsedReadInput): EndorsedRead {
  const response = readEndorsedResponse(
    input.trust,
    input.proposal,
    input.envelope,
    FabricReadUnverifiedError,
  );
  if (!evaluatePolicy(requirementPolicy(input.policy), response.endorsers))
    throw new FabricReadUnverifiedError(
      'policy',
      `endorsements by ${mspIdsOf(response.endorsers).join(', ') || 'nobody'} do not satisfy ${input.policy.outOf} of ${input.policy.orgs.join(', ')}`,
    );
  return { payload: response.payload, status: response.status, endorsedBy: mspIdsOf(response.endorsers) };
}

export function verifyEndorsedReadAsync(input: EndorsedReadInput): Promise<EndorsedRead> {
  return withWebCryptoSignatures(() => verifyEndorsedRead(input));
}
