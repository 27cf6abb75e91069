// A dapp as a developer would write one, with Weft's SDK (docs/sdk.md): find the wallet by
// CAIP-294 (no global needed), ask for a session, then read and write resources through the
// session's typed methods, which call the chains through CAIP-27 `wallet_invokeMethod`. Every
// error is shown with its code. Bundled by vite (demo/vite.config.ts) into demo/build/.
import { findWallet, WeftError, WeftSession, WeftWallet } from '@weft/sdk';
import {
  computeAddress,
  getAddress,
  getBytes,
  hexlify,
  randomBytes,
  SigningKey,
  TypedDataEncoder,
} from 'ethers';
import { openGranted } from './open-granted.js';

const el = (id: string) => document.getElementById(id) as HTMLElement;
const value = (id: string) => (document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement).value;
const BCOS = 'payment.bcos.asset';
const FAB = 'trade.fab.asset';
const RECORDS = 'trade.fab.records';

/** The session as last seen (inactive until the site connects). */
let session: WeftSession | null = null;
/** Whether this page follows the FISCO BCOS asset's events (the wallet ends that with the session). */
let following = false;

const walletFound: Promise<WeftWallet | null> = findWallet().then((found) => {
  if (!found) {
    el('wallet').textContent = 'Weft is not installed in this browser: load dist/ as an unpacked extension.';
    return null;
  }
  const wallet = WeftWallet.from(found);
  const how = found.via === 'caip294' ? 'CAIP-294' : 'its announce event';
  const version = found.info.version ? `, provider v${found.info.version}` : '';
  el('wallet').textContent = `Found ${found.info.name} (${found.info.rdns}) through ${how}${version}`;
  el('wallet').className = 'found';
  wallet.onSessionChanged(showSession);
  // A page that already has a session picks it up without asking.
  wallet.getSession().then(showSession, () => {});
  return wallet;
});

function show(label: string, outcome: string) {
  el('out').textContent = `${label}\n-> ${outcome}`;
}

function describeError(error: unknown): string {
  if (!(error instanceof WeftError)) return `error: ${(error as Error).message}`;
  const data = error.data === undefined ? '' : `\n${JSON.stringify(error.data)}`;
  return `error ${error.code}: ${error.message}${data}`;
}

/** Runs one SDK call once the wallet is found, and shows what it answered or its error. */
async function run<T>(label: string, action: (wallet: WeftWallet) => Promise<T>): Promise<T | undefined> {
  const wallet = await walletFound;
  if (!wallet) return undefined;
  try {
    const result = await action(wallet);
    show(label, JSON.stringify(result, null, 2));
    return result;
  } catch (error) {
    show(label, describeError(error));
    return undefined;
  }
}

/**
 * Runs a session method on the session as last seen (or none yet): a path it does not hold goes
 * to the wallet as is, which answers 4100 when the site has no session for it.
 */
function withSession<T>(label: string, action: (session: WeftSession) => Promise<T>): Promise<T | undefined> {
  return run(label, (wallet) => action(session ?? new WeftSession(wallet, { sessionScopes: {} })));
}

function showSession(next: WeftSession) {
  session = next;
  const address = next.address ? getAddress(next.address) : '(no FISCO BCOS account)';
  el('session').textContent = next.active ? `connected as ${address}` : 'not connected';
  if (!next.active) {
    following = false;
    return;
  }
  void refreshBalance();
  if (!following) void followTransfers(next);
}

async function refreshBalance(quiet = false) {
  const current = session;
  if (!current?.active || !current.address) return;
  const read = () => current.call({ path: BCOS, method: 'balanceOf', args: [current.address] });
  const result = quiet
    ? await read().catch(() => undefined)
    : await withSession(`call ${BCOS}.balanceOf`, read);
  if (result) el('bcos-balance').textContent = String(result.values[0]);
}

