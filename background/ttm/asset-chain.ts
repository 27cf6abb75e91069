/**
 * The TTM operations of one asset resource (docs/ttm.md, "Contracts and chaincode"), signed
 * in the wallet and relayed through the routers: the FISCO BCOS `Asset` contract or the Fabric
 * `asset` chaincode behind one interface, so the drivers never look at the chain type.
 *
 * A refusal by the contract or chaincode is a `ChainRefusedError` (definitive: retrying gives
 * the same answer); anything else (router unreachable, timeout, MVCC conflict) may pass and is
 * thrown as is, for the drivers to retry. Every operation is idempotent on the chain.
 *
 * Nothing here rests on a router's word (docs/trust-model.md). Writes resolve on receipts the
 * wallet verified against chain evidence, a refusal included (a revert reason is in the sealed
 * receipt). State: FISCO BCOS 2.x has no state proofs, so a transaction's or HTLC's state is
 * folded from its events in verified receipts only: this wallet's own, and those of the
 * transactions a router names (`ttmEvents`, a hint: a router can hide one, never invent one).
 * On Fabric, state is read with an endorsed proposal whose endorsements satisfy the chaincode's
 * policy.
 */
import type { ChainEvent } from '../../p2p/chains/connector.ts';
import { decodeChaincodeResult } from '../../p2p/chains/fabric/chaincode-result.ts';
import { decodeRevertReason, encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import type { LightClient } from '../../p2p/client/light-client.ts';
import { HipError, HipErrorCode } from '../../p2p/protocol/errors.ts';
import type { ResourceEntry } from '../../p2p/protocol/messages.ts';
import { submitFabricWrite } from '../signing/fabric-write.ts';
import { submitFiscoWrite, verifiedReceipt } from '../signing/fisco-write.ts';
import type { ChainTrust } from '../trust/chain-trust.ts';
import { EvidenceRefusedError } from '../trust/verification.ts';
import type { Vault } from '../vault/vault.ts';
import type { Hex } from './types.ts';

/** The chain said no: a revert reason or chaincode error, in its own words. */
export class ChainRefusedError extends Error {
  override name = 'ChainRefusedError';
}

export type TxChainState = 'none' | 'prepared' | 'committed' | 'aborted';
export type HtlcChainState = 'none' | 'locked' | 'claimed' | 'refunded';

export interface TxOnChain {
  state: TxChainState;
  deadline: number;
  /** Once committed. */
  preimage?: Hex;
  /** What the state was read from: verified receipts' events, or an endorsed read. */
  verified?: string;
}

export interface HtlcOnChain {
  state: HtlcChainState;
  /** FISCO BCOS: sender address; Fabric: sender account. */
  from: string;
  to: string;
  amount: string;
  hashLock: Hex;
  timelock: number;
  /** Once claimed. */
  preimage?: Hex;
  verified?: string;
}

export interface Transfer {
  from: string;
  to: string;
  amount: string;
}

export interface AssetChain {
  readonly path: string;
  prepare(id: Hex, hashLock: Hex, deadline: number, transfers: Transfer[]): Promise<void>;
  commit(id: Hex, preimage: Hex): Promise<void>;
  abort(id: Hex): Promise<void>;
  txState(id: Hex): Promise<TxOnChain>;
  htlcLock(id: Hex, lock: Transfer & { hashLock: Hex; timelock: number }): Promise<void>;
  htlcClaim(id: Hex, preimage: Hex): Promise<void>;
  htlcRefund(id: Hex): Promise<void>;
  /** `lockTx`: the transaction said to have locked it (a swap proposal names it), checked like any other. */
  htlcState(id: Hex, lockTx?: Hex): Promise<HtlcOnChain>;
  /** The last write this wallet made and verified here (a lock, for a proposal): its id and what verified it. */
  lastWrite(): { txId: Hex; by: string } | undefined;
}

export interface AssetChainOptions {
  client: LightClient;
  vault: Vault;
  trust: ChainTrust;
  entry: ResourceEntry;
  /** The session's FISCO BCOS account index and Fabric identity id. */
  signer: { account: number; fabricIdentity?: string };
}

/**
 * Commits, aborts, claims and refunds go through two routers at once when two are reachable: one
 * router withholding them until a deadline cannot decide how a transaction or swap ends. The same
 * signed bytes both ways; the first verified receipt wins (the chain keeps one transaction).
 */
const SETTLE_PATHS = 2;

/** Where a FISCO BCOS state comes from: no state proofs exist, so events in verified receipts. */
const FISCO_STATE_VERIFIED = 'events in receipts sealed by a quorum of the anchored sealers';
const ZERO32 = `0x${'0'.repeat(64)}`;
const TX_STATES: TxChainState[] = ['none', 'prepared', 'committed', 'aborted'];
const HTLC_STATES: HtlcChainState[] = ['none', 'locked', 'claimed', 'refunded'];

export function assetChain(options: AssetChainOptions): AssetChain {
  return options.entry.chain.type === 'fabric' ? fabricAsset(options) : fiscoAsset(options);
}

/** Verified events naming each id, by the transaction that emitted them. */
type VerifiedEvents = Map<string, Map<string, { block: bigint; events: ChainEvent[] }>>;

/**
 * One record of verified events per wallet (its `ChainTrust`) and resource: what one signer's
 * writes proved is known to every other's view of the same resource, with no wait for a router
 * to index it.
 */
const verifiedEvents = new WeakMap<ChainTrust, Map<string, VerifiedEvents>>();

function verifiedEventsOf(trust: ChainTrust, path: string): VerifiedEvents {
  let byPath = verifiedEvents.get(trust);
  if (!byPath) {
    byPath = new Map();
    verifiedEvents.set(trust, byPath);
  }
  let events = byPath.get(path);
  if (!events) {
    events = new Map();
    byPath.set(path, events);
  }
  return events;
}

function fiscoAsset({ client, vault, trust, entry, signer }: AssetChainOptions): AssetChain {
  const path = entry.path;
  const seen = verifiedEventsOf(trust, path);
  let last: { txId: Hex; by: string } | undefined;

  function keep(txId: string, block: bigint, events: ChainEvent[]): void {
    for (const event of events) {
      const id = String(event.args?.txId ?? event.args?.id ?? '').toLowerCase();
      if (!id) continue;
      const byTx = seen.get(id) ?? new Map();
      byTx.set(txId, {
        block,
        events: events.filter((e) => String(e.args?.txId ?? e.args?.id ?? '').toLowerCase() === id),
      });
      seen.set(id, byTx);
    }
  }
  async function write(method: string, args: unknown[], paths = 1): Promise<void> {
    const data = encodeCall(entry.abi as never, method, args);
    const receipt = await submitFiscoWrite(
      client,
      vault,
      trust,
      signer.account,
      { path, to: entry.address, data, abi: entry.abi },
      { paths },
    );
    keep(receipt.txId, receipt.blockNumber, receipt.events);
    if (receipt.status !== 'success') {
      throw new ChainRefusedError(
        decodeRevertReason(receipt.output) ?? `${method} reverted (${receipt.chainStatus})`,
      );
    }
    last = { txId: receipt.txId as Hex, by: receipt.verified.by };
  }
  /** The id's events in verified receipts, oldest first: ours, and those of the transactions named. */
  async function events(id: Hex, named: string[] = []): Promise<ChainEvent[]> {
    const key = id.toLowerCase();
    const hints = await client.request({ op: 'ttmEvents', path, id: key as Hex });
    const known = seen.get(key);
    const mustHold = new Set(named.map((t) => t.toLowerCase()));
    const fresh = new Set([...mustHold, ...hints.map((h) => h.txId.toLowerCase())]);
    for (const txId of fresh) {
      if (known?.has(txId)) continue;
      let outcome: Awaited<ReturnType<ChainTrust['fiscoExecution']>>;
      try {
        outcome = await trust.fiscoExecution(path, txId as Hex, 0);
      } catch (error) {
        // A router's hint the chain does not back is skipped: a router may hide, never veto.
        // A transaction the caller named (a proposal's lock) must hold.
        if (error instanceof EvidenceRefusedError && !mustHold.has(txId)) continue;
        throw error;
      }
      const { execution, verification } = outcome;
      if (execution.status !== 'success') continue;
      const receipt = verifiedReceipt(execution, verification, { to: entry.address, abi: entry.abi });
      keep(receipt.txId, receipt.blockNumber, receipt.events);
    }
    return [...(seen.get(key)?.values() ?? [])]
      .sort((a, b) => (a.block < b.block ? -1 : a.block > b.block ? 1 : 0))
      .flatMap((tx) => tx.events);
  }
  return {
    path,
    lastWrite: () => last,
    prepare: (id, hashLock, deadline, transfers) =>
      write('prepare', [
        id,
        hashLock,
        BigInt(deadline),
        transfers.map((t) => t.to),
        transfers.map((t) => BigInt(t.amount)),
      ]),
    commit: (id, preimage) => write('commit', [id, preimage], SETTLE_PATHS),
    abort: (id) => write('abort', [id], SETTLE_PATHS),
    async txState(id) {
      const state: TxOnChain = { state: 'none', deadline: 0, verified: FISCO_STATE_VERIFIED };
      for (const event of await events(id)) {
        const args = event.args ?? {};
        if (event.name === 'TxPrepared' && state.state === 'none') {
          state.state = 'prepared';
          state.deadline = Number(args.deadline);
        } else if (event.name === 'TxCommitted') {
          state.state = 'committed';
          state.preimage = String(args.preimage) as Hex;
        } else if (event.name === 'TxAborted') {
          state.state = 'aborted';
        }
      }
      return state;
    },
    htlcLock: (id, lock) =>
      write('htlcLock', [id, lock.to, BigInt(lock.amount), lock.hashLock, BigInt(lock.timelock)]),
    htlcClaim: (id, preimage) => write('htlcClaim', [id, preimage], SETTLE_PATHS),
    htlcRefund: (id) => write('htlcRefund', [id], SETTLE_PATHS),
    async htlcState(id, lockTx) {
      const state: HtlcOnChain = {
        verified: FISCO_STATE_VERIFIED,
        state: 'none',
        from: '',
        to: '',
        amount: '0',
        hashLock: ZERO32 as Hex,
        timelock: 0,
      };
      for (const event of await events(id, lockTx ? [lockTx] : [])) {
        const args = event.args ?? {};
        if (event.name === 'HtlcLocked' && state.state === 'none') {
          Object.assign(state, {
            state: 'locked',
            from: String(args.sender),
            to: String(args.receiver),
            amount: String(args.amount),
            hashLock: String(args.hashLock).toLowerCase() as Hex,
            timelock: Number(args.timelock),
          });
        } else if (event.name === 'HtlcClaimed' && state.state !== 'none') {
          state.state = 'claimed';
          if (String(args.preimage) !== ZERO32) state.preimage = String(args.preimage) as Hex;
        } else if (event.name === 'HtlcRefunded' && state.state !== 'none') {
          state.state = 'refunded';
        }
      }
      return state;
    },
  };
}

function fabricAsset({ client, vault, trust, entry, signer }: AssetChainOptions): AssetChain {
  const path = entry.path;
  if (entry.chain.type !== 'fabric') throw new Error('not a Fabric resource');
  const channel = entry.chain.channel;
  let last: { txId: Hex; by: string } | undefined;
  function identity(): string {
    if (!signer.fabricIdentity) throw new ChainRefusedError('no Fabric identity: import one in the popup');
    return signer.fabricIdentity;
  }
  async function write(fn: string, args: string[], paths = 1): Promise<void> {
    const receipt = await refusals(
      submitFabricWrite(
        client,
        vault,
        trust,
        identity(),
        { path, channel, chaincode: entry.address, fn, args },
        { paths },
      ),
    );
    // A validation failure (MVCC conflict, endorsement policy) may pass on a retry: not a refusal.
    if (receipt.status !== 'success') throw new Error(`${fn} was invalidated (${receipt.chainStatus})`);
    last = { txId: receipt.txId as Hex, by: receipt.verified.by };
  }
  async function read(fn: string, id: Hex): Promise<Record<string, unknown>> {
    const key = vault.fabricSigningIdentity(identity());
    try {
      const { read, verification } = await refusals(
        trust.fabricRead(path, key, { chaincode: entry.address, fn, args: [id] }),
      );
      const value = decodeChaincodeResult(read.payload);
      const record = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
      return { ...record, verified: verification.by };
    } finally {
      key.privateKey.fill(0);
    }
  }
  return {
    path,
    lastWrite: () => last,
    prepare: (id, hashLock, deadline, transfers) =>
      write('Prepare', [id, hashLock, String(deadline), JSON.stringify(transfers)]),
    commit: (id, preimage) => write('Commit', [id, preimage], SETTLE_PATHS),
    abort: (id) => write('Abort', [id], SETTLE_PATHS),
    async txState(id) {
      const record = await read('TxState', id);
      const state = String(record.state) as TxChainState;
      return {
        verified: String(record.verified),
        state: TX_STATES.includes(state) ? state : 'none',
        deadline: Number(record.deadline ?? 0),
        ...(state === 'committed' && record.preimage ? { preimage: String(record.preimage) as Hex } : {}),
      };
    },
    htlcLock: (id, lock) =>
      write('HtlcLock', [id, lock.from, lock.to, lock.amount, lock.hashLock, String(lock.timelock)]),
    htlcClaim: (id, preimage) => write('HtlcClaim', [id, preimage], SETTLE_PATHS),
    htlcRefund: (id) => write('HtlcRefund', [id], SETTLE_PATHS),
    async htlcState(id) {
      const record = await read('HtlcState', id);
      const state = String(record.state) as HtlcChainState;
      return {
        verified: String(record.verified),
        state: HTLC_STATES.includes(state) ? state : 'none',
        from: String(record.from ?? ''),
        to: String(record.to ?? ''),
        amount: String(record.amount ?? '0'),
        hashLock: String(record.hashLock ?? ZERO32) as Hex,
        timelock: Number(record.timelock ?? 0),
        ...(state === 'claimed' && record.preimage ? { preimage: String(record.preimage) as Hex } : {}),
      };
    },
  };
}

/**
 * Fabric validation codes of a transaction invalidated at commit because what it read changed
 * meanwhile: endorsed again, it may pass. Every other invalidation is a refusal.
 */
const READ_CONFLICTS: ReadonlySet<unknown> = new Set(['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT']);

/**
 * A chain revert reaching us through the routers becomes a `ChainRefusedError`, except a Fabric
 * read conflict, which is thrown as is for the drivers to try again.
 */
async function refusals<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if (
      error instanceof HipError &&
      error.code === HipErrorCode.chainReverted &&
      !READ_CONFLICTS.has(error.details.chainCode)
    ) {
      throw new ChainRefusedError(String(error.details.chainMessage ?? error.message));
    }
    throw error;
  }
}
