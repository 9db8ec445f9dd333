import { describe, expect, it } from 'vitest';
import smaCross from '../../crews/sma-cross.ts';
import { asAnyCrew, parseParams } from '../../src/crew/template.ts';
import { CrewHarness, makeCandles, paramsFor, runCrew } from './crew-harness.ts';

const FAST2_SLOW3 = { fast: 2, slow: 3 };

describe('sma-cross', () => {
  it('buys on the candle where fast crosses above slow and sells where it crosses back below', () => {
    //  i  close  fast=SMA2    slow=SMA3          advice
    //  0   10    —            —                  hold (no averages)
    //  1   10    10           —                  hold (no slow)
    //  2   10    10           10                 hold (slow exists, but not yet at t−1)
    //  3   13    11.5         11                 BUY: 11.5 > 11 and at t−1 10 ≤ 10 (equal counts as not above)
    //  4   13    13           12                 hold: still above, already long
    //  5    7    10           11                 SELL: 10 < 11 and at t−1 13 ≥ 12
    //  6    7     7            9                 hold: still below, already flat
    const crew = runCrew(smaCross, FAST2_SLOW3, [10, 10, 10, 13, 13, 7, 7]);

    expect(crew.trades()).toEqual([
      [3, 'buy'],
      [5, 'sell'],
    ]);
    expect(crew.advice[3]).toEqual({ action: 'buy', size: 1, reason: 'SMA(2) 11.5 crossed above SMA(3) 11' });
    expect(crew.advice[5]).toEqual({ action: 'sell', size: 1, reason: 'SMA(2) 10 crossed below SMA(3) 11' });
  });

  it('buys with the size param', () => {
    const crew = runCrew(smaCross, { ...FAST2_SLOW3, size: 0.25 }, [10, 10, 10, 13]);
    expect(crew.advice[3]).toMatchObject({ action: 'buy', size: 0.25 });
  });

  it('does not buy when fast is already above slow on the first candle both exist: that is not a cross', () => {
    //  i  close  fast   slow
    //  2    3    2.5    2      first candle with both: no t−1 to compare
    //  3    4    3.5    3      above, and above at t−1 too: no cross
    //  4    5    4.5    4
    const crew = runCrew(smaCross, FAST2_SLOW3, [1, 2, 3, 4, 5]);
    expect(crew.trades()).toEqual([]);
  });

  it('sells only when long and buys only when flat, whatever the averages do', () => {
    //  i  close  fast   slow
    //  2   10    10     10
    //  3    7     8.5    9     bearish cross
    //  4   13    10     10     fast not above slow (equal): no buy
    //  5   13    13     11     bullish cross
    const closes = [10, 10, 10, 7, 13, 13];
    const flat = new CrewHarness(smaCross, FAST2_SLOW3, { autoFill: false });
    flat.feedAll(makeCandles(closes));
    expect(flat.trades()).toEqual([[5, 'buy']]); // the bearish cross at 3 is ignored while flat

    const long = new CrewHarness(smaCross, FAST2_SLOW3, { autoFill: false });
    long.position = { quantity: 1, isLong: true, entryPrice: 10, entryTime: 0 };
    long.feedAll(makeCandles(closes));
    expect(long.trades()).toEqual([[3, 'sell']]); // the bullish cross at 5 is ignored while long
  });

  it('the first possible signal is at index slow, so warmup is slow + 1 candles', () => {
    expect(smaCross.warmup(paramsFor(smaCross))).toBe(31);
    expect(smaCross.warmup(paramsFor(smaCross, FAST2_SLOW3))).toBe(4);
  });

  it('has the contract defaults: fast 10, slow 30, size 1', () => {
    expect(paramsFor(smaCross)).toMatchObject({ fast: 10, slow: 30, size: 1 });
  });

  it('refuses fast ≥ slow, naming the key', () => {
    const crew = asAnyCrew(smaCross);
    expect(parseParams(crew, { fast: 30, slow: 30 })).toEqual({ ok: false, error: 'fast: fast must be below slow' });
    expect(parseParams(crew, { fast: 40 })).toEqual({ ok: false, error: 'fast: fast must be below slow' });
    expect(parseParams(crew, { fast: 5, slow: 4 })).toMatchObject({ ok: false });
    expect(parseParams(crew, { size: 0 })).toMatchObject({ ok: false, error: expect.stringMatching(/^size: /) });
    expect(parseParams(crew, { fast: 2.5 })).toMatchObject({ ok: false, error: expect.stringMatching(/^fast: /) });
  });

  it('keeps its averages per instance: two crews fed different series do not mix', () => {
    const a = new CrewHarness(smaCross, FAST2_SLOW3);
    const b = new CrewHarness(smaCross, FAST2_SLOW3);
    const up = makeCandles([10, 10, 10, 13]);
    const down = makeCandles([10, 10, 10, 7]);
    for (let i = 0; i < up.length; i++) {
      a.feed(up[i]!);
      b.feed(down[i]!);
    }
    expect(a.trades()).toEqual([[3, 'buy']]);
    expect(b.trades()).toEqual([]);
  });
});
