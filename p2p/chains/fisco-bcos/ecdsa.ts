/**
 * The standard (non-guomi) FISCO BCOS scheme: secp256k1 ECDSA over keccak256, `v = recid + 27`
 * with no EIP-155 chain id, and low-S required as the node's ECDSASignature::isValid demands.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { FiscoInvalidSignatureError } from './errors.ts';
import type { SignatureScheme, TransactionSignature, TransactionSigner } from './signature-scheme.ts';

const CURVE_ORDER = secp256k1.Point.CURVE().n;
// A wider fixed-base window (built lazily on first use) roughly halves signing time.
secp256k1.Point.BASE.precompute(8);
const HALF_ORDER = CURVE_ORDER >> 1n;

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
      const sig = new secp256k1.Signature(rn, sn, (v[0] as number) - 27);
      return addressOfPublicKey(sig.recoverPublicKey(digest).toBytes(false));
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
  readonly #privateKey: Uint8Array;

  constructor(privateKey: Uint8Array | string) {
    this.#privateKey =
      typeof privateKey === 'string' ? hexToBytes(privateKey.replace(/^0x/, '')) : privateKey;
    this.address = addressOfPublicKey(secp256k1.getPublicKey(this.#privateKey, false));
  }

  static random(): EcdsaSigner {
    return new EcdsaSigner(secp256k1.utils.randomSecretKey());
  }

  sign(digest: Uint8Array): TransactionSignature {
    // RFC 6979 deterministic nonces, as FISCO BCOS SDKs and ethers sign.
    const bytes = secp256k1.sign(digest, this.#privateKey, {
      prehash: false,
      lowS: true,
      extraEntropy: false,
      format: 'recovered',
    });
    // 'recovered' layout: recovery id, then r and s as 32 bytes each (FISCO BCOS keeps them as h256).
    return { v: Uint8Array.of((bytes[0] as number) + 27), r: bytes.slice(1, 33), s: bytes.slice(33, 65) };
  }
}
