// A dapp as a developer would write one: discover the wallet through the announce
// event (no global needed), ask for a session, then read and write resources with
// `provider.request({ method, params })`. Every error is shown with its code.
import { openGranted } from './open-granted.js';

const $ = (id) => document.getElementById(id);
const BCOS = 'payment.bcos.asset';
const FAB = 'trade.fab.asset';
const RECORDS = 'trade.fab.records';
let provider = null;
let session = null;

window.addEventListener('weft:announceProvider', (event) => {
  provider = event.detail.provider;
  $('wallet').textContent =
    `Found ${event.detail.info.name} (${event.detail.info.rdns}), provider v${provider.version}`;
  $('wallet').className = 'found';
  provider.on('sessionChanged', (s) => showSession(s));
});
window.dispatchEvent(new Event('weft:requestProvider'));
if (!provider)
  $('wallet').textContent = 'Weft is not installed in this browser: load dist/ as an unpacked extension.';

function show(args, outcome) {
  $('out').textContent = `${JSON.stringify(args)}\n-> ${outcome}`;
}

async function call(args) {
  if (!provider) return undefined;
  try {
    const result = await provider.request(args);
    show(args, JSON.stringify(result, null, 2));
    return result;
  } catch (error) {
    show(args, `error ${error.code}: ${error.message}${error.data ? `\n${JSON.stringify(error.data)}` : ''}`);
    return undefined;
  }
}

function showSession(s) {
  session = s;
  $('session').textContent = s ? `connected as ${s.address}` : 'not connected';
  if (s) void refreshBalance();
}

async function refreshBalance() {
  if (!session) return;
  const result = await call({
    method: 'weft_call',
    params: [{ path: BCOS, method: 'balanceOf', args: [session.address] }],
  });
  if (result) $('bcos-balance').textContent = result.values[0];
}

$('connect').onclick = async () => {
  const s = await call({ method: 'weft_requestSession', params: [{ resources: [BCOS, FAB, RECORDS] }] });
  if (s) showSession(s);
};
// The demo server's faucet (local network only): the deployer sends 1000 units to this account.
$('faucet').onclick = async () => {
  if (!session) return show({ faucet: true }, 'connect first');
  const response = await fetch(`/faucet?address=${session.address}`, { method: 'POST' });
  show({ faucet: session.address }, `${response.status} ${await response.text()}`);
  await refreshBalance();
};
$('disconnect').onclick = () => call({ method: 'weft_revokeSession' });
$('bcos-send').onclick = async () => {
  await call({
    method: 'weft_sendTransaction',
    params: [{ path: BCOS, method: 'transfer', args: [$('bcos-to').value, $('bcos-amount').value] }],
  });
  await refreshBalance();
};
$('fab-balance-read').onclick = async () => {
  const result = await call({
    method: 'weft_call',
    params: [{ path: FAB, method: 'BalanceOf', args: [$('fab-account').value] }],
  });
  if (result) $('fab-balance').textContent = String(result.values[0]);
};
$('fab-open').onclick = () =>
  call({
    method: 'weft_sendTransaction',
    params: [{ path: FAB, method: 'OpenAccount', args: [$('fab-to').value] }],
  });
$('fab-send').onclick = () =>
  call({
    method: 'weft_sendTransaction',
    params: [
      {
        path: FAB,
        method: 'Transfer',
        args: [$('fab-account').value, $('fab-to').value, $('fab-amount').value],
      },
    ],
  });
// Data access (docs/grants.md): the site holds its own secp256k1 key (the grant's audience
// key, kept in localStorage here) and signs every read with it, so a copied grant is useless.
const { ethers } = window;
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
let audience = null;
let issued = null;
if (ethers) {
  const saved = localStorage.getItem(AUDIENCE_ITEM);
  audience = saved ? new ethers.Wallet(saved) : ethers.Wallet.createRandom();
  localStorage.setItem(AUDIENCE_ITEM, audience.privateKey);
  $('audience-key').textContent = audience.address;
}

// The wallet seals every field before it leaves the browser: the chain keeps ciphertext only.
$('kyc-write').onclick = () =>
  call({
    method: 'weft_putRecord',
    params: [
      {
        path: RECORDS,
        record: $('kyc-id').value,
        fields: { name: $('kyc-name').value, country: $('kyc-country').value, score: $('kyc-score').value },
      },
    ],
  });
