/**
 * The asset chaincode's accounts, amounts, cross-chain locks and clock, shared by the plain
 * functions (asset-contract.ts) and the TTM ones (asset-ttm.ts).
 */
import type { Context } from 'fabric-contract-api';

/** A lock by a prepared cross-chain transaction (docs/ttm.md), in force while `now < deadline`. */
export interface AccountLock {
  txId: string;
  deadline: number;
}

/**
 * The lock lives in the account's own record: a transfer reads no extra key, there is no
 * shared lock table for transactions to collide on (MVCC), and a prepare that locks an
 * account conflicts with a transfer committed in between, as it should.
 */
export interface Account {
  owner: string;
  balance: string;
  lock?: AccountLock;
}

export const ACCOUNT = 'account';
export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export function parseAmount(amount: string): bigint {
  if (!/^[0-9]{1,30}$/.test(amount)) throw new Error(`invalid amount: ${amount}`);
  const value = BigInt(amount);
  if (value <= 0n) throw new Error('amount must be positive');
  return value;
}

export async function readAccount(ctx: Context, account: string): Promise<Account> {
  const bytes = await ctx.stub.getState(ctx.stub.createCompositeKey(ACCOUNT, [account]));
  if (!bytes || bytes.length === 0) throw new Error(`account ${account} does not exist`);
  return JSON.parse(decoder.decode(bytes)) as Account;
}

export async function writeAccount(ctx: Context, account: string, value: Account): Promise<void> {
  await ctx.stub.putState(
    ctx.stub.createCompositeKey(ACCOUNT, [account]),
    encoder.encode(JSON.stringify(value)),
  );
}

/**
 * Refuses an account locked by a prepared cross-chain transaction other than `txId`, before its
 * deadline. Called by what would change the account's balance now (transfer, mint, prepare,
 * HTLC lock); settlements (commit, abort, claim, refund) never are, so nothing can hold them up.
 */
export function assertUnlocked(name: string, account: Account, now: number, txId?: string): void {
  const lock = account.lock;
  if (lock && now < lock.deadline && lock.txId !== txId) {
    throw new Error(`account ${name} is locked by a cross-chain transaction`);
  }
}
