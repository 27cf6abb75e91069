/**
 * A chain profile as it arrives from outside (a router's `chainProfile` answer, a file the user
 * imports): checked for shape here before anything else looks at it.
 */
import { z } from 'zod';
import type { ChainProfile } from '../../p2p/chains/chain-profile.ts';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, 'must be 0x-prefixed hex');
const nodeId = z.string().regex(/^(0x)?[0-9a-fA-F]{128}$/, 'must be a 64-byte node id in hex');

const fiscoProfile = z.object({
  type: z.literal('fisco-bcos'),
  chainId: z.number().int().nonnegative(),
  groupId: z.number().int().nonnegative(),
  crypto: z.enum(['ecdsa', 'sm']),
  genesisHash: hex.refine((h) => h.length === 66, 'must be 32 bytes'),
  sealers: z.array(nodeId).min(1).max(256),
  sealersAt: z.number().int().nonnegative(),
  receiptsWithRemainGas: z.boolean(),
});

const fabricProfile = z.object({
  type: z.literal('fabric'),
  channel: z.string().min(1).max(256),
  configBlock: hex.max(4_000_000),
  chaincodes: z.record(
    z.string().max(256),
    z.object({
      outOf: z.number().int().positive(),
      orgs: z.array(z.string().min(1).max(256)).min(1).max(64),
    }),
  ),
});

export const chainProfile = z.discriminatedUnion('type', [fiscoProfile, fabricProfile]);

/** A profile file: `{ "zone.chain": ChainProfile, ... }`, as `npm run router -- profile` prints it. */
export const profileFile = z.record(z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/), chainProfile);

export function parseChainProfile(value: unknown): ChainProfile {
  return chainProfile.parse(value) as ChainProfile;
}
