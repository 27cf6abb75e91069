/**
 * The window the wallet opens for approvals. The first request opens it, focused. While it is
 * open, later requests join the queue it shows and only flag it (drawAttention flashes it in the
 * taskbar): a page must not pull the window to the front, over what the user is doing, with
 * every request.
 *
 * Closing it rejects the requests it showed (its popup says which, popup-port.ts), not all that
 * wait: a request that arrives as the window closes (the browser tells the worker a moment later)
 * was never on screen, and gets a window of its own.
 */
import type { Windows } from 'webextension-polyfill';
import type { ApprovalQueue } from './approval-queue.ts';

/** What the user is told a request closed with its window was rejected for. */
export const CLOSED_REASON = 'User closed the approval window.';

export class ApprovalWindow {
  readonly #windows: Windows.Static;
  readonly #url: string;
  readonly #approvals: Pick<ApprovalQueue, 'pending' | 'reject'>;
  /** Every window this opened that has not closed yet; later requests join the newest. */
  readonly #opened = new Set<number>();
  /**
   * The approvals each window's popup showed, kept for any window: a popup may report before
   * `windows.create` has told this its window's id.
   */
  readonly #shown = new Map<number, Set<string>>();
  /** One at a time: two requests arriving together must not open two windows. */
  #showing: Promise<void> = Promise.resolve();

  /** `url` is the popup page's; `approvals` the queue it shows. */
  constructor(windows: Windows.Static, url: string, approvals: Pick<ApprovalQueue, 'pending' | 'reject'>) {
    this.#windows = windows;
    this.#url = url;
    this.#approvals = approvals;
  }

  show(): Promise<void> {
    const open = () => this.#open();
    this.#showing = this.#showing.then(open, open);
    return this.#showing;
  }

  /** The popup in window `windowId` put these approvals on screen. */
  shown(windowId: number, ids: readonly string[]): void {
    const shown = this.#shown.get(windowId) ?? new Set();
    for (const id of ids) shown.add(id);
    this.#shown.set(windowId, shown);
  }

  /**
   * The browser closed window `windowId`. If this opened it, the approvals it showed are rejected;
   * any other still waiting gets a new window.
   */
  closed(windowId: number): void {
    const shown = this.#shown.get(windowId) ?? [];
    this.#shown.delete(windowId);
    if (!this.#opened.delete(windowId)) return;
    this.#approvals.reject([...shown], CLOSED_REASON);
    if (this.#approvals.pending().length > 0) void this.show();
  }

  async #open(): Promise<void> {
    const newest = [...this.#opened].at(-1);
    if (newest !== undefined) {
      const open = await this.#windows.update(newest, { drawAttention: true }).catch(() => null);
      if (open) return;
    }
    const created = await this.#windows.create({ url: this.#url, type: 'popup', width: 380, height: 640 });
    if (created.id !== undefined) this.#opened.add(created.id);
  }
}
