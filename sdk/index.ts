/**
 * Weft's SDK for dapps (docs/sdk.md): find the wallet, ask for a session, then read, write,
 * move assets across chains and follow events, with types for every method and error.
 *
 *   const wallet = await WeftWallet.find();
 *   const session = await wallet.connect({ resources: ['payment.bcos.asset'] });
 *   const { values } = await session.call({ path: 'payment.bcos.asset', method: 'balanceOf', args: [session.address] });
 */
export { channelProvider } from './channel.ts';
export {
  type ConnectByResources,
  type ConnectByScopes,
  type ConnectOptions,
  createSessionParams,
  type ScopeRequest,
  type ScopeRequests,
} from './connect.ts';
export {
  type DiscoveredWallet,
  type DiscoverOptions,
  discover,
  type FindWalletOptions,
  findWallet,
  WEFT_RDNS,
} from './discover.ts';
export * from './errors.ts';
export { accountAddress, accountChain, isChainScope, namespaceOf, WALLET_SCOPE } from './ids.ts';
export { type SessionAnswer, type Subscription, WeftSession } from './session.ts';
export type * from './types.ts';
export { connect, WalletNotFoundError, WeftWallet } from './wallet.ts';