/** The asset's events: each one shown, and the balance read again (without touching the output below). */
async function followTransfers(current: WeftSession): Promise<void> {
  if (!current.scopeOf(BCOS)) return;
  following = true;
  try {
    await current.subscribe(BCOS, (event) => {
      el('bcos-events').textContent = `${event.name ?? 'event'} in block ${event.blockNumber}`;
      void refreshBalance(true);
    });
  } catch (error) {
    following = false;
    el('bcos-events').textContent = describeError(error);
  }
}

el('connect').onclick = async () => {
  const connected = await run('connect', (wallet) => wallet.connect({ resources: [BCOS, FAB, RECORDS] }));
  if (connected) showSession(connected);
};
// The demo server's faucet (local network only): the deployer sends 1000 units to this account.
el('faucet').onclick = async () => {
  if (!session?.address) return show('faucet', 'connect first');
  const response = await fetch(`/faucet?address=${session.address}`, { method: 'POST' });
  show(`faucet ${session.address}`, `${response.status} ${await response.text()}`);
  await refreshBalance();
};
el('disconnect').onclick = () =>
  withSession('revoke', async (s) => {
    await s.revoke();
    return 'revoked';
  });
el('bcos-send').onclick = async () => {
  await withSession(`sendTransaction ${BCOS}.transfer`, (s) =>
    s.sendTransaction({ path: BCOS, method: 'transfer', args: [value('bcos-to'), value('bcos-amount')] }),
  );
  await refreshBalance();
};
el('fab-balance-read').onclick = async () => {
  const result = await withSession(`call ${FAB}.BalanceOf`, (s) =>
    s.call({ path: FAB, method: 'BalanceOf', args: [value('fab-account')] }),
  );
  if (result) el('fab-balance').textContent = String(result.values[0]);
};
el('fab-open').onclick = () =>
  withSession(`sendTransaction ${FAB}.OpenAccount`, (s) =>
    s.sendTransaction({ path: FAB, method: 'OpenAccount', args: [value('fab-to')] }),
  );
el('fab-send').onclick = () =>
  withSession(`sendTransaction ${FAB}.Transfer`, (s) =>
    s.sendTransaction({
      path: FAB,
      method: 'Transfer',
      args: [value('fab-account'), value('fab-to'), value('fab-amount')],
    }),
  );

// Data access (docs/grants.md): the site holds its own secp256k1 key (the grant's audience
// key, kept in localStorage here) and signs every read with it, so a copied grant is useless.
const GRANT_DOMAIN = { name: 'Weft Grant', version: '1' };
const READ_TYPES = {
  GrantedRead: [
    { name: 'grant', type: 'bytes32' },
    { name: 'record', type: 'string' },
    { name: 'nonce', type: 'bytes32' },
    { name: 'issuedAt', type: 'uint64' },
  ],
};
const AUDIENCE_ITEM = 'weft-demo-audience-key';
const audiencePrivateKey = localStorage.getItem(AUDIENCE_ITEM) ?? hexlify(randomBytes(32));
localStorage.setItem(AUDIENCE_ITEM, audiencePrivateKey);
const audience = new SigningKey(audiencePrivateKey);
el('audience-key').textContent = computeAddress(audience.publicKey);
let issued: Awaited<ReturnType<WeftSession['requestGrant']>> | null = null;

// The wallet seals every field before it leaves the browser: the chain keeps ciphertext only.
el('kyc-write').onclick = () =>
  withSession(`putRecord ${RECORDS}`, (s) =>
    s.putRecord({
      path: RECORDS,
      record: value('kyc-id'),
      fields: { name: value('kyc-name'), country: value('kyc-country'), score: value('kyc-score') },
    }),
  );
el('kyc-read').onclick = () =>
  withSession(`getRecord ${RECORDS}`, (s) => s.getRecord(RECORDS, value('kyc-id')));
