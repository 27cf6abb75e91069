/**
 * The guomi FISCO BCOS scheme: SM3 hashes and SM2 signatures. As in FISCO BCOS 2.x
 * (libdevcrypto/SM2Signature.cpp, sm2/sm2.cpp), the signer signs the SM3 signing hash with
 * SM2 over Z_A (default user ID 1234567812345678), `v` carries the signer's 64-byte public
 * key, and the address is the last 20 bytes of SM3(public key). SM2/SM3 come from sm-crypto-v2.
 */
import { sm2, sm3 } from 'sm-crypto-v2';
import { fromHex, integerBytes } from './bytes.ts';
import { FiscoInvalidSignatureError } from './errors.ts';
import type { SignatureScheme, TransactionSignature, TransactionSigner } from './signature-scheme.ts';

/** SM2Signature::isValid bounds r and s by this constant (the secp256k1 order) on a guomi node too. */
const SIGNATURE_MAX = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function sm3Hash(data: Uint8Array): Uint8Array {
  return fromHex(`0x${sm3(data)}`);
}

/** Address of a 64-byte SM2 public key (x || y, no 04 prefix). */
export function sm2Address(publicKey: Uint8Array): string {
  return `0x${hex(sm3Hash(publicKey).subarray(12))}`;
}

export const sm2Scheme: SignatureScheme = {
  name: 'sm2-sm3',
  hash: sm3Hash,
  recoverSender(signature: TransactionSignature, digest: Uint8Array): string {
    const { v, r, s } = signature;
    if (v.length !== 64) throw new FiscoInvalidSignatureError('SM2 v must be the 64-byte public key');
    if (r.length > 32 || s.length > 32)
      throw new FiscoInvalidSignatureError('r and s must be at most 32 bytes');
    const rn = r.length === 0 ? 0n : BigInt(`0x${hex(r)}`);
    const sn = s.length === 0 ? 0n : BigInt(`0x${hex(s)}`);
    if (rn === 0n || sn === 0n || rn >= SIGNATURE_MAX || sn >= SIGNATURE_MAX) {
      throw new FiscoInvalidSignatureError('r and s must be in [1, max)');
    }
    const signatureHex = `${rn.toString(16).padStart(64, '0')}${sn.toString(16).padStart(64, '0')}`;
    let valid = false;
    try {
      valid = sm2.doVerifySignature(digest, signatureHex, `04${hex(v)}`, { hash: true });
    } catch {
      valid = false;
    }
    if (!valid)
      throw new FiscoInvalidSignatureError('SM2 signature does not verify against the public key in v');
    return sm2Address(v);
  },
};

/**
 * Verifies an SM2 signature `r‖s` (64 bytes) over a 32-byte digest, with Z_A of the default user
 * ID as FISCO BCOS's SM2 sign does; false on anything malformed.
 */
export function sm2VerifyDigest(digest: Uint8Array, rs: Uint8Array, publicKey: Uint8Array): boolean {
  if (rs.length !== 64 || publicKey.length !== 64) return false;
  try {
    return sm2.doVerifySignature(digest, hex(rs), `04${hex(publicKey)}`, { hash: true });
  } catch {
    return false;
  }
}

/** Signs guomi transactions with an SM2 private key held in memory. */
export class Sm2Signer implements TransactionSigner {
  readonly scheme = sm2Scheme;
  readonly address: string;
  readonly publicKey: Uint8Array;
  readonly #privateKeyHex: string;
  readonly #publicKeyHex: string;

  constructor(privateKey: Uint8Array | string) {
    this.#privateKeyHex =
      typeof privateKey === 'string' ? privateKey.replace(/^0x/, '').toLowerCase() : hex(privateKey);
    this.#publicKeyHex = sm2.getPublicKeyFromPrivateKey(this.#privateKeyHex);
    this.publicKey = fromHex(`0x${this.#publicKeyHex.slice(2)}`);
    this.address = sm2Address(this.publicKey);
  }

  static random(): Sm2Signer {
    return new Sm2Signer(sm2.generateKeyPairHex().privateKey);
  }

  sign(digest: Uint8Array): TransactionSignature {
    const signature = sm2.doSignature(digest, this.#privateKeyHex, {
      hash: true,
      publicKey: this.#publicKeyHex,
    });
    return {
      v: this.publicKey,
      r: integerBytes(BigInt(`0x${signature.slice(0, 64)}`)),
      s: integerBytes(BigInt(`0x${signature.slice(64, 128)}`)),
    };
  }
}
