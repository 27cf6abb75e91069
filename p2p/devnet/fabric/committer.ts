/**
 * One peer's committer of one channel: takes each block the orderer delivers,
 * validates every transaction like Fabric's committer (creator signature, txid,
 * duplicates, endorsements against the chaincode's endorsement policy, MVCC and
 * phantom reads against state plus earlier valid transactions of the same block),
 * fills TRANSACTIONS_FILTER with its codes and persists the block.
 */
import { createHash } from 'node:crypto';
import type { common } from '@hyperledger/fabric-protos';
import type { DecodedEnvelope, DecodedRangeQuery } from '../../chains/fabric/envelope-codec.ts';
import { ENDORSER_TRANSACTION } from '../../chains/fabric/header-codec.ts';
import { bytesField, decodeFields, messageField, repeatedBytes } from '../../chains/fabric/protobuf-wire.ts';
import { type EndorsementPolicy, isSatisfied } from './endorsement-policy.ts';
import { compareKeys, type Ledger, type TxLocation, type Version } from './ledger.ts';
import type { MspVerifier } from './msp-verifier.ts';
import { txIdOf } from './node-hash.ts';
import { completeBlock, type OrderedBlock } from './orderer.ts';

export const VALIDATION = {
  VALID: 0,
  BAD_PAYLOAD: 2,
  BAD_CREATOR_SIGNATURE: 4,
  INVALID_ENDORSER_TRANSACTION: 5,
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
  /** The endorsement policy of a chaincode's definition; undefined: no definition, never valid. */
  policyOf: (chaincode: string) => EndorsementPolicy | undefined;
}

/**
 * Whether the proposal hash every endorser signed (ProposalResponsePayload.proposal_hash)
 * is the hash of this transaction's proposal: SHA-256(channel header ‖ signature header ‖
 * chaincode proposal payload), as Fabric's GetProposalHash2. Kept per decoded envelope:
 * the peers of both organisations check the same transaction.
 */
const proposalHashChecks = new WeakMap<DecodedEnvelope, boolean>();

function proposalHashMatches(tx: DecodedEnvelope): boolean {
  let matches = proposalHashChecks.get(tx);
  if (matches !== undefined) return matches;
  try {
    const payload = decodeFields(tx.payloadBytes);
    const header = messageField(payload, 1);
    const [action] = repeatedBytes(decodeFields(bytesField(payload, 2)), 1);
    const actionPayload = messageField(decodeFields(action ?? new Uint8Array(0)), 2);
    const expected = createHash('sha256')
      .update(bytesField(header, 1))
      .update(bytesField(header, 2))
      .update(bytesField(actionPayload, 1))
      .digest();
    matches = expected.equals(bytesField(decodeFields(tx.responsePayloadBytes), 1));
  } catch {
    matches = false;
  }
  proposalHashChecks.set(tx, matches);
  return matches;
}

type Waiter = (location: TxLocation) => void;

export class Committer {
  readonly #options: CommitterOptions;
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #blockListeners = new Set<(block: common.Block) => void>();

  constructor(options: CommitterOptions) {
    this.#options = options;
  }

  get ledger(): Ledger {
    return this.#options.ledger;
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

  /** Validates a block the orderer delivered, persists it with this peer's codes, and reports its transactions. */
  commit(ordered: OrderedBlock): void {
    const codes = ordered.number === 0n ? [VALIDATION.VALID] : this.#validateBlock(ordered.decoded);
    const committed = completeBlock(ordered, Uint8Array.from(codes));
    this.ledger.append(committed);
    for (const tx of ordered.decoded) {
      const waiters = tx && this.#waiters.get(tx.txId);
      const location = tx && this.ledger.txLocation(tx.txId);
      if (!tx || !waiters || !location) continue;
      this.#waiters.delete(tx.txId);
      for (const waiter of waiters) waiter(location);
    }
    if (this.#blockListeners.size > 0) {
      const block = this.ledger.block(ordered.number);
      if (block) for (const listener of this.#blockListeners) listener(block);
    }
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
    // Fabric's ValidateTransaction (validateEndorserTransaction) checks it here, before duplicates and policy.
    if (!proposalHashMatches(tx)) return VALIDATION.INVALID_ENDORSER_TRANSACTION;
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

  /**
   * The chaincode's endorsement policy over the valid endorsements: each by a
   * peer-role identity of a channel organisation, signed over
   * (proposal response payload ‖ endorser).
   */
  #endorsed(tx: DecodedEnvelope): boolean {
    const policy = this.#options.policyOf(tx.chaincode);
    if (!policy) return false;
    const msp = this.#options.msp;
    const orgs = new Set<string>();
    for (const { endorser, signature } of tx.endorsements) {
      const identity = msp.deserialize(endorser);
      if (!identity) continue;
      if (identity.role !== 'peer' || orgs.has(identity.mspId)) continue;
      // Remembered when a peer of this process signed it: no curve math for those.
      if (msp.verify(identity, [tx.responsePayloadBytes, endorser], signature, true)) {
        orgs.add(identity.mspId);
      }
    }
    return isSatisfied(policy, orgs);
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
