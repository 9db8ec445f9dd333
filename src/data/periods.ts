// The months or days a download covers, named as data.binance.vision names its archives
// (BTCUSDT-1m-2024-01.zip, BTCUSDT-1m-2024-01-05.zip).

export type PeriodKind = 'monthly' | 'daily';

export interface CandlePeriod {
  readonly kind: PeriodKind;
  /** `2024-01` (monthly) or `2024-01-05` (daily). */
  readonly label: string;
  /** First millisecond of the period (UTC). */
  readonly start: number;
  /** First millisecond after the period (UTC). */
  readonly end: number;
}

const MONTH = /^(\d{4})-(\d{2})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A month `YYYY-MM` or a day `YYYY-MM-DD` as [start, end) in ms, or an error message. */
export function parsePeriod(text: string): { start: number; end: number; kind: PeriodKind } | string {
  const month = MONTH.exec(text);
  if (month) {
    const year = Number(month[1]);
    const m = Number(month[2]);
    if (m < 1 || m > 12) return `"${text}" is not a month: the month must be 01 to 12`;
    return { kind: 'monthly', start: Date.UTC(year, m - 1, 1), end: Date.UTC(year, m, 1) };
  }
  const day = DAY.exec(text);
  if (day) {
    const year = Number(day[1]);
    const m = Number(day[2]);
    const d = Number(day[3]);
    const start = Date.UTC(year, m - 1, d);
    const date = new Date(start);
    if (m < 1 || m > 12 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return `"${text}" is not a calendar day`;
    return { kind: 'daily', start, end: start + 86_400_000 };
  }
  return `"${text}" is not a month (YYYY-MM, e.g. 2024-01) or a day (YYYY-MM-DD)`;
}

function label(kind: PeriodKind, start: number): string {
  const iso = new Date(start).toISOString();
  return kind === 'monthly' ? iso.slice(0, 7) : iso.slice(0, 10);
}

/** Every month (or, daily, every day) from the period `from` to the period `to`, both included. */
export function periodsBetween(from: number, to: number, kind: PeriodKind): CandlePeriod[] {
  const periods: CandlePeriod[] = [];
  let start = from;
  while (start <= to) {
    const date = new Date(start);
    const end = kind === 'monthly' ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) : start + 86_400_000;
    periods.push({ kind, label: label(kind, start), start, end });
    start = end;
  }
  return periods;
}
