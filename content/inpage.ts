/**
 * The inpage provider: runs in the page's MAIN world at document_start, before any
 * page script, and defines `window.weft`. It only forwards: every decision (origin,
 * validation, approval) is taken in the background, which never trusts this code.
 */
import {
  type ContentResponseMessage,
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

function createProvider() {
  const pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let counter = 0;
  const prefix = crypto.randomUUID();

  const listeners = new Map<ProviderEventName, Set<Listener>>();

  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window) return;
    if (isContentEventMessage(event.data)) {
      for (const listener of listeners.get(event.data.event) ?? []) {
        try {
          listener(event.data.data);
        } catch (error) {
          console.error(error);
        }
      }
      return;
    }
    if (!isContentResponseMessage(event.data)) return;
    const message: ContentResponseMessage = event.data;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if ('error' in message) waiter.reject(new ProviderRpcError(message.error));
    else waiter.resolve(message.result);
  });

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
      const message: PageRequestMessage = { channel: PAGE_CHANNEL, id, request: args };
      pending.set(id, { resolve, reject });
      try {
        window.postMessage(message, window.location.origin);
      } catch (error) {
        // Functions, DOM nodes and the like cannot cross postMessage.
        pending.delete(id);
        reject(
          new ProviderRpcError({
            code: ErrorCode.invalidParams,
            message: `params cannot be sent: ${(error as Error).message}`,
          }),
        );
      }
    });
  }

  /** EIP-1193 events: connect, disconnect, accountsChanged, sessionChanged, message. */
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

  const provider = Object.freeze({ isWeft: true, version: __WEFT_VERSION__, request, on, removeListener });
  return provider;
}

/** EIP-6963 / CAIP-294 style discovery: dapps find the wallet without reading a global. */
const info = Object.freeze({
  uuid: crypto.randomUUID(),
  name: 'Weft',
  icon: 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"%3E%3Cpath fill="%234f46e5" d="M0 0h8v8H0z"/%3E%3Cpath fill="%23a5b4fc" d="M1 2l1.5 4L4 3l1.5 3L7 2"/%3E%3C/svg%3E',
  rdns: 'dev.weft.wallet',
});

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
}
