/**
 * The service worker. Listeners are registered synchronously at the top level so a
 * worker woken by an event (a port connecting, an alarm) receives that event.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { PROVIDER_PORT } from '../content/provider-protocol.ts';
import { ActivityLog } from './activity/activity-log.ts';
import { ApprovalQueue } from './approvals/approval-queue.ts';
import { GrantStore } from './grants/grant-store.ts';
import { handlePopupMessage } from './popup-api.ts';
import { providerMethods } from './provider/methods/index.ts';
import { PageEvents } from './provider/page-events.ts';
import { servePort } from './provider/serve-port.ts';
import { RouterConnection } from './routers/router-connection.ts';
import { SessionStore } from './sessions/session-store.ts';
import { TtmCoordinator } from './ttm/coordinator.ts';
import { FAILPOINT_ITEM, Failpoints } from './ttm/failpoints.ts';
import { TtmLog } from './ttm/ttm-log.ts';
import { Vault } from './vault/vault.ts';
import { AUTO_LOCK_ALARM, AutoLock } from './wallet/auto-lock.ts';
import { loadDefaults } from './wallet/defaults.ts';

const startedAt = Date.now();
restrictStorageToExtension();
/** Wakes the worker every 30 s while a cross-chain transaction or swap is unfinished. */
const TTM_ALARM = 'weft.ttm';
const extensionOrigin = browser.runtime.getURL('');
const routers = new RouterConnection(browser.storage.local, (connected) =>
  pageEvents.emit(null, connected ? 'connect' : 'disconnect', connected ? {} : { code: 4900 }),
);
void routers.start();
const vault = new Vault({
  local: browser.storage.local,
  session: browser.storage.session,
  // Cross-chain transactions left unfinished while the wallet was locked carry on.
  onUnlock: () => void ttm.resume(),
});
const autoLock = new AutoLock(browser.alarms, browser.storage.local);
const pageEvents = new PageEvents();
const sessions = new SessionStore(browser.storage.local, (origin, session) => {
  pageEvents.emit(origin, 'sessionChanged', session);
  pageEvents.emit(origin, 'accountsChanged', session ? [session.address] : []);
});
const activity = new ActivityLog(browser.storage.local);
const grants = new GrantStore(browser.storage.local);
const approvals = new ApprovalQueue(() => void showApprovalWindow());
const ttmLog = new TtmLog();
const ttm = new TtmCoordinator({
  log: ttmLog,
  vault,
  routers,
  checkpoint: testBuildFailpoints(),
  heartbeat: (on) => {
    if (!on) void browser.alarms.clear(TTM_ALARM);
    // Only if none is set: re-creating would push the next wake-up back every time.
    else
      void browser.alarms.get(TTM_ALARM).then((alarm) => {
        if (!alarm) void browser.alarms.create(TTM_ALARM, { periodInMinutes: 0.5 });
      });
  },
});
const methods = providerMethods(__WEFT_VERSION__, {
  sessions,
  approvals,
  vault,
  routers,
  activity,
  grants,
  ttm,
  defaults: () => loadDefaults(browser.storage.local),
});

/** The window the wallet opened for approvals; closing it rejects what is still waiting. */
let approvalWindow: number | null = null;
/** One at a time: two requests arriving together must not open two windows. */
let showing: Promise<void> = Promise.resolve();

function showApprovalWindow(): Promise<void> {
  showing = showing.then(openApprovalWindow, openApprovalWindow);
  return showing;
}

/**
 * Opens the approval window (focused) for the first request. While it is open, later requests
 * join the queue it shows and only flag it (drawAttention flashes it in the taskbar): a page
 * must not pull the window to the front, over what the user is doing, with every request.
 */
async function openApprovalWindow(): Promise<void> {
  if (approvalWindow !== null) {
    const open = await browser.windows.update(approvalWindow, { drawAttention: true }).catch(() => null);
    if (open) return;
  }
  const created = await browser.windows.create({
    url: browser.runtime.getURL('popup/index.html'),
    type: 'popup',
    width: 380,
    height: 640,
  });
  approvalWindow = created.id ?? null;
}

browser.windows.onRemoved.addListener((windowId) => {
  if (windowId !== approvalWindow) return;
  approvalWindow = null;
  approvals.rejectAll('User closed the approval window.');
});
// After a worker restart the vault comes back unlocked if it was (session key in storage.session).
const restored = vault.restore().catch(() => false);
// Unfinished cross-chain transactions and swaps are driven to an end on every worker start.
void restored.then(() => ttm.resume());

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === AUTO_LOCK_ALARM) void vault.lock();
  if (alarm.name === TTM_ALARM) void restored.then(() => ttm.resume());
});

browser.runtime.onConnect.addListener((port) => {
  if (port.name === PROVIDER_PORT) servePort(port, browser.runtime.id, methods, pageEvents);
});

browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
  // Only the extension's own pages (the popup) talk to the worker by message; pages use the port.
  if (sender.id !== browser.runtime.id || !sender.url?.startsWith(extensionOrigin)) return undefined;
  return restored.then(() =>
    handlePopupMessage(message, {
      version: __WEFT_VERSION__,
      startedAt,
      routers,
      vault,
      autoLock,
      sessions,
      approvals,
      activity,
      grants,
      ttm: ttmLog,
      local: browser.storage.local,
    }),
  );
});

/**
 * Content scripts run in pages' renderers; a compromised renderer must not read or write the
 * wallet's `storage.local` (encrypted vault, sessions, router list). Chromium lets the worker
 * restrict it to the extension's own pages; Firefox has no such setting yet.
 */
function restrictStorageToExtension(): void {
  const local = (globalThis as { chrome?: ChromeStorage }).chrome?.storage?.local;
  try {
    void local?.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => {});
  } catch {
    // A browser that knows the method but not this area for it: nothing to restrict with.
  }
}

interface ChromeStorage {
  storage?: { local?: { setAccessLevel?(options: { accessLevel: string }): Promise<void> } };
}

/**
 * The crash harness's fault injection, in the test build only (`vite build --mode test`): the
 * production build compiles this branch, and background/ttm/failpoints.ts with it, out.
 */
function testBuildFailpoints(): ((name: string) => Promise<void>) | undefined {
  if (!__WEFT_TEST_BUILD__) return undefined;
  const failpoints = new Failpoints(browser.storage.local);
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && FAILPOINT_ITEM in changes) void failpoints.reload();
  });
  return (name) => failpoints.checkpoint(name);
}
