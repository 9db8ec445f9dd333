// Simple moving-average crossover, long only: buy when the fast average crosses above the
// slow one, sell the whole position when it crosses back below. Both averages include the
// candle that just closed; a cross needs both averages on the previous candle too, so the
// first possible signal is on the second candle where the slow average exists.
import { SMA } from 'trading-signals';
import { z } from 'zod';
import { HOLD } from '../src/core/domain.ts';
import { eightSignificant } from '../src/core/format.ts';
import { defineCrew } from '../src/crew/template.ts';

export interface SmaCrossIndicators {
  readonly fast: SMA;
  readonly slow: SMA;
  /** fast(t−1) and slow(t−1): null until both averages exist. */
  prevFast: number | null;
  prevSlow: number | null;
}

const params = z
  .object({
    fast: z.number().int().min(1).max(200).default(10).describe('Fast SMA length in candles (must be below slow).'),
    slow: z.number().int().min(2).max(500).default(30).describe('Slow SMA length in candles (must be above fast).'),
    size: z.number().min(0.01).max(1).default(1).describe("Fraction of the crew's cash spent on each buy."),
  })
  // A fast average at least as long as the slow one never crosses the way the crew means.
  .refine((p) => p.fast < p.slow, { message: 'fast must be below slow', path: ['fast'] });

export default defineCrew({
  name: 'sma-cross',
  description: 'Buys when the fast SMA of closes crosses above the slow SMA, sells everything when it crosses back below. Long only.',
  params,
  indicators: (p): SmaCrossIndicators => ({ fast: new SMA(p.fast), slow: new SMA(p.slow), prevFast: null, prevSlow: null }),
  warmup: (p) => p.slow + 1,
  onCandle: ({ candle, params: p, indicators: ind, position }) => {
    const fast = ind.fast.add(candle.close);
    const slow = ind.slow.add(candle.close);
    const { prevFast, prevSlow } = ind;
    ind.prevFast = fast;
    ind.prevSlow = slow;
    if (fast === null || slow === null || prevFast === null || prevSlow === null) return HOLD;

    // The cross is tested before the position: most candles cross nothing.
    if (fast > slow && prevFast <= prevSlow && !position.isLong) {
      return { action: 'buy', size: p.size, reason: `SMA(${p.fast}) ${eightSignificant(fast)} crossed above SMA(${p.slow}) ${eightSignificant(slow)}` };
    }
    if (fast < slow && prevFast >= prevSlow && position.isLong) {
      return { action: 'sell', size: 1, reason: `SMA(${p.fast}) ${eightSignificant(fast)} crossed below SMA(${p.slow}) ${eightSignificant(slow)}` };
    }
    return HOLD;
  },
});
