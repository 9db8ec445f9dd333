// A crew instance's track record on its venue, beside what its backtest says it should have done.
// The record is the journal's: the fills it made since it joined the venue, and its equity at each
// candle close (its book rebuilt from those fills, marked at the close). The backtest is the real
// one (simulate, the same engine and paper exchange) with the same module, params, candles, capital,
// fee and slippage. The difference is the crew's drift: fills the backtest did not make (or made
// elsewhere), price slippage, fees, and equity. Drift beyond the tolerance is flagged — that is how
// look-ahead, non-determinism or an unrealistic fill model shows up before it costs money.
import { type Candle, type Interval, intervalMs } from '../core/domain.ts';
import type { JournalFill } from '../ports/journal.ts';
import type { MarketData } from '../ports/market-data.ts';
import { EquityRecorder } from './equity-recorder.ts';
import { computeKpis, type Kpis } from './kpis.ts';
import { type BacktestFill, quoteAsset, simulate, singleCrewConfig, amount } from './run.ts';

export interface DriftTolerance {
  /** Flagged when the record's final equity and the backtest's differ by more than this, in % of the starting equity. */
  readonly maxDriftPct: number;
  /** Flagged when more fills than this are missing from the record or extra in it. */
  readonly maxUnmatchedFills: number;
}

export interface TrackRecordInput {
  readonly crewId: string;
  readonly module: string;
  readonly symbol: string;
  readonly interval: Interval;
  readonly params: Readonly<Record<string, unknown>>;
  /** Its equity when it joined the venue (flat: its capital then). */
  readonly startCash: number;
  /** Candles of the crew's symbol and interval, oldest first: those closing at or before `start` only warm the backtest up. */
  readonly candles: readonly Candle[];
  /** When the record starts (ms): candles closing after it were traded. */
  readonly start: number;
  /** The crew's fills on the venue since `start`, oldest first (the journal's). */
  readonly fills: readonly JournalFill[];
  readonly feeBps: number;
  readonly slippageBps: number;
  readonly crewDirs: readonly string[];
  readonly tolerance: DriftTolerance;
}

export interface RunRecord {
  readonly kpis: Kpis;
  readonly fills: readonly BacktestFill[];
  readonly equity: EquityRecorder;
  readonly finalEquity: number;
}

export interface Drift {
  /** Fills matched between the record and the backtest (same side, within one candle). */
  readonly matched: number;
  /** The backtest's fills the record lacks. */
  readonly missing: readonly BacktestFill[];
  /** The record's fills the backtest did not make. */
  readonly extra: readonly BacktestFill[];
  /** What matched fills cost beyond the backtest's prices, in quote (positive: worse than the backtest). */
  readonly slippageQuote: number;
  /** The same, in basis points of the matched fills' backtest notional. */
  readonly slippageBps: number;
  /** Fees of the record minus the backtest's, in quote. */
  readonly feesDiff: number;
  /** The record's final equity minus the backtest's, in quote. */
  readonly equityDiff: number;
  /** |equityDiff| in % of the starting equity. */
  readonly driftPct: number;
  readonly flagged: boolean;
  /** Why it is flagged, in words (empty when not). */
  readonly reasons: readonly string[];
}

export interface TrackRecord {
  readonly crewId: string;
  readonly start: number;
  readonly end: number;
  /** Candles traded over the record. */
  readonly candles: number;
  readonly record: RunRecord;
  readonly backtest: RunRecord;
  readonly drift: Drift;
}

export async function computeTrackRecord(input: TrackRecordInput): Promise<TrackRecord> {
  const warm = input.candles.filter((c) => c.closeTime <= input.start);
  const traded = input.candles.filter((c) => c.closeTime > input.start);
  if (traded.length === 0) throw new Error(`no candle of ${input.symbol} ${input.interval} has closed since the record started`);
  const span = { start: traded[0]!.openTime, end: traded.at(-1)!.closeTime + 1 };
  const record = recordOf(input, traded, span);
  const backtest = await backtestOf(input, warm, traded, span);
  return { crewId: input.crewId, start: span.start, end: span.end, candles: traded.length, record, backtest, drift: driftOf(record, backtest, input) };
}

