/**
 * Fungible asset chaincode: accounts owned by the identity that opened them,
 * balances as decimal strings (no float rounding), mint by the minter, transfer
 * by an account's owner, a chaincode event per write; and the TTM functions
 * (hash-locked two-phase commit and HTLCs, asset-ttm.ts), whose locks transfers
 * and mints respect.
 *
 * Plain `Contract` subclass (no decorators): every public method is a transaction.
 */
import { type Context, Contract } from 'fabric-contract-api';
import {
  ACCOUNT,
  type Account,
  assertUnlocked,
  decoder,
  encoder,
  parseAmount,
  readAccount,
  writeAccount,
} from './asset-accounts.ts';
import {
  abort,
  commit,
  escrowed,
  htlcClaim,
  htlcLock,
  htlcRefund,
  htlcState,
  lockedBy,
  prepare,
  txState,
} from './asset-ttm.ts';
import { txTime } from './tx-time.ts';

const MINTER_KEY = 'minter';
/** The asset's unit, as `{ symbol, decimals }` JSON: absent until the minter sets it. */
const UNIT_KEY = 'unit';
/** What a symbol may be: short, printable, no spaces (it is shown beside every amount). */
const SYMBOL = /^[A-Za-z0-9.$_-]{1,12}$/;

export class AssetContract extends Contract {
  constructor() {
    super('asset');
  }

  /** The first caller becomes the minter; later calls fail. */
  async Initialize(ctx: Context): Promise<string> {
    const existing = await ctx.stub.getState(MINTER_KEY);
    if (existing && existing.length > 0) throw new Error('already initialized');
    const minter = ctx.clientIdentity.getID();
    await ctx.stub.putState(MINTER_KEY, encoder.encode(minter));
    return minter;
  }

  /**
   * The unit wallets show amounts in: a symbol and how many of an amount's digits are decimals
   * (as ERC-20's `symbol()` and `decimals()`). Set once, by the minter: amounts already held
   * must keep their meaning. A separate function, not Initialize's arguments, so ledgers
   * initialised before it can still be given one.
   */
  async SetUnit(ctx: Context, symbol: string, decimals: string): Promise<string> {
    const minter = decoder.decode(await ctx.stub.getState(MINTER_KEY));
    if (!minter || minter !== ctx.clientIdentity.getID()) throw new Error('only the minter may set the unit');
    const existing = await ctx.stub.getState(UNIT_KEY);
    if (existing && existing.length > 0) throw new Error('the unit is already set');
    if (!SYMBOL.test(symbol)) throw new Error(`invalid symbol: ${symbol}`);
    if (!/^[0-9]{1,2}$/.test(decimals) || Number(decimals) > 36)
      throw new Error(`invalid decimals: ${decimals}`);
    const unit = JSON.stringify({ symbol, decimals: Number(decimals) });
    await ctx.stub.putState(UNIT_KEY, encoder.encode(unit));
    ctx.stub.setEvent('UnitSet', encoder.encode(unit));
    return unit;
  }

  /** The unit's symbol, "" while none is set. */
  async Symbol(ctx: Context): Promise<string> {
    return (await readUnit(ctx))?.symbol ?? '';
  }

  /** Decimal digits of an amount, "0" while no unit is set (amounts are then whole units). */
  async Decimals(ctx: Context): Promise<string> {
    return String((await readUnit(ctx))?.decimals ?? 0);
  }

  async OpenAccount(ctx: Context, account: string): Promise<string> {
    if (!account) throw new Error('account name required');
    const key = ctx.stub.createCompositeKey(ACCOUNT, [account]);
    const existing = await ctx.stub.getState(key);
    if (existing && existing.length > 0) throw new Error(`account ${account} already exists`);
    await writeAccount(ctx, account, { owner: ctx.clientIdentity.getID(), balance: '0' });
    ctx.stub.setEvent('AccountOpened', encoder.encode(JSON.stringify({ account })));
    return account;
  }

