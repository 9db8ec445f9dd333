// Backtest KPIs from a run's equity summary and its fills. Pure and deterministic: the same
// input gives bit-identical numbers (inputs are read in order, nothing depends on the clock or
// on Map/Set iteration of unordered keys). Numbers are not rounded here: presentation rounds.
import { DAY_MS, type EquitySummary } from './equity-recorder.ts';
import { duration } from './time-text.ts';

/** The conventions behind the KPIs, quotable as is (the README does). */
export const KPI_CONVENTIONS = [
  'Returns are of total equity (cash plus the position marked at the candle close), fees included.',
  'Sharpe and Sortino use daily returns of equity: the last equity of each UTC day, the first day measured from the starting equity, a day without a candle repeating the previous close, a day wholly inside a gap in the data left out; risk-free rate 0; annualized with √365 because crypto trades every day.',
  'Sharpe = mean daily return / sample standard deviation (n − 1) × √365.',
  'Sortino = mean daily return / downside deviation × √365, the downside deviation being √(Σ min(r, 0)² / n) over all n days (target 0, days without a loss count as 0).',
  'CAGR compounds the total return over the time the data covers (the span less its gaps) in years of 365 days.',
  'Max drawdown is the deepest fall from a running peak of equity, in % of that peak; its duration runs from that peak to the first time equity is back at it, or to the end if it never is, counting the time the data covers.',
  'A round trip is a position opened from flat and closed back to flat (per crew); its PnL is sell proceeds − buy cost − every fee paid on its fills. A position still open at the end is not a round trip.',
  'Win rate = round trips with PnL > 0 / all round trips. Profit factor = gross profit / gross loss; null when there is no losing round trip (it would be infinite) or no round trip at all.',
  'Exposure = time a position was held / the time the data covers (gaps in the data count as neither).',
  'Buy and hold spends the starting cash on the first price and sells at the last, paying the fee rate on both: return = last / first × (1 − fee) / (1 + fee) − 1.',
].join('\n');

const YEAR_MS = 365 * DAY_MS;
const ANNUALIZATION = Math.sqrt(365);
/** Below this span a CAGR extrapolates a few days to a year: still computed, with a note. */
const SHORT_SPAN_MS = 30 * DAY_MS;
/** A standard deviation below this fraction of the mean return is float noise, not spread. */
const NO_SPREAD = 1e-9;

/** One execution as the KPIs see it: floats, fee in the quote asset. */
export interface KpiFill {
  readonly time: number;
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  /** Base quantity. */
  readonly qty: number;
  /** Fee in the quote asset. */
  readonly fee: number;
  /** Round trips are tracked per crew: fills of several crews may be given together. */
  readonly crewId?: string;
}

export interface KpiInput {
  /** The run's equity: the recorder itself or its summary. */
  readonly equity: EquitySummary | { summary(): EquitySummary };
  /** Fills in time order (per crew, when `crewId` is set). */
  readonly fills: readonly KpiFill[];
  readonly startCash: number;
  /** The backtest's span, ms (for CAGR and the report). */
  readonly span: { readonly start: number; readonly end: number };
  /** The traded symbol's first and last price over the same span, and the fee rate (0.001 = 0.1 %). */
  readonly buyAndHold?: { readonly firstPrice: number; readonly lastPrice: number; readonly feeRate: number };
}

export interface RoundTrip {
  readonly crewId: string | undefined;
  readonly openTime: number;
  readonly closeTime: number;
  /** Sell proceeds − buy cost − fees. */
  readonly pnl: number;
  readonly fees: number;
}

