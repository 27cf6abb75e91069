/**
 * The service worker. Listeners are registered synchronously at the top level so a
 * worker woken by an event (a port connecting, an alarm) receives that event.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { PROVIDER_PORT } from '../content/provider-protocol.ts';
import { handlePopupMessage } from './popup-api.ts';
import { providerMethods } from './provider/methods/index.ts';
import { servePort } from './provider/serve-port.ts';
import { RouterConnection } from './routers/router-connection.ts';

const startedAt = Date.now();
const extensionOrigin = browser.runtime.getURL('');
const methods = providerMethods(__WEFT_VERSION__);
const routers = new RouterConnection(browser.storage.local);
void routers.start();

browser.runtime.onConnect.addListener((port) => {
  if (port.name === PROVIDER_PORT) servePort(port, browser.runtime.id, methods);
});

browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
  // Only the extension's own pages (the popup) talk to the worker by message; pages use the port.
  if (sender.id !== browser.runtime.id || !sender.url?.startsWith(extensionOrigin)) return undefined;
  return handlePopupMessage(message, { version: __WEFT_VERSION__, startedAt, routers });
});
