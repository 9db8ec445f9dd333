// The hand-written Decimal must give exactly what big.js (crewdesk's money type before it, and a
// well-tested arbitrary-precision library) gives, operation by operation, on random money-like
// values and on the edges: signs, zeros, long fractions, exponents, every rounding mode.
import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { Decimal, DIVISION_PLACES, RoundingMode } from '../../src/core/decimal.ts';

Big.DP = DIVISION_PLACES;
Big.RM = Big.roundHalfUp;
Big.NE = -60;
Big.PE = 60;

let seed = 12345;
function next(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed;
}

/** Random decimal text shaped like money: up to 9 integer digits, up to 12 decimals, some negative, some zero. */
function randomText(): string {
  const kind = next() % 10;
  if (kind === 0) return '0';
  const int = String(next() % 10 ** (next() % 10));
  const fracLength = next() % 13;
  let frac = '';
  for (let i = 0; i < fracLength; i++) frac += String(next() % 10);
  const sign = next() % 4 === 0 ? '-' : '';
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}

const EDGES = [
  '0',
  '-0',
  '1',
  '-1',
  '0.5',
  '-0.5',
  '2.5',
  '-2.5',
  '0.00000001',
  '123456789012345678901234567890.123456789',
  '1e-7',
  '1.5E+3',
  '-3e2',
  '.25',
  '7.',
  // Around 2^53, where the coefficient leaves (or re-enters) the plain-number path.
  '9007199254740991',
  '9007199254740992',
  '-9007199254740993',
  '90071992547409.91',
  '0.9007199254740993',
  '4503599627370496.5',
  '999999999999999',
  '1000000000000000',
];

function both(text: string): [Big, Decimal] {
  return [new Big(text), Decimal.from(text)];
}

describe('Decimal matches big.js', () => {
  const values = [...EDGES];
  for (let i = 0; i < 400; i++) values.push(randomText());

  it('parses and prints the same plain text, and the same float', () => {
    for (const text of values) {
      const [b, d] = both(text);
      expect(d.toString(), text).toBe(b.toString() === '-0' ? '0' : b.toString());
      expect(d.toNumber(), text).toBe(b.toNumber() + 0); // no negative zero here
      expect(d.toJSON(), text).toBe(d.toString());
    }
  });

  it('adds, subtracts, multiplies, divides, compares and takes remainders the same', () => {
    for (let i = 0; i < 3000; i++) {
      const x = values[next() % values.length] as string;
      const y = values[next() % values.length] as string;
      const [bx, dx] = both(x);
      const [by, dy] = both(y);
      const same = (d: Decimal, b: Big, what: string) => expect(d.toString(), `${x} ${what} ${y}`).toBe(b.eq(0) ? '0' : b.toString());
      same(dx.plus(dy), bx.plus(by), '+');
      same(dx.minus(dy), bx.minus(by), '−');
      same(dx.times(dy), bx.times(by), '×');
      expect(dx.cmp(dy), `${x} cmp ${y}`).toBe(bx.cmp(by));
      expect([dx.lt(dy), dx.lte(dy), dx.gt(dy), dx.gte(dy), dx.eq(dy)]).toEqual([bx.lt(by), bx.lte(by), bx.gt(by), bx.gte(by), bx.eq(by)]);
      if (!by.eq(0)) {
        same(dx.div(dy), bx.div(by), '÷');
        same(dx.mod(dy), bx.mod(by), 'mod');
      }
    }
  });

  it('rounds the same in every mode, and prints fixed decimals the same', () => {
    const modes = [
      [RoundingMode.down, Big.roundDown],
      [RoundingMode.halfUp, Big.roundHalfUp],
      [RoundingMode.halfEven, Big.roundHalfEven],
      [RoundingMode.up, Big.roundUp],
    ] as const;
    for (const text of values) {
      const [b, d] = both(text);
      for (const dp of [0, 1, 2, 5, 8]) {
        for (const [mine, theirs] of modes) {
          const expected = b.round(dp, theirs);
          expect(d.round(dp, mine).toString(), `${text} round ${dp} mode ${mine}`).toBe(expected.eq(0) ? '0' : expected.toString());
        }
        const fixed = b.toFixed(dp);
        expect(d.toFixed(dp), `${text} toFixed ${dp}`).toBe(fixed.startsWith('-') && new Big(fixed).eq(0) ? fixed.slice(1) : fixed);
      }
    }
  });

  it('rounds to a step or tick like dividing, rounding and multiplying back', () => {
    for (const step of ['0.00001', '0.01', '1', '0.5', '0.0025', '10']) {
      for (const text of values) {
        const [b, d] = both(text);
        for (const [mine, theirs] of [
          [RoundingMode.down, Big.roundDown],
          [RoundingMode.halfUp, Big.roundHalfUp],
          [RoundingMode.up, Big.roundUp],
        ] as const) {
          const expected = b.div(step).round(0, theirs).times(step);
          expect(d.roundToMultiple(Decimal.from(step), mine).toString(), `${text} to ${step}`).toBe(expected.eq(0) ? '0' : expected.toString());
        }
      }
    }
  });

  it('takes numbers through their shortest text, so 0.1 + 0.2 is exactly 0.3', () => {
    expect(Decimal.from(0.1).plus(0.2).toString()).toBe('0.3');
    expect(Decimal.from(29000.01).toString()).toBe('29000.01');
    expect(Decimal.from(1e-7).toString()).toBe('0.0000001');
    expect(Decimal.from(1e21).toString()).toBe('1000000000000000000000');
  });

  it('has one form per value, so deep equality is value equality', () => {
    expect(Decimal.from('100.50')).toEqual(Decimal.from('100.5'));
    expect(Decimal.from('9704.70500000')).toEqual(Decimal.from(9704.705));
    expect(Decimal.from('0.5').plus('0.5')).toEqual(Decimal.from(1));
    expect(Decimal.from('0.000')).toEqual(Decimal.from(0));
    expect(Decimal.from('1.25').times('0.8')).toEqual(Decimal.from('1'));
    expect(Decimal.from('2.50').round(1)).toEqual(Decimal.from('2.5'));
    expect(Decimal.from('1e3')).toEqual(Decimal.from(1000));
  });

  it('refuses what big.js refuses', () => {
    for (const text of ['', 'NaN', 'Infinity', '+1', ' 1', '1 ', '1,5', '0x10', '--1', '1.2.3', '.', 'e5']) {
      expect(() => new Big(text), text).toThrow();
      expect(() => Decimal.from(text), text).toThrow(/Invalid number/);
    }
    expect(() => Decimal.from(Number.NaN)).toThrow(/not a finite number/);
    expect(() => Decimal.from(1).div(0)).toThrow(/Division by zero/);
  });
});

