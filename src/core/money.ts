// Exact decimal money. Prices, quantities, balances, fees and PnL that move money are
// `Decimal`s (./decimal.ts: BigInt fixed point); indicators and signals stay plain floats. A Decimal
// crosses the journal and the exchange as a decimal string, never as a float.
import { Decimal, RoundingMode } from './decimal.ts';

export { Decimal, RoundingMode };

export const ZERO: Decimal = Decimal.from(0);
export const ONE: Decimal = Decimal.from(1);

/** A Decimal from a number, string or Decimal. A number goes through its shortest string form,
 * so a tick-aligned float such as 29000.01 becomes exactly 29000.01. */
export function dec(value: number | string | Decimal): Decimal {
  return Decimal.from(value);
}

/** Basis points as a fraction: 10 bps → 0.001. */
export function bps(value: number): Decimal {
  return dec(value).div(10_000);
}

/** Rounds `value` down to a multiple of `step` (a quantity can never be rounded up past what we can pay for). */
export function floorToStep(value: Decimal, step: Decimal): Decimal {
  if (step.lte(0)) return value;
  return value.roundToMultiple(step, RoundingMode.down);
}

/** `floorToStep(value.div(divisor), step)`, in one step where it can be (Decimal.divToMultiple):
 * how much base a quote amount buys at a price, rounded down to the step size. */
export function floorQuotientToStep(value: Decimal, divisor: Decimal, step: Decimal): Decimal {
  if (step.lte(0)) return value.div(divisor);
  return value.divToMultiple(divisor, step, RoundingMode.down);
}

/** `ceilToStep(value.div(divisor), step)`, in one step where it can be. */
export function ceilQuotientToStep(value: Decimal, divisor: Decimal, step: Decimal): Decimal {
  if (step.lte(0)) return value.div(divisor);
  return value.divToMultiple(divisor, step, RoundingMode.up);
}

/** Rounds `value` to the nearest multiple of `step`, half away from zero. */
export function roundToStep(value: Decimal, step: Decimal): Decimal {
  if (step.lte(0)) return value;
  return value.roundToMultiple(step, RoundingMode.halfUp);
}

/** Rounds `value` up to a multiple of `step`. */
export function ceilToStep(value: Decimal, step: Decimal): Decimal {
  if (step.lte(0)) return value;
  return value.roundToMultiple(step, RoundingMode.up);
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
