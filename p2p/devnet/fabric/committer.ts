/**
 * Orderer and committer of one channel in one: accepted envelopes wait in a batch
 * that is cut when the batch timeout (started by its first transaction, as Fabric's
 * BatchTimeout) expires or it reaches its size limit; every transaction of the
 * block is then validated like Fabric's committer (creator signature, txid,
 * duplicates, endorsement signatures, MVCC and phantom reads against state plus
 * earlier valid transactions of the same block) and the block is persisted.
 */
import type { common } from '@hyperledger/fabric-protos';
import {
  type DecodedEnvelope,
  type DecodedRangeQuery,
  decodeEnvelope,
} from '../../chains/fabric/envelope-codec.ts';
import { ENDORSER_TRANSACTION } from '../../chains/fabric/header-codec.ts';
import type { FabricSigningIdentity } from '../../chains/fabric/identity.ts';
import { newMessageSigner } from '../../chains/fabric/node-signer.ts';
import { compareKeys, type Ledger, type TxLocation, type Version } from './ledger.ts';
import type { MspVerifier } from './msp-verifier.ts';
import { txIdOf } from './node-hash.ts';

export const VALIDATION = {
  VALID: 0,
  BAD_PAYLOAD: 2,
  BAD_CREATOR_SIGNATURE: 4,
  BAD_PROPOSAL_TXID: 8,
  DUPLICATE_TXID: 9,
  ENDORSEMENT_POLICY_FAILURE: 10,
  MVCC_READ_CONFLICT: 11,
  PHANTOM_READ_CONFLICT: 12,
  UNKNOWN_TX_TYPE: 13,
} as const;

export interface CommitterOptions {
  ledger: Ledger;
  msp: MspVerifier;
  peerIdentity: FabricSigningIdentity;
  blockIntervalMs: number;
  maxBlockTxs: number;
}

type Waiter = (location: TxLocation) => void;

export class Committer {
  readonly #options: CommitterOptions;
  #batch: Uint8Array[] = [];
  /** What Submit already decoded, per batch entry, so a block decodes each envelope once. */
  #decoded: Array<DecodedEnvelope | undefined> = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #blockListeners = new Set<(block: common.Block) => void>();
  #closed = false;

  /** The peer's signature over the block header hash (node:crypto hashes the header bytes itself). */
  readonly #signBlock: (headerBytes: Uint8Array) => Uint8Array;

  constructor(options: CommitterOptions) {
    this.#options = options;
    this.#signBlock = newMessageSigner(options.peerIdentity);
  }

  get ledger(): Ledger {
    return this.#options.ledger;
  }

