/**
 * The TTM coordinator's records (docs/ttm.md): what the write-ahead log in IndexedDB holds,
 * one record per cross-chain transaction or swap, rewritten before every action it describes.
 */

import type { ResourcePin } from '../sessions/resource-pin.ts';

export type Hex = `0x${string}`;
export type ChainType = 'fisco-bcos' | 'fabric';

/** A chain type as people read it (popup, messages). */
export const CHAIN_NAME: Record<ChainType, string> = { 'fisco-bcos': 'FISCO BCOS', fabric: 'Fabric' };

/** One transfer inside a cross-chain transaction, on one asset resource. */
export interface TtmStep {
  /** Asset resource, `zone.chain.resource`. */
  path: string;
  chain: ChainType;
  /** FISCO BCOS: the session's address. Fabric: an account owned by the wallet's identity. */
  from: string;
  /** FISCO BCOS: an address. Fabric: an account name. */
  to: string;
  /** Decimal string. */
  amount: string;
}

/** How far one resource (one `prepare`) got. */
export type LegState = 'pending' | 'prepared' | 'committed' | 'aborted';

/** Every step on one resource goes into one prepare there, under the transaction's id. */
export interface TtmLeg {
  path: string;
  chain: ChainType;
  /** Indexes into `steps`. */
  steps: number[];
  /** Unix seconds; later legs get later deadlines. */
  deadline: number;
  state: LegState;
  /** Why this leg could not prepare, commit or abort (last error, kept until it succeeds). */
  error?: string;
}

/** AES-GCM under a key only the unlocked vault can derive (vault.ttmKey()). */
export interface SealedSecret {
  iv: string;
  ciphertext: string;
}

export type TransactionState = 'preparing' | 'committing' | 'committed' | 'aborting' | 'aborted';

export type SwapState =
  /** Our lock was refused (balance, account locked …): nothing is locked, nothing happens. */
  | 'cancelled'
  /** Initiator: locking on the give chain; participant: locking on its own give chain. */
  | 'locking'
  /** Locked; waiting for the other side (initiator: for the participant's lock; participant: for the secret). */
  | 'locked'
  /** Claiming what the other side locked (the secret is known). */
  | 'claiming'
  | 'completed'
  /** Our own lock is past (or will not be matched before) its timelock: taking it back. */
  | 'refunding'
  | 'refunded'
  /**
   * Our lock was claimed but the other side's could no longer be (we came back after its
   * timelock and it was refunded): the one outcome a swap cannot undo, shown as it is.
   */
  | 'failed';

export interface TimelineEntry {
  /** Milliseconds since the epoch. */
  at: number;
  /** Short, human: "prepared on payment.bcos.asset", "committed", "aborting: …". */
  event: string;
  path?: string;
  /** What verified the step on the chain ("sealed by 3 of 4 sealers (block 12)"). */
  verified?: string;
}

interface RecordBase {
  /** 32-byte id as 0x hex: the transaction id (or HTLC id) on every chain. */
  id: Hex;
  /**
   * What the user approved of each resource it uses (the session's pins, as described then):
   * the driver refuses a later description that differs, so no step goes to another contract.
   */
  pins?: Record<string, ResourcePin>;
  /** The site that asked, from the browser. */
  origin: string;
  createdAt: number;
  updatedAt: number;
  /** sha256(secret). */
  hashLock: Hex;
  /** Present for whoever drew the secret or has learnt it. */
  secret?: SealedSecret;
  /** The signers: the session's FISCO BCOS account index and Fabric identity id. */
  signer: { account: number; fabricIdentity?: string };
  timeline: TimelineEntry[];
  /** Why it aborted or refunded, in words. */
  reason?: string;
}

export interface TransactionRecord extends RecordBase {
  kind: 'transaction';
  state: TransactionState;
  steps: TtmStep[];
  legs: TtmLeg[];
}

/** One side of a swap: an HTLC on one asset resource. */
export interface SwapSide {
  path: string;
  chain: ChainType;
  /** Sender's account (FISCO BCOS address or Fabric account). */
  from?: string;
  /** Receiver's account. */
  to: string;
  amount: string;
  /** Unix seconds. */
  timelock: number;
  /**
   * The transaction that locked it, once locked: the other side checks that transaction and its
   * sealed receipt rather than any router's word that the lock is there.
   */
  lockTx?: Hex;
}

/** What the initiator hands to the participant (a JSON object the user passes on). */
export interface SwapProposal {
  weftSwap: 1;
  id: Hex;
  hashLock: Hex;
  /** Locked by the initiator, for the participant; the longer timelock. */
  initiatorLock: SwapSide & { from: string };
  /** To be locked by the participant, for the initiator; the shorter timelock. */
  participantLock: SwapSide;
}

export interface SwapRecord extends RecordBase {
  kind: 'swap';
  role: 'initiator' | 'participant';
  state: SwapState;
  proposal: SwapProposal;
  /** Where each HTLC is: ours (we lock, may refund) and theirs (we claim). */
  ours: 'none' | 'locked' | 'claimed' | 'refunded';
  theirs: 'none' | 'locked' | 'claimed' | 'refunded';
}

export type TtmRecord = TransactionRecord | SwapRecord;

/** What leaves the worker (popup, page): the record without its sealed secret. */
export type TtmView = TransactionView | SwapView;
export type TransactionView = Omit<TransactionRecord, 'secret'>;
export type SwapView = Omit<SwapRecord, 'secret'>;

/**
 * Whether each state is an end: the compiler makes every new state say so, so no state
 * is forgotten at a worker start.
 */
const IS_FINAL = {
  preparing: false,
  committing: false,
  committed: true,
  aborting: false,
  aborted: true,
  cancelled: true,
  locking: false,
  locked: false,
  claiming: false,
  completed: true,
  refunding: false,
  refunded: true,
  failed: true,
} as const satisfies Record<TtmRecord['state'], boolean>;

type State = keyof typeof IS_FINAL;
const states = Object.keys(IS_FINAL) as State[];
export const FINAL_STATES: ReadonlySet<string> = new Set(states.filter((s) => IS_FINAL[s]));
/** Every state before the end: the only records read at each worker start. */
export const UNFINISHED_STATES: readonly State[] = states.filter((s) => !IS_FINAL[s]);

export function isFinal(record: TtmRecord | TtmView): boolean {
  return FINAL_STATES.has(record.state);
}

export function toView(record: TransactionRecord): TransactionView;
export function toView(record: SwapRecord): SwapView;
export function toView(record: TtmRecord): TtmView;
export function toView(record: TtmRecord): TtmView {
  const { secret: _secret, ...view } = record;
  return view;
}

/** Which lock of a swap is ours (we lock it and may refund it) and which theirs (we claim it). */
export function swapSides(swap: Pick<SwapRecord, 'role' | 'proposal'>): { ours: SwapSide; theirs: SwapSide } {
  const { initiatorLock, participantLock } = swap.proposal;
  return swap.role === 'initiator'
    ? { ours: initiatorLock, theirs: participantLock }
    : { ours: participantLock, theirs: initiatorLock };
}

/** The resource paths a record's amounts are on (the popup shows each in its path's unit). */
export function ttmPaths(record: TtmRecord | TtmView): string[] {
  return record.kind === 'transaction'
    ? record.steps.map((s) => s.path)
    : [record.proposal.initiatorLock.path, record.proposal.participantLock.path];
}
