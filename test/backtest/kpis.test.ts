import { describe, expect, it } from 'vitest';
import { DAY_MS, EquityRecorder, type EquitySummary } from '../../src/backtest/equity-recorder.ts';
import { computeKpis, dailyReturns, KPI_CONVENTIONS, roundTripsOf, type KpiFill } from '../../src/backtest/kpis.ts';

const D = DAY_MS;
const T0 = Date.UTC(2021, 0, 1);

/** Records [time, equity, inMarket] rows into a fresh recorder. */
function recorderOf(rows: readonly (readonly [number, number, boolean?])[], maxPoints?: number): EquityRecorder {
  const recorder = new EquityRecorder(maxPoints === undefined ? {} : { maxPoints });
  for (const [time, equity, inMarket] of rows) recorder.record(time, equity, inMarket ?? false);
  return recorder;
}

// Independent statistics for the Sharpe / Sortino checks: plain textbook formulas.
function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function sampleStd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}
function downsideDeviation(xs: readonly number[]): number {
  return Math.sqrt(xs.reduce((a, x) => a + Math.min(x, 0) ** 2, 0) / xs.length);
}

// A week by hand. The run starts at 00:00 of day 0 with 1,000 of cash and records equity at
// each day's last millisecond (a daily candle's close). `inMarket` holds until the next point.
//
//   point   time          equity  inMarket   running peak  drawdown
//   start   T0               1000   no          1000          0
//   c0      T0 + 1D − 1      1000   yes         1000          0
//   c1      T0 + 2D − 1      1100   yes         1100          0
//   c2      T0 + 3D − 1       990   yes         1100        −10 %   ← the trough: (1100 − 990) / 1100
//   c3      T0 + 4D − 1      1045   no          1100         −5 %
//   c4      T0 + 5D − 1      1045   yes         1100         −5 %
//   c5      T0 + 6D − 1      1210   no          1210          0     ← back above 1100: recovered
//
// Total return 1210 / 1000 − 1 = 21 %. Max drawdown 10 %, from c1 to the recovery at c5: 4 days.
// Exposure: in market c0→c1, c1→c2, c2→c3, c4→c5 = 4 days of a 6 days − 1 ms span.
// Daily closes (UTC days 0..5): 1000, 1100, 990, 1045, 1045, 1210; from the start equity 1000 the
// daily returns are 0, +10 %, −10 %, +1/18 (1045/990 − 1), 0, +33/209 (1210/1045 − 1).
// Mean 0.0355750487; sample std 0.0899151412 → Sharpe 0.0355750487 / 0.0899151412 × √365 ≈ 7.5589.
// Downside deviation √(0.1² / 6) = 0.0408248290 → Sortino 0.0355750487 / 0.0408248290 × √365 ≈ 16.6482.
const WEEK: readonly (readonly [number, number, boolean])[] = [
  [T0, 1000, false],
  [T0 + 1 * D - 1, 1000, true],
  [T0 + 2 * D - 1, 1100, true],
  [T0 + 3 * D - 1, 990, true],
  [T0 + 4 * D - 1, 1045, false],
  [T0 + 5 * D - 1, 1045, true],
  [T0 + 6 * D - 1, 1210, false],
];
const WEEK_SPAN = { start: T0, end: T0 + 6 * D - 1 };

// The same week's fills (prices in quote, fees 0.1 % of the notional, in quote).
// Trip 1 — built in two buys, closed in two sells, a loss:
//   cost 5 × 100 + 5 × 110 = 1050, proceeds 4 × 99 + 6 × 104.5 = 1023,
//   fees 0.5 + 0.55 + 0.396 + 0.627 = 2.073 → PnL 1023 − 1050 − 2.073 = −29.073
// Trip 2 — a win: 10 × 121 − 10 × 104.5 − (1.045 + 1.21) = 162.745
// Trip 3 — up 0.15 before fees, a loss after them: 100.15 − 100 − (0.1 + 0.10015) = −0.05015
// Then a buy of 2 @ 120 (fee 0.24) still open at the end: no round trip, but its fee is paid.
// Round trips 3, wins 1 → win rate 33.33 %; gross profit 162.745, gross loss 29.073 + 0.05015 =
// 29.12315 → profit factor 5.588166…; fees 2.073 + 2.255 + 0.20015 + 0.24 = 4.76815.
const WEEK_FILLS: readonly KpiFill[] = [
  { time: T0 + 1 * D - 1, side: 'BUY', price: 100, qty: 5, fee: 0.5 },
  { time: T0 + 2 * D - 1, side: 'BUY', price: 110, qty: 5, fee: 0.55 },
  { time: T0 + 3 * D - 1, side: 'SELL', price: 99, qty: 4, fee: 0.396 },
  { time: T0 + 4 * D - 1, side: 'SELL', price: 104.5, qty: 6, fee: 0.627 },
  { time: T0 + 5 * D - 1, side: 'BUY', price: 104.5, qty: 10, fee: 1.045 },
  { time: T0 + 6 * D - 1, side: 'SELL', price: 121, qty: 10, fee: 1.21 },
  { time: T0 + 6 * D - 1, side: 'BUY', price: 100, qty: 1, fee: 0.1 },
  { time: T0 + 6 * D - 1, side: 'SELL', price: 100.15, qty: 1, fee: 0.10015 },
  { time: T0 + 6 * D - 1, side: 'BUY', price: 120, qty: 2, fee: 0.24 },
];

