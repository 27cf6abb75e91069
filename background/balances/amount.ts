/**
 * Amounts as people read them: an asset's raw integer amount (what the chain stores) shifted by
 * its unit's decimals, digits grouped, with the unit's symbol. Pure: the popup and the worker
 * share it.
 */

/** What an asset says about its amounts: ERC-20's `symbol()` and `decimals()`, or the chaincode's. */
export interface AssetUnit {
  /** "" when the asset names none: amounts are then shown bare. */
  symbol: string;
  /** How many of a raw amount's last digits are decimals (0: whole units). */
  decimals: number;
  /** The asset's full name, when it says one (`name()`). */
  name?: string;
}

/** The most decimals a unit may claim (uint256 has 78 digits). */
export const MAX_DECIMALS = 77;

export class AmountError extends RangeError {
  override name = 'AmountError';
}

/** A raw amount as a bigint: a whole, non-negative number (decimal string, bigint or safe integer). */
export function rawAmount(value: unknown): bigint {
  let amount: bigint;
  if (typeof value === 'bigint') amount = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) amount = BigInt(value);
  else if (typeof value === 'string' && /^-?[0-9]{1,80}$/.test(value.trim())) amount = BigInt(value.trim());
  else throw new AmountError(`not a whole amount: ${String(value).slice(0, 40)}`);
  if (amount < 0n)
    throw new AmountError(`a negative amount is never shown as a balance or payment: ${amount}`);
  return amount;
}

/** `1234567` -> `1,234,567`. */
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A raw amount in `unit`: `formatAmount('1500', { symbol: 'PAY', decimals: 2 })` -> `15 PAY`,
 * `'1234567', decimals 3` -> `1,234.567`; trailing zero decimals dropped; the symbol left out when
 * the unit has none (or no unit is known: the raw amount, grouped). Throws `AmountError` for a
 * negative or non-integer amount and for decimals out of range.
 */
export function formatAmount(value: unknown, unit?: AssetUnit): string {
  const amount = rawAmount(value);
  const decimals = unit?.decimals ?? 0;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new AmountError(`decimals must be a whole number from 0 to ${MAX_DECIMALS}: ${decimals}`);
  }
  const digits = amount.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  const number = fraction ? `${group(whole)}.${fraction}` : group(whole);
  return unit?.symbol ? `${number} ${unit.symbol}` : number;
}

/** `formatAmount`, or the raw value as it came with why it cannot be read as an amount. */
export function formatAmountOrRaw(value: unknown, unit?: AssetUnit): string {
  try {
    return formatAmount(value, unit);
  } catch (error) {
    return `${String(value)} (${(error as Error).message})`;
  }
}
