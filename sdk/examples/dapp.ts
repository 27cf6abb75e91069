/**
 * A sample dapp written against Weft's SDK alone (docs/sdk.md walks through it, step by step).
 * `npm test`'s typecheck compiles it, so the SDK's types keep fitting what a dapp writes; the demo
 * dapp (demo/dapp.ts) is the one the end-to-end tests run.
 */
import {
  ChainError,
  discover,
  InvalidParamsError,
  SessionRequestError,
  type Subscription,
  UnauthorizedError,
  UserRejectedError,
  WeftError,
  type WeftSession,
  WeftWallet,
} from '@weft/sdk';

const ASSET = 'payment.bcos.asset';
const FAB_ASSET = 'trade.fab.asset';

type Log = (line: string) => void;

/** Discovery: every wallet in the browser (a picker would list them), then Weft itself. */
export async function findWeft(log: Log): Promise<WeftWallet> {
  for (const found of await discover()) {
    log(`${found.info.name} (${found.info.rdns}) through ${found.via}`);
  }
  return WeftWallet.find(); // CAIP-294 first, Weft's own announce event as fallback
}

/** Connect by chain (CAIP-25): the chains the wallet announced, narrowed to the two assets. */
export async function connectByChain(wallet: WeftWallet): Promise<WeftSession> {
  const served = wallet.info?.scopes ?? (await wallet.scopes());
  const fisco = Object.keys(served).find((scope) => scope.startsWith('fisco:'));
  const fabric = Object.keys(served).find((scope) => scope.startsWith('fabric:'));
  if (!fisco || !fabric) throw new Error('the wallet reaches no FISCO BCOS or no Fabric chain');
  return wallet.connect({
    scopes: { [fisco]: { resources: [ASSET] } },
    optionalScopes: { [fabric]: { resources: [FAB_ASSET] }, wallet: {} },
  });
}

/** Connect by resource path: the same approval, for those paths wherever they are. */
export function connectByPath(wallet: WeftWallet): Promise<WeftSession> {
  return wallet.connect({ resources: [ASSET, FAB_ASSET], methods: { [ASSET]: ['balanceOf', 'transfer'] } });
}

/** Reads on both chains: no approval; `verified` says what backs the values. */
export async function readBalances(session: WeftSession, log: Log): Promise<void> {
  const fisco = await session.call({ path: ASSET, method: 'balanceOf', args: [session.address] });
  log(`FISCO BCOS balance ${fisco.values[0]} (${fisco.verified.by})`);
  const fabric = await session.call({ path: FAB_ASSET, method: 'BalanceOf', args: ['user1'] });
  log(`Fabric balance of user1 ${fabric.values[0]} (${fabric.verified.backing})`);
}

/** A write: the user approves it in the popup; the receipt is rebuilt from the chain's evidence. */
export async function transfer(session: WeftSession, to: string, amount: string, log: Log): Promise<void> {
  try {
    const receipt = await session.sendTransaction({ path: ASSET, method: 'transfer', args: [to, amount] });
    log(`${receipt.status} in block ${receipt.blockNumber}, ${receipt.verified.by}`);
  } catch (error) {
    log(explain(error));
  }
}

/** Cross-chain: debit on FISCO BCOS and credit on Fabric, all or nothing, one approval. */
export async function payAcrossChains(session: WeftSession, log: Log): Promise<void> {
  const tx = await session.sendCrossChainTransaction({
    steps: [
      { path: ASSET, to: '0x00000000000000000000000000000000000000aa', amount: '10' },
      { path: FAB_ASSET, from: 'user1', to: 'merchant', amount: '10' },
    ],
  });
  log(`${tx.state}: ${tx.legs.map((leg) => `${leg.path} ${leg.state}`).join(', ')}`);
}

/** Events: each Transfer of the asset as it is sealed, until `unsubscribe()`. */
export function followTransfers(session: WeftSession, log: Log): Promise<Subscription> {
  return session.subscribe(ASSET, (event, { scope }) => {
    log(`${event.name ?? 'event'} in block ${event.blockNumber} on ${scope} (tx ${event.txId})`);
  });
}

/** The session as the user changes it in the popup (revoked: `active` is false). */
export function watchSession(wallet: WeftWallet, log: Log): () => void {
  return wallet.onSessionChanged((session) => {
    log(session.active ? `session on ${session.chains.join(', ')}` : 'session ended');
  });
}

/** Errors: a class per family, `data.reason` typed by the code. */
export function explain(error: unknown): string {
  if (error instanceof UserRejectedError) return 'you declined in the wallet';
  if (error instanceof UnauthorizedError && error.data?.reason === 'DESCRIPTION_CHANGED') {
    const fields = error.data.changes.map((c) => `${c.field} ${c.pinned} -> ${c.now}`).join(', ');
    return `${error.data.path} changed since you approved it (${fields}): connect again to review it`;
  }
  if (error instanceof ChainError && error.data?.reason === 'UNVERIFIED') {
    return `the routers' answer for ${error.data.path} did not verify: ${error.data.detail}`;
  }
  if (error instanceof InvalidParamsError && error.data?.reason === 'WRITE_METHOD') {
    return 'that method writes: send it as a transaction';
  }
  if (error instanceof SessionRequestError) return `the wallet cannot serve that session (${error.code})`;
  if (error instanceof WeftError) return `error ${error.code}: ${error.message}`;
  throw error;
}

/** The whole tour, in the order docs/sdk.md tells it. */
export async function main(log: Log): Promise<void> {
  const wallet = await findWeft(log);
  const stop = watchSession(wallet, log);
  const session = await connectByChain(wallet);
  await readBalances(session, log);
  const transfers = await followTransfers(session, log);
  await transfer(session, '0x3999999999999999999999999999999999999999', '7', log);
  await payAcrossChains(session, log);
  await transfers.unsubscribe();
  stop();
}