describe('divToMultiple is exactly div, then roundToMultiple', () => {
  const MODES = [RoundingMode.down, RoundingMode.halfUp, RoundingMode.halfEven, RoundingMode.up];
  const STEPS = ['0.00000001', '0.00001', '0.001', '0.01', '0.1', '1', '10', '0.5', '0.25', '0.00002', '5'].map((s) => Decimal.from(s));
  const check = (x: Decimal, y: Decimal, step: Decimal, mode: RoundingMode) => {
    const slow = x.div(y).roundToMultiple(step, mode);
    expect(x.divToMultiple(y, step, mode).toString(), `${x} ÷ ${y} to a multiple of ${step}, mode ${mode}`).toBe(slow.toString());
  };
  /** Money-like text: up to 7 integer digits, up to 8 decimals. */
  const money = (): string => {
    const int = String(next() % 10 ** (1 + (next() % 7)));
    const places = next() % 9;
    let frac = '';
    for (let i = 0; i < places; i++) frac += String(next() % 10);
    return frac ? `${int}.${frac}` : int;
  };

  it('on money-like values: quote ÷ price, cash ÷ (1 + fee), either sign', () => {
    for (let i = 0; i < 20_000; i++) {
      const x = Decimal.from(`${next() % 5 === 0 ? '-' : ''}${money()}`);
      const y = next() % 3 === 0 ? Decimal.from('1.001') : Decimal.from(money());
      if (y.sign === 0) continue;
      check(x, y, STEPS[next() % STEPS.length]!, MODES[next() % MODES.length]!);
    }
  });

  it('on quotients at, just off and halfway between multiples, where a 20-place rounding could tip them', () => {
    for (let i = 0; i < 1_500; i++) {
      const y = Decimal.from(next() % 2 === 0 ? '1.001' : money());
      if (y.sign === 0) continue;
      const step = STEPS[next() % STEPS.length]!;
      const k = Decimal.from(next() % 100_000);
      for (const multiple of [k, k.plus('0.5')]) {
        const exact = y.times(multiple.times(step));
        for (const nudge of ['0', '1e-8', '-1e-8', '1e-15', '-1e-15', '1e-21', '-1e-21', '5e-21', '-5e-21', '1e-25', '-1e-25']) {
          const x = exact.plus(nudge);
          for (const mode of MODES) check(x, y, step, mode);
        }
      }
    }
  });

  it('outside the plain-number range too (BigInt coefficients, long scales)', () => {
    const big = Decimal.from('123456789012345678901234567890.123456789');
    check(big, Decimal.from('3'), Decimal.from('0.01'), RoundingMode.down);
    check(Decimal.from('10'), Decimal.from('3'), Decimal.from('1e-21'), RoundingMode.halfUp);
    check(Decimal.from('9007199254740991'), Decimal.from('0.00000007'), Decimal.from('0.00000001'), RoundingMode.up);
    expect(() => Decimal.from(1).divToMultiple(0, Decimal.from(1), RoundingMode.down)).toThrow(/Division by zero/);
  });
});

describe('a number becomes the Decimal of its shortest text', () => {
  it('for prices, amounts, fractions, tiny and huge values, either sign', () => {
    const samples: number[] = [
      0.1,
      0.2,
      0.30000000000000004,
      29000.01,
      1e-7,
      1.5e-9,
      123456.78901234,
      2 ** 50 + 0.5,
      2 ** 52 + 0.5,
      1e21,
      1.7976931348623157e308,
      5e-324,
      0.1 + 0.7,
      4.35,
      1 / 3,
      2 / 3,
      // biome-ignore lint/correctness/noPrecisionLoss: a double that does not round-trip is the point of the test
      9007199254740.993,
    ];
    for (let i = 0; i < 20_000; i++) {
      const u = next() / 2 ** 32;
      const kind = next() % 4;
      // Money-like (a few decimals, as parsed from text), then arbitrary doubles of every size.
      const x =
        kind === 0
          ? Number((u * 10 ** (next() % 8)).toFixed(next() % 9))
          : kind === 1
            ? u * 10 ** ((next() % 40) - 20)
            : kind === 2
              ? 1 / (1 + (next() % 1000))
              : (next() - 2 ** 31) / (1 + (next() % 100_000));
      samples.push(x, -x);
    }
    for (const x of samples) {
      if (!Number.isFinite(x)) continue;
      expect(Decimal.from(x).toString(), String(x)).toBe(Decimal.from(String(x)).toString());
    }
  });
});