function weekKpis() {
  return computeKpis({
    equity: recorderOf(WEEK),
    fills: WEEK_FILLS,
    startCash: 1000,
    span: WEEK_SPAN,
    buyAndHold: { firstPrice: 100, lastPrice: 121, feeRate: 0.001 },
  });
}

describe('computeKpis on a hand-worked week', () => {
  const kpis = weekKpis();

  it('reports the return, the equity at both ends and the span', () => {
    expect(kpis.startEquity).toBe(1000);
    expect(kpis.finalEquity).toBe(1210);
    expect(kpis.totalReturnPct).toBeCloseTo(21, 10);
    expect(kpis.startTime).toBe(WEEK_SPAN.start);
    expect(kpis.endTime).toBe(WEEK_SPAN.end);
    // 1.21 compounded over (6 days − 1 ms) expressed in 365-day years.
    expect(kpis.cagrPct).toBeCloseTo((1.21 ** ((365 * D) / (6 * D - 1)) - 1) * 100, 6);
    expect(kpis.notes).toContain('cagrPct: extrapolated from a span shorter than 30 days');
  });

  it('measures the max drawdown from the 1100 peak to the 990 trough, and its 4 days to recovery', () => {
    expect(kpis.maxDrawdownPct).toBeCloseTo(10, 10);
    expect(kpis.maxDrawdownDurationMs).toBe(4 * D);
    expect(kpis.longestDrawdownMs).toBe(4 * D);
  });

  it('counts time in market between points by the state at the start of each gap', () => {
    expect(kpis.exposurePct).toBeCloseTo(((4 * D) / (6 * D - 1)) * 100, 10);
  });

  it('computes Sharpe and Sortino from UTC daily closes, annualized with √365', () => {
    const returns = [0, 0.1, -0.1, 1045 / 990 - 1, 0, 1210 / 1045 - 1];
    const summary = recorderOf(WEEK).summary();
    expect(summary.dailyCloses).toEqual([1000, 1100, 990, 1045, 1045, 1210]);
    expect(dailyReturns(summary)).toEqual(returns.map((r) => expect.closeTo(r, 14)));
    expect(kpis.days).toBe(6);
    expect(kpis.sharpe).toBeCloseTo((mean(returns) / sampleStd(returns)) * Math.sqrt(365), 10);
    expect(kpis.sortino).toBeCloseTo((mean(returns) / downsideDeviation(returns)) * Math.sqrt(365), 10);
    // The numbers worked out in the comment above.
    expect(kpis.sharpe).toBeCloseTo(7.5589, 3);
    expect(kpis.sortino).toBeCloseTo(16.6482, 3);
  });

  it('counts round trips from flat to flat with their fees, ignoring the position still open', () => {
    expect(kpis.roundTrips).toBe(3);
    expect(kpis.wins).toBe(1);
    expect(kpis.losses).toBe(2);
    expect(kpis.winRatePct).toBeCloseTo(100 / 3, 10);
    expect(kpis.grossProfit).toBeCloseTo(162.745, 9);
    expect(kpis.grossLoss).toBeCloseTo(29.12315, 9);
    expect(kpis.profitFactor).toBeCloseTo(162.745 / 29.12315, 9);
    expect(kpis.feesPaid).toBeCloseTo(4.76815, 9);
    expect(kpis.openAtEnd).toBe(true);
    const trips = roundTripsOf(WEEK_FILLS).closed;
    expect(trips.map((trip) => trip.pnl)).toEqual([expect.closeTo(-29.073, 9), expect.closeTo(162.745, 9), expect.closeTo(-0.05015, 9)]);
    expect(trips[0]).toMatchObject({ openTime: T0 + D - 1, closeTime: T0 + 4 * D - 1, fees: expect.closeTo(2.073, 9) });
  });

  it('prices buy and hold with the fee on the buy and on the sell', () => {
    // 1000 buys 1000 / 1.001 = 999.000999 of notional (fee 0.999001) = 9.99000999 units at 100;
    // sold at 121 for 1208.791209, less its fee 1.208791 = 1207.582418 → +20.7582418 %.
    expect(kpis.buyAndHoldReturnPct).toBeCloseTo(20.7582418, 6);
    expect(kpis.buyAndHoldReturnPct).toBeCloseTo((((121 / 100) * 0.999) / 1.001 - 1) * 100, 10);
  });

  it('is deterministic: the same input gives bit-identical numbers', () => {
    expect(weekKpis()).toStrictEqual(kpis);
    expect(JSON.parse(JSON.stringify(kpis))).toStrictEqual(kpis);
  });

  it('takes the recorder or its summary alike', () => {
    const fromSummary = computeKpis({
      equity: recorderOf(WEEK).summary(),
      fills: WEEK_FILLS,
      startCash: 1000,
      span: WEEK_SPAN,
      buyAndHold: { firstPrice: 100, lastPrice: 121, feeRate: 0.001 },
    });
    expect(fromSummary).toStrictEqual(kpis);
  });
});

