/**
 * Checks a FISCO BCOS 2.x node's evidence that a transaction executed: Merkle proofs of the
 * transaction and its receipt folding to the roots of a header (whose hash and seals
 * `verifyBlockHeader` checks). A receipt proof alone does not say which transaction it is for:
 * `verifyTransactionWithReceipt` binds the receipt to the transaction's recomputed hash.
 */
import { fromHex, toHex } from './bytes.ts';
import { ecdsaScheme } from './ecdsa.ts';
import { FiscoProofError } from './errors.ts';
import { foldMerkleProof, merkleLeaf } from './merkle.ts';
import { receiptLeaf } from './receipt.ts';
import type { FiscoReceipt, FiscoTransaction } from './rpc-types.ts';
import type { SignatureScheme } from './signature-scheme.ts';
import { transactionHashFromJson } from './transaction-json.ts';

export interface EvidenceOptions {
  scheme?: SignatureScheme;
}

export interface ReceiptEvidenceOptions extends EvidenceOptions {
  /** Whether the node's receipts carry remainGas (2.9 and later: `receiptHasRemainGas(version)`). */
  withRemainGas: boolean;
}

/** getTransactionByHashWithProof's result. */
export interface TransactionWithProof {
  transaction: FiscoTransaction;
  txProof: unknown;
}

/** getTransactionReceiptByHashWithProof's result. */
export interface ReceiptWithProof {
  transactionReceipt: FiscoReceipt;
  receiptProof: unknown;
}

/** The roots (and identity) of a header the caller has verified. */
export interface VerifiedRoots {
  hash: string;
  number: string;
  transactionsRoot: string;
  receiptsRoot: string;
}

function indexOf(what: string, value: string | null | undefined): number {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,8}$/.test(value))
    throw new FiscoProofError(`${what} transactionIndex missing or malformed`);
  return Number(BigInt(value));
}

function checkRoot(what: string, computed: Uint8Array, root: string): void {
  if (toHex(computed) !== root.toLowerCase())
    throw new FiscoProofError(`${what} proof folds to ${toHex(computed)}, not the header's ${root}`, {
      computed: toHex(computed),
      root,
    });
}

/** A transaction hash at `index` is in the tree whose root is `transactionsRoot`. */
export function verifyTransactionInclusion(
  txHash: string,
  index: number,
  proof: unknown,
  transactionsRoot: string,
  { scheme = ecdsaScheme }: EvidenceOptions = {},
): void {
  let hash: Uint8Array;
  try {
    hash = fromHex(txHash);
  } catch {
    throw new FiscoProofError('transaction hash is not 0x hex');
  }
  if (hash.length !== 32) throw new FiscoProofError('transaction hash must be 32 bytes');
  checkRoot('transaction', foldMerkleProof(merkleLeaf(index, hash), proof, scheme.hash), transactionsRoot);
}

/**
 * The transaction, rebuilt from its fields (its hash recomputed, so a node cannot swap the body
 * under a known hash), is at its index in the tree of `transactionsRoot`. Returns its hash.
 */
export function verifyTransactionProof(
  { transaction, txProof }: TransactionWithProof,
  transactionsRoot: string,
  options: EvidenceOptions = {},
): string {
  const hash = toHex(transactionHashFromJson(transaction, options.scheme));
  if (hash !== transaction.hash.toLowerCase())
    throw new FiscoProofError(`transaction fields hash to ${hash}, not ${transaction.hash}`);
  verifyTransactionInclusion(
    hash,
    indexOf('transaction', transaction.transactionIndex),
    txProof,
    transactionsRoot,
    options,
  );
  return hash;
}

/** The receipt, re-encoded from its fields, is at its index in the tree of `receiptsRoot`. */
export function verifyReceiptProof(
  { transactionReceipt: receipt, receiptProof }: ReceiptWithProof,
  receiptsRoot: string,
  { scheme = ecdsaScheme, withRemainGas }: ReceiptEvidenceOptions,
): void {
  const leaf = receiptLeaf(receipt, indexOf('receipt', receipt.transactionIndex), withRemainGas, scheme);
  checkRoot('receipt', foldMerkleProof(leaf, receiptProof, scheme.hash), receiptsRoot);
}

/**
 * Both proofs against one verified header, and the receipt bound to the transaction: same block,
 * same index, and the receipt's transactionHash equal to the transaction's recomputed hash.
 * Returns that hash; throws `FiscoProofError` on any mismatch.
 */
export function verifyTransactionWithReceipt(
  tx: TransactionWithProof,
  receipt: ReceiptWithProof,
  header: VerifiedRoots,
  options: ReceiptEvidenceOptions,
): string {
  const hash = verifyTransactionProof(tx, header.transactionsRoot, options);
  verifyReceiptProof(receipt, header.receiptsRoot, options);
  const r = receipt.transactionReceipt;
  if (r.transactionHash?.toLowerCase() !== hash)
    throw new FiscoProofError(`the receipt is for ${r.transactionHash}, not transaction ${hash}`);
  if (indexOf('receipt', r.transactionIndex) !== indexOf('transaction', tx.transaction.transactionIndex))
    throw new FiscoProofError('the receipt and the transaction sit at different indexes');
  for (const [what, blockHash] of [
    ['transaction', tx.transaction.blockHash],
    ['receipt', r.blockHash],
  ] as const) {
    if (blockHash?.toLowerCase() !== header.hash.toLowerCase())
      throw new FiscoProofError(`the ${what} names block ${blockHash}, not the verified ${header.hash}`);
  }
  return hash;
}
