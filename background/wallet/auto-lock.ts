/**
 * Locks the vault after a configurable idle time. The timer is a `browser.alarms`
 * alarm, not a setTimeout, so it fires even if the worker was stopped meanwhile.
 * Only the user's own actions in the popup push the deadline back (popup-api.ts,
 * USER_ACTIONS): never a page's requests, or a page that polls would keep the wallet
 * unlocked forever, and never the popup staying open (what it hears over its port).
 */
import type { Alarms } from 'webextension-polyfill';
import type { StorageAreaLike } from '../vault/storage-area.ts';

export const AUTO_LOCK_ALARM = 'weft:auto-lock';
const SETTING_KEY = 'autoLockMinutes';
export const DEFAULT_AUTO_LOCK_MINUTES = 15;
/** Chromium will not fire alarms more often than every 30 s. */
export const MIN_AUTO_LOCK_MINUTES = 1;
export const MAX_AUTO_LOCK_MINUTES = 24 * 60;

export class AutoLock {
  readonly #alarms: Alarms.Static;
  readonly #local: StorageAreaLike;
  /** One change at a time: a touch that read the old setting must not land after a new one. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(alarms: Alarms.Static, local: StorageAreaLike) {
    this.#alarms = alarms;
    this.#local = local;
  }

  async minutes(): Promise<number> {
    const saved = (await this.#local.get(SETTING_KEY))[SETTING_KEY];
    return typeof saved === 'number' ? saved : DEFAULT_AUTO_LOCK_MINUTES;
  }

  setMinutes(minutes: number): Promise<void> {
    if (!Number.isInteger(minutes) || minutes < MIN_AUTO_LOCK_MINUTES || minutes > MAX_AUTO_LOCK_MINUTES) {
      return Promise.reject(
        new RangeError(
          `auto-lock must be a whole number of minutes from ${MIN_AUTO_LOCK_MINUTES} to ${MAX_AUTO_LOCK_MINUTES}`,
        ),
      );
    }
    return this.#serial(async () => {
      await this.#local.set({ [SETTING_KEY]: minutes });
      this.#alarms.create(AUTO_LOCK_ALARM, { delayInMinutes: minutes });
    });
  }

  /** The user did something in the wallet: lock it `minutes` from now. */
  touch(): Promise<void> {
    return this.#serial(async () => {
      this.#alarms.create(AUTO_LOCK_ALARM, { delayInMinutes: await this.minutes() });
    });
  }

  cancel(): Promise<void> {
    return this.#serial(async () => {
      await this.#alarms.clear(AUTO_LOCK_ALARM);
    });
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }
}
