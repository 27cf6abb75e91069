/**
 * The devnode's transaction pool: admits signed transactions with the checks of a FISCO BCOS
 * 2.x TxPool (TxPool::import / verify), refusing with the node's own reasons, and hands the
 * sealer batches in arrival order.
 */
import { FiscoInvalidSignatureError, FiscoTransactionFormatError } from '../../chains/fisco-bcos/errors.ts';
import type { SignatureScheme } from '../../chains/fisco-bcos/signature-scheme.ts';
import {
  BLOCK_LIMIT_WINDOW,
  decodeTransaction,
  recoverSender,
  type SignedFiscoTransaction,
} from '../../chains/fisco-bcos/transaction.ts';
import {
  abridged,
  badRlp,
  invalidSignature,
  invalidTransactionFormat,
  type NodeError,
  transactionRefused,
} from './node-errors.ts';

export interface PendingTx {
  tx: SignedFiscoTransaction;
  from: string;
  size: number;
}

/** What the pool needs to know about the chain it feeds. */
export interface ChainView {
  readonly chainId: number;
  readonly groupId: number;
  readonly blockNumber: bigint;
  /** Standard or guomi: how transactions are hashed and their senders recovered. */
  readonly scheme: SignatureScheme;
  isCommitted(hash: string): boolean;
  isNonceUsed(randomid: bigint): boolean;
}

export interface TxPoolLimits {
  /** FISCO BCOS default txpool `limit`. */
  limit?: number;
  /** Bytes of pending transactions held before OverGroupMemoryLimit. */
  memoryLimit?: number;
}

export class TxPool {
  readonly #pending = new Map<string, PendingTx>();
  readonly #nonces = new Set<bigint>();
  readonly #limit: number;
  readonly #memoryLimit: number;
  #bytes = 0;

  constructor(limits: TxPoolLimits = {}) {
    this.#limit = limits.limit ?? 150_000;
    this.#memoryLimit = limits.memoryLimit ?? 512 * 1024 * 1024;
  }

  get size(): number {
    return this.#pending.size;
  }

  /**
   * Admits a raw transaction or throws the node's error. Decoding (with its signature check)
   * comes first, as in the Transaction constructor; then TxPool::import and TxPool::verify in
   * their order: memory, pool size, known, in chain, nonce, block limit, pool nonce, chain, group.
   */
  admit(raw: string, chain: ChainView): string {
    if (!/^0x([0-9a-fA-F]{2})*$/.test(raw)) {
      throw badRlp('BadHexCharacter: raw transaction is not even-length 0x hex');
    }
    const size = (raw.length - 2) / 2;
    let tx: SignedFiscoTransaction;
    let from: string;
    try {
      tx = decodeTransaction(raw as `0x${string}`, chain.scheme);
      from = recoverSender(tx, chain.scheme);
    } catch (error) {
      throw decodeFailure(error);
    }
    const refuse = (comment: string): NodeError =>
      transactionRefused(`${comment}, txHash=${abridged(tx.hash)}`);
    if (this.#bytes + size > this.#memoryLimit) throw refuse('OverGroupMemoryLimit');
    if (this.#pending.size >= this.#limit) throw refuse('TransactionPoolIsFull');
    if (this.#pending.has(tx.hash)) throw refuse('TransactionAlreadyKown');
    if (chain.isCommitted(tx.hash)) throw refuse('TransactionAlreadyInChain');
    const { randomid, blockLimit, chainId, groupId } = tx.fields;
    if (chain.isNonceUsed(randomid)) throw refuse('TransactionNonceCheckFail');
    const current = chain.blockNumber;
    if (blockLimit <= current || blockLimit > current + BLOCK_LIMIT_WINDOW) {
      throw refuse(`BlockLimitCheckFailed, txBlockLimit=${blockLimit}`);
    }
    if (this.#nonces.has(randomid)) throw refuse('TxPoolNonceCheckFail');
    if (chainId !== BigInt(chain.chainId)) throw refuse('InvalidChainId');
    if (groupId !== BigInt(chain.groupId)) throw refuse('InvalidGroupId');
    this.#pending.set(tx.hash, { tx, from, size });
    this.#nonces.add(randomid);
    this.#bytes += size;
    return tx.hash;
  }

  /**
   * Up to `max` pending transactions in arrival order, after dropping those whose block limit
   * has passed (TxPool::removeInvalidTxs). They stay pending until `remove`.
   */
  batch(max: number, blockNumber: bigint): PendingTx[] {
    for (const p of this.#pending.values()) if (p.tx.fields.blockLimit <= blockNumber) this.remove([p]);
    const out: PendingTx[] = [];
    for (const p of this.#pending.values()) {
      if (out.length >= max) break;
      out.push(p);
    }
    return out;
  }

  remove(sealed: readonly PendingTx[]): void {
    for (const p of sealed) {
      if (!this.#pending.delete(p.tx.hash)) continue;
      this.#nonces.delete(p.tx.fields.randomid);
      this.#bytes -= p.size;
    }
  }
}

function decodeFailure(error: unknown): NodeError {
  const message = (error as Error).message;
  if (error instanceof FiscoInvalidSignatureError) return invalidSignature(message);
  if (error instanceof FiscoTransactionFormatError) {
    return message.startsWith('bad RLP') ? badRlp(message) : invalidTransactionFormat(message);
  }
  return badRlp(message);
}