$('kyc-read').onclick = () =>
  call({ method: 'weft_getRecord', params: [{ path: RECORDS, record: $('kyc-id').value }] });
$('grant-request').onclick = async () => {
  const result = await call({
    method: 'weft_requestGrant',
    params: [
      {
        resource: RECORDS,
        records: [$('kyc-id').value],
        fields: ['name', 'country'],
        durationSeconds: 3600,
        reason: 'Check your name and country to open your account',
        audiencePublicKey: audience.signingKey.compressedPublicKey,
      },
    ],
  });
  if (result) {
    issued = result;
    $('grant').textContent = JSON.stringify(result, null, 2);
  }
};
$('grant-read').onclick = async () => {
  if (!issued) {
    $('granted').textContent = 'Request access first.';
    return;
  }
  // A fresh proof for every read: new nonce, current time, signed with the audience key.
  const read = {
    grant: issued.grantId,
    record: issued.grant.records[0],
    nonce: ethers.hexlify(ethers.randomBytes(32)),
    issuedAt: Math.floor(Date.now() / 1000),
  };
  const readSignature = audience.signingKey.sign(
    ethers.TypedDataEncoder.hash(GRANT_DOMAIN, READ_TYPES, read),
  ).serialized;
  try {
    const record = await provider.request({
      method: 'weft_readWithGrant',
      params: [{ grant: issued.grant, signature: issued.signature, read, readSignature }],
    });
    // Sealed fields and the keys the owner shared with this site's key: only that key opens them.
    const fields = await openGranted(ethers, audience.privateKey, {
      ...record,
      grantId: issued.grantId,
      resource: issued.grant.resource,
    });
    $('granted').textContent = `record ${record.record}: ${JSON.stringify(fields)}`;
  } catch (error) {
    const reason = error.data?.reason ? ` (reason: ${error.data.reason})` : '';
    $('granted').textContent = `error ${error.code}: ${error.message}${reason}`;
  }
};
$('ping').onclick = () => call({ method: 'weft_ping', params: ['hello from the demo'] });
$('unknown').onclick = () => call({ method: 'eth_sendTransaction', params: [] });
$('malformed').onclick = () => call({ method: 42 });

// A page that already has a session picks it up without asking.
if (provider) provider.request({ method: 'weft_getSession' }).then(showSession, () => {});

// Cross-chain transfer: both steps commit together or neither does (weft_sendCrossChainTransaction).
$('x-send').onclick = async () => {
  $('x-state').textContent = 'waiting for approval…';
  const result = await call({
    method: 'weft_sendCrossChainTransaction',
    params: [
      {
        steps: [
          { path: BCOS, to: $('x-bcos-to').value, amount: $('x-bcos-amount').value },
          {
            path: FAB,
            from: $('x-fab-from').value,
            to: $('x-fab-to').value,
            amount: $('x-fab-amount').value,
          },
        ],
      },
    ],
  });
  $('x-state').textContent = result ? result.state : 'aborted or refused (see below)';
  await refreshBalance();
};

// Swaps: the proposer gets a proposal object to hand over; the other wallet accepts it.
let swapId = null;
$('swap-propose').onclick = async () => {
  const result = await call({
    method: 'weft_proposeSwap',
    params: [
      {
        give: { path: BCOS, amount: $('swap-give-amount').value, to: $('swap-give-to').value },
        want: { path: FAB, amount: $('swap-want-amount').value, to: $('swap-want-to').value },
        timelockSeconds: Number($('swap-timelock').value),
      },
    ],
  });
  if (!result) return;
  swapId = result.id;
  $('swap-proposal').value = JSON.stringify(result.proposal);
  $('swap-state').textContent = result.swap.state;
};
$('swap-accept').onclick = async () => {
  const result = await call({
    method: 'weft_acceptSwap',
    params: [{ proposal: $('swap-proposal').value, from: $('swap-from').value }],
  });
  if (!result) return;
  swapId = result.id;
  $('swap-state').textContent = result.swap.state;
};
$('swap-status').onclick = async () => {
  if (!swapId) return;
  const result = await call({ method: 'weft_ttmStatus', params: [{ id: swapId }] });
  if (result) $('swap-state').textContent = result.state;
  await refreshBalance();
};
