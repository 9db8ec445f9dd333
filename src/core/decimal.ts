// Exact decimal arithmetic for money: a value is an integer coefficient (BigInt) times 10^-scale.
// Why not a library: money moves on the per-order path of every backtest, and big.js (arbitrary
// precision, one digit per array slot) spent ~15 µs on the few operations that size, fill and book
// one order — most of an order's cost. Binance amounts are short fixed-point decimals, which
// BigInt scaled integers handle exactly in ~1 µs. The API is the subset of big.js crewdesk uses,
// with the same results (the tests check it against big.js): exact +, −, ×; division rounded to
// DIVISION_PLACES decimals half-up; `round(dp, mode)` with big.js's rounding modes; plain-notation text.

/** Decimal places kept by a division (big.js's `Big.DP` as crewdesk set it). */
export const DIVISION_PLACES = 20;

/** Rounding modes, numbered as big.js numbers them. */
export const RoundingMode = {
  /** Towards zero. */
  down: 0,
  /** To nearest, a half away from zero. */
  halfUp: 1,
  /** To nearest, a half to the even neighbour. */
  halfEven: 2,
  /** Away from zero. */
  up: 3,
} as const;
export type RoundingMode = (typeof RoundingMode)[keyof typeof RoundingMode];

export type DecimalInput = Decimal | number | string;