export interface Kpis {
  readonly startTime: number;
  readonly endTime: number;
  readonly startEquity: number;
  readonly finalEquity: number;
  readonly totalReturnPct: number;
  /** null when the span is empty, or the result is not finite. */
  readonly cagrPct: number | null;
  /** null with fewer than 2 daily returns or when they do not vary. */
  readonly sharpe: number | null;
  /** null with fewer than 2 daily returns or no losing day. */
  readonly sortino: number | null;
  /** Daily returns used for Sharpe and Sortino. */
  readonly days: number;
  /** Positive: 25 means equity fell 25 % below a peak. */
  readonly maxDrawdownPct: number;
  readonly maxDrawdownDurationMs: number;
  /** The longest time spent below a previous peak, whichever drawdown it was. */
  readonly longestDrawdownMs: number;
  readonly roundTrips: number;
  readonly wins: number;
  readonly losses: number;
  /** null without round trips. */
  readonly winRatePct: number | null;
  readonly grossProfit: number;
  /** Positive: the sum of the losing round trips' losses. */
  readonly grossLoss: number;
  /** null without a losing round trip (infinite) or without round trips; see `notes`. */
  readonly profitFactor: number | null;
  /** Whether some crew still held a position at the end. */
  readonly openAtEnd: boolean;
  readonly exposurePct: number;
  /** Every fee paid, open position included. */
  readonly feesPaid: number;
  /** null when no prices were given. */
  readonly buyAndHoldReturnPct: number | null;
  /** Why a KPI is null or should be read with care. */
  readonly notes: readonly string[];
}

export function computeKpis(input: KpiInput): Kpis {
  const equity = 'summary' in input.equity ? input.equity.summary() : input.equity;
  const notes: string[] = [];
  const startEquity = input.startCash;
  const finalEquity = equity.count > 0 ? equity.endEquity : input.startCash;
  // Time-based KPIs run on the time the data covers: a gap in the candles is no traded time.
  const recordedMs = equity.endTime - equity.startTime;
  const tradedMs = equity.tradedMs ?? recordedMs;
  const uncoveredMs = Math.max(0, recordedMs - tradedMs);
  const spanMs = input.span.end - input.span.start - uncoveredMs;

  const totalReturn = startEquity > 0 ? finalEquity / startEquity - 1 : 0;
  let cagrPct: number | null = null;
  if (spanMs <= 0 || startEquity <= 0) {
    notes.push('cagrPct: the span is empty');
  } else {
    const cagr = finalEquity <= 0 ? -1 : (finalEquity / startEquity) ** (YEAR_MS / spanMs) - 1;
    if (Number.isFinite(cagr)) {
      cagrPct = cagr * 100;
      if (spanMs < SHORT_SPAN_MS) notes.push('cagrPct: extrapolated from a span shorter than 30 days');
    } else {
      notes.push('cagrPct: too large to represent (a short span extrapolated to a year)');
    }
  }

  const ratios = dailyRatios(equity, notes);
  const trips = roundTripsOf(input.fills);
  const feesPaid = sum(input.fills.map((fill) => fill.fee));

  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  for (const trip of trips.closed) {
    if (trip.pnl > 0) {
      wins++;
      grossProfit += trip.pnl;
    } else if (trip.pnl < 0) {
      losses++;
      grossLoss -= trip.pnl;
    }
  }
  let profitFactor: number | null = null;
  if (trips.closed.length === 0) {
    notes.push('profitFactor: no round trips');
  } else if (grossLoss === 0) {
    notes.push(grossProfit > 0 ? 'profitFactor: no losing round trip — infinite, reported as null' : 'profitFactor: every round trip broke even');
  } else {
    profitFactor = grossProfit / grossLoss;
  }
  if (trips.openAtEnd) {
    notes.push('a position was still open at the end: it counts in equity and fees, not in round trips');
  }

  if (uncoveredMs > 0) {
    const calendarDays = equity.count > 0 ? Math.floor(equity.endTime / DAY_MS) - equity.firstDay + 1 : 0;
    const skippedDays = calendarDays - equity.dailyCloses.length;
    notes.push(
      `cagrPct, exposurePct, drawdown durations: over the ${duration(tradedMs)} the data covers; its gaps (${duration(uncoveredMs)}) are no traded time` +
        (skippedDays > 0 ? `; sharpe, sortino: the ${skippedDays} day(s) wholly inside a gap are no daily returns` : ''),
    );
  }
  let buyAndHoldReturnPct: number | null = null;
  if (input.buyAndHold && input.buyAndHold.firstPrice > 0) {
    const { firstPrice, lastPrice, feeRate } = input.buyAndHold;
    buyAndHoldReturnPct = (((lastPrice / firstPrice) * (1 - feeRate)) / (1 + feeRate)) * 100 - 100;
  } else {
    notes.push('buyAndHoldReturnPct: no prices given');
  }

  return {
    startTime: input.span.start,
    endTime: input.span.end,
    startEquity,
    finalEquity,
    totalReturnPct: totalReturn * 100,
    cagrPct,
    sharpe: ratios.sharpe,
    sortino: ratios.sortino,
    days: ratios.days,
    maxDrawdownPct: equity.maxDrawdown * 100,
    maxDrawdownDurationMs: equity.maxDrawdownDurationMs,
    longestDrawdownMs: equity.longestDrawdownMs,
    roundTrips: trips.closed.length,
    wins,
    losses,
    winRatePct: trips.closed.length > 0 ? (wins / trips.closed.length) * 100 : null,
    grossProfit,
    grossLoss,
    profitFactor,
    openAtEnd: trips.openAtEnd,
    exposurePct: tradedMs > 0 ? (equity.inMarketMs / tradedMs) * 100 : 0,
    feesPaid,
    buyAndHoldReturnPct,
    notes,
  };
}

