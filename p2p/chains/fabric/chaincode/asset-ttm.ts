/**
 * The asset chaincode's side of TTM (docs/ttm.md): hash-locked two-phase commit over several
 * accounts, and HTLCs for swaps. AssetContract exposes these as its transactions.
 *
 * A prepare moves the debited amounts into escrow, which is the transaction's own record (one
 * key per transaction id, no shared escrow balance), and locks every account it touches in
 * that account's record until it commits or aborts or its deadline passes: an expired lock is
 * ignored where it is read, so none outlives its deadline. An HTLC's escrow is its own record.
 * Time is the transaction timestamp in seconds (txTime). Ids, hash locks and preimages are
 * 32 bytes as 0x hex (the same secret must open the FISCO BCOS side, whose preimage is a
 * bytes32), kept lower-case.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Context } from 'fabric-contract-api';
import {
  type Account,
  assertUnlocked,
  decoder,
  encoder,
  parseAmount,
  readAccount,
  writeAccount,
} from './asset-accounts.ts';
import { txTime } from './tx-time.ts';

export interface TxTransfer {
  from: string;
  to: string;
  /** Decimal string. */
  amount: string;
}

export interface TxRecord {
  txId: string;
  state: 'none' | 'prepared' | 'committed' | 'aborted';
  /** Fabric id of the identity that prepared (that aborted, for an id never prepared). */
  owner: string;
  hashLock: string;
  /** Unix seconds. */
  deadline: number;
  transfers: TxTransfer[];
  /** Set once committed. */
  preimage: string;
}

export interface HtlcRecord {
  id: string;
  state: 'none' | 'locked' | 'claimed' | 'refunded';
  /** Fabric id of the identity that locked (owner of `from`). */
  owner: string;
  from: string;
  to: string;
  amount: string;
  hashLock: string;
  /** Unix seconds. */
  timelock: number;
  /** Set once claimed. */
  preimage: string;
}

const TX = 'ttmTx';
const HTLC = 'htlc';
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function parseBytes32(value: string, what: string): string {
  if (!BYTES32.test(value)) throw new Error(`invalid ${what}: ${value}`);
  return value.toLowerCase();
}

function parseSeconds(value: string, what: string): number {
  if (!/^[0-9]{1,12}$/.test(value)) throw new Error(`invalid ${what}: ${value}`);
  return Number(value);
}

function opens(hashLock: string, preimage: string): boolean {
  return `0x${bytesToHex(sha256(hexToBytes(preimage.slice(2))))}` === hashLock;
}

/** The steps with amounts normalised, so a repeated prepare compares equal to the stored one. */
function parseTransfers(json: string): TxTransfer[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('invalid transfers: not JSON');
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new Error('invalid transfers: expected a non-empty array of {from, to, amount}');
  }
  return value.map((step: unknown, index) => {
    const { from, to, amount } = (typeof step === 'object' && step !== null ? step : {}) as Record<
      string,
      unknown
    >;
    if (typeof from !== 'string' || !from || typeof to !== 'string' || !to || typeof amount !== 'string') {
      throw new Error(`invalid transfers: step ${index} needs string from, to and amount`);
    }
    if (from === to) throw new Error('cannot transfer to the same account');
    return { from, to, amount: parseAmount(amount).toString() };
  });
}

function sum(entries: Array<[string, bigint]>): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const [name, value] of entries) totals.set(name, (totals.get(name) ?? 0n) + value);
  return totals;
}

async function read<T>(ctx: Context, type: string, id: string): Promise<T | null> {
  const bytes = await ctx.stub.getState(ctx.stub.createCompositeKey(type, [id]));
  return bytes && bytes.length > 0 ? (JSON.parse(decoder.decode(bytes)) as T) : null;
}

async function write(ctx: Context, type: string, id: string, value: TxRecord | HtlcRecord): Promise<void> {
  await ctx.stub.putState(ctx.stub.createCompositeKey(type, [id]), encoder.encode(JSON.stringify(value)));
}

function emit(ctx: Context, name: string, payload: object): void {
  ctx.stub.setEvent(name, encoder.encode(JSON.stringify(payload)));
}

function noTx(txId: string): TxRecord {
  return { txId, state: 'none', owner: '', hashLock: '', deadline: 0, transfers: [], preimage: '' };
}

/**
 * Ends a prepared transaction: credits each step's `payee` (the receivers at commit, the
 * senders at abort) and lifts this transaction's locks. An account whose lock another
 * transaction took after this one's deadline keeps that lock, and is not written if nothing
 * else changes for it.
 */
async function settle(ctx: Context, record: TxRecord, payee: 'from' | 'to'): Promise<void> {
  const credits = sum(record.transfers.map((step) => [step[payee], BigInt(step.amount)]));
  const touched = new Set(record.transfers.flatMap((step) => [step.from, step.to]));
  for (const name of touched) {
    const account = await readAccount(ctx, name);
    const credit = credits.get(name) ?? 0n;
    const ours = account.lock?.txId === record.txId;
    if (credit === 0n && !ours) continue;
    account.balance = (BigInt(account.balance) + credit).toString();
    if (ours) delete account.lock;
    await writeAccount(ctx, name, account);
  }
}

