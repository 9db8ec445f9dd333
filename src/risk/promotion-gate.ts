// The promotion gate: a crew instance's paper record against the configured criteria. Pure: the
// figures in, each criterion with its value and limit out, so a refusal names what failed.
import type { PromotionConfig } from '../config/promotion.ts';

export interface RecordFigures {
  /** Days on the venue so far. */
  readonly days: number;
  /** Round trips closed. */
  readonly trades: number;
  readonly maxDrawdownPct: number;
  readonly sharpe: number | null;
  /** Infinity with wins and no loss; null without a round trip. */
  readonly profitFactor: number | null;
  /** The record's drift from its backtest, % of the starting equity. */
  readonly driftPct: number;
  /** Fills missing from or extra in the record against its backtest. */
  readonly unmatchedFills: number;
}

export interface Criterion {
  readonly name: 'days' | 'trades' | 'drawdown' | 'sharpe-or-profit-factor' | 'drift';
  readonly ok: boolean;
  /** In words, with the value and the limit: "days 3.2 < 7". */
  readonly text: string;
}

export interface GateVerdict {
  readonly pass: boolean;
  readonly criteria: readonly Criterion[];
  /** The failing criteria, in words (empty when it passes). */
  readonly failing: readonly string[];
}

export function evaluateGate(f: RecordFigures, gate: PromotionConfig): GateVerdict {
  const n = (v: number | null, digits = 2) => (v === null ? '—' : v === Number.POSITIVE_INFINITY ? '∞' : v.toFixed(digits));
  const sharpeOk = f.sharpe !== null && f.sharpe >= gate.minSharpe;
  const pfOk = f.profitFactor !== null && f.profitFactor >= gate.minProfitFactor;
  const driftOk = f.driftPct <= gate.maxDriftPct && f.unmatchedFills <= gate.maxUnmatchedFills;
  const criteria: Criterion[] = [
    { name: 'days', ok: f.days >= gate.minDays, text: `days on paper ${n(f.days, 1)} ${f.days >= gate.minDays ? '≥' : '<'} ${gate.minDays}` },
    { name: 'trades', ok: f.trades >= gate.minTrades, text: `round trips ${f.trades} ${f.trades >= gate.minTrades ? '≥' : '<'} ${gate.minTrades}` },
    {
      name: 'drawdown',
      ok: f.maxDrawdownPct <= gate.maxDrawdownPct,
      text: `max drawdown ${n(f.maxDrawdownPct)} % ${f.maxDrawdownPct <= gate.maxDrawdownPct ? '≤' : '>'} ${gate.maxDrawdownPct} %`,
    },
    {
      name: 'sharpe-or-profit-factor',
      ok: sharpeOk || pfOk,
      text: `Sharpe ${n(f.sharpe)} ${sharpeOk ? '≥' : 'below'} ${gate.minSharpe} or profit factor ${n(f.profitFactor)} ${pfOk ? '≥' : 'below'} ${gate.minProfitFactor}`,
    },
    {
      name: 'drift',
      ok: driftOk,
      text: `drift ${n(f.driftPct)} % (max ${gate.maxDriftPct} %), ${f.unmatchedFills} unmatched fill(s) (max ${gate.maxUnmatchedFills})`,
    },
  ];
  const failing = criteria.filter((c) => !c.ok).map((c) => c.text);
  return { pass: failing.length === 0, criteria, failing };
}
