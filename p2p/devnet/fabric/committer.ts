/**
 * Orderer and committer of one channel in one: accepted envelopes wait in a batch
 * that is cut when the batch timeout (started by its first transaction, as Fabric's
 * BatchTimeout) expires or it reaches its size limit; every transaction of the
 * block is then validated like Fabric's committer (creator signature, txid,
 * duplicates, endorsement signatures, MVCC and phantom reads against state plus
 * earlier valid transactions of the same block) and the block is persisted.
 */
import { common, ledger as ledgerProtos, peer } from '@hyperledger/fabric-protos';
import { type DecodedEnvelope, decodeEnvelope } from '../../chains/fabric/envelope-codec.ts';
import { computeTxId, ENDORSER_TRANSACTION } from '../../chains/fabric/header-codec.ts';
import { type FabricSigningIdentity, signDigest } from '../../chains/fabric/identity.ts';
import { compareKeys, type Ledger, type TxLocation } from './ledger.ts';
import type { MspVerifier } from './msp-verifier.ts';

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
  #timer: NodeJS.Timeout | undefined;
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #blockListeners = new Set<(block: common.Block) => void>();
  #closed = false;

  constructor(options: CommitterOptions) {
    this.#options = options;
  }

  get ledger(): Ledger {
    return this.#options.ledger;
  }

  /** Accepts a (signature-checked) envelope for the next block. */
  enqueue(envelope: Uint8Array): void {
    if (this.#closed) throw new Error('orderer is shutting down');
    this.#batch.push(envelope);
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
    this.#batch = [];
    const codes = this.#validateBlock(envelopes);
    const block = this.ledger.commitBlock(envelopes, codes, (digest) =>
      signDigest(this.#options.peerIdentity.privateKey, digest),
    );
    for (const envelope of envelopes) {
      let txId = '';
      try {
        txId = decodeEnvelope(envelope).txId;
      } catch {
        continue;
      }
      const waiters = this.#waiters.get(txId);
      const location = this.ledger.txLocation(txId);
      if (!waiters || !location) continue;
      this.#waiters.delete(txId);
      for (const waiter of waiters) waiter(location);
    }
    for (const listener of this.#blockListeners) listener(block);
  }

  /** Commits what was accepted, then refuses more. */
  close(): void {
    this.cut();
    this.#closed = true;
  }

  #validateBlock(envelopes: Uint8Array[]): number[] {
    const seen = new Set<string>();
    const updated = new Set<string>();
    return envelopes.map((envelope) => {
      let decoded: DecodedEnvelope;
      try {
        decoded = decodeEnvelope(envelope);
      } catch {
        return VALIDATION.BAD_PAYLOAD;
      }
      const code = this.#validateTx(envelope, decoded, seen, updated);
      seen.add(decoded.txId);
      if (code === VALIDATION.VALID) {
        for (const write of decoded.writes) updated.add(`${write.namespace}\u0000${write.key}`);
      }
      return code;
    });
  }

  #validateTx(envelope: Uint8Array, tx: DecodedEnvelope, seen: Set<string>, updated: Set<string>): number {
    const msp = this.#options.msp;
    const ledger = this.ledger;
    if (tx.type !== ENDORSER_TRANSACTION) return VALIDATION.UNKNOWN_TX_TYPE;
    const creator = msp.deserialize(tx.creatorBytes);
    if (!creator || !msp.verify(creator, tx.payloadBytes, tx.signature))
      return VALIDATION.BAD_CREATOR_SIGNATURE;
    if (computeTxId(tx.nonce, tx.creatorBytes) !== tx.txId) return VALIDATION.BAD_PROPOSAL_TXID;
    if (seen.has(tx.txId) || ledger.txLocation(tx.txId)) return VALIDATION.DUPLICATE_TXID;
    if (!this.#endorsed(envelope)) return VALIDATION.ENDORSEMENT_POLICY_FAILURE;
    for (const read of tx.reads) {
      if (updated.has(`${read.namespace}\u0000${read.key}`)) return VALIDATION.MVCC_READ_CONFLICT;
      const current = ledger.getState(read.namespace, read.key)?.version ?? null;
      const same =
        current === null
          ? read.version === null
          : read.version !== null &&
            current.blockNum === read.version.blockNum &&
            current.txNum === read.version.txNum;
      if (!same) return VALIDATION.MVCC_READ_CONFLICT;
    }
    if (this.#phantom(envelope, updated)) return VALIDATION.PHANTOM_READ_CONFLICT;
    return VALIDATION.VALID;
  }

  /** At least one endorsement by a peer of this MSP over (response payload || endorser). */
  #endorsed(envelope: Uint8Array): boolean {
    try {
      const action = this.#endorsedAction(envelope);
      const responsePayload = action.getProposalResponsePayload_asU8();
      return action.getEndorsementsList().some((endorsement) => {
        const endorser = this.#options.msp.deserialize(endorsement.getEndorser_asU8());
        if (!endorser) return false;
        const message = Buffer.concat([responsePayload, endorsement.getEndorser_asU8()]);
        return this.#options.msp.verify(endorser, message, endorsement.getSignature_asU8());
      });
    } catch {
      return false;
    }
  }

  #endorsedAction(envelope: Uint8Array): peer.ChaincodeEndorsedAction {
    const payload = common.Payload.deserializeBinary(
      common.Envelope.deserializeBinary(envelope).getPayload_asU8(),
    );
    const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const [action] = transaction.getActionsList();
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(
      action?.getPayload_asU8() ?? new Uint8Array(0),
    );
    const endorsed = actionPayload.getAction();
    if (!endorsed) throw new Error('no endorsed action');
    return endorsed;
  }

  /** Re-runs each recorded range query; any difference in keys or versions is a phantom. */
  #phantom(envelope: Uint8Array, updated: Set<string>): boolean {
    const action = this.#endorsedAction(envelope);
    const responsePayload = peer.ProposalResponsePayload.deserializeBinary(
      action.getProposalResponsePayload_asU8(),
    );
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
    const rwset = ledgerProtos.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
    for (const ns of rwset.getNsRwsetList()) {
      const namespace = ns.getNamespace();
      const kv = ledgerProtos.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
      for (const range of kv.getRangeQueriesInfoList()) {
        const recorded = range.getRawReads()?.getKvReadsList() ?? [];
        const lastKey = recorded.at(-1)?.getKey();
        let keys = this.ledger.rangeKeys(namespace, range.getStartKey(), range.getEndKey());
        if (!range.getItrExhausted()) {
          keys = lastKey === undefined ? [] : keys.filter((k) => compareKeys(k, lastKey) <= 0);
        }
        if (keys.length !== recorded.length) return true;
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i] as string;
          const read = recorded[i];
          const current = this.ledger.getState(namespace, key)?.version;
          if (!read || read.getKey() !== key || updated.has(`${namespace}\u0000${key}`)) return true;
          if (!current || BigInt(read.getVersion()?.getBlockNum() ?? -1) !== current.blockNum) return true;
          if (BigInt(read.getVersion()?.getTxNum() ?? -1) !== current.txNum) return true;
        }
        // A key created earlier in this block inside the range is a phantom too.
        for (const key of updated) {
          const [ns, k = ''] = key.split('\u0000');
          if (ns !== namespace || compareKeys(k, range.getStartKey()) < 0) continue;
          if (range.getEndKey() !== '' && compareKeys(k, range.getEndKey()) >= 0) continue;
          if (range.getItrExhausted() || (lastKey !== undefined && compareKeys(k, lastKey) <= 0)) return true;
        }
      }
    }
    return false;
  }
}
