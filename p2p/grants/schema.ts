/**
 * Shapes of a grant and a read proof on the wire, checked before any cryptography runs, by the
 * router, the wallet and the records chaincode alike.
 *
 * Written by hand rather than with zod, which the routers use elsewhere: the wallet checks these
 * too, and zod would add about 30 kB gzip (and an eval probe) to the service worker bundle.
 * Each checker answers like zod's `safeParse`, so callers read the first issue the same way.
 */
import type { Grant, GrantedRead, Hex, ReadProof, SignedGrant } from './typed-data.ts';

export interface Issue {
  path: (string | number)[];
  message: string;
}

export type Parsed<T> = { success: true; data: T } | { success: false; error: { issues: Issue[] } };

export interface Checker<T> {
  safeParse(value: unknown): Parsed<T>;
}

class Invalid extends Error {
  readonly path: (string | number)[];
  constructor(path: (string | number)[], message: string) {
    super(message);
    this.path = path;
  }
}

type Check<T> = (value: unknown, path: (string | number)[]) => T;

function checker<T>(check: Check<T>): Checker<T> & { check: Check<T> } {
  return {
    check,
    safeParse(value) {
      try {
        return { success: true, data: check(value, []) };
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        return { success: false, error: { issues: [{ path: error.path, message: error.message }] } };
      }
    },
  };
}

const hexOf = (bytes: number, what: string): Check<Hex> => {
  const pattern = new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`);
  return (value, path) => {
    if (typeof value !== 'string' || !pattern.test(value)) throw new Invalid(path, `must be ${what}`);
    return value as Hex;
  };
};

const bytes32 = hexOf(32, '32 bytes of hex');
const address = hexOf(20, 'a 20-byte address');
const signatureHex = hexOf(65, 'a 65-byte signature');

function text(min: number, max: number): Check<string> {
  return (value, path) => {
    if (typeof value !== 'string' || value.length < min || value.length > max) {
      throw new Invalid(path, `must be a string of ${min} to ${max} characters`);
    }
    return value;
  };
}

const seconds: Check<number> = (value, path) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Invalid(path, 'must be a whole number of seconds');
  }
  return value;
};

function list<T>(item: Check<T>, min: number, max: number): Check<T[]> {
  return (value, path) => {
    if (!Array.isArray(value) || value.length < min || value.length > max) {
      throw new Invalid(path, `must be a list of ${min} to ${max} items`);
    }
    return value.map((v, i) => item(v, [...path, i]));
  };
}

/** An object with exactly these keys (unknown keys are refused, as a signed shape must not grow). */
function exact<T>(shape: { [K in keyof T]: Check<T[K]> }): Check<T> {
  const keys = Object.keys(shape) as (keyof T & string)[];
  return (value, path) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Invalid(path, 'must be an object');
    }
    const extra = Object.keys(value).find((k) => !keys.includes(k as keyof T & string));
    if (extra !== undefined) throw new Invalid([...path, extra], 'is not allowed here');
    const out = {} as T;
    for (const key of keys) out[key] = shape[key]((value as Record<string, unknown>)[key], [...path, key]);
    return out;
  };
}

const name = text(1, 200);

export const grantSchema = checker<Grant>(
  exact<Grant>({
    issuer: address,
    audienceOrigin: text(1, 300),
    audienceKey: address,
    resource: text(1, 200),
    records: list(name, 1, 64),
    fields: list(name, 0, 64),
    actions: list(text(1, 32), 1, 8),
    notBefore: seconds,
    expiry: seconds,
    nonce: bytes32,
  }),
);

export const grantedReadSchema = checker<GrantedRead>(
  exact<GrantedRead>({ grant: bytes32, record: name, nonce: bytes32, issuedAt: seconds }),
);

export const signature65 = checker<Hex>(signatureHex);

export const signedGrantSchema = checker<SignedGrant>(
  exact<SignedGrant>({ grant: grantSchema.check, signature: signatureHex }),
);

export const readProofSchema = checker<ReadProof>(
  exact<ReadProof>({ read: grantedReadSchema.check, signature: signatureHex }),
);
