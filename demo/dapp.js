// A dapp as a developer would write one: discover the wallet through the announce
// event (no global needed), then call `provider.request({ method, params })`.
const out = document.getElementById('out');
const walletLine = document.getElementById('wallet');
let provider = null;

window.addEventListener('weft:announceProvider', (event) => {
  provider = event.detail.provider;
  walletLine.textContent = `Found ${event.detail.info.name} (${event.detail.info.rdns}), provider v${provider.version}`;
  walletLine.className = 'found';
});
window.dispatchEvent(new Event('weft:requestProvider'));
if (!provider)
  walletLine.textContent = 'Weft is not installed in this browser: load dist/ as an unpacked extension.';

async function call(args) {
  if (!provider) return;
  try {
    const result = await provider.request(args);
    out.textContent = `${JSON.stringify(args)}\n-> ${JSON.stringify(result, null, 2)}`;
  } catch (error) {
    out.textContent = `${JSON.stringify(args)}\n-> error ${error.code}: ${error.message}`;
  }
}

document.getElementById('ping').onclick = () =>
  call({ method: 'weft_ping', params: ['hello from the demo'] });
document.getElementById('version').onclick = () => call({ method: 'weft_version' });
document.getElementById('unknown').onclick = () => call({ method: 'eth_sendTransaction', params: [] });
document.getElementById('malformed').onclick = () => call({ method: 42 });
