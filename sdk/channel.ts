/**
 * CAIP-294's JSON-RPC channel as an EIP-1193 provider: requests go out as `caip294:<uuid>` events
 * (`{ id, jsonrpc, method, params }`), the wallet answers on the same event name by id, and
 * notifications (`wallet_notify`, `wallet_sessionChanged`) come on it as `{ jsonrpc, method,
 * params }`. This is how a dapp talks to a wallet it found by CAIP-294 without any global.
 */
import { fromRpcError, InvalidRequestError } from './errors.ts';
import type { Eip1193Provider } from './types.ts';

type Listener = (data: unknown) => void;

interface Message {
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

/** The channel of the wallet announced with `uuid`, on `target` (the page's window). */
export function channelProvider(uuid: string, target: EventTarget = globalThis): Eip1193Provider {
  const name = `caip294:${uuid}`;
  // Ids only this provider uses: every script on the page hears every answer on the channel.
  const prefix = `weft-sdk-${randomHex()}`;
  let counter = 0;
  const pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  const listeners = new Map<string, Set<Listener>>();

  target.addEventListener(name, (event: Event) => {
    const message = (event as CustomEvent<Message>).detail;
    if (typeof message !== 'object' || message === null) return;
    if (typeof message.method === 'string') {
      // A request (ours going out, or another script's) has an id; a notification has none.
      if (message.id !== undefined) return;
      for (const listener of listeners.get(message.method) ?? []) {
        try {
          listener(message.params);
        } catch (error) {
          console.error(error);
        }
      }
      return;
    }
    if (typeof message.id !== 'string') return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if ('error' in message) waiter.reject(fromRpcError(message.error));
    else waiter.resolve(message.result);
  });

  const provider: Eip1193Provider = {
    request(args) {
      // The wallet ignores channel messages without a method: refuse them here as window.weft would.
      const method = (args as { method?: unknown } | null)?.method;
      if (typeof args !== 'object' || args === null || typeof method !== 'string' || method.length === 0) {
        return Promise.reject(new InvalidRequestError('request expects { method, params }'));
      }
      const id = `${prefix}:${++counter}`;
      const params = args.params === undefined ? {} : { params: args.params };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        target.dispatchEvent(new CustomEvent(name, { detail: { id, jsonrpc: '2.0', method, ...params } }));
      });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return provider;
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };
  return provider;
}

/** 8 random bytes as hex (getRandomValues works outside secure contexts too, unlike randomUUID). */
function randomHex(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}
