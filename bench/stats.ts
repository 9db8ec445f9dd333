// What the benchmarks share for their figures: one rounding, one percentile rule.

/** Rounded to 3 decimals: how the benchmarks print seconds, milliseconds and ratios. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The nearest-rank percentile (q from 0 to 1): the smallest value with at least a fraction q of
 * the values at or below it. NaN when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
