/** Shapes of a grant and a read proof on the wire, checked before any cryptography runs. */
import { z } from 'zod';

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 32 bytes of hex');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 20-byte address');
const seconds = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const name = z.string().min(1).max(200);
export const signature65 = z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'must be a 65-byte signature');

export const grantSchema = z.strictObject({
  issuer: address,
  audienceOrigin: z.string().min(1).max(300),
  audienceKey: address,
  resource: z.string().min(1).max(200),
  records: z.array(name).min(1).max(64),
  fields: z.array(name).max(64),
  actions: z.array(z.string().min(1).max(32)).min(1).max(8),
  notBefore: seconds,
  expiry: seconds,
  nonce: bytes32,
});

export const grantedReadSchema = z.strictObject({
  grant: bytes32,
  record: name,
  nonce: bytes32,
  issuedAt: seconds,
});

export const signedGrantSchema = z.strictObject({ grant: grantSchema, signature: signature65 });
export const readProofSchema = z.strictObject({ read: grantedReadSchema, signature: signature65 });
