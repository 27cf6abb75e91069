/**
 * How the popup words cross-chain transactions and swaps: every amount in its asset's unit
 * (symbol and decimals, from the status's units by resource path), or raw, as the chain stores
 * it, when the unit is not known or names no symbol.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressBook } from '../../../background/approvals/address-book.ts';
import type { KnownTerms } from '../../../background/approvals/approval-view.ts';
import type { SwapView, TimelineEntry, TransactionView } from '../../../background/ttm/types.ts';
import {
  amountOn,
  eventText,
  legText,
  lockAmount,
  stepText,
  summarize,
  type Units,
} from '../../../popup/ttm-text.ts';

const BCOS = 'payment.bcos.asset';
const FAB = 'trade.fab.asset';
const KV = 'payment.bcos.kv';
const ALICE = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const MERCHANT = '0x00000000000000000000000000000000000000aa';

const units: Units = {
  [BCOS]: { symbol: 'WFA', decimals: 2, name: 'Weft Asset' },
  [FAB]: { symbol: 'TRD', decimals: 0 },
  // An asset that names no symbol: its amounts stay raw.
  [KV]: { symbol: '', decimals: 2 },
};
/** A wallet that knows no account: addresses shown short, as they are. */
const nobody = addressBook({ accounts: [] });
const terms: KnownTerms = { book: nobody, units };
const noUnits: KnownTerms = { book: nobody, units: {} };

const base = {
  id: `0x${'11'.repeat(32)}`,
  origin: 'https://dapp.example',
  createdAt: 0,
  updatedAt: 0,
  hashLock: `0x${'22'.repeat(32)}`,
  signer: { account: 0, fabricIdentity: 'user1' },
  timeline: [],
} satisfies Partial<TransactionView>;

const transaction: TransactionView = {
  ...base,
  kind: 'transaction',
  state: 'committed',
  steps: [
    { path: BCOS, chain: 'fisco-bcos', from: ALICE, to: MERCHANT, amount: '700' },
    { path: BCOS, chain: 'fisco-bcos', from: ALICE, to: MERCHANT, amount: '123456' },
    { path: FAB, chain: 'fabric', from: 'user1', to: 'merchant', amount: '5' },
    { path: 'other.chain.asset', chain: 'fabric', from: 'user1', to: 'merchant', amount: '1234567' },
  ],
  legs: [
    { path: BCOS, chain: 'fisco-bcos', steps: [0, 1], deadline: 100, state: 'committed' },
    { path: FAB, chain: 'fabric', steps: [2], deadline: 200, state: 'committed' },
    { path: 'other.chain.asset', chain: 'fabric', steps: [3], deadline: 300, state: 'committed' },
  ],
};

function swap(role: SwapView['role']): SwapView {
  return {
    ...base,
    kind: 'swap',
    role,
    state: 'locked',
    ours: 'locked',
    theirs: 'none',
    proposal: {
      weftSwap: 1,
      id: base.id,
      hashLock: base.hashLock,
      initiatorLock: {
        path: BCOS,
        chain: 'fisco-bcos',
        from: ALICE,
        to: MERCHANT,
        amount: '700',
        timelock: 2,
      },
      participantLock: { path: FAB, chain: 'fabric', to: 'user1', amount: '3', timelock: 1 },
    },
  };
}

