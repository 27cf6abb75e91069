/**
 * The window the wallet opens for approvals. The first request opens it, focused. While it is
 * open, later requests join the queue it shows and only flag it (drawAttention flashes it in the
 * taskbar): a page must not pull the window to the front, over what the user is doing, with
 * every request.
 */
import type { Windows } from 'webextension-polyfill';

export class ApprovalWindow {
  readonly #windows: Windows.Static;
  readonly #url: string;
  #id: number | null = null;
  /** One at a time: two requests arriving together must not open two windows. */
  #showing: Promise<void> = Promise.resolve();

  /** `url` is the popup page's. */
  constructor(windows: Windows.Static, url: string) {
    this.#windows = windows;
    this.#url = url;
  }

  show(): Promise<void> {
    const open = () => this.#open();
    this.#showing = this.#showing.then(open, open);
    return this.#showing;
  }

  /** The browser closed window `windowId`: returns whether it was this one. */
  closed(windowId: number): boolean {
    if (windowId !== this.#id) return false;
    this.#id = null;
    return true;
  }

  async #open(): Promise<void> {
    if (this.#id !== null) {
      const open = await this.#windows.update(this.#id, { drawAttention: true }).catch(() => null);
      if (open) return;
    }
    const created = await this.#windows.create({ url: this.#url, type: 'popup', width: 380, height: 640 });
    this.#id = created.id ?? null;
  }
}
