/**
 * What happens in the worker, by name. Components emit on one `WalletEvents` (given in their
 * constructors) and know nothing of who listens; background/index.ts subscribes, in one list,
 * whatever reacts (pages, the approval window, the TTM coordinator, open popups).
 */
import type { Session } from '../content/provider-schema.ts';

/** Each event and what it carries. */
export interface WalletEventMap {
  /** Created, an account added or renamed, a Fabric identity imported. */
  'vault:changed': undefined;
  /** Unlocked with the password (not a worker restart finding it unlocked). */
  'vault:unlocked': undefined;
  /** Locked, by the user or by auto-lock. */
  'vault:locked': undefined;
  /** The router list or the link's state changed (connecting, connected, an error). */
  'routers:changed': undefined;
  /** The link to the router network came up or went down. */
  'routers:link': { connected: boolean };
  /** A site's session was granted, changed or revoked (`session` null). */
  'sessions:changed': { origin: string; session: Session | null };
  /** A request now waits for the user. */
  'approvals:added': { id: string };
  /** A request stopped waiting: decided, or rejected with every other when the window closed. */
  'approvals:settled': { id: string };
  /** An activity entry was added or got its outcome. */
  'activity:changed': { id: string };
  /** A grant was added, used, or is being or was revoked. */
  'grants:changed': { id: string };
  /** A cross-chain transaction or swap was written to the TTM log. */
  'ttm:saved': { id: string };
  /** Whether the TTM coordinator needs the worker woken periodically (something is unfinished). */
  'ttm:heartbeat': { on: boolean };
  /** A chain's trust anchor was taken, followed to a new sealer set or config, imported or forgotten. */
  'anchors:changed': { chain: string };
  /** The auto-lock time or the default signers changed. */
  'settings:changed': undefined;
  /** A balance, an asset or a unit the balance service knows was read or failed. */
  'balances:changed': undefined;
  /** The user added, renamed or removed a contact (background/contacts/). */
  'contacts:changed': undefined;
}

export type WalletEventName = keyof WalletEventMap;

/** An event that carries nothing is emitted with its name alone. */
type Payload<Events, E extends keyof Events> = Events[E] extends undefined ? [] : [data: Events[E]];

type Listener<Events, E extends keyof Events> = (data: Events[E]) => unknown;

/**
 * A small typed event emitter. Listeners run synchronously, in the order they subscribed; one
 * that throws (or returns a promise that rejects) is reported to `onError` and does not stop
 * the others, nor the component that emitted.
 */
export class EventEmitter<Events> {
  readonly #listeners = new Map<keyof Events, Set<Listener<Events, never>>>();
  readonly #onError: (error: unknown, event: keyof Events) => void;

  constructor(onError: (error: unknown, event: keyof Events) => void = reportToConsole) {
    this.#onError = onError;
  }

  on<E extends keyof Events>(event: E, listener: Listener<Events, E>): void {
    const set = this.#listeners.get(event) ?? new Set();
    set.add(listener as Listener<Events, never>);
    this.#listeners.set(event, set);
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events, E>): void {
    this.#listeners.get(event)?.delete(listener as Listener<Events, never>);
  }

  emit<E extends keyof Events>(event: E, ...payload: Payload<Events, E>): void {
    const data = payload[0] as Events[E];
    // A copy: a listener may subscribe or unsubscribe while this runs.
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        const result = (listener as Listener<Events, E>)(data);
        if (result instanceof Promise) result.catch((error: unknown) => this.#onError(error, event));
      } catch (error) {
        this.#onError(error, event);
      }
    }
  }
}

/** The worker's events. */
export class WalletEvents extends EventEmitter<WalletEventMap> {}

function reportToConsole(error: unknown, event: PropertyKey): void {
  console.error(`a listener of ${String(event)} failed`, error);
}
