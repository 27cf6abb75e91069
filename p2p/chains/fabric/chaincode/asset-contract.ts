/**
 * Fungible asset chaincode: accounts owned by the identity that opened them,
 * balances as decimal strings (no float rounding), mint by the minter, transfer
 * by an account's owner, a chaincode event per write.
 *
 * Plain `Contract` subclass (no decorators): every public method is a transaction.
 */
import { type Context, Contract } from 'fabric-contract-api';

interface Account {
  owner: string;
  balance: string;
}

const ACCOUNT = 'account';
const MINTER_KEY = 'minter';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function parseAmount(amount: string): bigint {
  if (!/^[0-9]{1,30}$/.test(amount)) throw new Error(`invalid amount: ${amount}`);
  const value = BigInt(amount);
  if (value <= 0n) throw new Error('amount must be positive');
  return value;
}

export class AssetContract extends Contract {
  constructor() {
    super('asset');
  }

  async _readAccount(ctx: Context, account: string): Promise<Account> {
    const bytes = await ctx.stub.getState(ctx.stub.createCompositeKey(ACCOUNT, [account]));
    if (!bytes || bytes.length === 0) throw new Error(`account ${account} does not exist`);
    return JSON.parse(decoder.decode(bytes)) as Account;
  }

  async _writeAccount(ctx: Context, account: string, value: Account): Promise<void> {
    await ctx.stub.putState(
      ctx.stub.createCompositeKey(ACCOUNT, [account]),
      encoder.encode(JSON.stringify(value)),
    );
  }

  /** The first caller becomes the minter; later calls fail. */
  async Initialize(ctx: Context): Promise<string> {
    const existing = await ctx.stub.getState(MINTER_KEY);
    if (existing && existing.length > 0) throw new Error('already initialized');
    const minter = ctx.clientIdentity.getID();
    await ctx.stub.putState(MINTER_KEY, encoder.encode(minter));
    return minter;
  }

  async OpenAccount(ctx: Context, account: string): Promise<string> {
    if (!account) throw new Error('account name required');
    const key = ctx.stub.createCompositeKey(ACCOUNT, [account]);
    const existing = await ctx.stub.getState(key);
    if (existing && existing.length > 0) throw new Error(`account ${account} already exists`);
    await this._writeAccount(ctx, account, { owner: ctx.clientIdentity.getID(), balance: '0' });
    ctx.stub.setEvent('AccountOpened', encoder.encode(JSON.stringify({ account })));
    return account;
  }

  async Mint(ctx: Context, account: string, amount: string): Promise<string> {
    const minter = decoder.decode(await ctx.stub.getState(MINTER_KEY));
    if (minter !== ctx.clientIdentity.getID()) throw new Error('only the minter may mint');
    const value = parseAmount(amount);
    const target = await this._readAccount(ctx, account);
    target.balance = (BigInt(target.balance) + value).toString();
    await this._writeAccount(ctx, account, target);
    ctx.stub.setEvent('Mint', encoder.encode(JSON.stringify({ to: account, amount })));
    return target.balance;
  }

  async Transfer(ctx: Context, from: string, to: string, amount: string): Promise<string> {
    const value = parseAmount(amount);
    if (from === to) throw new Error('cannot transfer to the same account');
    const source = await this._readAccount(ctx, from);
    if (source.owner !== ctx.clientIdentity.getID()) throw new Error(`caller does not own account ${from}`);
    const target = await this._readAccount(ctx, to);
    if (BigInt(source.balance) < value) throw new Error(`insufficient funds in account ${from}`);
    source.balance = (BigInt(source.balance) - value).toString();
    target.balance = (BigInt(target.balance) + value).toString();
    await this._writeAccount(ctx, from, source);
    await this._writeAccount(ctx, to, target);
    ctx.stub.setEvent('Transfer', encoder.encode(JSON.stringify({ from, to, amount })));
    return source.balance;
  }

  async BalanceOf(ctx: Context, account: string): Promise<string> {
    return (await this._readAccount(ctx, account)).balance;
  }

  async OwnerOf(ctx: Context, account: string): Promise<string> {
    return (await this._readAccount(ctx, account)).owner;
  }

  /**
   * Sum of all balances, by range query: no global supply key that every mint would
   * update (a hot key makes concurrent mints fail MVCC validation).
   */
  async TotalSupply(ctx: Context): Promise<string> {
    let total = 0n;
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
}
