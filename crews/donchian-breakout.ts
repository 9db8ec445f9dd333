// Donchian channel breakout (turtle style), long only. Buy when the close breaks above the
// highest high of the previous `entryPeriod` candles; sell everything when it breaks below the
// lowest low of the previous `exitPeriod` candles. The bands are read before the candle that just
// closed is added: a channel that included it could never be broken by its own close.
import { DonchianChannels, type DonchianChannelsResult } from 'trading-signals';
import { z } from 'zod';
import { HOLD } from '../src/core/domain.ts';
import { defineCrew } from '../src/crew/template.ts';

export interface DonchianBreakoutIndicators {
  /** Channels over the candles before the current one (fed after the decision). */
  readonly entry: DonchianChannels;
  readonly exit: DonchianChannels;
}

const params = z.object({
  entryPeriod: z.number().int().min(2).max(500).default(20).describe('Buy on a close above the highest high of this many previous candles.'),
  exitPeriod: z.number().int().min(2).max(500).default(10).describe('Sell on a close below the lowest low of this many previous candles.'),
  size: z.number().min(0.01).max(1).default(1).describe("Fraction of the crew's cash spent on each buy."),
});

export default defineCrew({
  name: 'donchian-breakout',
  description:
    'Buys when the close breaks above the highest high of the previous N candles, sells everything when it breaks below the lowest low of the previous M. Long only.',
  params,
  indicators: (p): DonchianBreakoutIndicators => ({
    entry: new DonchianChannels(p.entryPeriod),
    exit: new DonchianChannels(p.exitPeriod),
  }),
  // A full channel of previous candles, plus the candle that tests it.
  warmup: (p) => Math.max(p.entryPeriod, p.exitPeriod) + 1,
  onCandle: ({ candle, params: p, indicators: ind, position }) => {
    const entry = ind.entry.getResult();
    const exit = ind.exit.getResult();
    ind.entry.add({ high: candle.high, low: candle.low });
    ind.exit.add({ high: candle.high, low: candle.low });

    if (!position.isLong && isBand(entry) && candle.close > entry.upper) {
      return {
        action: 'buy',
        size: p.size,
        reason: `close ${candle.close} broke above the ${p.entryPeriod}-candle high ${entry.upper}`,
      };
    }
    if (position.isLong && isBand(exit) && candle.close < exit.lower) {
      return { action: 'sell', size: 1, reason: `close ${candle.close} broke below the ${p.exitPeriod}-candle low ${exit.lower}` };
    }
    return HOLD;
  },
});

function isBand(band: DonchianChannelsResult | null): band is DonchianChannelsResult {
  return band !== null;
}
