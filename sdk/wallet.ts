/**
 * A wallet the dapp found: its typed `request` (every provider method, typed by
 * content/provider-schema.ts, every failure one of errors.ts's classes), the session methods
 * (`connect`, `getSession`, `onSessionChanged`), and what needs no session.
 */
import { type ConnectOptions, createSessionParams, requestSessionParams } from './connect.ts';
import { type DiscoveredWallet, type FindWalletOptions, findWallet, WEFT_RDNS } from './discover.ts';
import { fromRpcError } from './errors.ts';
import { type SessionAnswer, WeftSession } from './session.ts';
import { NotificationRouter } from './subscriptions.ts';
import type {
  Eip1193Provider,
  GrantedReadParams,
  PingResult,
  ProviderMethodName,
  ProviderRequestArgs,
  ProviderResult,
  Scopes,
  SealedRecord,
  VersionResult,
  WalletInfo,
} from './types.ts';

/** No wallet answered discovery (none installed, or not this one). */
export class WalletNotFoundError extends Error {
  override name = 'WalletNotFoundError';
}

export class WeftWallet {
  /** Who it is, as it announced itself (absent for a wallet made from a bare provider). */
  readonly info: WalletInfo | undefined;
  /** The EIP-1193 provider every request goes through. */
  readonly provider: Eip1193Provider;
  /** Routes `wallet_notify` to this page's subscriptions (shared by every session snapshot). */
  readonly notifications: NotificationRouter;

  constructor(provider: Eip1193Provider, info?: WalletInfo) {
    this.provider = provider;
    this.info = info;
    this.notifications = new NotificationRouter(provider);
  }

  /** The wallet discovery found. */
  static from(found: DiscoveredWallet): WeftWallet {
    return new WeftWallet(found.provider, found.info);
  }

  /** Finds Weft (or `options.rdns`) by CAIP-294, Weft's own event as fallback; throws if none answers. */
  static async find(options: FindWalletOptions = {}): Promise<WeftWallet> {
    const found = await findWallet(options);
    if (!found) throw new WalletNotFoundError(`no wallet ${options.rdns ?? WEFT_RDNS} answered discovery`);
    return WeftWallet.from(found);
  }

  /** Any provider method, typed by name. Rejects with the error's class (errors.ts). */
  async request<M extends ProviderMethodName>(args: ProviderRequestArgs<M>): Promise<ProviderResult<M>> {
    try {
      return (await this.provider.request(args)) as ProviderResult<M>;
    } catch (error) {
      throw fromRpcError(error);
    }
  }

  /** Anything at all, untyped (to probe the wallet; its errors are still typed). */
  async requestUnchecked(args: unknown): Promise<unknown> {
    try {
      return await this.provider.request(args as { method: string });
    } catch (error) {
      throw fromRpcError(error);
    }
  }

  /** Proves the path page -> wallet -> page; says which origin the wallet sees for this page. */
  ping(echo?: string): Promise<PingResult> {
    return this.request({ method: 'weft_ping', params: echo === undefined ? [] : [echo] });
  }

  version(): Promise<VersionResult> {
    return this.request({ method: 'weft_version' });
  }

  /** The chains the wallet's routers reach, as CAIP-217 scopes (no session needed). */
  scopes(): Promise<Scopes> {
    return this.request({ method: 'weft_scopes' });
  }

  /**
   * Asks the user for a session, by chain (`scopes`, CAIP-25 `wallet_createSession`) or by resource
   * path (`resources`), and resolves with it once approved (4001 if the user declines).
   */
  async connect(options: ConnectOptions): Promise<WeftSession> {
    if ('scopes' in options) {
      const answer = await this.request({
        method: 'wallet_createSession',
        params: createSessionParams(options),
      });
      return new WeftSession(this, sessionAnswer(answer));
    }
    await this.request({ method: 'weft_requestSession', params: [requestSessionParams(options)] });
    return this.getSession();
  }

  /** The site's session now (`active` false when it has none). */
  async getSession(): Promise<WeftSession> {
    return new WeftSession(this, await this.request({ method: 'wallet_getSession' }));
  }

  /** Ends the site's session (CAIP-285); also fine when there is none. */
  async revokeSession(): Promise<void> {
    await this.request({ method: 'wallet_revokeSession' });
  }

  /**
   * Calls `listener` with the session each time it changes (granted, extended, re-pinned, or
   * revoked by the site or the user: then `active` is false). Returns a function that stops it.
   * The wallet sends changes to a page once it has made a request since the wallet's worker started.
   */
  onSessionChanged(listener: (session: WeftSession) => void): () => void {
    const handler = (data: unknown) => {
      const scopes = (data as { sessionScopes?: Scopes } | null)?.sessionScopes ?? {};
      if (Object.keys(scopes).length === 0) {
        listener(new WeftSession(this, { sessionScopes: {} }));
        return;
      }
      // The notification has the scopes but not which chain holds which path: read it whole.
      this.getSession().then(listener, () => listener(new WeftSession(this, { sessionScopes: scopes })));
    };
    this.provider.on('wallet_sessionChanged', handler);
    return () => {
      this.provider.removeListener('wallet_sessionChanged', handler);
    };
  }

  /**
   * A read under a grant (docs/grants.md): the grant is the permission, so no session is needed,
   * only this page's origin being the grant's audience. Open the answer with the audience key.
   */
  readWithGrant(params: GrantedReadParams): Promise<SealedRecord> {
    return this.request({ method: 'weft_readWithGrant', params: [params] });
  }
}

/**
 * Finds Weft and asks for a session: `connect({ resources: ['payment.bcos.asset'] })`. Pass
 * `wallet` to use one already found.
 */
export async function connect(options: ConnectOptions & { wallet?: WeftWallet }): Promise<WeftSession> {
  const wallet = options.wallet ?? (await WeftWallet.find());
  return wallet.connect(options);
}

/** Either CAIP-25 answer shape as `{ sessionScopes, scopedProperties }`. */
function sessionAnswer(answer: ProviderResult<'wallet_createSession'>): SessionAnswer {
  if ('sessionScopes' in answer) return answer;
  const scopedProperties: Record<string, { resources: string[] }> = {};
  for (const [scope, object] of Object.entries(answer.scopes)) {
    if (object.capabilities) scopedProperties[scope] = { resources: object.capabilities.resources };
  }
  return { sessionScopes: answer.scopes, scopedProperties };
}