export async function prepare(
  ctx: Context,
  txIdArg: string,
  hashLockArg: string,
  deadlineArg: string,
  transfersJson: string,
): Promise<string> {
  const now = txTime(ctx);
  const txId = parseBytes32(txIdArg, 'transaction id');
  const hashLock = parseBytes32(hashLockArg, 'hash lock');
  const deadline = parseSeconds(deadlineArg, 'deadline');
  const transfers = parseTransfers(transfersJson);
  const owner = ctx.clientIdentity.getID();

  const existing = await read<TxRecord>(ctx, TX, txId);
  if (existing) {
    if (existing.state === 'aborted') throw new Error(`transaction ${txId} is aborted`);
    const same =
      existing.owner === owner &&
      existing.hashLock === hashLock &&
      existing.deadline === deadline &&
      JSON.stringify(existing.transfers) === JSON.stringify(transfers);
    if (!same) throw new Error(`transaction ${txId} was prepared with other parameters`);
    return JSON.stringify(existing);
  }
  if (deadline <= now) throw new Error('deadline must be in the future');

  const accounts = new Map<string, Account>();
  for (const step of transfers) {
    for (const name of [step.from, step.to]) {
      if (!accounts.has(name)) accounts.set(name, await readAccount(ctx, name));
    }
  }
  const debits = sum(transfers.map((step) => [step.from, BigInt(step.amount)]));
  for (const [name, account] of accounts) {
    if (debits.has(name) && account.owner !== owner) throw new Error(`caller does not own account ${name}`);
  }
  for (const [name, account] of accounts) assertUnlocked(name, account, now);
  for (const [name, account] of accounts) {
    const debit = debits.get(name) ?? 0n;
    if (BigInt(account.balance) < debit) throw new Error(`insufficient funds in account ${name}`);
    account.balance = (BigInt(account.balance) - debit).toString();
    account.lock = { txId, deadline };
    await writeAccount(ctx, name, account);
  }

  const record: TxRecord = { txId, state: 'prepared', owner, hashLock, deadline, transfers, preimage: '' };
  await write(ctx, TX, txId, record);
  emit(ctx, 'TxPrepared', { txId, owner, hashLock, deadline, transfers });
  return JSON.stringify(record);
}

export async function commit(ctx: Context, txIdArg: string, preimageArg: string): Promise<string> {
  const now = txTime(ctx);
  const txId = parseBytes32(txIdArg, 'transaction id');
  const preimage = parseBytes32(preimageArg, 'preimage');
  const record = await read<TxRecord>(ctx, TX, txId);
  if (!record) throw new Error(`transaction ${txId} is not prepared`);
  if (record.state === 'aborted') throw new Error(`transaction ${txId} is aborted`);
  if (!opens(record.hashLock, preimage)) {
    throw new Error(`preimage does not match the hash lock of transaction ${txId}`);
  }
  if (record.state === 'committed') return JSON.stringify(record);
  if (now >= record.deadline) throw new Error(`transaction ${txId} passed its deadline`);

  await settle(ctx, record, 'to');
  record.state = 'committed';
  record.preimage = preimage;
  await write(ctx, TX, txId, record);
  emit(ctx, 'TxCommitted', { txId, preimage });
  return JSON.stringify(record);
}

/**
 * Aborts a prepared transaction (its owner until it commits, anyone from its deadline on), or
 * records a never-prepared id as aborted (anyone), so that a prepare still in flight fails.
 */
export async function abort(ctx: Context, txIdArg: string): Promise<string> {
  const now = txTime(ctx);
  const txId = parseBytes32(txIdArg, 'transaction id');
  const caller = ctx.clientIdentity.getID();
  const record = (await read<TxRecord>(ctx, TX, txId)) ?? { ...noTx(txId), owner: caller };
  if (record.state === 'aborted') return JSON.stringify(record);
  if (record.state === 'committed') throw new Error(`transaction ${txId} is committed`);
  if (record.state === 'prepared') {
    if (record.owner !== caller && now < record.deadline) {
      throw new Error(`only the owner may abort transaction ${txId} before its deadline`);
    }
    await settle(ctx, record, 'from');
  }
  record.state = 'aborted';
  await write(ctx, TX, txId, record);
  emit(ctx, 'TxAborted', { txId });
  return JSON.stringify(record);
}

export async function txState(ctx: Context, txIdArg: string): Promise<string> {
  txTime(ctx);
  const txId = parseBytes32(txIdArg, 'transaction id');
  return JSON.stringify((await read<TxRecord>(ctx, TX, txId)) ?? noTx(txId));
}

/** The prepared transaction whose lock holds `account` now, or ''. */
export async function lockedBy(ctx: Context, account: string): Promise<string> {
  const now = txTime(ctx);
  const lock = (await readAccount(ctx, account)).lock;
  return lock && now < lock.deadline ? lock.txId : '';
}

