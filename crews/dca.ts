// Dollar-cost averaging: spend a fixed fraction of the crew's free cash every N candles, whether
// or not it already holds, optionally only while the close is below an EMA (buy the dips of the
// schedule, skip the rallies). It never sells: exits come from the template — set takeProfitPct
// (and stopLossPct, maxHoldingMinutes … if wanted) in the crew's config, or it only accumulates.
//
// The schedule is tied to the clock, not to a counter: a candle is a buy slot when its number
// since the epoch (openTime / interval) is a multiple of everyCandles. The crew stays pure and
// keeps its rhythm across restarts and gaps in the feed, with nothing to persist. A slot the EMA
// filter refuses is skipped, not carried over. Since each buy is a fraction of what is left,
// the amounts shrink as the cash is spent.
import { EMA } from 'trading-signals';
import { z } from 'zod';
import { HOLD, intervalMs } from '../src/core/domain.ts';
import { eightSignificant } from '../src/core/format.ts';
import { defineCrew } from '../src/crew/template.ts';

export interface DcaIndicators {
  /** Null when the EMA filter is off. */
  readonly ema: EMA | null;
}

const params = z.object({
  everyCandles: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(24)
    .describe('Buy on every Nth candle of the interval, counted from the epoch (24 on 1h = daily at 00:00 UTC).'),
  size: z.number().min(0.01).max(1).default(0.1).describe("Fraction of the crew's free cash spent on each buy."),
  emaPeriod: z
    .number()
    .int()
    .min(0)
    .max(500)
    .default(0)
    .describe('Only buy while the close is below the EMA of this many candles (0 = off, 2 or more otherwise).')
    .refine((n) => n !== 1, { message: 'emaPeriod 1 is the close itself: use 0 (off) or 2 or more' }),
});

export default defineCrew({
  name: 'dca',
  description: "Buys a fixed fraction of the crew's cash every N candles, optionally only below an EMA. Never sells: set takeProfitPct for exits.",
  params,
  indicators: (p): DcaIndicators => ({ ema: p.emaPeriod > 0 ? new EMA(p.emaPeriod) : null }),
  warmup: (p) => p.emaPeriod,
  onCandle: ({ candle, params: p, indicators: ind, cash }) => {
    const ema = ind.ema;
    if (ema) ema.add(candle.close);

    const slot = Math.floor(candle.openTime / intervalMs(candle.interval));
    if (slot % p.everyCandles !== 0) return HOLD;
    if (cash <= 0) return { action: 'hold', reason: 'buy slot, but no cash left' };
    if (ema) {
      if (!ema.isStable) return { action: 'hold', reason: `buy slot, EMA(${p.emaPeriod}) not warmed up yet` };
      const average = ema.getResultOrThrow();
      if (candle.close >= average) {
        return { action: 'hold', reason: `buy slot skipped: close ${candle.close} not below EMA(${p.emaPeriod}) ${eightSignificant(average)}` };
      }
      return { action: 'buy', size: p.size, reason: `DCA slot, close ${candle.close} below EMA(${p.emaPeriod}) ${eightSignificant(average)}` };
    }
    return { action: 'buy', size: p.size, reason: `DCA slot every ${p.everyCandles} candles` };
  },
});
