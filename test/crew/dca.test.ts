import { describe, expect, it } from 'vitest';
import dca from '../../crews/dca.ts';
import { asAnyCrew, parseParams } from '../../src/crew/template.ts';
import { CrewHarness, makeCandle, paramsFor, runCrew, T0 } from './crew-harness.ts';

describe('dca', () => {
  it('buys a fraction of its cash on every Nth candle since the epoch, long or not', () => {
    // 1h candles from 2024-01-01T00:00Z: candle i is slot (T0 / 1h) + i, and T0 / 1h is a multiple of 3.
    const crew = runCrew(dca, { everyCandles: 3, size: 0.25 }, [10, 11, 12, 13, 12, 11, 10], { cash: 1000 });

    expect(crew.trades()).toEqual([
      [0, 'buy'],
      [3, 'buy'],
      [6, 'buy'],
    ]);
    expect(crew.advice[3]).toEqual({ action: 'buy', size: 0.25, reason: 'DCA slot every 3 candles' });
    // Each buy is a quarter of what is left: 1000 → 750 → 562.5 → 421.875.
    expect(crew.cash).toBeCloseTo(421.875, 9);
    expect(crew.indicesOf('sell')).toEqual([]);
  });

  it('keeps the clock schedule whatever candle it starts on', () => {
    // Started at 01:00, the 3-hourly slots are still 03:00 and 06:00, as after a restart.
    const crew = new CrewHarness(dca, { everyCandles: 3 });
    const candles = [1, 2, 3, 4, 5, 6].map((i) => makeCandle(i, 10));
    crew.feedAll(candles);
    expect(crew.trades().map(([i]) => new Date(candles[i]!.openTime).toISOString())).toEqual(['2024-01-01T03:00:00.000Z', '2024-01-01T06:00:00.000Z']);
    expect(candles[0]!.openTime).toBe(T0 + 3_600_000);
  });

  it('with the EMA filter, buys on a slot only when the close is below the EMA', () => {
    // EMA(2): k = 2/3, ema = close·k + prev·(1 − k), stable after 2 closes. Slots every 2 candles.
    //  i  close  EMA     slot  advice
    //  0   10    10       ✓    hold: EMA not warmed up
    //  1   10    10            hold
    //  2   12    11.33    ✓    hold: 12 not below 11.33
    //  3    8     9.11         hold
    //  4    8     8.37    ✓    BUY: 8 < 8.37
    //  5    8     8.12         hold
    //  6   20    16.04    ✓    hold: 20 not below 16.04
    const crew = runCrew(dca, { everyCandles: 2, size: 0.5, emaPeriod: 2 }, [10, 10, 12, 8, 8, 8, 20]);

    expect(crew.trades()).toEqual([[4, 'buy']]);
    expect(crew.advice[0]).toEqual({ action: 'hold', reason: 'buy slot, EMA(2) not warmed up yet' });
    expect(crew.advice[2]).toEqual({ action: 'hold', reason: 'buy slot skipped: close 12 not below EMA(2) 11.333333' });
    expect(crew.advice[4]).toEqual({ action: 'buy', size: 0.5, reason: 'DCA slot, close 8 below EMA(2) 8.3703704' });
  });

  it('holds on a slot when it has no cash left', () => {
    const crew = runCrew(dca, { everyCandles: 1 }, [10], { cash: 0 });
    expect(crew.advice).toEqual([{ action: 'hold', reason: 'buy slot, but no cash left' }]);
  });

  it('leaves exits to the template: takeProfitPct is one of its params', () => {
    expect(paramsFor(dca, { takeProfitPct: 5 })).toMatchObject({ takeProfitPct: 5, everyCandles: 24, size: 0.1, emaPeriod: 0 });
  });

  it('refuses an EMA of 1 candle, which is the close itself and would never let a buy through', () => {
    expect(parseParams(asAnyCrew(dca), { emaPeriod: 1 })).toEqual({
      ok: false,
      error: 'emaPeriod: emaPeriod 1 is the close itself: use 0 (off) or 2 or more',
    });
  });

  it('needs no warmup without the filter, the EMA length with it', () => {
    expect(dca.warmup(paramsFor(dca))).toBe(0);
    expect(dca.warmup(paramsFor(dca, { emaPeriod: 50 }))).toBe(50);
  });
});
