/** Amounts as the popup writes them: shifted by the unit's decimals, grouped, with the symbol; never negative. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AmountError,
  formatAmount,
  formatAmountOrRaw,
  rawAmount,
} from '../../../background/balances/amount.ts';

const WFA = { symbol: 'WFA', decimals: 0 };
const PAY = { symbol: 'PAY', decimals: 2 };
const ETH = { symbol: 'ETH', decimals: 18 };

test('whole units: grouped digits and the symbol', () => {
  assert.equal(formatAmount('7', WFA), '7 WFA');
  assert.equal(formatAmount('1000', WFA), '1,000 WFA');
  assert.equal(formatAmount(1_000_000n, WFA), '1,000,000 WFA');
  assert.equal(formatAmount(999, WFA), '999 WFA');
});

test('decimals: the point where the unit puts it, trailing zeros dropped', () => {
  assert.equal(formatAmount('1500', PAY), '15 PAY');
  assert.equal(formatAmount('1505', PAY), '15.05 PAY');
  assert.equal(formatAmount('1', PAY), '0.01 PAY');
  assert.equal(formatAmount('123456789', { symbol: '', decimals: 3 }), '123,456.789');
  assert.equal(formatAmount('1000000000000000001', ETH), '1.000000000000000001 ETH');
  assert.equal(formatAmount('500000000000000000', ETH), '0.5 ETH');
});

test('zero is shown as 0 in any unit', () => {
  assert.equal(formatAmount('0', WFA), '0 WFA');
  assert.equal(formatAmount(0n, ETH), '0 ETH');
  assert.equal(formatAmount('0'), '0');
});

test('big values keep every digit (no float rounding)', () => {
  const max = (2n ** 256n - 1n).toString();
  assert.equal(formatAmount(max, { symbol: 'X', decimals: 0 }).replaceAll(',', ''), `${max} X`);
  assert.equal(formatAmount('123456789012345678901234567890', ETH), '123,456,789,012.34567890123456789 ETH');
});

test('no unit known: the raw amount, grouped, with no symbol', () => {
  assert.equal(formatAmount('1234567'), '1,234,567');
  assert.equal(formatAmount('25', { symbol: '', decimals: 0 }), '25');
});

test('negative and non-integer amounts are refused', () => {
  assert.throws(() => formatAmount('-1', WFA), AmountError);
  assert.throws(() => formatAmount(-5n, WFA), /negative/);
  assert.throws(() => formatAmount(-1, WFA), /negative/);
  assert.throws(() => formatAmount('1.5', WFA), AmountError);
  assert.throws(() => formatAmount('0x10', WFA), AmountError);
  assert.throws(() => formatAmount(1.5, WFA), AmountError);
  assert.throws(() => formatAmount(Number.MAX_SAFE_INTEGER + 2, WFA), AmountError);
  assert.throws(() => formatAmount(null, WFA), AmountError);
  assert.throws(() => rawAmount(''), AmountError);
});

test('decimals out of range are refused', () => {
  assert.throws(() => formatAmount('1', { symbol: 'X', decimals: -1 }), AmountError);
  assert.throws(() => formatAmount('1', { symbol: 'X', decimals: 78 }), AmountError);
  assert.throws(() => formatAmount('1', { symbol: 'X', decimals: 1.5 }), AmountError);
});

test('formatAmountOrRaw shows what it could not read, with why', () => {
  assert.equal(formatAmountOrRaw('7', WFA), '7 WFA');
  assert.match(formatAmountOrRaw('-7', WFA), /^-7 \(.*negative/);
});
