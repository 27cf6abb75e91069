/**
 * EIP-1193 events to pages: the provider ports open per origin, and `emit` to all
 * pages of one origin (session and account changes concern only that site) or to all
 * (`connect` / `disconnect` of the router network). A page gets events while it has a
 * port, that is once it has made a request since the worker last started.
 */
import type { Runtime } from 'webextension-polyfill';
import type { PortEvent, ProviderEventName } from '../../content/provider-protocol.ts';

export class PageEvents {
  readonly #ports = new Map<string, Set<Runtime.Port>>();

  add(origin: string, port: Runtime.Port): void {
    const set = this.#ports.get(origin) ?? new Set();
    set.add(port);
    this.#ports.set(origin, set);
  }

  remove(origin: string, port: Runtime.Port): void {
    const set = this.#ports.get(origin);
    set?.delete(port);
    if (set?.size === 0) this.#ports.delete(origin);
  }

  /** To every page of `origin`, or of every origin when `origin` is null. */
  emit(origin: string | null, event: ProviderEventName, data: unknown): void {
    const message: PortEvent = { event, data };
    const targets = origin === null ? [...this.#ports.values()] : [this.#ports.get(origin) ?? new Set()];
    for (const set of targets) {
      for (const port of set) {
        try {
          port.postMessage(message);
        } catch {
          // A port that closed meanwhile; its disconnect listener removes it.
        }
      }
    }
  }
}
