// Exact decimal money. Prices, quantities, balances, fees and PnL that move money are
// `Decimal`s (big.js); indicators and signals stay plain floats. A Decimal crosses the
// journal and the exchange as a decimal string, never as a float.
import BigImport from 'big.js';

export type Decimal = BigImport.Big;
export const Big = BigImport;

// 20 decimal places for divisions: Binance amounts never need more than 8, and every division is rounded to a step, tick or precision afterwards.
Big.DP = 20;
// Plain notation for every magnitude we handle, so toString() is what Binance expects.
Big.NE = -40;
Big.PE = 40;

export const ZERO: Decimal = new Big(0);
export const ONE: Decimal = new Big(1);

/** A Decimal from a number, string or Decimal. A number goes through its shortest string form,
 * so a tick-aligned float such as 29000.01 becomes exactly 29000.01. */
export function dec(value: number | string | Decimal): Decimal {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`not a finite number: ${value}`);
  }
  return new Big(value);
}

/** Basis points as a fraction: 10 bps → 0.001. */
export function bps(value: number): Decimal {
  return dec(value).div(10_000);
}

/** Rounds `value` down to a multiple of `step` (a quantity can never be rounded up past what we can pay for). */
export function floorToStep(value: Decimal, step: Decimal): Decimal {
  if (step.lte(0)) return value;
  return value.div(step).round(0, Big.roundDown).times(step);
}

/** Rounds `value` to the nearest multiple of `step`, half away from zero. */
export function roundToStep(value: Decimal, step: Decimal): Decimal {
  if (step.lte(0)) return value;
  return value.div(step).round(0, Big.roundHalfUp).times(step);
}

/** Rounds `value` up to a multiple of `step`. */
export function ceilToStep(value: Decimal, step: Decimal): Decimal {
  if (step.lte(0)) return value;
  return value.div(step).round(0, Big.roundUp).times(step);
}

/** Number of decimals a step such as "0.00001000" allows (5). */
export function decimalsOf(step: Decimal | string): number {
  const s = dec(step).toString();
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

export function isMultipleOf(value: Decimal, step: Decimal): boolean {
  if (step.lte(0)) return true;
  return value.mod(step).eq(0);
}

export function maxDec(a: Decimal, b: Decimal): Decimal {
  return a.gte(b) ? a : b;
}

export function minDec(a: Decimal, b: Decimal): Decimal {
  return a.lte(b) ? a : b;
}

/** Money as the journal stores it: a plain decimal string with trailing zeros dropped. */
export function toText(value: Decimal): string {
  return value.toString();
}
