// Numbers formatted one way per kind: prices to the tick, quantities to the step, quote amounts
// to cents with a thousands separator, PnL signed, times in a time zone and not ISO.
import { describe, expect, it } from 'vitest';
import { eightSignificant, formatPct, formatPnl, formatPrice, formatQty, formatQuote, formatTime, groupThousands } from '../../src/core/format.ts';
import { dec } from '../../src/core/money.ts';
import { seededRandom } from '../../src/market/synthetic.ts';

describe('format', () => {
  it('quote amounts: cents and a thousands separator, never "-0.00"', () => {
    expect([formatQuote('199.8001998'), formatQuote(dec('1234567.891')), formatQuote(-3000), formatQuote('-0.001'), formatQuote(0)]).toEqual([
      '199.80',
      '1,234,567.89',
      '-3,000.00',
      '0.00',
      '0.00',
    ]);
  });

  it('PnL: signed, except nothing', () => {
    expect([formatPnl(1234.5), formatPnl('-96.17'), formatPnl(0.004), formatPnl(-0.004)]).toEqual(['+1,234.50', '-96.17', '0.00', '0.00']);
    expect(formatPct(-3.214, { signed: true })).toBe('-3.21');
  });

  it('prices to the tick and quantities down to the step', () => {
    expect(formatPrice('41742.4', '0.01')).toBe('41,742.40');
    expect(formatPrice('0.000012345', '0.00000001')).toBe('0.00001235');
    expect(formatQty('0.071799', '0.00001')).toBe('0.07179');
    expect(formatQty('1234567', '1')).toBe('1,234,567');
  });

  it('times to the minute in the given zone, with its name', () => {
    const t = Date.UTC(2026, 6, 1, 22, 30);
    expect(formatTime(t)).toBe('2026-07-01 22:30 UTC');
    expect(formatTime(t, 'Asia/Tokyo')).toBe('2026-07-02 07:30 GMT+9');
    expect(formatTime(t, 'Europe/Zurich')).toBe('2026-07-02 00:30 CEST');
  });

  it('leaves what is not a number as it came', () => {
    expect([formatQuote(Number.NaN), formatQuote('n/a'), groupThousands('abc')]).toEqual(['NaN', 'n/a', 'abc']);
  });

  it('eight significant digits: exactly what printing toPrecision(8) and reading it back gives', () => {
    const printed = (v: number) => Number(v.toPrecision(8)).toString();
    const values: number[] = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 123456789.5, 5e-324];
    for (let k = -16; k <= 9; k++) {
      const p = 10 ** k;
      // Powers of ten and their neighbours, and the halves at the 8th and 9th digit around them.
      for (const v of [p, p * (1 - 2 ** -52), p * (1 + 2 ** -52), p * 0.999999995, p * 0.99999999, p * 1.00000005, p * 1.000000005]) values.push(v, -v);
    }
    const random = seededRandom(8);
    for (let i = 0; i < 100_000; i++) {
      values.push((random() - 0.5) * 10 ** Math.floor(random() * 26 - 16)); // any magnitude
      values.push(40_000 + random() * 10_000); // prices
      values.push(Math.floor(10_000_000 + random() * 90_000_000) + 0.5); // ties at the 8th digit…
      values.push((Math.floor(10_000_000 + random() * 90_000_000) + 0.5) / 1000); // …on a binary fraction or not
    }
    const wrong = values.filter((v) => eightSignificant(v) !== printed(v));
    expect(wrong).toEqual([]);
    expect([eightSignificant(42017.123456), eightSignificant(0.00123456789), eightSignificant(-99999999.7)]).toEqual([
      '42017.123',
      '0.0012345679',
      '-100000000',
    ]);
  });
});