el('grant-request').onclick = async () => {
  const result = await withSession(`requestGrant ${RECORDS}`, (s) =>
    s.requestGrant({
      resource: RECORDS,
      records: [value('kyc-id')],
      fields: ['name', 'country'],
      durationSeconds: 3600,
      reason: 'Check your name and country to open your account',
      audiencePublicKey: audience.compressedPublicKey,
    }),
  );
  if (result) {
    issued = result;
    el('grant').textContent = JSON.stringify(result, null, 2);
  }
};
el('grant-read').onclick = async () => {
  const wallet = await walletFound;
  if (!wallet) return;
  if (!issued) {
    el('granted').textContent = 'Request access first.';
    return;
  }
  // A fresh proof for every read: new nonce, current time, signed with the audience key.
  const read = {
    grant: issued.grantId,
    record: issued.grant.records[0] as string,
    nonce: hexlify(randomBytes(32)) as `0x${string}`,
    issuedAt: Math.floor(Date.now() / 1000),
  };
  const readSignature = audience.sign(TypedDataEncoder.hash(GRANT_DOMAIN, READ_TYPES, read)).serialized;
  try {
    const record = await wallet.readWithGrant({
      grant: issued.grant,
      signature: issued.signature,
      read,
      readSignature: readSignature as `0x${string}`,
    });
    // Sealed fields and the keys the owner shared with this site's key: only that key opens them.
    const fields = await openGranted({ getBytes, SigningKey }, audiencePrivateKey, {
      ...record,
      grantId: issued.grantId,
      resource: issued.grant.resource,
    });
    el('granted').textContent = `record ${record.record}: ${JSON.stringify(fields)}`;
  } catch (error) {
    const reason = error instanceof WeftError && error.reason ? ` (reason: ${error.reason})` : '';
    const code = error instanceof WeftError ? ` ${error.code}` : '';
    el('granted').textContent = `error${code}: ${(error as Error).message}${reason}`;
  }
};
el('ping').onclick = () => run('ping', (wallet) => wallet.ping('hello from the demo'));
// Plumbing: what the wallet answers to a method it does not have, and to a request that is not one.
el('unknown').onclick = () =>
  run('eth_sendTransaction', (wallet) =>
    wallet.requestUnchecked({ method: 'eth_sendTransaction', params: [] }),
  );
el('malformed').onclick = () => run('{ method: 42 }', (wallet) => wallet.requestUnchecked({ method: 42 }));

// Cross-chain transfer: both steps commit together or neither does.
el('x-send').onclick = async () => {
  el('x-state').textContent = 'waiting for approval…';
  const result = await withSession('sendCrossChainTransaction', (s) =>
    s.sendCrossChainTransaction({
      steps: [
        { path: BCOS, to: value('x-bcos-to'), amount: value('x-bcos-amount') },
        { path: FAB, from: value('x-fab-from'), to: value('x-fab-to'), amount: value('x-fab-amount') },
      ],
    }),
  );
  el('x-state').textContent = result ? result.state : 'aborted or refused (see below)';
  await refreshBalance();
};

// Swaps: the proposer gets a proposal object to hand over; the other wallet accepts it.
let swapId: `0x${string}` | null = null;
el('swap-propose').onclick = async () => {
  const result = await withSession('proposeSwap', (s) =>
    s.proposeSwap({
      give: { path: BCOS, amount: value('swap-give-amount'), to: value('swap-give-to') },
      want: { path: FAB, amount: value('swap-want-amount'), to: value('swap-want-to') },
      timelockSeconds: Number(value('swap-timelock')),
    }),
  );
  if (!result) return;
  swapId = result.id;
  (el('swap-proposal') as HTMLTextAreaElement).value = JSON.stringify(result.proposal);
  el('swap-state').textContent = result.swap.state;
};
el('swap-accept').onclick = async () => {
  const result = await withSession('acceptSwap', (s) =>
    s.acceptSwap({ proposal: value('swap-proposal'), from: value('swap-from') }),
  );
  if (!result) return;
  swapId = result.id;
  el('swap-state').textContent = result.swap.state;
};
el('swap-status').onclick = async () => {
  const id = swapId;
  if (!id) return;
  const result = await withSession('ttmStatus', (s) => s.ttmStatus(id));
  if (result) el('swap-state').textContent = result.state;
  await refreshBalance();
};
