// What a backtest is asked for, by /backtest and by the manager's run_backtest tool alike.

export interface BacktestRequest {
  /** Crew module name (crews/<module>.ts). */
  readonly module: string;
  readonly symbol: string;
  readonly interval: string;
  /** UTC dates, YYYY-MM-DD; the service picks a default span when absent. */
  readonly from?: string;
  readonly to?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** Starting quote cash, decimal text. */
  readonly capital?: string;
}