  /** Accepts a (signature-checked) envelope for the next block. */
  enqueue(envelope: Uint8Array, decoded?: DecodedEnvelope): void {
    if (this.#closed) throw new Error('orderer is shutting down');
    this.#batch.push(envelope);
    this.#decoded.push(decoded);
    if (this.#batch.length >= this.#options.maxBlockTxs) this.cut();
    else this.#timer ??= setTimeout(() => this.cut(), this.#options.blockIntervalMs);
  }

  /** Resolves once `txId` is in a committed block (first occurrence), like CommitStatus. */
  waitFor(txId: string, signal?: AbortSignal): Promise<TxLocation> {
    const known = this.ledger.txLocation(txId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      let waiters = this.#waiters.get(txId);
      if (!waiters) {
        waiters = new Set();
        this.#waiters.set(txId, waiters);
      }
      const waiter: Waiter = (location) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(location);
      };
      const onAbort = () => {
        waiters.delete(waiter);
        if (waiters.size === 0) this.#waiters.delete(txId);
        reject(new Error('cancelled'));
      };
      waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  onBlock(listener: (block: common.Block) => void): () => void {
    this.#blockListeners.add(listener);
    return () => this.#blockListeners.delete(listener);
  }

  /** Cuts, validates and commits the pending batch now. */
  cut(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const envelopes = this.#batch;
    if (envelopes.length === 0) return;
    const known = this.#decoded;
    this.#batch = [];
    this.#decoded = [];
    const decoded = envelopes.map((envelope, index) => {
      try {
        return known[index] ?? decodeEnvelope(envelope);
      } catch {
        return null;
      }
    });
    const codes = this.#validateBlock(decoded);
    const block = this.ledger.commitBlock(envelopes, codes, {
      decoded,
      sign: this.#signBlock,
    });
    for (const tx of decoded) {
      const waiters = tx && this.#waiters.get(tx.txId);
      const location = tx && this.ledger.txLocation(tx.txId);
      if (!tx || !waiters || !location) continue;
      this.#waiters.delete(tx.txId);
      for (const waiter of waiters) waiter(location);
    }
    for (const listener of this.#blockListeners) listener(block);
  }

  /** Commits what was accepted, then refuses more. */
  close(): void {
    this.cut();
    this.#closed = true;
  }

  #validateBlock(decoded: Array<DecodedEnvelope | null>): number[] {
    const seen = new Set<string>();
    const updated = new Set<string>();
    return decoded.map((tx) => {
      if (!tx) return VALIDATION.BAD_PAYLOAD;
      const code = this.#validateTx(tx, seen, updated);
      seen.add(tx.txId);
      if (code === VALIDATION.VALID) {
        for (const write of tx.writes) updated.add(`${write.namespace}\u0000${write.key}`);
      }
      return code;
    });
  }

  #validateTx(tx: DecodedEnvelope, seen: Set<string>, updated: Set<string>): number {
    const msp = this.#options.msp;
    const ledger = this.ledger;
    if (tx.type !== ENDORSER_TRANSACTION) return VALIDATION.UNKNOWN_TX_TYPE;
    const creator = msp.deserialize(tx.creatorBytes);
    if (!creator || !msp.verify(creator, tx.payloadBytes, tx.signature, true))
      return VALIDATION.BAD_CREATOR_SIGNATURE;
    if (txIdOf(tx.nonce, tx.creatorBytes) !== tx.txId) return VALIDATION.BAD_PROPOSAL_TXID;
    if (seen.has(tx.txId) || ledger.txLocation(tx.txId)) return VALIDATION.DUPLICATE_TXID;
    if (!this.#endorsed(tx)) return VALIDATION.ENDORSEMENT_POLICY_FAILURE;
    for (const read of tx.reads) {
      if (updated.has(`${read.namespace}\u0000${read.key}`)) return VALIDATION.MVCC_READ_CONFLICT;
      if (!sameVersion(ledger.getState(read.namespace, read.key)?.version ?? null, read.version)) {
        return VALIDATION.MVCC_READ_CONFLICT;
      }
    }
    if (tx.rangeQueries.some((range) => this.#phantom(range, updated)))
      return VALIDATION.PHANTOM_READ_CONFLICT;
    return VALIDATION.VALID;
  }

  /** At least one endorsement by a peer of this MSP over (response payload || endorser). */
  #endorsed(tx: DecodedEnvelope): boolean {
    return tx.endorsements.some(({ endorser, signature }) => {
      const identity = this.#options.msp.deserialize(endorser);
      if (!identity) return false;
      // Remembered when this peer signed it: no curve math for its own endorsements.
      return this.#options.msp.verify(
        identity,
        Buffer.concat([tx.responsePayloadBytes, endorser]),
        signature,
        true,
      );
    });
  }

  /** Re-runs a recorded range query; any difference in keys or versions is a phantom. */
  #phantom(range: DecodedRangeQuery, updated: Set<string>): boolean {
    const { namespace, startKey, endKey } = range;
    const lastKey = range.reads.at(-1)?.key;
    let keys = this.ledger.rangeKeys(namespace, startKey, endKey);
    if (!range.exhausted)
      keys = lastKey === undefined ? [] : keys.filter((k) => compareKeys(k, lastKey) <= 0);
    if (keys.length !== range.reads.length) return true;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const read = range.reads[i];
      if (!read || read.key !== key || updated.has(`${namespace}\u0000${key}`)) return true;
      if (!sameVersion(this.ledger.getState(namespace, key)?.version ?? null, read.version)) return true;
    }
    // A key written earlier in this block inside the range is a phantom too.
    for (const written of updated) {
      // Composite keys contain U+0000 themselves: split at the first one only.
      const cut = written.indexOf('\u0000');
      const ns = written.slice(0, cut);
      const key = written.slice(cut + 1);
      if (ns !== namespace || compareKeys(key, startKey) < 0) continue;
      if (endKey !== '' && compareKeys(key, endKey) >= 0) continue;
      if (range.exhausted || (lastKey !== undefined && compareKeys(key, lastKey) <= 0)) return true;
    }
    return false;
  }
}

function sameVersion(current: Version | null, read: Version | null): boolean {
  if (current === null || read === null) return current === read;
  return current.blockNum === read.blockNum && current.txNum === read.txNum;
}