// What big.js accepts: an optional minus, digits with an optional fraction, an optional exponent.
const NUMBER_TEXT = /^(-?)(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?$/i;

const POWERS: bigint[] = [];
for (let i = 0, p = 1n; i <= 64; i++, p *= 10n) POWERS.push(p);

function pow10(n: number): bigint {
  return n < POWERS.length ? (POWERS[n] as bigint) : 10n ** BigInt(n);
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// eslint-disable-next-line prefer-const -- set once the class exists
let ZERO_VALUE: Decimal;

export class Decimal {
  /** value = coefficient × 10^-scale; scale ≥ 0 and the coefficient has no trailing zero when the
   * scale is above 0 — one value, one form, so that deep equality (tests, dedup) is value equality. */
  private constructor(
    readonly coefficient: bigint,
    readonly scale: number,
  ) {}

  /** A Decimal from a number (through its shortest string form, so 0.1 is exactly 0.1), a string or a Decimal. */
  static from(value: DecimalInput): Decimal {
    if (value instanceof Decimal) return value;
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) return new Decimal(BigInt(value), 0);
      if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
      return Decimal.parse(String(value));
    }
    return Decimal.parse(value);
  }

  /** A Decimal from an integer coefficient and a scale: of(12345n, 2) is 123.45. */
  static of(coefficient: bigint, scale: number): Decimal {
    return scale >= 0 ? Decimal.canonical(coefficient, scale) : new Decimal(coefficient * pow10(-scale), 0);
  }

  private static parse(text: string): Decimal {
    const m = typeof text === 'string' ? NUMBER_TEXT.exec(text) : null;
    if (!m) throw new Error(`Invalid number: ${JSON.stringify(text)}`);
    const body = m[2] as string;
    const dot = body.indexOf('.');
    const digits = dot < 0 ? body : body.slice(0, dot) + body.slice(dot + 1);
    let scale = dot < 0 ? 0 : body.length - dot - 1;
    if (m[3] !== undefined) scale -= Number(m[3]);
    let c = BigInt(digits);
    if (m[1] === '-') c = -c;
    if (scale < 0) return new Decimal(c * pow10(-scale), 0);
    return Decimal.canonical(c, scale);
  }

  /** The Decimal for coefficient × 10^-scale (scale ≥ 0) with the coefficient's trailing zeros
   * dropped: the one form of a value (and scales stay short along long chains of products). */
  private static canonical(c: bigint, scale: number): Decimal {
    if (scale === 0) return new Decimal(c, 0);
    if (c === 0n) return ZERO_VALUE;
    if (c % 10n !== 0n) return new Decimal(c, scale);
    while (scale >= 8 && c % 100_000_000n === 0n) {
      c /= 100_000_000n;
      scale -= 8;
    }
    while (scale > 0 && c % 10n === 0n) {
      c /= 10n;
      scale--;
    }
    return new Decimal(c, scale);
  }

  plus(other: DecimalInput): Decimal {
    const o = Decimal.from(other);
    if (this.scale === o.scale) return Decimal.canonical(this.coefficient + o.coefficient, this.scale);
    if (this.scale > o.scale) return Decimal.canonical(this.coefficient + o.coefficient * pow10(this.scale - o.scale), this.scale);
    return Decimal.canonical(this.coefficient * pow10(o.scale - this.scale) + o.coefficient, o.scale);
  }

  minus(other: DecimalInput): Decimal {
    const o = Decimal.from(other);
    if (this.scale === o.scale) return Decimal.canonical(this.coefficient - o.coefficient, this.scale);
    if (this.scale > o.scale) return Decimal.canonical(this.coefficient - o.coefficient * pow10(this.scale - o.scale), this.scale);
    return Decimal.canonical(this.coefficient * pow10(o.scale - this.scale) - o.coefficient, o.scale);
  }

  times(other: DecimalInput): Decimal {
    const o = Decimal.from(other);
    return Decimal.canonical(this.coefficient * o.coefficient, this.scale + o.scale);
  }

  /** The quotient rounded to DIVISION_PLACES decimals, half away from zero (as big.js divides). */
  div(other: DecimalInput): Decimal {
    const o = Decimal.from(other);
    if (o.coefficient === 0n) throw new RangeError('Division by zero');
    const num = this.coefficient * pow10(DIVISION_PLACES + o.scale);
    const den = o.coefficient * pow10(this.scale);
    return Decimal.canonical(divideRounded(num, den, RoundingMode.halfUp), DIVISION_PLACES);
  }

  /** The remainder of truncated division: its sign is the dividend's (big.js's `mod`). */
  mod(other: DecimalInput): Decimal {
    const o = Decimal.from(other);
    if (o.coefficient === 0n) throw new RangeError('Division by zero');
    const scale = Math.max(this.scale, o.scale);
    const a = this.coefficient * pow10(scale - this.scale);
    const b = o.coefficient * pow10(scale - o.scale);
    return Decimal.canonical(a % b, scale);
  }

  /** Rounded to `dp` decimal places (default 0) with the given mode (default half-up). */
  round(dp = 0, mode: RoundingMode = RoundingMode.halfUp): Decimal {
    if (this.scale <= dp) return this;
    return Decimal.of(divideRounded(this.coefficient, pow10(this.scale - dp), mode), dp);
  }

  /** Rounded to a multiple of `step` (> 0) with the given mode: how quantities meet a step size and prices a tick. */
  roundToMultiple(step: Decimal, mode: RoundingMode): Decimal {
    const scale = Math.max(this.scale, step.scale);
    const a = this.coefficient * pow10(scale - this.scale);
    const b = step.coefficient * pow10(scale - step.scale);
    return Decimal.canonical(divideRounded(a, b, mode) * b, scale);
  }

  abs(): Decimal {
    return this.coefficient < 0n ? new Decimal(-this.coefficient, this.scale) : this;
  }

  neg(): Decimal {
    return new Decimal(-this.coefficient, this.scale);
  }

  /** −1, 0 or 1: the sign of the value. */
  get sign(): -1 | 0 | 1 {
    return this.coefficient < 0n ? -1 : this.coefficient > 0n ? 1 : 0;
  }

  cmp(other: DecimalInput): -1 | 0 | 1 {
    if (other === 0) return this.sign;
    const o = Decimal.from(other);
    let a = this.coefficient;
    let b = o.coefficient;
    if (this.scale > o.scale) b *= pow10(this.scale - o.scale);
    else if (o.scale > this.scale) a *= pow10(o.scale - this.scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  eq(other: DecimalInput): boolean {
    return this.cmp(other) === 0;
  }

  lt(other: DecimalInput): boolean {
    return this.cmp(other) < 0;
  }

  lte(other: DecimalInput): boolean {
    return this.cmp(other) <= 0;
  }

  gt(other: DecimalInput): boolean {
    return this.cmp(other) > 0;
  }

  gte(other: DecimalInput): boolean {
    return this.cmp(other) >= 0;
  }

  /** The nearest float (for signals, charts and reports; never for money that moves). */
  toNumber(): number {
    const c = this.coefficient;
    // Both operands exact doubles → one correctly rounded division: the same float as parsing the text.
    if (this.scale <= 22 && c <= SAFE && c >= -SAFE) {
      return this.scale === 0 ? Number(c) : Number(c) / (10 ** this.scale);
    }
    return Number(this.toString());
  }

  /** Plain notation, no exponent, no trailing zeros: "0.0001", "-12.5", "30000". */
  toString(): string {
    const c = this.coefficient;
    if (this.scale === 0) return c.toString();
    const negative = c < 0n;
    let digits = (negative ? -c : c).toString();
    let scale = this.scale;
    let end = digits.length;
    while (scale > 0 && end > 0 && digits.charCodeAt(end - 1) === 48 /* 0 */) {
      end--;
      scale--;
    }
    if (end === 0) return '0';
    digits = digits.slice(0, end);
    if (scale === 0) return negative ? `-${digits}` : digits;
    const text = digits.length > scale ? `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}` : `0.${'0'.repeat(scale - digits.length)}${digits}`;
    return negative ? `-${text}` : text;
  }

  /** Exactly `dp` decimals, rounded half-up (no argument: as toString). */
  toFixed(dp?: number): string {
    if (dp === undefined) return this.toString();
    const r = this.round(dp, RoundingMode.halfUp);
    const c = r.coefficient * pow10(dp - r.scale);
    const negative = c < 0n;
    let digits = (negative ? -c : c).toString();
    if (dp > 0) {
      if (digits.length <= dp) digits = '0'.repeat(dp - digits.length + 1) + digits;
      digits = `${digits.slice(0, digits.length - dp)}.${digits.slice(digits.length - dp)}`;
    }
    return negative ? `-${digits}` : digits;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** num / den as an integer, rounded with `mode`. */
function divideRounded(num: bigint, den: bigint, mode: RoundingMode): bigint {
  const q = num / den;
  const r = num % den;
  if (r === 0n || mode === RoundingMode.down) return q;
  const away = (num < 0n) !== (den < 0n) ? q - 1n : q + 1n;
  if (mode === RoundingMode.up) return away;
  const twice = (r < 0n ? -r : r) * 2n;
  const size = den < 0n ? -den : den;
  if (twice > size) return away;
  if (twice < size) return q;
  if (mode === RoundingMode.halfUp) return away;
  return q % 2n === 0n ? q : away; // halfEven
}

ZERO_VALUE = Decimal.from(0);
