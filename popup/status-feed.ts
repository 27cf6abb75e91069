/**
 * The wallet's status as the popup knows it, kept current by the worker over a `weft-popup`
 * port (background/popup-port.ts): the whole status when the port opens, then the parts that
 * changed. Nothing polls. When the worker stops, its port closes; a new port starts it again
 * and brings the whole status again.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import type { WalletStatus } from '../background/popup-api.ts';
import {
  KEEPALIVE,
  KEEPALIVE_MS,
  POPUP_PORT,
  type PopupPortMessage,
  type ShownMessage,
  type WatchMessage,
} from '../background/popup-port.ts';

export type Load =
  | { state: 'loading' }
  | { state: 'ready'; status: WalletStatus }
  | { state: 'failed'; message: string };

/** Before trying a new port after a failed read, or after a port that closed before any answer. */
const RETRY_MS = 1000;
/** How long home must stay on screen before the worker is told balances are looked at. */
const WATCH_AFTER_MS = 300;

export class StatusFeed {
  #load: Load = { state: 'loading' };
  readonly #listeners = new Set<(load: Load) => void>();
  #port: Runtime.Port | null = null;
  /** Whether this popup shows the balances: told to each port it opens. */
  #watchingBalances = false;
  #watchTimer: ReturnType<typeof setTimeout> | null = null;

  /** Opens the port at once: the worker's answer overlaps the first render. */
  constructor() {
    this.#connect();
    setInterval(() => this.#keepAlive(), KEEPALIVE_MS);
  }

  /** `listener` hears the current load now and each later one; returns what unsubscribes it. */
  subscribe(listener: (load: Load) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#load);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Tells the worker whether the balances are on screen (it reads them only while some popup shows
   * them). Told once they have stayed on screen a moment: home shown for one render between two
   * other screens is not a look.
   */
  watchBalances(on: boolean): void {
    if (this.#watchTimer) clearTimeout(this.#watchTimer);
    this.#watchTimer = null;
    if (!on) this.#setWatching(false);
    else this.#watchTimer = setTimeout(() => this.#setWatching(true), WATCH_AFTER_MS);
  }

  #setWatching(on: boolean): void {
    if (this.#watchingBalances === on) return;
    this.#watchingBalances = on;
    this.#post({ watch: 'balances', on });
  }

  /**
   * Tells the worker which waiting approvals are on screen: closing the approval window rejects
   * those, while one that arrives as it closes gets a window of its own.
   */
  showApprovals(ids: string[]): void {
    if (ids.length > 0) this.#post({ shown: 'approvals', ids });
  }

  #post(message: WatchMessage | ShownMessage): void {
    try {
      this.#port?.postMessage(message);
    } catch {
      // The port closed a moment ago; the next one is told when it opens.
    }
  }

  #connect(): void {
    let port: Runtime.Port;
    try {
      port = browser.runtime.connect({ name: POPUP_PORT });
    } catch (error) {
      // The extension was reloaded or removed under this page: nothing will answer again.
      this.#set({ state: 'failed', message: (error as Error).message });
      return;
    }
    this.#port = port;
    if (this.#watchingBalances) this.#post({ watch: 'balances', on: true });
    let answered = false;
    port.onMessage.addListener((message: unknown) => {
      answered = true;
      // Messages cross as JSON, untyped: the worker sends what PopupPortMessage says.
      this.#receive(port, message as PopupPortMessage);
    });
    port.onDisconnect.addListener(() => {
      if (this.#port !== port) return;
      this.#port = null;
      // The worker stopped: a new port starts it again (at once, unless it stopped before answering).
      setTimeout(() => this.#connect(), answered ? 0 : RETRY_MS);
    });
  }

  #keepAlive(): void {
    try {
      this.#port?.postMessage(KEEPALIVE);
    } catch {
      // The port closed a moment ago; its disconnect listener opens the next one.
    }
  }

  #receive(port: Runtime.Port, message: PopupPortMessage): void {
    if ('error' in message) {
      this.#set({ state: 'failed', message: message.error });
      // A new port reads the whole status again.
      this.#port = null;
      port.disconnect();
      setTimeout(() => this.#connect(), RETRY_MS);
    } else if ('status' in message) {
      this.#set({ state: 'ready', status: message.status });
    } else if (this.#load.state === 'ready') {
      this.#set({ state: 'ready', status: { ...this.#load.status, ...message.changed } });
    }
  }

  #set(load: Load): void {
    this.#load = load;
    for (const listener of this.#listeners) listener(load);
  }
}
