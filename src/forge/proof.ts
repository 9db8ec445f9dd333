// What the sandbox is asked to prove about a draft, and what it answers: plain JSON on both
// sides (it crosses a process boundary). The evaluation itself is in evaluate.ts.
import type { Interval } from '../core/domain.ts';

export interface ProofJob {
  /** The folder holding the transpiled draft (a crew dir for the loader). */
  readonly draftDir: string;
  readonly name: string;
  readonly symbol: string;
  readonly interval: Interval;
  /** Candle files or folders. */
  readonly data: readonly string[];
  readonly cash: number;
  readonly feeBps: number;
  /** Share of the span that is in-sample; the rest is out-of-sample. */
  readonly inSampleShare: number;
  /** Run the existing crews on the same spans for comparison. */
  readonly compare: boolean;
}

/** The KPIs a report shows for one run. */
export interface KpiLine {
  readonly start: number;
  readonly end: number;
  readonly candles: number;
  readonly totalReturnPct: number;
  readonly buyAndHoldReturnPct: number | null;
  readonly sharpe: number | null;
  readonly maxDrawdownPct: number;
  readonly roundTrips: number;
  readonly winRatePct: number | null;
  readonly profitFactor: number | null;
  readonly feesPaid: number;
  readonly finalEquity: number;
}

export interface RobustnessLine {
  readonly param: string;
  readonly value: number;
  /** null when the params schema refused the value (the reason says why). */
  readonly totalReturnPct: number | null;
  /** A gain at the defaults that turns into a loss here. */
  readonly collapsed: boolean;
  readonly reason?: string;
}

export interface ProofReport {
  readonly ok: true;
  readonly name: string;
  readonly symbol: string;
  readonly interval: Interval;
  readonly params: Readonly<Record<string, unknown>>;
  readonly full: KpiLine;
  readonly inSample: KpiLine;
  readonly outOfSample: KpiLine;
  /** Consecutive windows of the span, each run on its own (empty when the span is too short). */
  readonly walkForward: readonly KpiLine[];
  readonly existing: readonly { readonly crew: string; readonly inSample: KpiLine; readonly outOfSample: KpiLine }[];
  readonly robustness: readonly RobustnessLine[];
  /** Two runs of the full span gave byte-identical KPIs and fills. */
  readonly deterministic: boolean;
  /** Said plainly when there are too few trades to judge; null otherwise. */
  readonly tradeVerdict: string | null;
  /** The full run's equity curve, thinned. */
  readonly equity: readonly { readonly time: number; readonly equity: number }[];
}

export interface ProofFailure {
  readonly ok: false;
  /**
   * load: the module did not load or its schema is unsafe; run: a backtest failed; sandbox: killed
   * or crashed; queue: sent to a research worker, no proof came back (none listening, refused,
   * candles that did not match, no answer in time).
   */
  readonly stage: 'load' | 'run' | 'sandbox' | 'queue';
  readonly reason: string;
}

export type ProofOutcome = ProofReport | ProofFailure;
