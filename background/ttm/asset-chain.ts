/**
 * The TTM operations of one asset resource (docs/ttm.md, "Contracts and chaincode"), signed
 * in the wallet and relayed through the routers: the FISCO BCOS `Asset` contract or the Fabric
 * `asset` chaincode behind one interface, so the drivers never look at the chain type.
 *
 * A refusal by the contract or chaincode is a `ChainRefusedError` (definitive: retrying gives
 * the same answer); anything else (router unreachable, timeout, MVCC conflict) may pass and is
 * thrown as is, for the drivers to retry. Every operation is idempotent on the chain.
 */
import { decodeRevertReason, encodeCall } from '../../p2p/chains/fisco-bcos/abi.ts';
import type { LightClient } from '../../p2p/client/light-client.ts';
import { HipError, HipErrorCode } from '../../p2p/protocol/errors.ts';
import type { ResourceEntry } from '../../p2p/protocol/messages.ts';
import { submitFabricWrite } from '../signing/fabric-write.ts';
import { submitFiscoWrite } from '../signing/fisco-write.ts';
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
  htlcState(id: Hex): Promise<HtlcOnChain>;
}

export interface AssetChainOptions {
  client: LightClient;
  vault: Vault;
  entry: ResourceEntry;
  /** The session's FISCO BCOS account index and Fabric identity id. */
  signer: { account: number; fabricIdentity?: string };
}

const ZERO32 = `0x${'0'.repeat(64)}`;
const TX_STATES: TxChainState[] = ['none', 'prepared', 'committed', 'aborted'];
const HTLC_STATES: HtlcChainState[] = ['none', 'locked', 'claimed', 'refunded'];

export function assetChain(options: AssetChainOptions): AssetChain {
  return options.entry.chain.type === 'fabric' ? fabricAsset(options) : fiscoAsset(options);
}

function fiscoAsset({ client, vault, entry, signer }: AssetChainOptions): AssetChain {
  const path = entry.path;
  async function write(method: string, args: unknown[]): Promise<void> {
    const data = encodeCall(entry.abi as never, method, args);
    const receipt = await submitFiscoWrite(client, vault, signer.account, { path, to: entry.address, data });
    if (receipt.status !== 'success') {
      throw new ChainRefusedError(
        decodeRevertReason(receipt.output) ?? `${method} reverted (${receipt.chainStatus})`,
      );
    }
  }
  async function read(method: string, id: Hex): Promise<unknown[]> {
    return (await refusals(client.call({ path, method, args: [id] }))).values;
  }
  return {
    path,
    prepare: (id, hashLock, deadline, transfers) =>
      write('prepare', [
        id,
        hashLock,
        BigInt(deadline),
        transfers.map((t) => t.to),
        transfers.map((t) => BigInt(t.amount)),
      ]),
    commit: (id, preimage) => write('commit', [id, preimage]),
    abort: (id) => write('abort', [id]),
    async txState(id) {
      const [, , deadline, state, preimage] = await read('txState', id);
      const known = TX_STATES[Number(state)] ?? 'none';
      return {
        state: known,
        deadline: Number(deadline),
        ...(known === 'committed' ? { preimage: String(preimage) as Hex } : {}),
      };
    },
    htlcLock: (id, lock) =>
      write('htlcLock', [id, lock.to, BigInt(lock.amount), lock.hashLock, BigInt(lock.timelock)]),
    htlcClaim: (id, preimage) => write('htlcClaim', [id, preimage]),
    htlcRefund: (id) => write('htlcRefund', [id]),
    async htlcState(id) {
      const [from, to, amount, hashLock, timelock, state, preimage] = await read('htlcState', id);
      const known = HTLC_STATES[Number(state)] ?? 'none';
      return {
        state: known,
        from: String(from),
        to: String(to),
        amount: String(amount),
        hashLock: String(hashLock) as Hex,
        timelock: Number(timelock),
        ...(known === 'claimed' && String(preimage) !== ZERO32 ? { preimage: String(preimage) as Hex } : {}),
      };
    },
  };
}

function fabricAsset({ client, vault, entry, signer }: AssetChainOptions): AssetChain {
  const path = entry.path;
  if (entry.chain.type !== 'fabric') throw new Error('not a Fabric resource');
  const channel = entry.chain.channel;
  async function write(fn: string, args: string[]): Promise<void> {
    if (!signer.fabricIdentity) throw new ChainRefusedError('no Fabric identity: import one in the popup');
    const receipt = await refusals(
      submitFabricWrite(client, vault, signer.fabricIdentity, {
        path,
        channel,
        chaincode: entry.address,
        fn,
        args,
      }),
    );
    // A validation failure (MVCC conflict, endorsement policy) may pass on a retry: not a refusal.
    if (receipt.status !== 'success') throw new Error(`${fn} was invalidated (${receipt.chainStatus})`);
  }
  async function read(fn: string, id: Hex): Promise<Record<string, unknown>> {
    const value = (await refusals(client.call({ path, method: fn, args: [id] }))).values[0];
    return (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
  }
  return {
    path,
    prepare: (id, hashLock, deadline, transfers) =>
      write('Prepare', [id, hashLock, String(deadline), JSON.stringify(transfers)]),
    commit: (id, preimage) => write('Commit', [id, preimage]),
    abort: (id) => write('Abort', [id]),
    async txState(id) {
      const record = await read('TxState', id);
      const state = String(record.state) as TxChainState;
      return {
        state: TX_STATES.includes(state) ? state : 'none',
        deadline: Number(record.deadline ?? 0),
        ...(state === 'committed' && record.preimage ? { preimage: String(record.preimage) as Hex } : {}),
      };
    },
    htlcLock: (id, lock) =>
      write('HtlcLock', [id, lock.from, lock.to, lock.amount, lock.hashLock, String(lock.timelock)]),
    htlcClaim: (id, preimage) => write('HtlcClaim', [id, preimage]),
    htlcRefund: (id) => write('HtlcRefund', [id]),
    async htlcState(id) {
      const record = await read('HtlcState', id);
      const state = String(record.state) as HtlcChainState;
      return {
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
