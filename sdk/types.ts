/**
 * The SDK's types: the provider's own (content/provider-schema.ts, content/caip-schema.ts,
 * content/caip-ids.ts), re-exported under the names a dapp codes against, and the CAIP-27 scope
 * methods typed by the `weft_*` method each runs. Types only: nothing here reaches the bundle.
 */
import type { ChainId, ChainNamespace } from '../content/caip-ids.ts';
import type {
  CHAIN_METHOD_SUFFIXES,
  CreateSessionParams,
  NotifyParams,
  ResourceEventJson,
  ScopeObject,
  Scopes,
  WALLET_SCOPE_METHODS,
  WalletData,
} from '../content/caip-schema.ts';
import type {
  AcceptSwapParams,
  CrossChainParams,
  GetRecordParams,
  GrantedReadParams,
  GrantParams,
  IssuedGrant,
  PingResult,
  PlainRecord,
  ProposeSwapParams,
  ProviderMethodName,
  ProviderParams,
  ProviderRequestArgs,
  ProviderResult,
  ProviderSchema,
  PutRecordParams,
  ResourceCallParams,
  ResourcePin,
  Session,
  SessionParams,
  VersionResult,
} from '../content/provider-schema.ts';

export type {
  AcceptSwapParams,
  ChainId,
  ChainNamespace,
  CreateSessionParams,
  CrossChainParams,
  GetRecordParams,
  GrantedReadParams,
  GrantParams,
  IssuedGrant,
  NotifyParams,
  PingResult,
  PlainRecord,
  ProposeSwapParams,
  ProviderMethodName,
  ProviderParams,
  ProviderRequestArgs,
  ProviderResult,
  ProviderSchema,
  PutRecordParams,
  ResourceCallParams,
  ResourceEventJson,
  ResourcePin,
  ScopeObject,
  Scopes,
  SessionParams,
  VersionResult,
  WalletData,
};
/** The wallet's own record of a site's session (`weft_requestSession`, `weft_getSession`). */
export type SessionRecord = Session;

/** `call`, `sendTransaction`, ...: what a chain scope's method names end in. */
export type ChainMethodSuffix = (typeof CHAIN_METHOD_SUFFIXES)[number];
/** A chain scope's method: `fisco_call`, `fabric_sendTransaction`, ... */
export type ChainMethodName<N extends ChainNamespace = ChainNamespace> = `${N}_${ChainMethodSuffix}`;
/** A method of the `wallet` scope: cross-chain transactions, swaps, grants. */
export type WalletMethodName = (typeof WALLET_SCOPE_METHODS)[number];
/** Any method `wallet_invokeMethod` runs in some scope. */
export type ScopeMethodName = ChainMethodName | WalletMethodName;

/** The `weft_*` method a scope method runs: `fisco_call` -> `weft_call`; a wallet method itself. */
type WeftNameOf<M extends ScopeMethodName> =
  M extends `${ChainNamespace}_${infer S extends ChainMethodSuffix}` ? `weft_${S}` : M;
export type RunsAs<M extends ScopeMethodName> = Extract<WeftNameOf<M>, ProviderMethodName>;
export type ScopeMethodParams<M extends ScopeMethodName> = ProviderParams<RunsAs<M>>;
export type ScopeMethodResult<M extends ScopeMethodName> = ProviderResult<RunsAs<M>>;

/** `weft_call` / `fisco_call` / `fabric_call`: decoded values, raw output, and what backs them. */
export type ReadResult = ProviderResult<'weft_call'>;
/** A write's receipt, rebuilt by the wallet from the chain's evidence (`sendTransaction`, `putRecord`). */
export type WriteReceipt = ProviderResult<'weft_sendTransaction'>;
/** One resource as the routers describe it (`describe`, `listResources`). */
export type ResourceDescription = ProviderResult<'weft_describe'>;
/** The chain's record of a transaction, or null. */
export type TransactionRecord = ProviderResult<'weft_getTransaction'>;
/** A granted read's answer: the covered fields sealed, and the key blob wrapped to the site's key. */
export type SealedRecord = ProviderResult<'weft_readWithGrant'>;
/** A cross-chain transaction's view once every chain committed. */
export type CrossChainResult = ProviderResult<'weft_sendCrossChainTransaction'>;
export type ProposeSwapResult = ProviderResult<'weft_proposeSwap'>;
export type AcceptSwapResult = ProviderResult<'weft_acceptSwap'>;
/** A cross-chain transaction or swap of this site, as `weft_ttmStatus` / `weft_ttmList` show it. */
export type TtmView = ProviderResult<'weft_ttmStatus'>;

/** A wallet scope the site may use: CAIP-2 chain id, or `wallet`. */
export type ScopeString = ChainId | 'wallet';

/** What `subscribe` hands each event: the event, and which subscription and scope it came on. */
export type ResourceEventListener = (
  event: ResourceEventJson,
  meta: { subscription: string; scope: string },
) => void;

/**
 * What the SDK needs of a wallet's provider: EIP-1193's shape. `window.weft` is one; so is the
 * CAIP-294 channel the SDK builds (channel.ts).
 */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown }): Promise<unknown>;
  on(event: string, listener: (data: unknown) => void): unknown;
  removeListener(event: string, listener: (data: unknown) => void): unknown;
}

/** Who a discovered wallet is: its CAIP-294 data (and `version` when the wallet's provider says it). */
export interface WalletInfo extends WalletData {
  version?: string;
}

/** Fails to compile if a scope method stops naming a provider method (the schemas drifted apart). */
// biome-ignore lint/correctness/noUnusedVariables: a compile-time check, used by nothing
type ScopeMethodsRun = Assert<WeftNameOf<ScopeMethodName> extends ProviderMethodName ? true : false>;
type Assert<T extends true> = T;