/** Daily returns of equity from the summary's UTC day closes, the first from the start equity. */
export function dailyReturns(equity: EquitySummary): number[] {
  const returns: number[] = [];
  let previous = equity.startEquity;
  for (const close of equity.dailyCloses) {
    returns.push(previous > 0 ? close / previous - 1 : 0);
    previous = close;
  }
  return returns;
}

function dailyRatios(equity: EquitySummary, notes: string[]): { sharpe: number | null; sortino: number | null; days: number } {
  const returns = dailyReturns(equity);
  const n = returns.length;
  if (n < 2) {
    notes.push('sharpe, sortino: fewer than 2 daily returns');
    return { sharpe: null, sortino: null, days: n };
  }
  const mean = sum(returns) / n;
  const variance = sum(returns.map((r) => (r - mean) ** 2)) / (n - 1);
  const downside = Math.sqrt(sum(returns.map((r) => (r < 0 ? r * r : 0))) / n);
  const std = Math.sqrt(variance);
  let sharpe: number | null = null;
  // Returns equal up to float noise (0.01 and 0.010000000000000009) have no spread: a Sharpe of
  // 10^15 from rounding errors would be nonsense, so a spread this small counts as none.
  if (std > NO_SPREAD * Math.abs(mean)) {
    sharpe = (mean / std) * ANNUALIZATION;
  } else {
    notes.push('sharpe: daily returns do not vary');
  }
  let sortino: number | null = null;
  if (downside > 0) {
    sortino = (mean / downside) * ANNUALIZATION;
  } else {
    notes.push('sortino: no losing day — infinite or undefined, reported as null');
  }
  return { sharpe, sortino, days: n };
}

/** Round trips per crew: a position opened from flat and closed back to flat. */
export function roundTripsOf(fills: readonly KpiFill[]): { closed: RoundTrip[]; openAtEnd: boolean } {
  interface Book {
    position: number;
    /** The largest position of the trip: flat means within float noise of it. */
    maxPosition: number;
    openTime: number;
    cashFlow: number;
    fees: number;
  }
  const books = new Map<string | undefined, Book>();
  const closed: RoundTrip[] = [];
  for (const fill of fills) {
    let book = books.get(fill.crewId);
    if (!book) {
      book = { position: 0, maxPosition: 0, openTime: 0, cashFlow: 0, fees: 0 };
      books.set(fill.crewId, book);
    }
    if (fill.side === 'BUY') {
      if (book.position === 0) {
        book.openTime = fill.time;
        book.cashFlow = 0;
        book.fees = 0;
        book.maxPosition = 0;
      }
      book.position += fill.qty;
      book.maxPosition = Math.max(book.maxPosition, book.position);
      book.cashFlow -= fill.price * fill.qty + fill.fee;
      book.fees += fill.fee;
      continue;
    }
    // Spot is long only: a sell while flat (inventory from before the run) opens nothing.
    if (book.position === 0) continue;
    const qty = Math.min(fill.qty, book.position);
    book.position -= qty;
    book.cashFlow += fill.price * qty - fill.fee;
    book.fees += fill.fee;
    if (book.position <= book.maxPosition * 1e-9) {
      book.position = 0;
      closed.push({ crewId: fill.crewId, openTime: book.openTime, closeTime: fill.time, pnl: book.cashFlow, fees: book.fees });
    }
  }
  const openAtEnd = [...books.values()].some((book) => book.position > 0);
  return { closed, openAtEnd };
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
