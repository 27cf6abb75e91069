import { useCallback, useEffect, useState } from 'preact/hooks';
import type { PopupResponse, WalletStatus } from '../background/popup-api.ts';
import { isError, send } from './api.ts';
import { Approvals } from './screens/Approvals.tsx';
import { Home } from './screens/Home.tsx';
import { Onboarding } from './screens/Onboarding.tsx';
import { TtmProgress } from './screens/TtmProgress.tsx';
import { Unlock } from './screens/Unlock.tsx';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; status: WalletStatus }
  | { state: 'failed'; message: string };

export function App({ initialStatus }: { initialStatus: Promise<PopupResponse<'status'>> }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  // Onboarding keeps the screen until the phrase is confirmed, although the vault exists from its first step.
  const [onboarding, setOnboarding] = useState(false);
  // The cross-chain transaction or swap just approved here: shown once no other approval waits.
  const [following, setFollowing] = useState<string | null>(null);

  const refresh = useCallback(async (pending?: Promise<PopupResponse<'status'>>) => {
    const answer = await (pending ?? send({ type: 'status' }));
    setLoad(
      isError(answer) ? { state: 'failed', message: answer.error } : { state: 'ready', status: answer },
    );
  }, []);

  useEffect(() => {
    void refresh(initialStatus);
    // The router link and the lock change on their own (connects, drops, auto-lock).
    const timer = setInterval(() => void refresh(), 1000);
    return () => clearInterval(timer);
  }, [refresh, initialStatus]);

  let body: preact.ComponentChild;
  if (load.state === 'loading') body = <p class="status">Connecting to the wallet…</p>;
  else if (load.state === 'failed')
    body = <p class="status error">The wallet did not answer: {load.message}</p>;
  else if (!load.status.vault.hasVault || onboarding) {
    body = (
      <Onboarding
        onBegin={() => setOnboarding(true)}
        onDone={() => {
          setOnboarding(false);
          void refresh();
        }}
      />
    );
  } else if (!load.status.vault.isUnlocked) {
    body = (
      <>
        {load.status.approvals.length > 0 && (
          <p class="status">A site is waiting for your approval: unlock first.</p>
        )}
        <Unlock onDone={() => void refresh()} />
      </>
    );
  } else if (load.status.approvals.length > 0) {
    body = (
      <Approvals approvals={load.status.approvals} onChange={() => void refresh()} onFollow={setFollowing} />
    );
  } else if (following) {
    body = <TtmProgress id={following} onClose={() => setFollowing(null)} />;
  } else body = <Home status={load.status} onChange={() => void refresh()} />;

  return (
    <>
      <header>
        <img src="/icons/weft-48.png" alt="" />
        <h1>Weft</h1>
        <span class="version">v{__WEFT_VERSION__}</span>
      </header>
      <main data-testid={load.state === 'ready' ? 'wallet-status' : undefined}>{body}</main>
    </>
  );
}
