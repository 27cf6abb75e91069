/**
 * The inpage provider: runs in the page's MAIN world at document_start, before any
 * page script, and defines `window.weft`. It only forwards: every decision (origin,
 * validation, approval) is taken in the background, which never trusts this code.
 * It also speaks CAIP-294 (discovery, and JSON-RPC over the `caip294:<uuid>` event channel)
 * and turns the worker's events into the CAIP ones (`wallet_notify`, `wallet_sessionChanged`).
 */
import { FABRIC_NAMESPACE, FISCO_NAMESPACE, parseCaip2, WALLET_SCOPE } from './caip-ids.ts';
import {
  chainScopeMethods,
  type NotifyParams,
  type ProviderMessage,
  type Scopes,
  type SessionScopesResult,
  subscriptionNotification,
  WALLET_SCOPE_METHODS,
  type WalletData,
} from './caip-schema.ts';
import {
  CONTENT_CHANNEL,
  ErrorCode,
  isContentEventMessage,
  isContentResponseMessage,
  PAGE_CHANNEL,
  type PageRequestMessage,
  PROVIDER_EVENTS,
  type ProviderEventName,
  type RpcErrorObject,
} from './provider-protocol.ts';

type Listener = (data: unknown) => void;

/**
 * What the provider channel uses, taken now, before any page script runs: a page that later
 * replaces one of these (on `window`, `JSON`, `CustomEvent.prototype`) cannot break or read the
 * channel without the provider noticing.
 */
const dispatch = window.dispatchEvent.bind(window);
const Custom = CustomEvent;
const detailOf = Object.getOwnPropertyDescriptor(CustomEvent.prototype, 'detail')?.get as (
  this: Event,
) => unknown;
const { stringify, parse } = JSON;
const clone = structuredClone;

/** The message in a provider-channel event: its detail parsed, or undefined when it is no JSON string. */
function channelMessage(event: Event): unknown {
  try {
    const detail = detailOf.call(event);
    return typeof detail === 'string' ? parse(detail) : undefined;
  } catch {
    return undefined; // not a CustomEvent, or not JSON
  }
}

/** The error a rejected `request` settles with (EIP-1193 ProviderRpcError). */
class ProviderRpcError extends Error {
  override name = 'ProviderRpcError';
  readonly code: number;
  readonly data?: unknown;

