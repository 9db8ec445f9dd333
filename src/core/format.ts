// Numbers as a person reads them, one way per kind: a price to its symbol's tick, a quantity to
// its step, a quote amount to cents with a thousands separator, PnL with its sign, a time in the
// desk's time zone. Presentation only: what is computed, journaled or sent stays exact.
import { Decimal, RoundingMode, decimalsOf } from './money.ts';

/** Anything that holds a number: a Decimal, its text, or a float (signals, KPIs). */
export type Shown = Decimal | string | number;

/** The value as a Decimal, or null when it holds no finite number (shown as it came). */
function asDecimal(value: Shown): Decimal | null {
  if (value instanceof Decimal) return value;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  try {
    return Decimal.from(value);
  } catch {
    return null;
  }
}

/** "-12345.67" → "-12,345.67": commas between groups of three integer digits. */
export function groupThousands(fixedText: string): string {
  const m = /^([-+]?)(\d+)(\.\d+)?$/.exec(fixedText);
  if (!m) return fixedText;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

/** Exactly `decimals` places, half up, grouped; "0.00" never "-0.00". */
function fixedGrouped(value: Shown, decimals: number): string {
  const d = asDecimal(value);
  if (d === null) return String(value);
  const text = d.toFixed(decimals);
  return groupThousands(/^-0(\.0+)?$/.test(text) ? text.slice(1) : text);
}

/** A price to its symbol's tick: "41,742.40" for tick 0.01 (nearest tick). */
export function formatPrice(value: Shown, tick: Decimal | string): string {
  const d = asDecimal(value);
  if (d === null) return String(value);
  const step = asDecimal(tick);
  const decimals = step && step.gt(0) ? decimalsOf(step) : 8;
  return fixedGrouped(step && step.gt(0) ? d.roundToMultiple(step, RoundingMode.halfUp) : d, decimals);
}

/** A quantity to its symbol's step: "0.07179" for step 0.00001 (never rounded up past what is held). */
export function formatQty(value: Shown, step: Decimal | string): string {
  const d = asDecimal(value);
  if (d === null) return String(value);
  const s = asDecimal(step);
  const decimals = s && s.gt(0) ? decimalsOf(s) : 8;
  return fixedGrouped(s && s.gt(0) ? d.roundToMultiple(s, RoundingMode.down) : d, decimals);
}

/** A quote amount (cash, equity, capital, fees, notional) to cents: "12,345.67". */
export function formatQuote(value: Shown): string {
  return fixedGrouped(value, 2);
}

/** A profit or loss: "+1,234.56", "-4.00", "0.00" (nothing to sign). */
export function formatPnl(value: Shown, decimals = 2): string {
  const text = fixedGrouped(value, decimals);
  return /^\d/.test(text) && /[1-9]/.test(text) ? `+${text}` : text;
}

/** A percentage, to two places by default: "3.21", or signed "+3.21" / "-0.50". */
export function formatPct(value: Shown, options: { readonly signed?: boolean; readonly decimals?: number } = {}): string {
  const decimals = options.decimals ?? 2;
  return options.signed ? formatPnl(value, decimals) : fixedGrouped(value, decimals);
}

/** 10^k as exact doubles, k = 0…22. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * A float (a signal) to 8 significant digits, shortest form: "42017.123", "0.0012345679". Exactly
 * Number(value.toPrecision(8)).toString(), as crews put it in their reasons, without printing the
 * digits and reading them back (which cost more than the rest of a reason). Scaled to 8 integer
 * digits, the value is off by under 2e-8 (one rounding below 10^8), so its nearest integer c is the
 * 8-digit rounding unless it lies within 1e-6 of a half; and c / 10^places, both exact, is the
 * double nearest to c·10^-places — what the printed digits read back as. Anything else (a tie, an
 * exponent misjudged next to a power of ten, a magnitude outside 10^-15…10^8) is printed.
 */
export function eightSignificant(value: number): string {
  const magnitude = Math.abs(value);
  const places = 7 - Math.floor(Math.log10(magnitude));
  if (places >= 0 && places <= 22) {
    const power = POWERS_OF_TEN[places]!;
    const scaled = magnitude * power;
    const whole = Math.floor(scaled);
    const fraction = scaled - whole;
    if (scaled >= 1e7 && scaled < 1e8 && Math.abs(fraction - 0.5) > 1e-6) {
      const rounded = (fraction > 0.5 ? whole + 1 : whole) / power;
      return String(value < 0 ? -rounded : rounded);
    }
  }
  return Number(value.toPrecision(8)).toString();
}

const TIME_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** A time in the desk's time zone, to the minute, with the zone: "2026-11-03 16:12 CET", "2026-11-03 15:12 UTC". */
export function formatTime(ms: number, timeZone = 'UTC'): string {
  let f = TIME_FORMATS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    TIME_FORMATS.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(ms)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** Whether a time zone name is one Intl knows ("Europe/Zurich", "UTC"). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
