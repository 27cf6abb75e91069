/**
 * A site's session as CAIP-25 scopes, with a typed method for everything the session allows.
 * Each method names a resource by path, as the `weft_*` methods do; the session knows which
 * chain holds each of its paths (`scopedProperties`), so it sends the call through CAIP-27
 * `wallet_invokeMethod` in that chain's scope, by the namespaced name (`fisco_call`,
 * `fabric_sendTransaction`, ...). A path it does not know a scope for (no session, or a chain the
 * wallet could not name when the session was read) goes to the `weft_*` method directly, and the
 * wallet answers it as it would any page: 4100 when the session does not cover it. Cross-chain
 * transactions, swaps and grants go through the `wallet` scope.
 *
 * A `WeftSession` is a snapshot: `wallet.onSessionChanged` hands over a new one when it changes.
 */
import { accountAddress, isChainScope, namespaceOf, WALLET_SCOPE } from './ids.ts';
import type { NotificationRouter } from './subscriptions.ts';
import type {
  AcceptSwapParams,
  AcceptSwapResult,
  ChainId,
  ChainMethodSuffix,
  CrossChainParams,
  CrossChainResult,
  GrantParams,
  IssuedGrant,
  PlainRecord,
  ProposeSwapParams,
  ProposeSwapResult,
  ProviderMethodName,
  ProviderRequestArgs,
  ProviderResult,
  PutRecordParams,
  ReadResult,
  ResourceCallParams,
  ResourceDescription,
  ResourceEventListener,
  ScopeMethodName,
  ScopeMethodParams,
  ScopeMethodResult,
  Scopes,
  TransactionRecord,
  TtmView,
  WalletMethodName,
  WriteReceipt,
} from './types.ts';

/** What a session needs of its wallet (wallet.ts). */
export interface SessionHost {
  request<M extends ProviderMethodName>(args: ProviderRequestArgs<M>): Promise<ProviderResult<M>>;
  readonly notifications: NotificationRouter;
}

/** `wallet_getSession`'s (or `wallet_createSession`'s) answer. */
export interface SessionAnswer {
  sessionScopes: Scopes;
  scopedProperties?: Record<string, { resources: string[] }>;
}

/** A live subscription to a resource's events. */
export interface Subscription {
  readonly id: string;
  readonly path: string;
  /** The chain scope it was made in (none when made by `weft_subscribe` directly). */
  readonly scope: ChainId | undefined;
  /** Stops the events; false when the wallet no longer held it (it ended with the session, say). */
  unsubscribe(): Promise<boolean>;
}

export class WeftSession {
  /** The session's scopes as CAIP-25 puts them: methods, notifications, CAIP-10 accounts. */
  readonly scopes: Readonly<Scopes>;
  /** Per chain scope, the session's resource paths on that chain. */
  readonly resourcesByScope: Readonly<Record<string, readonly string[]>>;
  readonly #host: SessionHost;

  constructor(host: SessionHost, answer: SessionAnswer) {
    this.#host = host;
    this.scopes = answer.sessionScopes;
    this.resourcesByScope = Object.fromEntries(
      Object.entries(answer.scopedProperties ?? {}).map(([scope, { resources }]) => [scope, resources]),
    );
  }

  /** Whether the site has a session (`wallet_getSession` answers `{}` when it has none). */
  get active(): boolean {
    return Object.keys(this.scopes).length > 0;
  }

  /** The chains the session holds resources on, by CAIP-2 id. */
  get chains(): ChainId[] {
    return Object.keys(this.scopes).filter(isChainScope);
  }

  /** Every CAIP-10 account the session signs with (one per chain). */
  get accounts(): string[] {
    return Object.values(this.scopes).flatMap((scope) => scope.accounts ?? []);
  }

  /** The FISCO BCOS address that signs for the site (lower case), if the session holds a FISCO BCOS chain. */
  get address(): string | undefined {
    const account = this.accounts.find((a) => a.startsWith('fisco:'));
    return account === undefined ? undefined : accountAddress(account);
  }

  /** Every resource path of the session whose chain the wallet named. */
  get paths(): string[] {
    return Object.values(this.resourcesByScope).flat();
  }

  /** The chain scope holding `path`, if the session has it. */
  scopeOf(path: string): ChainId | undefined {
    const entry = Object.entries(this.resourcesByScope).find(([, paths]) => paths.includes(path));
    return entry && isChainScope(entry[0]) ? entry[0] : undefined;
  }

  /** CAIP-27: one method in one scope, typed by the method it runs. */
  invoke<M extends ScopeMethodName>(
    scope: string,
    method: M,
    params?: ScopeMethodParams<M>,
  ): Promise<ScopeMethodResult<M>> {
    const request = params === undefined ? { method } : { method, params };
    return this.#host.request({ method: 'wallet_invokeMethod', params: { scope, request } }) as Promise<
      ScopeMethodResult<M>
    >;
  }