describe('TTM amounts in the popup', () => {
  test('an amount in a known unit: decimals applied, digits grouped, the symbol named', () => {
    assert.equal(amountOn(units, BCOS, '700'), '7 WFA');
    assert.equal(amountOn(units, BCOS, '123456'), '1,234.56 WFA');
    assert.equal(amountOn(units, BCOS, '5'), '0.05 WFA');
    assert.equal(amountOn(units, FAB, '1000000'), '1,000,000 TRD');
  });

  test('an unknown unit, or one without a symbol, leaves the amount as the chain stores it', () => {
    assert.equal(amountOn(units, 'other.chain.asset', '1234567'), '1234567');
    assert.equal(amountOn({}, BCOS, '700'), '700');
    assert.equal(amountOn(units, KV, '700'), '700');
    // Not a unit: a key every object has.
    assert.equal(amountOn(units, 'constructor', '700'), '700');
  });

  test("a transaction leg's steps, each in its resource's unit", () => {
    const [bcos, fab, other] = transaction.legs;
    assert.ok(bcos && fab && other);
    assert.equal(
      legText(transaction, bcos, terms),
      'pay 7 WFA from 0xf39F…2266 to 0x0000…00aa; pay 1,234.56 WFA from 0xf39F…2266 to 0x0000…00aa',
    );
    assert.equal(legText(transaction, fab, terms), 'pay 5 TRD from user1 to merchant');
    assert.equal(legText(transaction, other, terms), 'pay 1234567 from user1 to merchant');
    const step = transaction.steps[0];
    assert.ok(step);
    assert.equal(stepText(step, noUnits), 'pay 700 from 0xf39F…2266 to 0x0000…00aa');
  });

  test('the home list line of a transaction', () => {
    assert.equal(
      summarize(transaction, terms),
      `pay 7 WFA to 0x0000…00aa on ${BCOS}, 1,234.56 WFA to 0x0000…00aa on ${BCOS}, ` +
        `5 TRD to merchant on ${FAB}, 1234567 to merchant on other.chain.asset`,
    );
    assert.equal(
      summarize(transaction, noUnits),
      `pay 700 to 0x0000…00aa on ${BCOS}, 123456 to 0x0000…00aa on ${BCOS}, ` +
        `5 to merchant on ${FAB}, 1234567 to merchant on other.chain.asset`,
    );
  });

  test("a swap's sides from each role, in their units", () => {
    assert.equal(summarize(swap('initiator'), terms), `give 7 WFA on ${BCOS} for 3 TRD on ${FAB}`);
    assert.equal(summarize(swap('participant'), terms), `give 3 TRD on ${FAB} for 7 WFA on ${BCOS}`);
    assert.equal(
      summarize(swap('initiator'), { book: nobody, units: { [FAB]: { symbol: 'TRD', decimals: 0 } } }),
      `give 700 on ${BCOS} for 3 TRD on ${FAB}`,
    );
    const { initiatorLock, participantLock } = swap('initiator').proposal;
    assert.equal(lockAmount(initiatorLock, units), '7 WFA');
    assert.equal(lockAmount(participantLock, units), '3 TRD');
    assert.equal(lockAmount(initiatorLock, {}), '700');
  });

  test("the coordinator's timeline entries name their amount in the unit of the entry's resource", () => {
    const entry = (event: string, path?: string): TimelineEntry => ({
      at: 0,
      event,
      ...(path ? { path } : {}),
    });
    assert.equal(eventText(entry(`locked 700 on ${BCOS}`, BCOS), units), `locked 7 WFA on ${BCOS}`);
    assert.equal(
      eventText(entry(`the other side locked 3 on ${FAB}`, FAB), units),
      `the other side locked 3 TRD on ${FAB}`,
    );
    assert.equal(
      eventText(entry(`refunded 123456 on ${BCOS}`, BCOS), units),
      `refunded 1,234.56 WFA on ${BCOS}`,
    );
    // Unknown or symbol-less units, entries without a resource, and words without an amount stay as logged.
    assert.equal(eventText(entry(`locked 700 on ${BCOS}`, BCOS), {}), `locked 700 on ${BCOS}`);
    assert.equal(eventText(entry(`locked 700 on ${KV}`, KV), units), `locked 700 on ${KV}`);
    assert.equal(eventText(entry(`locked 700 on ${BCOS}`), units), `locked 700 on ${BCOS}`);
    assert.equal(eventText(entry(`prepared on ${BCOS}`, BCOS), units), `prepared on ${BCOS}`);
    assert.equal(
      eventText(entry('committing: every chain prepared'), units),
      'committing: every chain prepared',
    );
    // Only the amount before this resource's name: not a longer path that starts with it.
    assert.equal(eventText(entry(`locked 700 on ${BCOS}2`, BCOS), units), `locked 700 on ${BCOS}2`);
  });
});

describe('TTM accounts in the popup', () => {
  const book = addressBook({
    accounts: [{ address: ALICE, name: 'Account 1' }],
    fabricAccounts: [{ account: 'user1', identity: 'user1' }],
    contacts: [
      { name: 'Merchant', chain: 'fisco-bcos', address: MERCHANT },
      { name: 'Merchant Co', chain: 'fabric', address: 'merchant' },
    ],
  });
  const named: KnownTerms = { book, units };

  test("a leg names the user's accounts and contacts, each on its own chain", () => {
    const [bcos, fab] = transaction.legs;
    assert.ok(bcos && fab);
    assert.equal(
      legText(transaction, bcos, named),
      'pay 7 WFA from Account 1 (0xf39F…2266) to Merchant (0x0000…00aa); ' +
        'pay 1,234.56 WFA from Account 1 (0xf39F…2266) to Merchant (0x0000…00aa)',
    );
    assert.equal(legText(transaction, fab, named), 'pay 5 TRD from user1 (yours) to Merchant Co (merchant)');
  });

  test('the home list line names the payees', () => {
    assert.equal(
      summarize(transaction, named),
      `pay 7 WFA to Merchant (0x0000…00aa) on ${BCOS}, 1,234.56 WFA to Merchant (0x0000…00aa) on ${BCOS}, ` +
        `5 TRD to Merchant Co (merchant) on ${FAB}, 1234567 to Merchant Co (merchant) on other.chain.asset`,
    );
  });
});
