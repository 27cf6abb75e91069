/**
 * The service worker, in four parts: the wallet's parts, built on one event emitter
 * (background/events.ts); who reacts to which of their events, in one list; what starts with
 * the worker; the browser's events it answers. Browser listeners are registered synchronously
 * at the top level so a worker woken by an event (a port connecting, an alarm) receives it.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { isLaneRequest, LANE_FRAME } from '../content/lane-protocol.ts';
import { PROVIDER_PORT } from '../content/provider-protocol.ts';
import { ActivityLog } from './activity/activity-log.ts';
import { ApprovalQueue } from './approvals/approval-queue.ts';
import { approvalPaths } from './approvals/approval-view.ts';
import { ApprovalWindow } from './approvals/approval-window.ts';
import { BalanceService } from './balances/balance-service.ts';
import { walletBalanceHolders, walletBalanceReads } from './balances/chain-reads.ts';
import { ContactStore } from './contacts/contact-store.ts';
import { WalletEvents } from './events.ts';
import { GrantStore } from './grants/grant-store.ts';
import { handlePopupMessage, readStatus, STATUS_PARTS } from './popup-api.ts';
import { POPUP_PORT, PopupPorts } from './popup-port.ts';
import { providerMethods } from './provider/methods/index.ts';
import { PageEvents } from './provider/page-events.ts';
import { type LaneClients, PageLanes } from './provider/page-lanes.ts';
import { serveExternalPort } from './provider/serve-external-port.ts';
import { servePort } from './provider/serve-port.ts';
import { RouterConnection } from './routers/router-connection.ts';
import type { WalletServices } from './services.ts';
import { SessionStore } from './sessions/session-store.ts';
import { AnchorStore } from './trust/anchor-store.ts';
import { ChainTrust } from './trust/chain-trust.ts';
import { TtmCoordinator } from './ttm/coordinator.ts';
import { FAILPOINT_ITEM, Failpoints } from './ttm/failpoints.ts';
import { TtmLog } from './ttm/ttm-log.ts';
import { ttmPaths } from './ttm/types.ts';
import { Vault } from './vault/vault.ts';
import { AUTO_LOCK_ALARM, AutoLock } from './wallet/auto-lock.ts';

restrictStorageToExtension();
/** Wakes the worker every 30 s while a cross-chain transaction or swap is unfinished. */
const TTM_ALARM = 'weft.ttm';
const extensionOrigin = browser.runtime.getURL('');

// The wallet's parts. Each says what changed on `events` and knows nothing of who listens.
const events = new WalletEvents();
const local = browser.storage.local;
const vault = new Vault({ local, session: browser.storage.session, events });
const routers = new RouterConnection(local, events, __WEFT_DEFAULT_ROUTERS__);
const anchors = new AnchorStore(local, events);
const trust = new ChainTrust({
  anchors,
  client: () => routers.client(),
  secondOpinion: (path) => routers.secondOpinion(path),
});
const ttm = new TtmCoordinator({
  log: new TtmLog(events),
  vault,
  routers,
  trust,
  checkpoint: testBuildFailpoints(),
  heartbeat: (on) => events.emit('ttm:heartbeat', { on }),
});
const sessions = new SessionStore(local, events);
const contacts = new ContactStore(local, events);
// The items the worker keeps in memory are read again once anything changes them in storage.
browser.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local') return;
  for (const item of [sessions.item, anchors.item, contacts.item]) if (item.key in changes) item.invalidate();
});
const services: WalletServices = {
  version: __WEFT_VERSION__,
  events,
  vault,
  autoLock: new AutoLock(browser.alarms, local),
  routers,
  trust,
  sessions,
  approvals: new ApprovalQueue(events),
  activity: new ActivityLog(local, events),
  balances: new BalanceService({
    reads: walletBalanceReads({ routers, trust, vault }),
    holders: walletBalanceHolders({ vault, sessions }),
    onChange: () => events.emit('balances:changed'),
  }),
  grants: new GrantStore(local, events),
  ttm,
  contacts,
  local,
};
const methods = providerMethods(services);
const pageEvents = new PageEvents();
const approvalWindow = new ApprovalWindow(
  browser.windows,
  browser.runtime.getURL('popup/index.html'),
  services.approvals,
);
// After a worker restart the vault comes back unlocked if it was (session key in storage.session).
const restored = vault.restore().catch(() => false);
const popups = new PopupPorts({
  readAll: () => readStatus(services, STATUS_PARTS),
  read: (parts) => readStatus(services, parts),
  ready: restored,
  // Balances are read while some popup shows them (the home screen).
  watching: (count) => services.balances.watch(count > 0),
  shown: (windowId, ids) => approvalWindow.shown(windowId, ids),
});

