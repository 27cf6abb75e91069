/**
 * How open popups (the toolbar popup, the approval window) follow the wallet without polling.
 * Each holds a `weft-popup` port: the worker sends it the whole status once, then, as events
 * come, only the parts of the status they changed, read once for every open popup. When the
 * worker stops, the port closes; the popup opens a new one, which starts the worker again and
 * brings the whole status again.
 *
 * Types and this class only (no imports of values): the popup imports the port's name from here.
 */
import type { Runtime } from 'webextension-polyfill';
import type { WalletEventName, WalletEvents } from './events.ts';
import type { PopupError, StatusPart, WalletStatus } from './popup-api.ts';

export const POPUP_PORT = 'weft-popup';

/**
 * What the popup sends on its port, every `KEEPALIVE_MS`: the browser stops a worker that hears
 * nothing for 30 s, and the approvals a popup shows wait in the worker's memory.
 */
export const KEEPALIVE = 'keepalive';
export const KEEPALIVE_MS = 20_000;

/**
 * What a popup sends on its port besides keepalives: whether it shows the balances now (the home
 * screen). Balances are read while some popup shows them, not for an approval window.
 */
export interface WatchMessage {
  watch: 'balances';
  on: boolean;
}

/**
 * What a popup sends once waiting approvals are on its screen (the queue, or the notice that they
 * wait behind the unlock): closing the approval window rejects those, and only those
 * (approvals/approval-window.ts).
 */
export interface ShownMessage {
  shown: 'approvals';
  ids: string[];
}

/** What the worker sends on a popup's port. */
export type PopupPortMessage =
  /** First on every port. */
  | { status: WalletStatus }
  /** The parts of the status that events changed since. */
  | { changed: Partial<WalletStatus> }
  /** A read failed. */
  | PopupError;

/** Which parts of the status each event changes. */
export type ChangedParts = { readonly [E in WalletEventName]?: readonly StatusPart[] };

export interface PopupPortsOptions {
  /** The whole status, for a port that just opened. */
  readAll: () => Promise<WalletStatus>;
  /** Some parts of it, after they changed. */
  read: (parts: StatusPart[]) => Promise<Partial<WalletStatus>>;
  /** Nothing is read before this resolves (the worker restoring the vault after a restart). */
  ready: Promise<unknown>;
  /** How many open popups show the balances, after it changed. */
  watching?: (count: number) => void;
  /** A popup in window `windowId` put these waiting approvals on screen. */
  shown?: (windowId: number, ids: readonly string[]) => void;
}

/** More ids than any queue holds (a few per origin): a message with more is not a popup's. */
const MAX_SHOWN_IDS = 1000;

function shownIds(message: unknown): string[] | null {
  const { shown, ids } = (message ?? {}) as Partial<ShownMessage>;
  if (shown !== 'approvals' || !Array.isArray(ids) || ids.length > MAX_SHOWN_IDS) return null;
  return ids.every((id) => typeof id === 'string') ? ids : null;
}

export class PopupPorts {
  readonly #options: PopupPortsOptions;
  readonly #ports = new Set<Runtime.Port>();
  /** The ports whose popup shows the balances. */
  readonly #watching = new Set<Runtime.Port>();
  /**
   * Reads and sends, one at a time: a port gets its whole status before any change, and a part
   * read after an event is never overtaken by the same part read before it.
   */
  #queue: Promise<unknown>;
  /** Parts changed since the last read: events in a burst cost one read. */
  readonly #changed = new Set<StatusPart>();

  constructor(options: PopupPortsOptions) {
    this.#options = options;
    this.#queue = options.ready.catch(() => {});
  }

  /** Subscribes: after each event named in `parts`, the open popups get those parts again. */
  follow(events: WalletEvents, parts: ChangedParts): void {
    for (const [event, changed] of Object.entries(parts) as [WalletEventName, StatusPart[]][]) {
      events.on(event, () => this.changed(changed));
    }
  }

  /** Serves a popup's port (its sender checked by the caller): the whole status, then changes. */
  add(port: Runtime.Port): void {
    let open = true;
    port.onDisconnect.addListener(() => {
      open = false;
      this.#ports.delete(port);
      this.#watch(port, false);
    });
    // Keepalives (hearing them keeps the worker alive), whether the popup shows the balances, and
    // which approvals it shows (told with its window, which the browser names).
    port.onMessage.addListener((message: unknown) => {
      const watch = message as Partial<WatchMessage> | null;
      if (typeof watch === 'object' && watch?.watch === 'balances' && typeof watch.on === 'boolean') {
        this.#watch(port, open && watch.on);
      }
      const ids = shownIds(message);
      const windowId = port.sender?.tab?.windowId;
      if (ids && windowId !== undefined) this.#options.shown?.(windowId, ids);
    });
    this.#serial(async () => {
      const message = await this.#message(async () => ({ status: await this.#options.readAll() }));
      if (!open) return;
      if (this.#post(port, message)) this.#ports.add(port);
    });
  }

  /** Sends `parts` again to every open popup, read after everything already queued. */
  changed(parts: readonly StatusPart[]): void {
    const queued = this.#changed.size > 0;
    for (const part of parts) this.#changed.add(part);
    if (queued) return;
    this.#serial(async () => {
      const changed = [...this.#changed];
      this.#changed.clear();
      if (this.#ports.size === 0) return;
      const message = await this.#message(async () => ({ changed: await this.#options.read(changed) }));
      for (const port of this.#ports) if (!this.#post(port, message)) this.#ports.delete(port);
    });
  }

  #watch(port: Runtime.Port, on: boolean): void {
    const before = this.#watching.size;
    if (on) this.#watching.add(port);
    else this.#watching.delete(port);
    if (this.#watching.size !== before) this.#options.watching?.(this.#watching.size);
  }

  async #message(read: () => Promise<PopupPortMessage>): Promise<PopupPortMessage> {
    try {
      return await read();
    } catch (error) {
      const e = error as Error;
      return { error: e.message, name: e.name };
    }
  }

  /** False if the port closed meanwhile. */
  #post(port: Runtime.Port, message: PopupPortMessage): boolean {
    try {
      port.postMessage(message);
      return true;
    } catch {
      return false;
    }
  }

  #serial(job: () => Promise<void>): void {
    this.#queue = this.#queue.then(job).catch(() => {});
  }
}
