/**
 * Closing the approval window rejects the requests it showed, and only those: the browser tells the
 * worker a moment after the window is gone, and a request that came meanwhile (flagged on the
 * closing window, or queued while the next window was being made) was never on screen. The fake
 * browser below lets each test put those moments in the order it plays.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Windows } from 'webextension-polyfill';
import { ApprovalQueue, ApprovalRejectedError } from '../../../background/approvals/approval-queue.ts';
import { ApprovalWindow, CLOSED_REASON } from '../../../background/approvals/approval-window.ts';
import { WalletEvents } from '../../../background/events.ts';
import { asAsked, SESSION } from './session-approval.ts';

/**
 * Windows as the browser keeps them: `create` answers when the test says (`createdNext`), `update`
 * finds a window until the user closes it, and the worker hears of a close only when the test
 * calls `ApprovalWindow.closed`.
 */
function fakeBrowser() {
  const open = new Set<number>();
  let nextId = 100;
  const creating: ((window: Windows.Window) => void)[] = [];
  const windows = {
    create: () =>
      new Promise<Windows.Window>((resolve) => {
        creating.push(resolve);
      }),
    update: async (id: number) => {
      if (!open.has(id)) throw new Error(`No window with id: ${id}.`);
      return { id } as Windows.Window;
    },
  } as unknown as Windows.Static;
  return {
    windows,
    /** How many windows the wallet asked for and has not been given yet. */
    waiting: () => creating.length,
    /** The browser finishes making the oldest window asked for; returns its id. */
    createdNext(): number {
      const resolve = creating.shift();
      assert.ok(resolve, 'a window was asked for');
      const id = nextId++;
      open.add(id);
      resolve({ id } as Windows.Window);
      return id;
    },
    /** The user closes window `id`: it is gone at once, the worker hears of it later. */
    close(id: number) {
      open.delete(id);
    },
  };
}

function wallet() {
  const browser = fakeBrowser();
  const events = new WalletEvents();
  const approvals = new ApprovalQueue(events);
  const window = new ApprovalWindow(browser.windows, 'chrome-extension://weft/popup/index.html', approvals);
  events.on('approvals:added', () => window.show());
  /** A site's request; resolves with how it ended. */
  const request = () =>
    approvals.request('session', 'https://dapp.example', SESSION, asAsked).then(
      () => 'approved',
      (error: Error) => (error instanceof ApprovalRejectedError ? error.message : `other: ${error.message}`),
    );
  /** The ids of what waits now, as the popup would list them. */
  const ids = () => approvals.pending().map((a) => a.id);
  /** The browser finishes the window asked for and the worker learns its id; returns the id. */
  const windowUp = async () => {
    const id = browser.createdNext();
    await tick();
    return id;
  };
  /** As `windowUp`, and its popup then shows what waits. */
  const windowShowing = async () => {
    const id = await windowUp();
    window.shown(id, ids());
    return id;
  };
  /** The user closes window `id` and the worker hears of it at once. */
  const userCloses = (id: number) => {
    browser.close(id);
    window.closed(id);
  };
  return { browser, approvals, window, request, ids, windowUp, windowShowing, userCloses };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ApprovalWindow', () => {
  test('closing the window rejects what it showed', async () => {
    const { browser, request, approvals, windowShowing, userCloses } = wallet();
    const first = request();
    const second = request();
    await tick();
    assert.equal(browser.waiting(), 1, 'two requests arriving together open one window');
    userCloses(await windowShowing());
    assert.equal(await first, CLOSED_REASON);
    assert.equal(await second, CLOSED_REASON);
    assert.equal(approvals.pending().length, 0);
    await tick();
    assert.equal(browser.waiting(), 0, 'nothing waits, so no window opens');
  });

  test('a request flagged on the window as it closed is not rejected with it: it gets a new window', async () => {
    const { browser, request, ids, approvals, windowShowing, userCloses } = wallet();
    const first = request();
    await tick();
    const id = await windowShowing();
    // The site asks again before the browser has removed the window: it is only flagged.
    const second = request();
    await tick();
    assert.equal(browser.waiting(), 0, 'the open window was flagged, not a new one made');
    userCloses(id);
    assert.equal(await first, CLOSED_REASON);
    await tick();
    assert.equal(approvals.pending().length, 1, 'the request never shown still waits');
    assert.equal(browser.waiting(), 1, 'and a new window is asked for it');
    await windowShowing();
    approvals.decide(ids()[0] as string, true);
    assert.equal(await second, 'approved');
  });

  test('a request queued while its window is being made outlives the old window closing', async () => {
    const { browser, window, request, ids, approvals, windowShowing, userCloses } = wallet();
    void request();
    await tick();
    const id = await windowShowing();
    approvals.decide(ids()[0] as string, true);
    // The user closes the window; a new request comes before the worker hears of it.
    browser.close(id);
    const second = request();
    await tick();
    assert.equal(browser.waiting(), 1, 'the closed window is not found, so a new one is asked for');
    // The browser reports the old window gone while the new one is still being made.
    window.closed(id);
    await tick();
    assert.equal(approvals.pending().length, 1, 'the new request still waits');
    assert.equal(browser.waiting(), 1, 'and no second window is asked for it');
    userCloses(await windowShowing());
    assert.equal(await second, CLOSED_REASON);
  });

  test('a window closed before its popup showed anything rejects nothing; the request gets a new window', async () => {
    const { browser, request, windowUp, windowShowing, userCloses } = wallet();
    const first = request();
    await tick();
    userCloses(await windowUp());
    await tick();
    assert.equal(browser.waiting(), 1);
    userCloses(await windowShowing());
    assert.equal(await first, CLOSED_REASON);
  });

  test('closing a window the wallet did not open (a tab showing the popup) rejects nothing', async () => {
    const { window, request, ids, approvals, windowUp } = wallet();
    void request();
    await tick();
    await windowUp();
    const tabWindow = 7;
    window.shown(tabWindow, ids());
    window.closed(tabWindow);
    assert.equal(approvals.pending().length, 1);
  });
});