/** The record: the journal's fills, and the crew's equity at each close rebuilt from them. */
function recordOf(input: TrackRecordInput, traded: readonly Candle[], span: { start: number; end: number }): RunRecord {
  const quote = quoteAsset(input.symbol);
  const fills: BacktestFill[] = input.fills.map((f) => {
    const price = f.price.toNumber();
    return { time: f.time, side: f.side, price, qty: f.quantity.toNumber(), fee: f.feeAsset === quote ? f.fee.toNumber() : f.fee.toNumber() * price };
  });
  const equity = new EquityRecorder();
  equity.record(span.start, input.startCash, false);
  let cash = input.startCash;
  let qty = 0;
  let next = 0;
  for (const candle of traded) {
    while (next < input.fills.length && input.fills[next]!.time <= candle.closeTime) {
      const f = input.fills[next++]!;
      const quoteFee = f.feeAsset === quote ? f.fee.toNumber() : 0;
      const baseFee = f.feeAsset !== quote ? f.fee.toNumber() : 0;
      if (f.side === 'BUY') {
        cash -= f.quoteQuantity.toNumber() + quoteFee;
        qty += f.quantity.toNumber() - baseFee;
      } else {
        cash += f.quoteQuantity.toNumber() - quoteFee - baseFee * f.price.toNumber();
        qty -= f.quantity.toNumber();
      }
    }
    equity.record(candle.closeTime, cash + qty * candle.close, qty > 1e-12, candle.closeTime - candle.openTime + 1);
  }
  const finalEquity = cash + qty * traded.at(-1)!.close;
  const kpis = computeKpis({
    equity,
    fills,
    startCash: input.startCash,
    span,
    buyAndHold: { firstPrice: traded[0]!.open, lastPrice: traded.at(-1)!.close, feeRate: input.feeBps / 10_000 },
  });
  return { kpis, fills, equity, finalEquity };
}

/** The real backtester over the same candles, capital and costs. */
async function backtestOf(
  input: TrackRecordInput,
  warm: readonly Candle[],
  traded: readonly Candle[],
  span: { start: number; end: number },
): Promise<RunRecord> {
  const market: MarketData = {
    description: `the candles of ${input.crewId}'s record`,
    candles: () => traded,
    history: async (_subscription, limit, before) => warm.filter((c) => c.closeTime < before).slice(-limit),
  };
  const config = singleCrewConfig({
    crew: input.module,
    symbol: input.symbol,
    interval: input.interval,
    params: { ...input.params },
    crewDirs: input.crewDirs,
    cash: input.startCash,
    feeBps: input.feeBps,
    slippageBps: input.slippageBps,
    journal: ':memory:',
  });
  const run = await simulate({
    config,
    market,
    from: span.start,
    feeBps: input.feeBps,
    slippageBps: input.slippageBps,
    balances: { [quoteAsset(input.symbol)]: amount(input.startCash) },
    journal: ':memory:',
    perCrew: false,
  });
  const crew = run.crews[0]!;
  const kpis = computeKpis({
    equity: run.total,
    fills: crew.fills,
    startCash: input.startCash,
    span,
    buyAndHold: { firstPrice: traded[0]!.open, lastPrice: traded.at(-1)!.close, feeRate: input.feeBps / 10_000 },
  });
  return { kpis, fills: crew.fills, equity: run.total, finalEquity: run.finalEquity };
}

/** Pairs the fills (same side, within one candle of each other, in time order) and measures the difference. */
export function driftOf(record: RunRecord, backtest: RunRecord, input: Pick<TrackRecordInput, 'interval' | 'startCash' | 'tolerance'>): Drift {
  const window = intervalMs(input.interval);
  const used = new Set<number>();
  const missing: BacktestFill[] = [];
  let matched = 0;
  let slippageQuote = 0;
  let notional = 0;
  for (const b of backtest.fills) {
    const i = record.fills.findIndex((r, k) => !used.has(k) && r.side === b.side && Math.abs(r.time - b.time) <= window);
    if (i < 0) {
      missing.push(b);
      continue;
    }
    used.add(i);
    matched++;
    const r = record.fills[i]!;
    slippageQuote += (b.side === 'BUY' ? r.price - b.price : b.price - r.price) * r.qty;
    notional += b.price * r.qty;
  }
  const extra = record.fills.filter((_, k) => !used.has(k));
  const fees = (fills: readonly BacktestFill[]) => fills.reduce((s, f) => s + f.fee, 0);
  const equityDiff = record.finalEquity - backtest.finalEquity;
  const driftPct = input.startCash > 0 ? (Math.abs(equityDiff) / input.startCash) * 100 : 0;
  const reasons: string[] = [];
  const { maxDriftPct, maxUnmatchedFills } = input.tolerance;
  if (driftPct > maxDriftPct)
    reasons.push(`equity differs from the backtest's by ${driftPct.toFixed(2)} % of the starting equity (tolerance ${maxDriftPct} %)`);
  const unmatched = missing.length + extra.length;
  if (unmatched > maxUnmatchedFills) {
    reasons.push(`${missing.length} fill(s) of the backtest missing and ${extra.length} extra (tolerance ${maxUnmatchedFills} unmatched)`);
  }
  return {
    matched,
    missing,
    extra,
    slippageQuote,
    slippageBps: notional > 0 ? (slippageQuote / notional) * 10_000 : 0,
    feesDiff: fees(record.fills) - fees(backtest.fills),
    equityDiff,
    driftPct,
    flagged: reasons.length > 0,
    reasons,
  };
}
