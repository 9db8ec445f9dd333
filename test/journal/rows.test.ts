// decimalText skips big.js for text already in its printed form: that shortcut must never change
// what is stored, nor let through what big.js refuses.
import { describe, expect, it } from 'vitest';
import { dec, toText } from '../../src/core/money.ts';
import { decimalText } from '../../src/journal/rows.ts';

/** What decimalText did before its shortcut. */
function viaBig(value: string): string {
  return toText(dec(value));
}

describe('decimalText', () => {
  it('gives exactly what big.js prints, for canonical and non-canonical text alike', () => {
    const cases = [
      '0',
      '-0',
      '0.0',
      '00',
      '007',
      '1.',
      '.5',
      '-.5',
      '1e3',
      '1E-7',
      '100.50',
      '-0.5',
      '-0.000',
      '10000.12345678',
      '1' + '0'.repeat(39),
      '1' + '0'.repeat(40),
      '-' + '9'.repeat(40),
      '9'.repeat(41),
      '0.' + '0'.repeat(38) + '1',
      '0.' + '0'.repeat(39) + '1',
      '-0.' + '0'.repeat(38) + '7',
      '-0.' + '0'.repeat(39) + '7',
      '12345678901234567890.123456789012345678901234567890',
      '0.1000000000000000000001',
    ];
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 5000; i++) {
      const int = String(next() % 10 ** (next() % 9));
      const frac = String(next()).slice(0, next() % 10);
      const sign = next() % 3 === 0 ? '-' : '';
      cases.push(`${sign}${int}${frac ? `.${frac}` : ''}`, `${sign}0.${'0'.repeat(next() % 45)}${frac || '1'}`);
    }
    for (const value of cases) expect(decimalText(value), value).toBe(viaBig(value));
  });

  it('refuses what big.js refuses', () => {
    for (const value of ['', 'NaN', 'Infinity', '+1', ' 1', '1 ', '1,5', '0x10', '--1', '1.2.3']) {
      expect(() => decimalText(value), value).toThrow();
    }
  });
});
