/**
 * What an approval says for a given request: the sentence, the arguments with units and names,
 * the chain and contract, the dry run, and the exact call kept beside them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressBook, nameAddress, shortAddress } from '../../../background/approvals/address-book.ts';
import type { Approval, TransactionApprovalDetails } from '../../../background/approvals/approval-kinds.ts';
import {
  approvalPaths,
  type KnownTerms,
  stepView,
  swapSideView,
  transactionView,
} from '../../../background/approvals/approval-view.ts';

const ALICE = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const BOB = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const STRANGER = '0x00000000000000000000000000000000000000aa';
const SITE = 'https://dapp.example';

const book = addressBook({
  accounts: [
    { address: ALICE, name: 'Alice' },
    { address: BOB, name: 'Savings' },
  ],
  sessions: [{ origin: SITE, address: ALICE }],
  fabricAccounts: [{ account: 'user1', identity: 'user1' }],
});

const known: KnownTerms = {
  book,
  units: {
    'payment.bcos.asset': { symbol: 'PAY', decimals: 2, name: 'Weft Asset' },
    'trade.fab.asset': { symbol: 'TRD', decimals: 0 },
  },
};

function transaction(details: Partial<TransactionApprovalDetails>): Approval<'transaction'> {
  return {
    id: 'a1',
    kind: 'transaction',
    origin: SITE,
    createdAt: 0,
    details: {
      path: 'payment.bcos.asset',
      chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
      contract: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
      method: 'transfer',
      inputs: [
        { name: 'to', type: 'address' },
        { name: 'value', type: 'uint256' },
      ],
      args: [BOB, '700'],
      from: ALICE,
      simulation: { outcome: 'success', values: [true] },
      ...details,
    },
  };
}

describe('address naming', () => {
  test("the user's accounts by their names, with a short address", () => {
    assert.equal(shortAddress(ALICE), '0xf39F…2266');
    const named = nameAddress(book, BOB.toLowerCase(), 'fisco-bcos');
    assert.equal(named.label, 'Savings (0x7099…79c8)');
    assert.equal(named.detail, 'Savings (0x7099…79c8, your account)');
    assert.equal(named.full, BOB.toLowerCase());
    assert.equal(named.known, true);
  });

  test('the account that signs for the asking site says so; for another site it does not', () => {
    assert.equal(
      nameAddress(book, ALICE, 'fisco-bcos', SITE).detail,
      'Alice (0xf39F…2266, your account, signs for this site)',
    );
    assert.equal(
      nameAddress(book, ALICE, 'fisco-bcos', SITE).note,
      'Alice, your account, signs for this site',
    );
    assert.equal(
      nameAddress(book, ALICE, 'fisco-bcos', 'https://other.example').detail,
      'Alice (0xf39F…2266, your account)',
    );
  });

  test('an unknown address is shown short in sentences and whole in details', () => {
    const named = nameAddress(book, STRANGER, 'fisco-bcos');
    assert.deepEqual(named, {
      label: '0x0000…00aa',
      detail: STRANGER,
      note: '',
      full: STRANGER,
      known: false,
    });
  });

  test("Fabric accounts the user's identities own are named; others are shown as they are", () => {
    assert.equal(nameAddress(book, 'user1', 'fabric').detail, 'user1 (your account, identity user1)');
    assert.equal(nameAddress(book, 'user1', 'fabric').note, 'your account, identity user1');
    assert.deepEqual(nameAddress(book, 'merchant', 'fabric'), {
      label: 'merchant',
      detail: 'merchant',
      note: '',
      full: 'merchant',
      known: false,
    });
    // A FISCO BCOS name never names a Fabric account that happens to look the same.
    assert.equal(nameAddress(book, ALICE, 'fabric').known, false);
  });
});

describe('contacts', () => {
  const CAROL = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
  const withContacts = addressBook({
    accounts: [{ address: ALICE, name: 'Alice' }],
    sessions: [{ origin: SITE, address: ALICE }],
    fabricAccounts: [{ account: 'user1', identity: 'user1' }],
    contacts: [
      { name: 'Carol', chain: 'fisco-bcos', address: CAROL },
      // The user's own account and Fabric account, also saved as contacts: theirs wins.
      { name: 'Mallory', chain: 'fisco-bcos', address: ALICE.toLowerCase() },
      { name: 'Impostor', chain: 'fabric', address: 'user1' },
      { name: 'Merchant Co', chain: 'fabric', address: 'merchant' },
    ],
  });

  test('a FISCO BCOS contact by its name, in any case of the address, as a contact', () => {
    assert.deepEqual(nameAddress(withContacts, CAROL.toLowerCase(), 'fisco-bcos', SITE), {
      label: 'Carol (0x3c44…93bc)',
      detail: 'Carol (0x3c44…93bc, contact)',
      note: 'Carol, contact',
      full: CAROL.toLowerCase(),
      known: true,
    });
  });

  test("the user's own account wins over a contact with the same address", () => {
    const own = nameAddress(withContacts, ALICE, 'fisco-bcos', SITE);
    assert.equal(own.label, 'Alice (0xf39F…2266)');
    assert.equal(own.detail, 'Alice (0xf39F…2266, your account, signs for this site)');
    assert.equal(nameAddress(withContacts, 'user1', 'fabric').detail, 'user1 (your account, identity user1)');
  });

  test('a Fabric contact by its name beside the account; only on its chain', () => {
    assert.deepEqual(nameAddress(withContacts, 'merchant', 'fabric'), {
      label: 'Merchant Co (merchant)',
      detail: 'Merchant Co (merchant, contact)',
      note: 'Merchant Co, contact',
      full: 'merchant',
      known: true,
    });
    // Fabric accounts are case-sensitive, and a FISCO BCOS contact names no Fabric account.
    assert.equal(nameAddress(withContacts, 'Merchant', 'fabric').known, false);
    assert.equal(nameAddress(withContacts, CAROL, 'fabric').known, false);
    assert.equal(nameAddress(withContacts, 'merchant', 'fisco-bcos').known, false);
  });

  test('approvals name contacts: a transfer, a cross-chain step, a swap side', () => {
    const terms: KnownTerms = { ...known, book: withContacts };
    const view = transactionView(transaction({ args: [CAROL, '700'] }), terms);
    assert.equal(view.headline, 'Send 7 PAY to Carol (0x3C44…93BC)');
    assert.equal(view.args[0]?.shown, 'Carol (0x3C44…93BC, contact)');
    const step = stepView(
      { path: 'trade.fab.asset', chain: 'fabric', from: 'user1', to: 'merchant', amount: '5' },
      terms,
      SITE,
    );
    assert.equal(step.to.note, 'Merchant Co, contact');
    const side = swapSideView(
      { path: 'payment.bcos.asset', chain: 'fisco-bcos', to: CAROL, amount: '3', timelock: 0 },
      terms,
    );
    assert.equal(side.to.label, 'Carol (0x3C44…93BC)');
  });
});

describe('a FISCO BCOS transfer', () => {
  test('one sentence with the amount in the unit and the recipient named', () => {
    const view = transactionView(transaction({}), known);
    assert.equal(view.headline, 'Send 7 PAY to Savings (0x7099…79C8)');
  });

  test('named arguments, chain and zone, contract, signer, dry run', () => {
    const view = transactionView(transaction({}), known);
    assert.deepEqual(
      view.args.map((a) => [a.name, a.kind, a.shown, a.exact]),
      [
        ['to', 'account', 'Savings (0x7099…79C8, your account)', JSON.stringify(BOB)],
        ['value', 'amount', '7 PAY', '"700"'],
      ],
    );
    assert.equal(view.chain, 'FISCO BCOS, chain 1, group 1 · zone payment, chain bcos');
    assert.equal(view.contract, 'contract 0x5fbdb2315678afecb367f032d93f642f64180aa3 (payment.bcos.asset)');
    assert.equal(view.signer, 'Alice (0xf39F…2266, your account, signs for this site)');
    assert.deepEqual(view.dryRun, { outcome: 'success', text: 'succeeds, returns [true]' });
    assert.deepEqual(view.unit, { symbol: 'PAY', decimals: 2, name: 'Weft Asset' });
  });

  test('the exact call is kept as it will be signed', () => {
    const view = transactionView(transaction({}), known);
    assert.equal(view.call, `transfer(to: "${BOB}", value: "700")`);
  });

  test('to someone the wallet does not know: the short address; a revert says why', () => {
    const view = transactionView(
      transaction({
        args: [STRANGER, '5'],
        simulation: { outcome: 'revert', reason: 'Asset: insufficient balance' },
      }),
      known,
    );
    assert.equal(view.headline, 'Send 0.05 PAY to 0x0000…00aa');
    assert.equal(view.args[0]?.shown, STRANGER);
    assert.deepEqual(view.dryRun, { outcome: 'revert', text: 'would fail: Asset: insufficient balance' });
  });

  test('an asset whose unit is not known yet: the bare amount', () => {
    const view = transactionView(transaction({}), { book, units: {} });
    assert.equal(view.headline, 'Send 700 to Savings (0x7099…79C8)');
    assert.equal(view.unit, undefined);
  });

  test('a method with no sentence of its own: "Call", with its arguments shown as values', () => {
    const view = transactionView(
      transaction({
        path: 'payment.bcos.kv',
        method: 'set',
        inputs: [
          { name: 'key', type: 'string' },
          { name: 'value', type: 'string' },
        ],
        args: ['colour', 'blue'],
        simulation: { outcome: 'success', values: [] },
      }),
      known,
    );
    assert.equal(view.headline, 'Call set on payment.bcos.kv');
    // A string named value is no amount.
    assert.deepEqual(
      view.args.map((a) => [a.kind, a.shown]),
      [
        ['value', '"colour"'],
        ['value', '"blue"'],
      ],
    );
    assert.equal(view.dryRun.text, 'succeeds');
  });
});

describe('a Fabric transfer', () => {
  const fabric = (method: string, inputs: string[], args: string[]) =>
    transaction({
      path: 'trade.fab.asset',
      chain: { type: 'fabric', channel: 'mychannel' },
      contract: 'asset',
      method,
      inputs: inputs.map((name) => ({ name, type: 'string' })),
      args,
      from: 'user1 (Org1MSP)',
      simulation: undefined,
    } as Partial<TransactionApprovalDetails>);

  test('from and to named, the amount in the chaincode unit, no dry run before approval', () => {
    const view = transactionView(
      fabric('Transfer', ['from', 'to', 'amount'], ['user1', 'merchant', '5']),
      known,
    );
    assert.equal(view.headline, 'Send 5 TRD from user1 (yours) to merchant');
    assert.equal(view.chain, 'Fabric, channel mychannel · zone trade, chain fab');
    assert.equal(view.contract, 'chaincode asset (trade.fab.asset)');
    assert.equal(view.signer, 'user1 (Org1MSP)');
    assert.equal(view.dryRun.outcome, 'none');
    assert.equal(view.call, 'Transfer(from: "user1", to: "merchant", amount: "5")');
  });

  test('Mint and OpenAccount have their sentences', () => {
    assert.equal(
      transactionView(fabric('Mint', ['account', 'amount'], ['merchant', '1000']), known).headline,
      'Mint 1,000 TRD into merchant',
    );
    assert.equal(
      transactionView(fabric('OpenAccount', ['account'], ['savings']), known).headline,
      'Open the account savings',
    );
  });

  test('on a Fabric resource with no known unit, "amount" stays a plain value', () => {
    const view = transactionView(
      {
        ...fabric('Transfer', ['from', 'to', 'amount'], ['a', 'b', '5']),
        details: {
          ...fabric('Transfer', ['from', 'to', 'amount'], ['a', 'b', '5']).details,
          path: 'trade.fab.other',
        },
      },
      known,
    );
    assert.equal(view.args[2]?.kind, 'value');
    assert.equal(view.headline, 'Call Transfer on trade.fab.other');
  });
});

describe('cross-chain steps and swaps', () => {
  test('each step in its unit, its accounts named', () => {
    const step = stepView(
      { path: 'payment.bcos.asset', chain: 'fisco-bcos', from: ALICE, to: STRANGER, amount: '1000' },
      known,
      SITE,
    );
    assert.equal(step.amount, '10 PAY');
    assert.equal(step.from.detail, 'Alice (0xf39F…2266, your account, signs for this site)');
    assert.equal(step.to.known, false);
  });

  test('a swap side in its unit', () => {
    const side = swapSideView(
      { path: 'trade.fab.asset', chain: 'fabric', to: 'user1', amount: '3', timelock: 0 },
      known,
    );
    assert.equal(side.amount, '3 TRD');
    assert.equal(side.to.detail, 'user1 (your account, identity user1)');
  });

  test('the paths whose units an approval needs', () => {
    assert.deepEqual(approvalPaths(transaction({})), ['payment.bcos.asset']);
    const crossChain: Approval<'crossChain'> = {
      id: 'c',
      kind: 'crossChain',
      origin: SITE,
      createdAt: 0,
      details: {
        id: '0x01',
        steps: [
          { path: 'payment.bcos.asset', chain: 'fisco-bcos', from: ALICE, to: STRANGER, amount: '1' },
          { path: 'trade.fab.asset', chain: 'fabric', from: 'user1', to: 'merchant', amount: '1' },
        ],
        legs: [],
        signer: { fisco: ALICE },
      },
    };
    assert.deepEqual(approvalPaths(crossChain), ['payment.bcos.asset', 'trade.fab.asset']);
  });
});
