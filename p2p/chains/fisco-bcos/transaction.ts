/**
 * FISCO BCOS 2.x (RC2) transactions: the RLP list
 * `[randomid, gasPrice, gasLimit, blockLimit, to, value, data, chainId, groupId, extraData, v, r, s]`.
 * The signing hash covers the first ten fields; the transaction hash covers all thirteen.
 */
import { decodeRlp, getBytes } from 'ethers';
import type { Hex } from '../connector.ts';
import { fromHex, integerBytes, toHex } from './bytes.ts';
import { ecdsaScheme } from './ecdsa.ts';
import { FiscoTransactionFormatError } from './errors.ts';
import { encodeRlpList } from './rlp-encode.ts';
import type { SignatureScheme, TransactionSignature, TransactionSigner } from './signature-scheme.ts';

export interface FiscoTransactionFields {
  /** Random 256-bit nonce; the node refuses one it has seen. */
  randomid: bigint;
  gasPrice: bigint;
  gasLimit: bigint;
  /** Valid while `curBlock < blockLimit <= curBlock + 1000`. */
  blockLimit: bigint;
  /** Contract address, or null to deploy. */
  to: string | null;
  value: bigint;
  data: Hex;
  chainId: bigint;
  groupId: bigint;
  extraData: Hex;
}

export interface SignedFiscoTransaction {
  fields: FiscoTransactionFields;
  signature: TransactionSignature;
  /** The full signed RLP. */
  raw: Hex;
  /** Transaction hash: hash of the full signed RLP. */
  hash: Hex;
  /** Hash of the unsigned RLP (first ten fields). */
  signingHash: Hex;
}

/** FISCO BCOS 2.x defaults used by its SDKs. */
export const DEFAULT_GAS_PRICE = 300_000_000n;
export const DEFAULT_GAS_LIMIT = 300_000_000n;
export const BLOCK_LIMIT_WINDOW = 1000n;

function unsignedItems(f: FiscoTransactionFields): Uint8Array[] {
  return [
    integerBytes(f.randomid),
    integerBytes(f.gasPrice),
    integerBytes(f.gasLimit),
    integerBytes(f.blockLimit),
    f.to === null ? new Uint8Array(0) : fromHex(f.to),
    integerBytes(f.value),
    fromHex(f.data),
    integerBytes(f.chainId),
    integerBytes(f.groupId),
    fromHex(f.extraData),
  ];
}

export function encodeUnsigned(fields: FiscoTransactionFields): Uint8Array {
  return encodeRlpList(unsignedItems(fields));
}

export function signingHash(
  fields: FiscoTransactionFields,
  scheme: SignatureScheme = ecdsaScheme,
): Uint8Array {
  return scheme.hash(encodeUnsigned(fields));
}

export function encodeSigned(fields: FiscoTransactionFields, signature: TransactionSignature): Uint8Array {
  return encodeRlpList([...unsignedItems(fields), signature.v, signature.r, signature.s]);
}

export function signTransaction(
  fields: FiscoTransactionFields,
  signer: TransactionSigner,
): SignedFiscoTransaction {
  const digest = signingHash(fields, signer.scheme);
  const signature = signer.sign(digest);
  const raw = encodeSigned(fields, signature);
  return {
    fields,
    signature,
    raw: toHex(raw),
    hash: toHex(signer.scheme.hash(raw)),
    signingHash: toHex(digest),
  };
}

/** A fresh 256-bit randomid from the platform CSPRNG (browser and Node alike). */
export function randomId(): bigint {
  return BigInt(toHex(crypto.getRandomValues(new Uint8Array(32))));
}

function toBigInt(item: string): bigint {
  return item === '0x' ? 0n : BigInt(item);
}

/** RLP integers are minimal: no leading zero byte. */
function integerField(name: string, item: unknown, maxBytes: number): bigint {
  if (typeof item !== 'string') throw new FiscoTransactionFormatError(`${name} must be a byte string`);
  const size = (item.length - 2) / 2;
  if (size > maxBytes) throw new FiscoTransactionFormatError(`${name} is longer than ${maxBytes} bytes`);
  if (size > 0 && item.startsWith('0x00'))
    throw new FiscoTransactionFormatError(`${name} has a leading zero`);
  return toBigInt(item);
}