  // Chain methods: in the scope of the chain holding the path.

  /** A read (a `view` function, a chaincode read); no approval. */
  call(params: ResourceCallParams): Promise<ReadResult> {
    return this.#onChain('call', params) as Promise<ReadResult>;
  }

  /** A write, approved by the user in the popup; answers the verified receipt. */
  sendTransaction(params: ResourceCallParams): Promise<WriteReceipt> {
    return this.#onChain('sendTransaction', params) as Promise<WriteReceipt>;
  }

  /** The resource as pinned: chain, contract or chaincode, methods, ABI. */
  describe(path: string): Promise<ResourceDescription> {
    return this.#onChain('describe', { path }) as Promise<ResourceDescription>;
  }

  /** The chain's record of a transaction of a session resource, or null. */
  getTransaction(path: string, txId: string): Promise<TransactionRecord> {
    return this.#onChain('getTransaction', { path, txId }) as Promise<TransactionRecord>;
  }

  /** Writes a private record, sealed in the wallet (approved in the popup). */
  putRecord(params: PutRecordParams): Promise<WriteReceipt> {
    return this.#onChain('putRecord', params) as Promise<WriteReceipt>;
  }

  /** Reads the user's own record, opened in the wallet (needs it unlocked). */
  getRecord(path: string, record: string): Promise<PlainRecord> {
    return this.#onChain('getRecord', { path, record }) as Promise<PlainRecord>;
  }

  /**
   * The resource's events from now on, each handed to `onEvent` (CAIP-319 `wallet_notify` to this
   * page). Ends with `unsubscribe()`, when the page goes away, or when the session stops covering
   * the path. It outlives a restart of the wallet's worker (the wallet makes it again under the
   * same id); events emitted while no worker ran are missed.
   */
  async subscribe(path: string, onEvent: ResourceEventListener): Promise<Subscription> {
    const scope = this.scopeOf(path);
    const id = await this.#host.notifications.add(
      () => this.#onChain('subscribe', { path }, scope) as Promise<string>,
      onEvent,
    );
    return {
      id,
      path,
      scope,
      unsubscribe: () => {
        this.#host.notifications.remove(id);
        return this.#onChain('unsubscribe', { subscription: id }, scope) as Promise<boolean>;
      },
    };
  }

  // The wallet scope: what spans chains.

  /** Every resource the wallet's routers reach. */
  listResources(): Promise<ResourceDescription[]> {
    return this.#inWallet('weft_resources');
  }

  /** Asks the user for read access to some of their records, for a while (docs/grants.md). */
  requestGrant(params: GrantParams): Promise<IssuedGrant> {
    return this.#inWallet('weft_requestGrant', [params]);
  }

  /** Transfers on several chains that all happen or none does; resolves once every chain committed. */
  sendCrossChainTransaction(params: CrossChainParams): Promise<CrossChainResult> {
    return this.#inWallet('weft_sendCrossChainTransaction', [params]);
  }

  /** The initiator's side of an atomic swap: resolves with the proposal to hand the other party. */
  proposeSwap(params: ProposeSwapParams): Promise<ProposeSwapResult> {
    return this.#inWallet('weft_proposeSwap', [params]);
  }

  /** The other party's side: checks the initiator's lock on chain, then locks its own. */
  acceptSwap(params: AcceptSwapParams): Promise<AcceptSwapResult> {
    return this.#inWallet('weft_acceptSwap', [params]);
  }

  /** One of this site's cross-chain transactions or swaps. */
  ttmStatus(id: `0x${string}`): Promise<TtmView> {
    return this.#inWallet('weft_ttmStatus', [{ id }]);
  }

  /** All of this site's cross-chain transactions and swaps, newest first. */
  ttmList(): Promise<TtmView[]> {
    return this.#inWallet('weft_ttmList');
  }

  /** Ends the session (CAIP-285); the wallet ends its subscriptions too. */
  async revoke(): Promise<void> {
    await this.#host.request({ method: 'wallet_revokeSession' });
  }

  #inWallet<M extends WalletMethodName>(
    method: M,
    params?: ScopeMethodParams<M>,
  ): Promise<ScopeMethodResult<M>> {
    return this.invoke(WALLET_SCOPE, method, params);
  }

  /** `<namespace>_<suffix>` in the scope of the chain holding the path; `weft_<suffix>` without one. */
  #onChain(suffix: ChainMethodSuffix, param: object, scope?: ChainId): Promise<unknown> {
    const path = (param as { path?: unknown }).path;
    const chain = scope ?? (typeof path === 'string' ? this.scopeOf(path) : undefined);
    if (chain === undefined) {
      return this.#host.request({ method: `weft_${suffix}`, params: [param] } as never);
    }
    const method = `${namespaceOf(chain)}_${suffix}` as const;
    return this.#host.request({
      method: 'wallet_invokeMethod',
      params: { scope: chain, request: { method, params: [param] } },
    });
  }
}
