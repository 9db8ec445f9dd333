import { describe, expect, it } from 'vitest';
import donchianBreakout from '../../crews/donchian-breakout.ts';
import { paramsFor, runCrew } from './crew-harness.ts';

const PARAMS = { entryPeriod: 3, exitPeriod: 2 };

describe('donchian-breakout', () => {
  it('buys on a close above the previous N highs and sells on a close below the previous M lows', () => {
    //  i  high  low  close  entry upper (prev 3)  exit lower (prev 2)  advice
    //  0   11    9    10     —                     —                    hold
    //  1   12   10    11     —                     —                    hold
    //  2   11    9    10     —                     9  (0..1)            hold (flat)
    //  3   12   10    12     12 (0..2)             9  (1..2)            hold: 12 touches 12, does not break it
    //  4   13   11    13     12 (1..3)             9  (2..3)            BUY: 13 > 12
    //  5   14   12    14     13 (2..4)             10 (3..4)            hold: long, 14 ≥ 10
    //  6   13   11    11     14 (3..5)             11 (4..5)            hold: 11 is not below 11
    //  7   11    9    10     14 (4..6)             11 (5..6)            SELL: 10 < 11
    // At 4 the close equals the candle's own high: a channel that included the current candle
    // (upper 13) could never be broken by it. The bands must come from the candles before.
    const crew = runCrew(donchianBreakout, PARAMS, [
      { high: 11, low: 9, close: 10 },
      { high: 12, low: 10, close: 11 },
      { high: 11, low: 9, close: 10 },
      { high: 12, low: 10, close: 12 },
      { high: 13, low: 11, close: 13 },
      { high: 14, low: 12, close: 14 },
      { high: 13, low: 11, close: 11 },
      { high: 11, low: 9, close: 10 },
    ]);

    expect(crew.trades()).toEqual([
      [4, 'buy'],
      [7, 'sell'],
    ]);
    expect(crew.advice[4]).toEqual({ action: 'buy', size: 1, reason: 'close 13 broke above the 3-candle high 12' });
    expect(crew.advice[7]).toEqual({ action: 'sell', size: 1, reason: 'close 10 broke below the 2-candle low 11' });
  });

  it('does not trade before a full channel of previous candles exists', () => {
    // A close far above everything before it, but only 2 previous candles for a 3-candle channel.
    const crew = runCrew(donchianBreakout, PARAMS, [10, 10, 100]);
    expect(crew.trades()).toEqual([]);
  });

  it('needs the longer channel plus the candle that tests it', () => {
    expect(donchianBreakout.warmup(paramsFor(donchianBreakout))).toBe(21);
    expect(donchianBreakout.warmup(paramsFor(donchianBreakout, { entryPeriod: 5, exitPeriod: 30 }))).toBe(31);
  });
});