  async Mint(ctx: Context, account: string, amount: string): Promise<string> {
    // Judges locks by the transaction's time, so it bounds that time like the TTM functions.
    const now = txTime(ctx);
    const minter = decoder.decode(await ctx.stub.getState(MINTER_KEY));
    if (minter !== ctx.clientIdentity.getID()) throw new Error('only the minter may mint');
    const value = parseAmount(amount);
    const target = await readAccount(ctx, account);
    assertUnlocked(account, target, now);
    target.balance = (BigInt(target.balance) + value).toString();
    await writeAccount(ctx, account, target);
    ctx.stub.setEvent('Mint', encoder.encode(JSON.stringify({ to: account, amount })));
    return target.balance;
  }

  async Transfer(ctx: Context, from: string, to: string, amount: string): Promise<string> {
    const now = txTime(ctx);
    const value = parseAmount(amount);
    if (from === to) throw new Error('cannot transfer to the same account');
    const source = await readAccount(ctx, from);
    if (source.owner !== ctx.clientIdentity.getID()) throw new Error(`caller does not own account ${from}`);
    const target = await readAccount(ctx, to);
    assertUnlocked(from, source, now);
    assertUnlocked(to, target, now);
    if (BigInt(source.balance) < value) throw new Error(`insufficient funds in account ${from}`);
    source.balance = (BigInt(source.balance) - value).toString();
    target.balance = (BigInt(target.balance) + value).toString();
    await writeAccount(ctx, from, source);
    await writeAccount(ctx, to, target);
    ctx.stub.setEvent('Transfer', encoder.encode(JSON.stringify({ from, to, amount })));
    return source.balance;
  }

  async BalanceOf(ctx: Context, account: string): Promise<string> {
    return (await readAccount(ctx, account)).balance;
  }

  async OwnerOf(ctx: Context, account: string): Promise<string> {
    return (await readAccount(ctx, account)).owner;
  }

  /**
   * Sum of all balances and of what TTM transactions and HTLCs hold in escrow, by range
   * queries: no global supply key that every mint would update (a hot key makes concurrent
   * mints fail MVCC validation).
   */
  async TotalSupply(ctx: Context): Promise<string> {
    let total = await escrowed(ctx);
    const iterator = await ctx.stub.getStateByPartialCompositeKey(ACCOUNT, []);
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        total += BigInt((JSON.parse(decoder.decode(next.value.value)) as Account).balance);
      }
    } finally {
      await iterator.close();
    }
    return total.toString();
  }

  async ClientID(ctx: Context): Promise<string> {
    return ctx.clientIdentity.getID();
  }

  // TTM (docs/ttm.md): arguments and results in asset-ttm.ts; results are the record's JSON.

  async Prepare(
    ctx: Context,
    txId: string,
    hashLock: string,
    deadline: string,
    transfers: string,
  ): Promise<string> {
    return prepare(ctx, txId, hashLock, deadline, transfers);
  }

  async Commit(ctx: Context, txId: string, preimage: string): Promise<string> {
    return commit(ctx, txId, preimage);
  }

  async Abort(ctx: Context, txId: string): Promise<string> {
    return abort(ctx, txId);
  }

  async TxState(ctx: Context, txId: string): Promise<string> {
    return txState(ctx, txId);
  }

  async LockedBy(ctx: Context, account: string): Promise<string> {
    return lockedBy(ctx, account);
  }

  async HtlcLock(
    ctx: Context,
    id: string,
    from: string,
    to: string,
    amount: string,
    hashLock: string,
    timelock: string,
  ): Promise<string> {
    return htlcLock(ctx, id, from, to, amount, hashLock, timelock);
  }

  async HtlcClaim(ctx: Context, id: string, preimage: string): Promise<string> {
    return htlcClaim(ctx, id, preimage);
  }

  async HtlcRefund(ctx: Context, id: string): Promise<string> {
    return htlcRefund(ctx, id);
  }

  async HtlcState(ctx: Context, id: string): Promise<string> {
    return htlcState(ctx, id);
  }
}

async function readUnit(ctx: Context): Promise<{ symbol: string; decimals: number } | null> {
  const bytes = await ctx.stub.getState(UNIT_KEY);
  if (!bytes || bytes.length === 0) return null;
  return JSON.parse(decoder.decode(bytes)) as { symbol: string; decimals: number };
}