describe('computeKpis edge cases', () => {
  it('reports profit factor and Sortino as null, with a note, when nothing ever loses', () => {
    // Equity only rises: +1 % a day for 4 days; two winning round trips.
    const rows: [number, number][] = [[T0, 1000]];
    for (let day = 0; day < 4; day++) rows.push([T0 + (day + 1) * D - 1, 1000 * 1.01 ** (day + 1)]);
    const kpis = computeKpis({
      equity: recorderOf(rows),
      fills: [
        { time: T0 + 1, side: 'BUY', price: 10, qty: 1, fee: 0.01 },
        { time: T0 + 2, side: 'SELL', price: 11, qty: 1, fee: 0.011 },
        { time: T0 + 3, side: 'BUY', price: 10, qty: 2, fee: 0.02 },
        { time: T0 + 4, side: 'SELL', price: 12, qty: 2, fee: 0.024 },
      ],
      startCash: 1000,
      span: { start: T0, end: T0 + 4 * D - 1 },
    });
    expect(kpis.roundTrips).toBe(2);
    expect(kpis.winRatePct).toBe(100);
    expect(kpis.grossLoss).toBe(0);
    expect(kpis.profitFactor).toBeNull();
    expect(kpis.notes).toContain('profitFactor: no losing round trip — infinite, reported as null');
    expect(kpis.maxDrawdownPct).toBe(0);
    expect(kpis.maxDrawdownDurationMs).toBe(0);
    // Four equal +1 % days: no spread (Sharpe undefined) and no losing day (Sortino infinite).
    expect(kpis.sharpe).toBeNull();
    expect(kpis.sortino).toBeNull();
    expect(kpis.notes).toContain('buyAndHoldReturnPct: no prices given');
    expect(kpis.buyAndHoldReturnPct).toBeNull();
    expect(JSON.stringify(kpis)).not.toContain('Infinity');
  });

  it('handles an empty run: nothing recorded, no fills', () => {
    const kpis = computeKpis({ equity: new EquityRecorder(), fills: [], startCash: 500, span: { start: T0, end: T0 } });
    expect(kpis).toMatchObject({
      startEquity: 500,
      finalEquity: 500,
      totalReturnPct: 0,
      cagrPct: null,
      sharpe: null,
      sortino: null,
      days: 0,
      maxDrawdownPct: 0,
      maxDrawdownDurationMs: 0,
      roundTrips: 0,
      winRatePct: null,
      profitFactor: null,
      exposurePct: 0,
      feesPaid: 0,
      openAtEnd: false,
    });
    expect(kpis.notes).toContain('profitFactor: no round trips');
    expect(kpis.notes).toContain('sharpe, sortino: fewer than 2 daily returns');
    expect(new EquityRecorder().equityPoints()).toEqual([]);
  });

  it('runs an unrecovered drawdown to the end of the run', () => {
    // Peak 1200 at day 1, 900 at day 2 (−25 %), only 1000 at day 3 when the run ends.
    const summary = recorderOf([
      [T0, 1000],
      [T0 + D, 1200],
      [T0 + 2 * D, 900],
      [T0 + 3 * D, 1000],
    ]).summary();
    expect(summary.maxDrawdown).toBeCloseTo(0.25, 12);
    expect(summary.maxDrawdownRecoveryTime).toBeNull();
    expect(summary.maxDrawdownDurationMs).toBe(2 * D);
    expect(summary.longestDrawdownMs).toBe(2 * D);
  });

  it('tells the deepest drawdown from the longest one', () => {
    // A shallow 10 % dip lasting 5 days, then a deep 30 % one recovered in 2 days.
    //   0: 1000  1D: 900 (−10 %)  5D: 1000 (recovered, 5 days)  6D: 700 (−30 %)  7D: 1001 (recovered, 2 days)
    const summary = recorderOf([
      [T0, 1000],
      [T0 + D, 900],
      [T0 + 5 * D, 1000],
      [T0 + 6 * D, 700],
      [T0 + 7 * D, 1001],
    ]).summary();
    expect(summary.maxDrawdown).toBeCloseTo(0.3, 12);
    expect(summary.maxDrawdownPeakTime).toBe(T0 + 5 * D);
    expect(summary.maxDrawdownTroughTime).toBe(T0 + 6 * D);
    expect(summary.maxDrawdownRecoveryTime).toBe(T0 + 7 * D);
    expect(summary.maxDrawdownDurationMs).toBe(2 * D);
    expect(summary.longestDrawdownMs).toBe(5 * D);
  });

  it('tracks round trips per crew when several crews trade together', () => {
    // Crew a opens, crew b opens, crew a closes: a's trip is done although b still holds.
    const { closed, openAtEnd } = roundTripsOf([
      { crewId: 'a', time: 1, side: 'BUY', price: 10, qty: 1, fee: 0 },
      { crewId: 'b', time: 2, side: 'BUY', price: 10, qty: 3, fee: 0 },
      { crewId: 'a', time: 3, side: 'SELL', price: 12, qty: 1, fee: 0 },
    ]);
    expect(closed).toEqual([{ crewId: 'a', openTime: 1, closeTime: 3, pnl: 2, fees: 0 }]);
    expect(openAtEnd).toBe(true);
  });

  it('closes a trip whose sells add up to the buys only up to float noise', () => {
    // 0.1 + 0.2 bought, 0.3 sold: 0.30000000000000004 − 0.3 is noise, not a position.
    const { closed, openAtEnd } = roundTripsOf([
      { time: 1, side: 'BUY', price: 100, qty: 0.1, fee: 0 },
      { time: 2, side: 'BUY', price: 100, qty: 0.2, fee: 0 },
      { time: 3, side: 'SELL', price: 100, qty: 0.3, fee: 0 },
    ]);
    expect(closed).toHaveLength(1);
    expect(openAtEnd).toBe(false);
  });

  it('exports its conventions for the README', () => {
    expect(KPI_CONVENTIONS).toContain('√365');
    expect(KPI_CONVENTIONS).toContain('UTC day');
    expect(KPI_CONVENTIONS).toContain('risk-free rate 0');
  });
});

