import { describe, expect, it } from 'vitest';
import rsiReversion from '../../crews/rsi-reversion.ts';
import { asAnyCrew, parseParams } from '../../src/crew/template.ts';
import { CrewHarness, makeCandles, paramsFor, runCrew } from './crew-harness.ts';

const PARAMS = { period: 2, oversold: 30, overbought: 70 };

describe('rsi-reversion', () => {
  it('buys when the RSI rises through oversold and sells when it rises through overbought', () => {
    // RSI(2) with Wilder smoothing: the first averages are plain means of the first 2 moves,
    // then avg = avg + (move − avg) / 2. RSI = 100 − 100 / (1 + avgGain / avgLoss).
    //  i  close  move  avgGain  avgLoss  RSI    advice
    //  0   10     —                              hold
    //  1    9    −1                              hold (one move)
    //  2    8    −1    0        1         0      hold (first RSI: nothing to cross from)
    //  3    7    −1    0        1         0      hold (in oversold, falling: not a buy)
    //  4    8    +1    0.5      0.5      50      BUY: 0 < 30 ≤ 50
    //  5    9    +1    0.75     0.25     75      SELL: 50 < 70 ≤ 75
    //  6   10    +1    0.875    0.125    87.5    hold (flat, and no cross)
    const crew = runCrew(rsiReversion, PARAMS, [10, 9, 8, 7, 8, 9, 10]);

    expect(crew.trades()).toEqual([
      [4, 'buy'],
      [5, 'sell'],
    ]);
    expect(crew.advice[4]).toEqual({ action: 'buy', size: 1, reason: 'RSI(2) rose through 30: 0.00 → 50.00' });
    expect(crew.advice[5]).toEqual({ action: 'sell', size: 1, reason: 'RSI(2) rose through 70: 50.00 → 75.00' });
  });

  it('does not sell while flat or buy again while long', () => {
    const flat = new CrewHarness(rsiReversion, PARAMS, { autoFill: false });
    flat.feedAll(makeCandles([10, 9, 8, 7, 8, 9, 10]));
    expect(flat.trades()).toEqual([[4, 'buy']]);

    const long = new CrewHarness(rsiReversion, PARAMS, { autoFill: false });
    long.position = { quantity: 1, isLong: true, entryPrice: 10, entryTime: 0 };
    long.feedAll(makeCandles([10, 9, 8, 7, 8, 9, 10]));
    expect(long.trades()).toEqual([[5, 'sell']]);
  });

  it('needs period + 2 candles: the first RSI after period + 1 closes, then one more to see a cross', () => {
    expect(rsiReversion.warmup(paramsFor(rsiReversion))).toBe(16);
    expect(rsiReversion.warmup(paramsFor(rsiReversion, PARAMS))).toBe(4);
  });

  it('keeps oversold below 50 and overbought above it by its bounds', () => {
    const crew = asAnyCrew(rsiReversion);
    expect(parseParams(crew, { oversold: 50 })).toMatchObject({ ok: false, error: expect.stringMatching(/^oversold: /) });
    expect(parseParams(crew, { overbought: 50 })).toMatchObject({ ok: false, error: expect.stringMatching(/^overbought: /) });
    expect(parseParams(crew, { period: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/^period: /) });
  });
});
