/**
 * HTLC swap latency (DESIGN.md: about four block intervals plus 200 ms), between two wallets
 * (two Chromium profiles) through the built extension, against the local network's default 1 s
 * blocks. A gives payment.bcos.asset, B gives trade.fab.asset. Measured from the wallets' own
 * logs so the popup clicks and the hand-over of the proposal are not counted:
 * (A approved → A's lock on chain) + (B approved → both sides completed), i.e. lock, lock,
 * claim, claim.
 */
import type { Page } from 'playwright-core';
import {
  answerApproval,
  connectWallet,
  type ExtensionBrowser,
  importFabricIdentity,
  launchExtension,
  pageRequest,
  servePages,
  TEST_ACCOUNT_0,
} from '../test/e2e/harness.ts';
import { BCOS, FAB, FAB_MERCHANT, FAB_USER, startTtmChains } from '../test/e2e/ttm-fixture.ts';
import { percentile, report } from './report.ts';

const BLOCK_MS = 1000;
const SWAPS = 5;
/** Another BIP-39 test phrase for wallet B. */
const B_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

interface View {
  id: string;
  state: string;
  timeline: { at: number; event: string }[];
}

const at = (view: View, event: RegExp) => view.timeline.find((e) => event.test(e.event))?.at ?? Number.NaN;

async function wallet(entry: string, mnemonic: string | undefined, mspDir: string, origin: string) {
  const browser = await launchExtension();
  await connectWallet(browser, entry, `${FAB} (1 hop)`, mnemonic);
  await importFabricIdentity(browser, mspDir, 'user1');
  const page = await browser.context.newPage();
  await page.goto(origin);
  const { outcome } = await answerApproval(browser, page, {
    method: 'weft_requestSession',
    params: [{ resources: [BCOS, FAB] }],
  });
  if (!('result' in outcome)) throw new Error(`no session: ${JSON.stringify(outcome)}`);
  return { browser, page, address: (outcome.result as { address: string }).address };
}

async function final(page: Page, id: string): Promise<View> {
  for (;;) {
    const status = await pageRequest(page, { method: 'weft_ttmStatus', params: [{ id }] });
    if (
      'result' in status &&
      ['completed', 'refunded', 'cancelled', 'failed'].includes((status.result as View).state)
    ) {
      return status.result as View;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const chains = await startTtmChains({ blockIntervalMs: BLOCK_MS });
const server = await servePages({ '/': '<!doctype html><title>bench</title>' });
const browsers: ExtensionBrowser[] = [];
try {
  await chains.fundBcos(TEST_ACCOUNT_0, 100_000n);
  const mspDir = (chains.net.fabric.peer.identities.user1 as { mspDir: string }).mspDir;
  const a = await wallet(chains.entry, undefined, mspDir, `${server.origin}/`);
  const b = await wallet(chains.entry, B_MNEMONIC, mspDir, `${server.origin}/`);
  browsers.push(a.browser, b.browser);

  const samples: number[] = [];
  for (let i = 0; i < SWAPS + 1; i++) {
    const proposed = await answerApproval(a.browser, a.page, {
      method: 'weft_proposeSwap',
      params: [
        {
          give: { path: BCOS, amount: '2', to: b.address },
          want: { path: FAB, amount: '3', to: FAB_MERCHANT },
        },
      ],
    });
    if (!('result' in proposed.outcome)) throw new Error(`propose: ${JSON.stringify(proposed.outcome)}`);
    const { id, proposal } = proposed.outcome.result as { id: string; proposal: unknown };
    const accepted = await answerApproval(b.browser, b.page, {
      method: 'weft_acceptSwap',
      params: [{ proposal, from: FAB_USER }],
    });
    if (!('result' in accepted.outcome)) throw new Error(`accept: ${JSON.stringify(accepted.outcome)}`);
    const [ofA, ofB] = await Promise.all([final(a.page, id), final(b.page, id)]);
    if (ofA.state !== 'completed' || ofB.state !== 'completed')
      throw new Error(`swap ended ${ofA.state}/${ofB.state}`);
    const lockA = at(ofA, /^locked/) - at(ofA, /^approved/);
    const rest = Math.max(at(ofA, /^claimed/), at(ofB, /^claimed/)) - at(ofB, /^approved/);
    if (i > 0) samples.push(lockA + rest); // the first one warms up
  }
  const p50 = percentile(samples, 50);
  report({ name: `HTLC swap, lock+lock+claim+claim p50 (n=${SWAPS})`, value: p50, unit: 'ms' });
  report({ name: 'HTLC swap, max', value: Math.max(...samples), unit: 'ms' });
  report({
    name: `HTLC swap p50 in block intervals (${BLOCK_MS} ms), goal 4 + 200 ms`,
    value: p50 / BLOCK_MS,
    unit: 'blocks',
    budget: 4 + 200 / BLOCK_MS,
  });
} finally {
  for (const browser of browsers) await browser.close();
  await server.close();
  await chains.stop();
}