describe('EquityRecorder', () => {
  it('repeats the previous close for a UTC day without points', () => {
    const summary = recorderOf([
      [T0 + 10, 100],
      [T0 + 3 * D + 10, 130],
    ]).summary();
    expect(summary.firstDay).toBe(T0 / D);
    expect(summary.dailyCloses).toEqual([100, 100, 100, 130]);
  });

  it('leaves a gap in the data out of traded time, time in market and daily returns', () => {
    // Hourly candles on day 0, none on days 1–4 (a gap), hourly again on day 5; a position held throughout.
    const H = 3_600_000;
    const recorder = new EquityRecorder();
    recorder.record(T0, 1000, false);
    for (let h = 1; h <= 24; h++) recorder.record(T0 + h * H - 1, 1000 + h, true, h === 1 ? H - 1 : H);
    // The first candle after the gap closes at day 5 01:00: one hour of it is covered.
    for (let h = 1; h <= 24; h++) recorder.record(T0 + 5 * D + h * H - 1, 1100 + h, true, H);
    const summary = recorder.summary();
    expect(summary.tradedMs).toBe(2 * D - 1);
    expect(summary.inMarketMs).toBe(2 * D - 1 - (H - 1));
    // Days 1–4 are wholly inside the gap: two daily closes, day 0's and day 5's.
    expect(summary.dailyCloses).toEqual([1024, 1124]);
    const kpis = computeKpis({ equity: recorder, fills: [], startCash: 1000, span: { start: T0, end: T0 + 6 * D } });
    expect(kpis.exposurePct).toBeCloseTo(((2 * D - H) / (2 * D - 1)) * 100, 10);
    expect(kpis.cagrPct).toBeCloseTo(((1124 / 1000) ** (365 / 2) - 1) * 100, 6);
    expect(kpis.days).toBe(2);
  });

  it('counts no time under water inside a gap in the data', () => {
    // A peak at day 0 12:00, under water for 2 hours, a 3-day gap, 2 more hours, then back at the peak.
    const H = 3_600_000;
    const recorder = new EquityRecorder();
    recorder.record(T0 + 12 * H, 1000, false);
    recorder.record(T0 + 13 * H, 900, false, H);
    recorder.record(T0 + 14 * H, 950, false, H);
    recorder.record(T0 + 3 * D + 15 * H, 960, false, H); // the first candle after the gap
    recorder.record(T0 + 3 * D + 16 * H, 1000, false, H);
    const summary = recorder.summary();
    expect(summary.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(summary.maxDrawdownDurationMs).toBe(4 * H);
    expect(summary.longestDrawdownMs).toBe(4 * H);
  });

  it('refuses time going backwards and non-finite equity', () => {
    const recorder = recorderOf([[T0 + D, 100]]);
    expect(() => recorder.record(T0, 100)).toThrow(RangeError);
    expect(() => recorder.record(T0 + 2 * D, Number.NaN)).toThrow(RangeError);
  });

  it('keeps every point when unbounded', () => {
    const recorder = recorderOf(WEEK, Infinity);
    expect(recorder.equityPoints()).toEqual(WEEK.map(([time, equity]) => ({ time, equity })));
    expect(recorder.drawdownPoints().map((p) => p.pct)).toEqual([0, 0, 0, expect.closeTo(-10, 12), expect.closeTo(-5, 12), expect.closeTo(-5, 12), 0]);
  });

  describe('downsampled over a long run', () => {
    // 1,000,000 one-minute points of a noisy random walk (a fixed LCG: the same walk every run)
    // with one sharp crash at point 654,321.
    const N = 1_000_000;
    function walk(recorders: EquityRecorder[]): void {
      let seed = 42;
      let equity = 10_000;
      for (let i = 0; i < N; i++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        equity *= 1 + (seed / 2_147_483_648 - 0.5) * 0.002;
        if (i === 654_321) equity *= 0.5;
        if (i === 654_322) equity *= 1.8;
        for (const recorder of recorders) recorder.record(T0 + i * 60_000, equity, i % 3 === 0);
      }
    }
    const exact = new EquityRecorder({ maxPoints: Infinity });
    const bounded = new EquityRecorder({ maxPoints: 5_000 });
    walk([exact, bounded]);

    it('keeps the KPI statistics exact', () => {
      const a: EquitySummary = exact.summary();
      expect(bounded.summary()).toStrictEqual(a);
      expect(a.count).toBe(N);
      expect(a.dailyCloses).toHaveLength(Math.ceil((N * 60_000) / D));
    });

    it('keeps at most maxPoints points, with the first, the last and the crash', () => {
      const points = bounded.equityPoints();
      const all = exact.equityPoints();
      expect(all).toHaveLength(N);
      expect(points.length).toBeLessThanOrEqual(5_000);
      expect(points.length).toBeGreaterThan(2_000);
      expect(points[0]).toEqual(all[0]);
      expect(points[points.length - 1]).toEqual(all[N - 1]);
      expect(points).toContainEqual(all[654_321]);
      for (let i = 1; i < points.length; i++) expect(points[i]!.time).toBeGreaterThan(points[i - 1]!.time);
      const lowest = all.reduce((lo, p) => (p.equity < lo.equity ? p : lo));
      const highest = all.reduce((hi, p) => (p.equity > hi.equity ? p : hi));
      expect(points).toContainEqual(lowest);
      expect(points).toContainEqual(highest);
    });

    it('shows the exact max drawdown in its drawdown series', () => {
      const drawdown = bounded.drawdownPoints();
      expect(drawdown).toHaveLength(bounded.equityPoints().length);
      const deepest = Math.min(...drawdown.map((p) => p.pct));
      expect(deepest).toBe(-bounded.summary().maxDrawdown * 100);
    });
  });
});
