// RSI mean reversion, long only. Buy when the RSI climbs back up through the oversold level
// (the bounce has started, rather than catching the fall), sell the whole position when the
// RSI climbs up through the overbought level (the move back to the mean is done).
import { RSI } from 'trading-signals';
import { z } from 'zod';
import { HOLD } from '../src/core/domain.ts';
import { defineCrew } from '../src/crew/template.ts';

export interface RsiReversionIndicators {
  readonly rsi: RSI;
  /** RSI on the previous candle: null until it exists. */
  prevRsi: number | null;
}

// The bounds keep oversold below 50 and overbought above it, so the two can never cross.
const params = z.object({
  period: z.number().int().min(2).max(100).default(14).describe('RSI length in candles (Wilder smoothing).'),
  oversold: z.number().min(1).max(49).default(30).describe('Buy when the RSI rises through this level from below.'),
  overbought: z.number().min(51).max(99).default(70).describe('Sell when the RSI rises through this level from below.'),
  size: z.number().min(0.01).max(1).default(1).describe("Fraction of the crew's cash spent on each buy."),
});

export default defineCrew({
  name: 'rsi-reversion',
  description: 'Buys when the RSI rises back through the oversold level, sells everything when it rises through the overbought level. Long only.',
  params,
  indicators: (p): RsiReversionIndicators => ({
    rsi: new RSI(p.period, undefined, { oversold: p.oversold, overbought: p.overbought }),
    prevRsi: null,
  }),
  // The first RSI needs period + 1 closes; a cross needs the one before it as well.
  warmup: (p) => p.period + 2,
  onCandle: ({ candle, params: p, indicators: ind, position }) => {
    const rsi = ind.rsi.add(candle.close);
    const prev = ind.prevRsi;
    ind.prevRsi = rsi;
    if (rsi === null || prev === null) return HOLD;

    if (!position.isLong && prev < p.oversold && rsi >= p.oversold) {
      return { action: 'buy', size: p.size, reason: `RSI(${p.period}) rose through ${p.oversold}: ${fmt(prev)} → ${fmt(rsi)}` };
    }
    if (position.isLong && prev < p.overbought && rsi >= p.overbought) {
      return { action: 'sell', size: 1, reason: `RSI(${p.period}) rose through ${p.overbought}: ${fmt(prev)} → ${fmt(rsi)}` };
    }
    return HOLD;
  },
});

function fmt(value: number): string {
  return value.toFixed(2);
}
