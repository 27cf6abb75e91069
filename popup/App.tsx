import { useCallback, useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import type { PopupRequest, WalletStatus } from '../background/popup-api.ts';
import { Routers } from './Routers.tsx';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; status: WalletStatus }
  | { state: 'failed'; message: string };

export function App() {
  const [load, setLoad] = useState<Load>({ state: 'loading' });

  const refresh = useCallback(() => {
    const request: PopupRequest = { type: 'status' };
    browser.runtime
      .sendMessage(request)
      .then((status) =>
        setLoad(
          status
            ? { state: 'ready', status: status as WalletStatus }
            : { state: 'failed', message: 'no answer from the service worker' },
        ),
      )
      .catch((error: Error) => setLoad({ state: 'failed', message: error.message }));
  }, []);

  useEffect(() => {
    refresh();
    // The router link changes state on its own (connects, drops, fails over).
    const timer = setInterval(refresh, 1000);
    return () => clearInterval(timer);
  }, [refresh]);

  return (
    <>
      <header>
        <img src="/icons/weft-48.png" alt="" />
        <h1>Weft</h1>
        <span class="version">v{__WEFT_VERSION__}</span>
      </header>
      <main>
        {load.state === 'loading' && <p class="status">Connecting to the wallet…</p>}
        {load.state === 'failed' && <p class="status error">The wallet did not answer: {load.message}</p>}
        {load.state === 'ready' && (
          <>
            <p class="status" data-testid="wallet-status">
              Wallet running (v{load.status.version}). Accounts and approvals arrive here as they are built.
            </p>
            <Routers status={load.status.routers} onChange={refresh} />
          </>
        )}
      </main>
    </>
  );
}