function bytesField(name: string, item: unknown): Hex {
  if (typeof item !== 'string') throw new FiscoTransactionFormatError(`${name} must be a byte string`);
  return item as Hex;
}

/** Decodes a signed RC2 transaction; throws `FiscoTransactionFormatError` on anything malformed. */
export function decodeTransaction(
  raw: Hex | Uint8Array,
  scheme: SignatureScheme = ecdsaScheme,
): SignedFiscoTransaction {
  let bytes: Uint8Array;
  let items: unknown;
  try {
    bytes = getBytes(raw);
    items = decodeRlp(bytes);
  } catch (error) {
    throw new FiscoTransactionFormatError(`bad RLP: ${(error as Error).message.split(' (')[0]}`);
  }
  if (!Array.isArray(items)) throw new FiscoTransactionFormatError('rc2 transaction RLP must be a list');
  if (items.length !== 13) {
    throw new FiscoTransactionFormatError(`rc2 transaction must have 13 fields, got ${items.length}`);
  }
  const to = bytesField('to', items[4]);
  if (to !== '0x' && to.length !== 42) throw new FiscoTransactionFormatError('to must be empty or 20 bytes');
  const fields: FiscoTransactionFields = {
    randomid: integerField('randomid', items[0], 32),
    gasPrice: integerField('gasPrice', items[1], 32),
    gasLimit: integerField('gasLimit', items[2], 32),
    blockLimit: integerField('blockLimit', items[3], 32),
    to: to === '0x' ? null : to.toLowerCase(),
    value: integerField('value', items[5], 32),
    data: bytesField('data', items[6]),
    chainId: integerField('chainId', items[7], 32),
    groupId: integerField('groupId', items[8], 32),
    extraData: bytesField('extraData', items[9]),
  };
  const signature: TransactionSignature = {
    v: fromHex(bytesField('v', items[10])),
    // r and s are RLP integers (u256): a node refuses a leading zero byte.
    r: integerBytes(integerField('r', items[11], 32)),
    s: integerBytes(integerField('s', items[12], 32)),
  };
  return {
    fields,
    signature,
    raw: toHex(bytes),
    hash: toHex(scheme.hash(bytes)),
    signingHash: toHex(signingHash(fields, scheme)),
  };
}

/** The sender's address; throws `FiscoInvalidSignatureError` for a bad or high-S signature. */
export function recoverSender(tx: SignedFiscoTransaction, scheme: SignatureScheme = ecdsaScheme): string {
  return scheme.recoverSender(tx.signature, fromHex(tx.signingHash));
}

export interface TransactionRequest {
  to: string | null;
  data: Hex;
  chainId: number | bigint;
  groupId: number | bigint;
  /** Usually the current block number plus a margin below 1000. */
  blockLimit: bigint;
  randomid?: bigint;
  gasPrice?: bigint;
  gasLimit?: bigint;
  extraData?: Hex;
}

/** Fills the fields a caller rarely chooses: a fresh randomid, the SDK gas defaults, no value. */
export function transactionFields(request: TransactionRequest): FiscoTransactionFields {
  if (request.to !== null && !/^0x[0-9a-fA-F]{40}$/.test(request.to)) {
    throw new FiscoTransactionFormatError(`to must be a 20-byte address or null, got ${request.to}`);
  }
  return {
    randomid: request.randomid ?? randomId(),
    gasPrice: request.gasPrice ?? DEFAULT_GAS_PRICE,
    gasLimit: request.gasLimit ?? DEFAULT_GAS_LIMIT,
    blockLimit: request.blockLimit,
    to: request.to === null ? null : request.to.toLowerCase(),
    value: 0n,
    data: request.data,
    chainId: BigInt(request.chainId),
    groupId: BigInt(request.groupId),
    extraData: request.extraData ?? '0x',
  };
}
