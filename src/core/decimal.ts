// Exact decimal arithmetic for money: a value is an integer coefficient times 10^-scale. The
// coefficient is a plain number while it is a safe integer (nearly always: Binance amounts have at
// most 8 decimals) and a BigInt beyond; every operation takes the number path when its operands and
// its exact result are safe integers — integer arithmetic on doubles is exact there — else BigInt.
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

/** 10^k as an exact double, k = 0…22 (beyond, Infinity: never a safe integer, so the BigInt path). */
const POWERS_N: number[] = [];
for (let i = 0; i <= 22; i++) POWERS_N.push(10 ** i);

function pow10n(k: number): number {
  return k <= 22 ? (POWERS_N[k] as number) : Number.POSITIVE_INFINITY;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const isSafe = Number.isSafeInteger;

export class Decimal {
  // value = coefficient × 10^-scale, scale ≥ 0; the coefficient is `small` when it is a safe integer
  // (`big` null), else `big`. One value, one form — the coefficient has no trailing zero when the
  // scale is above 0, and is `small` whenever it can be — so deep equality is value equality.
  private constructor(
    private readonly small: number,
    private readonly big: bigint | null,
    readonly scale: number,
  ) {}

  private static readonly ZERO = new Decimal(0, null, 0);

  /** The integer coefficient: value = coefficient × 10^-scale. */
  get coefficient(): bigint {
    return this.big ?? BigInt(this.small);
  }

  /** A Decimal from a number (through its shortest string form, so 0.1 is exactly 0.1), a string or a Decimal. */
  static from(value: DecimalInput): Decimal {
    if (value instanceof Decimal) return value;
    if (typeof value === 'number') {
      if (isSafe(value)) return Decimal.ofSmall(value, 0);
      if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
      return Decimal.ofFloat(value);
    }
    return Decimal.parse(value);
  }

  /**
   * The shortest decimal that reads back as `value` — what parsing String(value) gives — found
   * without printing it (a price or an amount becomes a Decimal on every order). For k = 1…8
   * places, c = round(value·10^k) is the only k-place candidate while |value·10^k| < 2^50 (the
   * product's error and the spacing of doubles there are both under a quarter), and c / 10^k is
   * the double nearest to c·10^-k (both operands exact): equal to value, it reads back. The first
   * such k has the fewest digits. Anything else goes through the text.
   */
  private static ofFloat(value: number): Decimal {
    for (let k = 1; k <= 8; k++) {
      const p = POWERS_N[k] as number;
      const scaled = value * p;
      if (!(Math.abs(scaled) < 2 ** 50)) break;
      const c = Math.round(scaled);
      if (c / p === value) return Decimal.ofSmall(c, k);
    }
    return Decimal.parse(String(value));
  }

  private static parse(text: string): Decimal {
    const m = typeof text === 'string' ? NUMBER_TEXT.exec(text) : null;
    if (!m) throw new Error(`Invalid number: ${JSON.stringify(text)}`);
    const body = m[2] as string;
    const dot = body.indexOf('.');
    const digits = dot < 0 ? body : body.slice(0, dot) + body.slice(dot + 1);
    let scale = dot < 0 ? 0 : body.length - dot - 1;
    if (m[3] !== undefined) scale -= Number(m[3]);
    const negative = m[1] === '-';
    if (digits.length <= 15 && scale >= 0) {
      // Up to 15 digits is below 2^53: Number() reads them exactly.
      const n = Number(digits);
      return Decimal.ofSmall(negative ? -n : n, scale);
    }
    let c = BigInt(digits);
    if (negative) c = -c;
    return scale < 0 ? Decimal.ofBig(c * pow10(-scale), 0) : Decimal.ofBig(c, scale);
  }

  /** The canonical Decimal of a safe-integer coefficient. */
  private static ofSmall(n: number, scale: number): Decimal {
    if (n === 0) return Decimal.ZERO; // −0 too
    if (scale === 0 || n % 10 !== 0) return new Decimal(n, null, scale);
    // n is a multiple of 10: n / 10 is an exact integer.
    while (scale > 0 && n % 10 === 0) {
      n /= 10;
      scale--;
    }
    return new Decimal(n, null, scale);
  }

  /** The canonical Decimal of any integer coefficient (trailing zeros dropped, small when it fits). */
  private static ofBig(c: bigint, scale: number): Decimal {
    if (c >= -SAFE && c <= SAFE) return Decimal.ofSmall(Number(c), scale);
    if (scale > 0 && c % 10n === 0n) {
      while (scale >= 8 && c % 100_000_000n === 0n) {
        c /= 100_000_000n;
        scale -= 8;
      }
      while (scale > 0 && c % 10n === 0n) {
        c /= 10n;
        scale--;
      }
      if (c >= -SAFE && c <= SAFE) return new Decimal(Number(c), null, scale);
    }
    return new Decimal(0, c, scale);
  }

  plus(other: DecimalInput): Decimal {
    return this.add(Decimal.from(other), 1);
  }

  minus(other: DecimalInput): Decimal {
    return this.add(Decimal.from(other), -1);
  }

  /** this + sign × o, exactly. */
  private add(o: Decimal, sign: 1 | -1): Decimal {
    const scale = this.scale >= o.scale ? this.scale : o.scale;
    if (this.big === null && o.big === null) {
      const a = this.small * pow10n(scale - this.scale);
      const b = o.small * pow10n(scale - o.scale) * sign;
      const r = a + b;
      // Exact: the aligned operands and the true sum are safe integers (a larger one rounds to a non-safe double).
      if (isSafe(a) && isSafe(b) && isSafe(r)) return Decimal.ofSmall(r, scale);
    }
    const b = o.coefficient * pow10(scale - o.scale);
    return Decimal.ofBig(this.coefficient * pow10(scale - this.scale) + (sign < 0 ? -b : b), scale);
  }

  times(other: DecimalInput): Decimal {
    const o = Decimal.from(other);
    if (this.big === null && o.big === null) {
      // Exact when the true product is a safe integer; a larger one rounds to a non-safe double.
      const r = this.small * o.small;
      if (isSafe(r)) return Decimal.ofSmall(r, this.scale + o.scale);
    }
    return Decimal.ofBig(this.coefficient * o.coefficient, this.scale + o.scale);
  }

  /** The quotient rounded to DIVISION_PLACES decimals, half away from zero (as big.js divides). */
  div(other: DecimalInput): Decimal {
    const o = Decimal.from(other);
    if (o.sign === 0) throw new RangeError('Division by zero');
    const num = this.coefficient * pow10(DIVISION_PLACES + o.scale);
    const den = o.coefficient * pow10(this.scale);
    return Decimal.ofBig(divideRounded(num, den, RoundingMode.halfUp), DIVISION_PLACES);
  }

  /**
   * Exactly `this.div(other).roundToMultiple(step, mode)`: the quotient to DIVISION_PLACES decimals,
   * then to a multiple of `step`. Sizing an order (quote ÷ price, rounded down to the step) does this
   * on every order, and the 20-place quotient is nearly always a BigInt; here it is one division of
   * safe integers, whenever the quotient is not so close to a rounding boundary that the 20-place
   * rounding could move it across (then, and for anything not safe, it takes that very path).
   */
  divToMultiple(other: DecimalInput, step: Decimal, mode: RoundingMode): Decimal {
    const o = Decimal.from(other);
    if (this.big === null && o.big === null && step.big === null && o.small > 0 && step.small > 0 && step.scale <= DIVISION_PLACES) {
      // this ÷ o ÷ step = N / D with N = a·10^e, D = b·c (or D·10^-e when e < 0).
      const e = o.scale - this.scale + step.scale;
      const n = e >= 0 ? this.small * pow10n(e) : this.small;
      const d = e >= 0 ? o.small * step.small : o.small * step.small * pow10n(-e);
      if (isSafe(n) && isSafe(d)) {
        const r = n % d;
        // The 20-place rounding moves the quotient by at most half a unit of its last place: in
        // steps, 0.5·10^-20 / step. Only within that (with room for the float error of r / d) of a
        // boundary — a whole step for down and up, a half for the others — could it change the outcome.
        const f = Math.abs(r) / d;
        const reach = 2e-20 * (pow10n(step.scale) / step.small) + 1e-12;
        const near = mode === RoundingMode.down || mode === RoundingMode.up ? f !== 0 && (f < reach || f > 1 - reach) : Math.abs(f - 0.5) < reach;
        if (!near) {
          const k = roundedQuotient(n, d, mode);
          if (k !== null && isSafe(k * step.small)) return Decimal.ofSmall(k * step.small, step.scale);
        }
      }
    }
    return this.div(o).roundToMultiple(step, mode);
  }

  /** The remainder of truncated division: its sign is the dividend's (big.js's `mod`). */
  mod(other: DecimalInput): Decimal {
    const o = Decimal.from(other);
    if (o.sign === 0) throw new RangeError('Division by zero');
    const scale = Math.max(this.scale, o.scale);
    if (this.big === null && o.big === null) {
      const a = this.small * pow10n(scale - this.scale);
      const b = o.small * pow10n(scale - o.scale);
      // % of two doubles is exact (and keeps the dividend's sign).
      if (isSafe(a) && isSafe(b)) return Decimal.ofSmall(a % b, scale);
    }
    return Decimal.ofBig((this.coefficient * pow10(scale - this.scale)) % (o.coefficient * pow10(scale - o.scale)), scale);
  }

  /** Rounded to `dp` decimal places (default 0) with the given mode (default half-up). */
  round(dp = 0, mode: RoundingMode = RoundingMode.halfUp): Decimal {
    if (this.scale <= dp) return this;
    if (this.big === null) {
      const q = roundedQuotient(this.small, pow10n(this.scale - dp), mode);
      if (q !== null) return Decimal.ofSmall(q, dp);
    }
    return Decimal.ofBig(divideRounded(this.coefficient, pow10(this.scale - dp), mode), dp);
  }

  /** Rounded to a multiple of `step` (> 0) with the given mode: how quantities meet a step size and prices a tick. */
  roundToMultiple(step: Decimal, mode: RoundingMode): Decimal {
    const scale = Math.max(this.scale, step.scale);
    if (this.big === null && step.big === null) {
      const a = this.small * pow10n(scale - this.scale);
      const b = step.small * pow10n(scale - step.scale);
      if (isSafe(a) && isSafe(b) && b > 0) {
        const q = roundedQuotient(a, b, mode);
        if (q !== null && isSafe(q * b)) return Decimal.ofSmall(q * b, scale);
      }
    }
    const b = step.coefficient * pow10(scale - step.scale);
    return Decimal.ofBig(divideRounded(this.coefficient * pow10(scale - this.scale), b, mode) * b, scale);
  }

  abs(): Decimal {
    return this.sign < 0 ? this.neg() : this;
  }

  neg(): Decimal {
    return this.big === null ? Decimal.ofSmall(-this.small, this.scale) : new Decimal(0, -this.big, this.scale);
  }

  /** −1, 0 or 1: the sign of the value. */
  get sign(): -1 | 0 | 1 {
    if (this.big === null) return this.small < 0 ? -1 : this.small > 0 ? 1 : 0;
    return this.big < 0n ? -1 : 1;
  }

  cmp(other: DecimalInput): -1 | 0 | 1 {
    if (other === 0) return this.sign;
    const o = Decimal.from(other);
    if (this.big === null && o.big === null) {
      if (this.scale === o.scale) return this.small < o.small ? -1 : this.small > o.small ? 1 : 0;
      const a = this.scale < o.scale ? this.small * pow10n(o.scale - this.scale) : this.small;
      const b = o.scale < this.scale ? o.small * pow10n(this.scale - o.scale) : o.small;
      if (isSafe(a) && isSafe(b)) return a < b ? -1 : a > b ? 1 : 0;
    }
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
    // Both operands exact doubles → one correctly rounded division: the same float as parsing the text.
    if (this.big === null && this.scale <= 22) return this.scale === 0 ? this.small : this.small / pow10n(this.scale);
    return Number(this.toString());
  }

  /** Plain notation, no exponent, no trailing zeros: "0.0001", "-12.5", "30000". */
  toString(): string {
    if (this.big === null && this.scale === 0) return String(this.small);
    const negative = this.sign < 0;
    // A safe integer prints without an exponent; the canonical form has no trailing zero to drop.
    const digits = this.big === null ? String(negative ? -this.small : this.small) : (negative ? -this.big : this.big).toString();
    return withPoint(negative, digits, this.scale);
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

/** Digits with a decimal point `scale` places from the right ("12345", 2 → "123.45"). */
function withPoint(negative: boolean, digits: string, scale: number): string {
  let text: string;
  if (scale === 0) text = digits;
  else if (digits.length > scale) text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  else text = `0.${'0'.repeat(scale - digits.length)}${digits}`;
  return negative ? `-${text}` : text;
}

/** n / d (safe integers, d > 0) as an integer rounded with `mode`, or null when d is not a safe
 * integer (the caller takes the BigInt path). Exact: % of doubles is exact, and n − r is a multiple of d. */
function roundedQuotient(n: number, d: number, mode: RoundingMode): number | null {
  if (!isSafe(d)) return null;
  const r = n % d;
  const q = (n - r) / d;
  if (r === 0 || mode === RoundingMode.down) return q;
  const away = n < 0 ? q - 1 : q + 1;
  if (mode === RoundingMode.up) return away;
  const twice = Math.abs(r) * 2;
  if (twice > d) return away;
  if (twice < d) return q;
  if (mode === RoundingMode.halfUp) return away;
  return q % 2 === 0 ? q : away; // halfEven
}

/** num / den as an integer, rounded with `mode`. */
function divideRounded(num: bigint, den: bigint, mode: RoundingMode): bigint {
  const q = num / den;
  const r = num % den;
  if (r === 0n || mode === RoundingMode.down) return q;
  const away = num < 0n !== den < 0n ? q - 1n : q + 1n;
  if (mode === RoundingMode.up) return away;
  const twice = (r < 0n ? -r : r) * 2n;
  const size = den < 0n ? -den : den;
  if (twice > size) return away;
  if (twice < size) return q;
  if (mode === RoundingMode.halfUp) return away;
  return q % 2n === 0n ? q : away; // halfEven
}