  constructor({ code, message, data }: RpcErrorObject) {
    super(message);
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

/** The error of an answer, as sent; a malformed one (only a page could forge it) still rejects. */
function rpcError(error: unknown): RpcErrorObject {
  const e = error as Partial<RpcErrorObject> | null;
  if (typeof e === 'object' && e !== null && typeof e.code === 'number' && typeof e.message === 'string') {
    return e as RpcErrorObject;
  }
  return { code: ErrorCode.internal, message: 'malformed error from the wallet' };
}

/** Who the wallet is, per page load: EIP-6963 / CAIP-294 wallet info (a new uuid for every page). */
const info = Object.freeze({
  uuid: crypto.randomUUID(),
  name: 'Weft',
  icon: 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"%3E%3Cpath fill="%234f46e5" d="M0 0h8v8H0z"/%3E%3Cpath fill="%23a5b4fc" d="M1 2l1.5 4L4 3l1.5 3L7 2"/%3E%3C/svg%3E',
  rdns: 'dev.weft.wallet',
});

/** CAIP-294's event names, and this page's JSON-RPC channel with the wallet. */
const ANNOUNCE = 'caip294:wallet_announce';
const PROMPT = 'caip294:wallet_prompt';
const CHANNEL = `caip294:${info.uuid}`;
/** The content relay tells this script the extension's id (CAIP-341 target); see relay.ts. */
const RELAY_HELLO = 'weft:relayHello';
const INPAGE_HELLO = 'weft:inpageHello';
/** How long a prompt's answer waits for the worker's list of chains before announcing without it. */
const SCOPES_WAIT_MS = 2_000;
const SCOPES_TTL_MS = 30_000;

function createProvider() {
  const pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let counter = 0;
  const prefix = crypto.randomUUID();

  const listeners = new Map<ProviderEventName, Set<Listener>>();
  /** Whether the page has spoken JSON-RPC on its CAIP-294 channel: then notifications go there too. */
  let channelUsed = false;

  const emit = (name: ProviderEventName, data: unknown) => {
    for (const listener of listeners.get(name) ?? []) {
      try {
        listener(data);
      } catch (error) {
        console.error(error);
      }
    }
  };

  const post = (message: unknown) => window.dispatchEvent(new CustomEvent(CHANNEL, { detail: message }));

  /** A JSON-RPC notification to the page: to `weft.on` listeners, and on the channel once it is used. */
  const notify = (method: 'wallet_notify' | 'wallet_sessionChanged', params: unknown) => {
    emit(method, params);
    if (channelUsed) post({ jsonrpc: '2.0', method, params });
  };

  window.addEventListener(CONTENT_CHANNEL, (event: Event) => {
    const message = channelMessage(event);
    if (isContentEventMessage(message)) {
      const { event: name, data } = message;
      if (name === 'wallet_notify') {
        notify('wallet_notify', data);
        // EIP-1193's `message` for listeners written before CAIP-319.
        const notification = (data as Partial<NotifyParams> | null)?.notification;
        if (notification) {
          const legacy: ProviderMessage = { type: notification.method, data: notification.params };
          emit('message', legacy);
        }
        return;
      }
      emit(name, data);
      if (name === 'sessionChanged') sessionChanged(data);
      return;
    }
    // An answer to an id this provider never sent (a page can dispatch this event too) is dropped.
    if (!isContentResponseMessage(message)) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if ('error' in message) waiter.reject(new ProviderRpcError(rpcError(message.error)));
    else waiter.resolve(message.result);
  });

  /** CAIP-311: the session's scopes again, whenever the worker says the session changed. */
  function sessionChanged(session: unknown) {
    if (!channelUsed && !listeners.get('wallet_sessionChanged')?.size) return;
    if (session === null) {
      notify('wallet_sessionChanged', { sessionScopes: {} });
      return;
    }
    request({ method: 'wallet_getSession' }).then(
      (result) =>
        notify('wallet_sessionChanged', { sessionScopes: (result as SessionScopesResult).sessionScopes }),
      () => {},
    );
  }

  function request(args: unknown): Promise<unknown> {
    const id = `${prefix}:${++counter}`;
    return new Promise((resolve, reject) => {
      if (typeof args !== 'object' || args === null || Array.isArray(args)) {
        reject(
          new ProviderRpcError({
            code: ErrorCode.invalidRequest,
            message: 'request expects { method, params }',
          }),
        );
        return;
      }
      let detail: string;
      try {
        // A structured clone first, as postMessage made: functions, DOM nodes and the like fail
        // here, getters run once, and the JSON is of plain data. Then JSON, which the port needs
        // anyway: BigInt and cycles fail there.
        const message: PageRequestMessage = { channel: PAGE_CHANNEL, id, request: clone(args) };
        detail = stringify(message);
      } catch (error) {
        reject(
          new ProviderRpcError({
            code: ErrorCode.invalidParams,
            message: `params cannot be sent: ${(error as Error)?.message ?? String(error)}`,
          }),
        );
        return;
      }
      // Set first: the relay may answer inside the dispatch (its own refusals do).
      pending.set(id, { resolve, reject });
      dispatch(new Custom(PAGE_CHANNEL, { detail }));
    });
  }

  /** EIP-1193 events (connect, disconnect, accountsChanged, sessionChanged, message) and the CAIP ones. */
  function on(name: string, listener: Listener) {
    if (!(PROVIDER_EVENTS as readonly string[]).includes(name) || typeof listener !== 'function')
      return provider;
    const set = listeners.get(name as ProviderEventName) ?? new Set();
    set.add(listener);
    listeners.set(name as ProviderEventName, set);
    return provider;
  }

  function removeListener(name: string, listener: Listener) {
    listeners.get(name as ProviderEventName)?.delete(listener);
    return provider;
  }

  /**
   * CAIP-294's channel: a JSON-RPC request dispatched as `caip294:<uuid>` is answered the same
   * way, by id. The wallet's own answers and notifications carry no `method` and `id` together,
   * so it never takes them for requests.
   */
  window.addEventListener(CHANNEL, (event: Event) => {
    let id: unknown;
    let method: unknown;
    let params: unknown;
    try {
      const detail = (event as CustomEvent).detail as { id?: unknown; method?: unknown; params?: unknown };
      ({ id, method, params } = detail);
    } catch {
      return; // no detail, or one that throws when read
    }
    if (typeof method !== 'string' || (typeof id !== 'number' && typeof id !== 'string')) return;
    channelUsed = true;
    request(params === undefined ? { method } : { method, params }).then(
      (result) => post({ id, jsonrpc: '2.0', result }),
      (error: ProviderRpcError) =>
        post({
          id,
          jsonrpc: '2.0',
          error: {
            code: error.code,
            message: error.message,
            ...(error.data === undefined ? {} : { data: error.data }),
          },
        }),
    );
  });

  const provider = Object.freeze({ isWeft: true, version: __WEFT_VERSION__, request, on, removeListener });
  return provider;
}

/** Every scope namespace-wide, with what it offers: what the wallet can say without asking its worker. */
function namespaceScopes(): Scopes {
  const chain = (ns: typeof FISCO_NAMESPACE | typeof FABRIC_NAMESPACE) => ({
    methods: chainScopeMethods(ns),
    notifications: [subscriptionNotification(ns)],
  });
  return {
    [FISCO_NAMESPACE]: chain(FISCO_NAMESPACE),
    [FABRIC_NAMESPACE]: chain(FABRIC_NAMESPACE),
    [WALLET_SCOPE]: { methods: [...WALLET_SCOPE_METHODS], notifications: [] },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/**
 * CAIP-294 discovery: announced once on load and again to every `caip294:wallet_prompt`. The load
 * announce names the namespaces; a prompt's answer names the chains the wallet's routers reach
 * (asked of the worker, so a page that only loads never wakes it).
 */
function serveDiscovery(provider: ReturnType<typeof createProvider>) {
  let extensionId: string | null = null;
  let announced = false;
  let served: { at: number; scopes: Promise<Scopes | null> } | null = null;

  const announce = (scopes: Scopes) => {
    // CAIP-341 spells the list `target`, CAIP-294's example `targets`; both carry it. `info` is
    // for libraries that read `params.info.uuid` as CAIP-294's library example does.
    const target = extensionId ? [{ type: 'caip341', value: extensionId }] : null;
    const params: WalletData & { info: typeof info } = {
      ...info,
      ...(target ? { target, targets: target.map((t) => ({ ...t })) } : {}),
      scopes,
      info: { ...info },
    };
    announced = true;
    window.dispatchEvent(
      new CustomEvent(ANNOUNCE, {
        detail: deepFreeze({ id: 1, jsonrpc: '2.0', method: 'wallet_announce', params }),
      }),
    );
  };

  const servedScopes = (): Promise<Scopes | null> => {
    if (served && Date.now() - served.at < SCOPES_TTL_MS) return served.scopes;
    const late = new Promise<null>((resolve) => setTimeout(() => resolve(null), SCOPES_WAIT_MS));
    const scopes = Promise.race([provider.request({ method: 'weft_scopes' }) as Promise<Scopes>, late]).catch(
      () => null,
    );
    served = { at: Date.now(), scopes };
    // Only an answer naming chains is kept: a worker that was late, failed, or knew no chain yet
    // (its routers still connecting) is asked again at the next prompt.
    void scopes.then((known) => {
      if ((!known || Object.keys(known).length === 0) && served?.scopes === scopes) served = null;
    });
    return scopes;
  };

  window.addEventListener(PROMPT, (event: Event) => {
    let chains: string[] | null = null;
    try {
      const asked = ((event as CustomEvent).detail as { params?: { chains?: unknown } })?.params?.chains;
      if (Array.isArray(asked) && asked.length > 0) chains = asked.filter((c) => typeof c === 'string');
    } catch {
      // A detail that throws when read asks for no chain in particular.
    }
    void servedScopes().then((known) => {
      const scopes = known ?? namespaceScopes();
      // A prompt for some chains only: answered when the wallet serves one of them.
      const serves = (chain: string) =>
        known ? chain in known : (parseCaip2(chain)?.namespace ?? chain) in scopes;
      if (chains && !chains.some(serves)) return;
      announce(scopes);
    });
  });

  // The relay (isolated world) answers with the extension's id; whichever of the two scripts runs
  // second starts the exchange. A Chromium id is 32 letters a-p; other browsers (Firefox) have no
  // externally_connectable, so their id is not announced as a target.
  let hello = false;
  window.addEventListener(RELAY_HELLO, (event: Event) => {
    // Only the first: it comes before any page script runs, and a page could send its own later.
    if (hello) return;
    hello = true;
    const id = (event as CustomEvent).detail;
    if (typeof id === 'string' && /^[a-p]{32}$/.test(id)) extensionId = id;
    if (extensionId !== null || !announced) announce(namespaceScopes());
  });
  window.dispatchEvent(new Event(INPAGE_HELLO));
  // Without a relay, the load announce still goes out (before any page timer of the same age runs).
  setTimeout(() => {
    if (!announced) announce(namespaceScopes());
  }, 0);
}

if (!('weft' in window)) {
  const provider = createProvider();
  Object.defineProperty(window, 'weft', {
    value: provider,
    writable: false,
    configurable: false,
    enumerable: true,
  });
  const announce = () =>
    window.dispatchEvent(
      new CustomEvent('weft:announceProvider', { detail: Object.freeze({ info, provider }) }),
    );
  window.addEventListener('weft:requestProvider', announce);
  announce();
  serveDiscovery(provider);
}