// Who reacts to what.
// Pages hear the network link and their own session (EIP-1193 events).
events.on('routers:link', ({ connected }) =>
  pageEvents.emit(null, connected ? 'connect' : 'disconnect', connected ? {} : { code: 4900 }),
);
events.on('sessions:changed', ({ origin, session }) => {
  pageEvents.emit(origin, 'sessionChanged', session);
  pageEvents.emit(origin, 'accountsChanged', session ? [session.address] : []);
});
// A request waiting for the user opens the approval window, or flags it if it is open.
events.on('approvals:added', () => approvalWindow.show());
// Balances follow the link, whose they are, and what the sites use; an approval's amounts need their units.
events.on('routers:link', ({ connected }) => services.balances.linkChanged(connected));
events.on('sessions:changed', () => services.balances.changed());
events.on('vault:changed', () => services.balances.changed());
events.on('vault:unlocked', () => services.balances.changed());
events.on('approvals:added', ({ id }) => {
  const approval = services.approvals.pending().find((a) => a.id === id);
  if (approval) return services.balances.learnUnits(approvalPaths(approval));
});
// So do the cross-chain records the popup lists: units are kept in memory, so after a restart they
// are read again (a new record's were read for its approval).
events.on('routers:link', async ({ connected }) => {
  if (connected) await services.balances.learnUnits((await ttm.log.views()).flatMap(ttmPaths));
});
// Cross-chain transactions left unfinished while the wallet was locked carry on.
events.on('vault:unlocked', () => ttm.resume());
// While anything is unfinished, an alarm wakes the worker to finish it (or refund after a timelock).
events.on('ttm:heartbeat', ({ on }) => keepTtmAlarm(on));
// Open popups get again the parts of the status each event changed.
popups.follow(events, {
  'vault:changed': ['vault', 'fabricIdentities'],
  'vault:unlocked': ['vault'],
  'vault:locked': ['vault'],
  'routers:changed': ['routers'],
  'anchors:changed': ['anchors'],
  'sessions:changed': ['sessions'],
  'approvals:added': ['approvals'],
  'approvals:settled': ['approvals'],
  'activity:changed': ['activity'],
  'grants:changed': ['grants'],
  'ttm:saved': ['ttm'],
  'settings:changed': ['autoLockMinutes', 'defaults'],
  'balances:changed': ['balances'],
  'contacts:changed': ['contacts'],
});

// Starting.
void routers.start();
// Unfinished cross-chain transactions and swaps are driven to an end on every worker start.
void restored.then(() => ttm.resume());

// The browser's events.
// Closing the approval window rejects the requests it showed.
browser.windows.onRemoved.addListener((windowId) => approvalWindow.closed(windowId));

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === AUTO_LOCK_ALARM) void vault.lock();
  if (alarm.name === TTM_ALARM) void restored.then(() => ttm.resume());
});

// Chromium runs this as a service worker, which can reach a lane frame among its clients; Firefox's
// background is a page, and its relays keep to their runtime ports.
const workerClients = (globalThis as { clients?: LaneClients }).clients;
const lanes = workerClients
  ? new PageLanes({
      clients: workerClients,
      frameUrl: browser.runtime.getURL(LANE_FRAME),
      keepAlive: () => void browser.runtime.getPlatformInfo().catch(() => {}),
    })
  : null;

browser.runtime.onConnect.addListener((port) => {
  if (port.name === PROVIDER_PORT) servePort(port, browser.runtime.id, methods, pageEvents, lanes);
  else if (port.name === POPUP_PORT) {
    if (isExtensionPage(port.sender)) popups.add(port);
    else port.disconnect();
  }
});

// CAIP-341: pages of the origins the Chromium manifest's externally_connectable lists connect by the announced id.
browser.runtime.onConnectExternal.addListener((port) => serveExternalPort(port, methods, pageEvents));

browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
  // Only the extension's own pages (the popup, a lane frame) talk to the worker by message; pages use ports.
  if (!isExtensionPage(sender)) return undefined;
  if (isLaneRequest(message)) return lanes?.deliver(message, sender.url) ?? Promise.resolve(false);
  return restored.then(() => handlePopupMessage(message, services));
});

/** The extension's own pages (the popup), never a content script (whose `url` is the page's). */
function isExtensionPage(sender: Runtime.MessageSender | undefined): boolean {
  return sender?.id === browser.runtime.id && sender.url?.startsWith(extensionOrigin) === true;
}

/** Keeps the TTM wake-up alarm while `on`; only sets it if none is: re-creating would push it back. */
async function keepTtmAlarm(on: boolean): Promise<void> {
  if (!on) await browser.alarms.clear(TTM_ALARM);
  else if (!(await browser.alarms.get(TTM_ALARM)))
    await browser.alarms.create(TTM_ALARM, { periodInMinutes: 0.5 });
}

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
