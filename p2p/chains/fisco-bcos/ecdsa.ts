/**
 * The standard (non-guomi) FISCO BCOS scheme: secp256k1 ECDSA over keccak256, `v = recid + 27`
 * with no EIP-155 chain id, and low-S required as the node's ECDSASignature::isValid demands.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { Signature, SigningKey } from 'ethers';
import { fromHex, integerBytes } from './bytes.ts';
import { FiscoInvalidSignatureError } from './errors.ts';
import type { SignatureScheme, TransactionSignature, TransactionSigner } from './signature-scheme.ts';

// All curve work goes through ethers (its bundled @noble/curves), so the wallet bundle carries
// one secp256k1 implementation, not two.
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_ORDER = CURVE_ORDER >> 1n;

const hex32 = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}`;

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

/** Address of an uncompressed public key (65 bytes with the 0x04 prefix, or the bare 64). */
export function addressOfPublicKey(publicKey: Uint8Array): string {
  const bare = publicKey.length === 65 ? publicKey.subarray(1) : publicKey;
  return `0x${bytesToHex(keccak_256(bare).subarray(12))}`;
}

export const ecdsaScheme: SignatureScheme = {
  name: 'ecdsa-secp256k1',
  hash: (data) => keccak_256(data),
  recoverSender(signature: TransactionSignature, digest: Uint8Array): string {
    const { v, r, s } = signature;
    if (v.length !== 1 || (v[0] !== 27 && v[0] !== 28)) {
      throw new FiscoInvalidSignatureError(`v must be 27 or 28, got 0x${bytesToHex(v)}`);
    }
    if (r.length > 32 || s.length > 32)
      throw new FiscoInvalidSignatureError('r and s must be at most 32 bytes');
    const rn = toBigInt(r);
    const sn = toBigInt(s);
    if (rn === 0n || sn === 0n || rn >= CURVE_ORDER || sn >= CURVE_ORDER) {
      throw new FiscoInvalidSignatureError('r and s must be in [1, n-1]');
    }
    if (sn > HALF_ORDER) throw new FiscoInvalidSignatureError('high-S signature (s > n/2) is not accepted');
    try {
      const sig = Signature.from({ r: hex32(rn), s: hex32(sn), v: v[0] as number });
      return addressOfPublicKey(fromHex(SigningKey.recoverPublicKey(digest, sig)));
    } catch (error) {
      throw new FiscoInvalidSignatureError(
        `signature does not recover a public key: ${(error as Error).message}`,
      );
    }
  },
};

/** Signs with a secp256k1 private key held in memory (the wallet's vault decrypts it first). */
export class EcdsaSigner implements TransactionSigner {
  readonly scheme = ecdsaScheme;
  readonly address: string;
  readonly #key: SigningKey;

  constructor(privateKey: Uint8Array | string) {
    const key = typeof privateKey === 'string' ? hexToBytes(privateKey.replace(/^0x/, '')) : privateKey;
    this.#key = new SigningKey(key);
    this.address = addressOfPublicKey(fromHex(this.#key.publicKey));
  }

  static random(): EcdsaSigner {
    return new EcdsaSigner(EcdsaSigner.randomKey());
  }

  /** A new private key: a 32-byte draw is a valid scalar except with probability ~2^-128; draw again then. */
  static randomKey(): Uint8Array {
    for (;;) {
      const key = crypto.getRandomValues(new Uint8Array(32));
      const n = BigInt(`0x${bytesToHex(key)}`);
      if (n > 0n && n < CURVE_ORDER) return key;
    }
  }

  sign(digest: Uint8Array): TransactionSignature {
    // ethers signs with RFC 6979 deterministic nonces, low S and v = 27 + recid: exactly FISCO's
    // form (and its bundled curve code signs about 20 % faster here than @noble/curves v2).
    const sig = this.#key.sign(digest);
    return { v: Uint8Array.of(sig.v), r: integerBytes(BigInt(sig.r)), s: integerBytes(BigInt(sig.s)) };
  }
}
