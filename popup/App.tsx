import { useEffect, useState } from 'preact/hooks';
import type { WalletStatus } from '../background/popup-api.ts';
import type { FollowedWrite } from './followed-write.ts';
import { knownTerms } from './known-terms.ts';
import { Approvals } from './screens/Approvals.tsx';
import { Home } from './screens/Home.tsx';
import { Onboarding } from './screens/Onboarding.tsx';
import { TtmProgress } from './screens/TtmProgress.tsx';
import { Unlock } from './screens/Unlock.tsx';
import { WriteProgress } from './screens/WriteProgress.tsx';
import type { Load, StatusFeed } from './status-feed.ts';

/**
 * The screen the wallet's status calls for. Screens send the user's actions and never re-read
 * the status themselves: what an action changed comes back through `feed`.
 */
export function App({ feed }: { feed: StatusFeed }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  // Onboarding keeps the screen until the phrase is confirmed, although the vault exists from its first step.
  const [onboarding, setOnboarding] = useState(false);
  // The cross-chain transaction or swap just approved here: shown once no other approval waits.
  const [following, setFollowing] = useState<string | null>(null);
  // The transaction or record write just approved here: shown, with its outcome, once no other approval waits.
  const [followingWrite, setFollowingWrite] = useState<FollowedWrite | null>(null);

  useEffect(() => feed.subscribe(setLoad), [feed]);

  let body: preact.ComponentChild;
  // Balances are read while a popup shows them: the worker hears when the home screen is up.
  let showsHome = false;
  // Closing the approval window rejects the approvals it showed: the worker hears which.
  let shownApprovals = '';
  if (load.state === 'loading') body = <p class="status">Connecting to the wallet…</p>;
  else if (load.state === 'failed')
    body = <p class="status error">The wallet did not answer: {load.message}</p>;
  else if (!load.status.vault.hasVault || onboarding) {
    body = <Onboarding onBegin={() => setOnboarding(true)} onDone={() => setOnboarding(false)} />;
  } else if (!load.status.vault.isUnlocked) {
    shownApprovals = approvalIds(load.status);
    body = (
      <>
        {load.status.approvals.length > 0 && (
          <p class="status">A site is waiting for your approval: unlock first.</p>
        )}
        <Unlock />
      </>
    );
  } else if (load.status.approvals.length > 0) {
    shownApprovals = approvalIds(load.status);
    body = (
      <Approvals
        approvals={load.status.approvals}
        known={knownTerms(load.status)}
        onFollow={(id) => {
          setFollowingWrite(null);
          setFollowing(id);
        }}
        onFollowWrite={(write) => {
          setFollowing(null);
          setFollowingWrite(write);
        }}
        onUnfollow={() => {
          setFollowing(null);
          setFollowingWrite(null);
        }}
      />
    );
  } else if (followingWrite) {
    body = (
      <WriteProgress
        write={followingWrite}
        entries={load.status.activity}
        book={knownTerms(load.status).book}
        onClose={() => setFollowingWrite(null)}
      />
    );
  } else if (following) {
    body = (
      <TtmProgress
        view={load.status.ttm.find((v) => v.id === following)}
        terms={knownTerms(load.status)}
        onClose={() => setFollowing(null)}
      />
    );
  } else {
    body = <Home status={load.status} />;
    showsHome = true;
  }
  useEffect(() => feed.watchBalances(showsHome), [feed, showsHome]);
  useEffect(
    () => feed.showApprovals(shownApprovals ? shownApprovals.split(' ') : []),
    [feed, shownApprovals],
  );

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

/** The waiting approvals' ids, space-separated: a string, so an effect runs only when they change. */
function approvalIds(status: WalletStatus): string {
  return status.approvals.map((a) => a.id).join(' ');
}