export async function htlcLock(
  ctx: Context,
  idArg: string,
  from: string,
  to: string,
  amountArg: string,
  hashLockArg: string,
  timelockArg: string,
): Promise<string> {
  const now = txTime(ctx);
  const id = parseBytes32(idArg, 'htlc id');
  const amount = parseAmount(amountArg);
  const hashLock = parseBytes32(hashLockArg, 'hash lock');
  const timelock = parseSeconds(timelockArg, 'timelock');
  if (from === to) throw new Error('cannot transfer to the same account');
  const owner = ctx.clientIdentity.getID();

  const existing = await read<HtlcRecord>(ctx, HTLC, id);
  if (existing) {
    if (existing.state === 'refunded') throw new Error(`htlc ${id} is refunded`);
    const same =
      existing.owner === owner &&
      existing.from === from &&
      existing.to === to &&
      existing.amount === amount.toString() &&
      existing.hashLock === hashLock &&
      existing.timelock === timelock;
    if (!same) throw new Error(`htlc ${id} was locked with other parameters`);
    return JSON.stringify(existing);
  }
  if (timelock <= now) throw new Error('timelock must be in the future');

  const source = await readAccount(ctx, from);
  if (source.owner !== owner) throw new Error(`caller does not own account ${from}`);
  // The receiver must exist; its balance only changes at claim, so its lock does not matter.
  await readAccount(ctx, to);
  assertUnlocked(from, source, now);
  if (BigInt(source.balance) < amount) throw new Error(`insufficient funds in account ${from}`);
  source.balance = (BigInt(source.balance) - amount).toString();
  await writeAccount(ctx, from, source);

  const record: HtlcRecord = {
    id,
    state: 'locked',
    owner,
    from,
    to,
    amount: amount.toString(),
    hashLock,
    timelock,
    preimage: '',
  };
  await write(ctx, HTLC, id, record);
  emit(ctx, 'HtlcLocked', { id, from, to, amount: record.amount, hashLock, timelock });
  return JSON.stringify(record);
}

async function credit(ctx: Context, name: string, amount: string): Promise<void> {
  const account = await readAccount(ctx, name);
  account.balance = (BigInt(account.balance) + BigInt(amount)).toString();
  await writeAccount(ctx, name, account);
}

async function readHtlc(ctx: Context, id: string): Promise<HtlcRecord> {
  const record = await read<HtlcRecord>(ctx, HTLC, id);
  if (!record) throw new Error(`htlc ${id} does not exist`);
  return record;
}

export async function htlcClaim(ctx: Context, idArg: string, preimageArg: string): Promise<string> {
  const now = txTime(ctx);
  const id = parseBytes32(idArg, 'htlc id');
  const preimage = parseBytes32(preimageArg, 'preimage');
  const record = await readHtlc(ctx, id);
  if (record.state === 'refunded') throw new Error(`htlc ${id} is refunded`);
  if (!opens(record.hashLock, preimage))
    throw new Error(`preimage does not match the hash lock of htlc ${id}`);
  if (record.state === 'claimed') return JSON.stringify(record);
  if (now >= record.timelock) throw new Error(`htlc ${id} passed its timelock`);

  await credit(ctx, record.to, record.amount);
  record.state = 'claimed';
  record.preimage = preimage;
  await write(ctx, HTLC, id, record);
  emit(ctx, 'HtlcClaimed', { id, preimage });
  return JSON.stringify(record);
}

export async function htlcRefund(ctx: Context, idArg: string): Promise<string> {
  const now = txTime(ctx);
  const id = parseBytes32(idArg, 'htlc id');
  const record = await readHtlc(ctx, id);
  if (record.state === 'refunded') return JSON.stringify(record);
  if (record.state === 'claimed') throw new Error(`htlc ${id} is claimed`);
  if (now < record.timelock) throw new Error(`htlc ${id} cannot be refunded before its timelock`);

  await credit(ctx, record.from, record.amount);
  record.state = 'refunded';
  await write(ctx, HTLC, id, record);
  emit(ctx, 'HtlcRefunded', { id });
  return JSON.stringify(record);
}

export async function htlcState(ctx: Context, idArg: string): Promise<string> {
  txTime(ctx);
  const id = parseBytes32(idArg, 'htlc id');
  const none: HtlcRecord = {
    id,
    state: 'none',
    owner: '',
    from: '',
    to: '',
    amount: '0',
    hashLock: '',
    timelock: 0,
    preimage: '',
  };
  return JSON.stringify((await read<HtlcRecord>(ctx, HTLC, id)) ?? none);
}

/** What prepared transactions and locked HTLCs hold in escrow (part of the total supply). */
export async function escrowed(ctx: Context): Promise<bigint> {
  let total = 0n;
  for (const type of [TX, HTLC]) {
    const iterator = await ctx.stub.getStateByPartialCompositeKey(type, []);
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        const record = JSON.parse(decoder.decode(next.value.value)) as TxRecord | HtlcRecord;
        if (record.state === 'prepared' && 'transfers' in record) {
          for (const step of record.transfers) total += BigInt(step.amount);
        } else if (record.state === 'locked' && 'amount' in record) {
          total += BigInt(record.amount);
        }
      }
    } finally {
      await iterator.close();
    }
  }
  return total;
}
