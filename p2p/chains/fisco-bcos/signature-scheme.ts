/**
 * The cryptography a FISCO BCOS chain uses for transactions. A standard chain uses
 * ECDSA secp256k1 with keccak256; a guomi chain uses SM2 with SM3, and its `v` carries the
 * 64-byte public key instead of a recovery id. Codec and RPC code only see these interfaces,
 * so a guomi scheme and signer can be added without touching them.
 */

/** The three signature fields as they travel in the transaction RLP. */
export interface TransactionSignature {
  /** ECDSA: `recid + 27` as one byte. SM2: the signer's 64-byte public key. */
  v: Uint8Array;
  /** r and s are integers on the wire (u256): minimal big-endian, no leading zero byte. */
  r: Uint8Array;
  s: Uint8Array;
}

export interface SignatureScheme {
  readonly name: 'ecdsa-secp256k1' | 'sm2-sm3';
  hash(data: Uint8Array): Uint8Array;
  /** Sender address (lower-case 0x hex) of a signature over `digest`; throws `FiscoInvalidSignatureError`. */
  recoverSender(signature: TransactionSignature, digest: Uint8Array): string;
}

/** Holds a key and signs transaction digests; the key never leaves it. */
export interface TransactionSigner {
  readonly scheme: SignatureScheme;
  /** Lower-case 0x-prefixed address. */
  readonly address: string;
  sign(digest: Uint8Array): TransactionSignature;
}
