// The desk's backtest, inside a worker thread: the real backtester (runBacktest, the engine that
// `crewdesk backtest` runs) and its equity chart, off the thread that trades and answers /halt.
// Progress and the result go back as messages; a failure comes back as its message, never thrown.
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { renderEquityChart } from '../backtest/chart.ts';
import { expectedSpan, openMarket, quoteAsset, runBacktest } from '../backtest/run.ts';
import type { Kpis } from '../backtest/kpis.ts';
import type { Interval } from '../core/domain.ts';

export const BACKTEST_WORKER_KIND = 'crewdesk.desk-backtest';

/** What a run is asked, already checked on the main thread (interval, dates). */
export interface BacktestJob {
  readonly kind: typeof BACKTEST_WORKER_KIND;
  readonly crew: string;
  readonly symbol: string;
  readonly interval: Interval;
  readonly data: readonly string[];
  readonly from?: number;
  readonly to?: number;
  /** With neither from nor to: this much before the end of the data (the data's last days, not the wall clock's). */
  readonly defaultSpanMs: number;
  readonly params?: Record<string, unknown>;
  readonly cash?: number;
  readonly feeBps?: number;
  readonly slippageBps?: number;
  readonly crewDirs?: readonly string[];
}

export type FromBacktestWorker =
  | { readonly type: 'progress'; readonly fraction: number; readonly candles: number }
  | { readonly type: 'done'; readonly title: string; readonly kpis: Kpis; readonly chartPng: Uint8Array }
  | { readonly type: 'failed'; readonly message: string };

async function serve(port: MessagePort, job: BacktestJob): Promise<void> {
  try {
    let from = job.from;
    if (from === undefined && job.to === undefined) {
      const span = expectedSpan(
        openMarket(job.data, [{ symbol: job.symbol, interval: job.interval }], undefined, undefined),
        [{ symbol: job.symbol, interval: job.interval }],
        undefined,
        undefined,
      );
      if (span) from = Math.max(span.start, span.end - job.defaultSpanMs);
    }
    let shown = -1;
    const result = await runBacktest({
      crew: job.crew,
      symbol: job.symbol,
      interval: job.interval,
      data: job.data,
      ...(from !== undefined ? { from } : {}),
      ...(job.to !== undefined ? { to: job.to } : {}),
      ...(job.params ? { params: job.params } : {}),
      ...(job.cash !== undefined ? { cash: job.cash } : {}),
      ...(job.feeBps !== undefined ? { feeBps: job.feeBps } : {}),
      ...(job.slippageBps !== undefined ? { slippageBps: job.slippageBps } : {}),
      ...(job.crewDirs ? { crewDirs: job.crewDirs } : {}),
      onProgress: (p) => {
        // A message per percent at most: the main thread has trading to do.
        if (p.fraction - shown < 0.01 && p.fraction < 1) return;
        shown = p.fraction;
        port.postMessage({ type: 'progress', fraction: p.fraction, candles: p.candles } satisfies FromBacktestWorker);
      },
    });
    const k = result.kpis;
    const quote = quoteAsset(result.symbol);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const title = `${result.crew} ${result.symbol} ${result.interval}, ${day(result.span.start)} → ${day(result.span.end - 1)}`;
    const pct = (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(2)} %`);
    const chart = await renderEquityChart({
      title,
      subtitle: `return ${pct(k.totalReturnPct)} · buy and hold ${pct(k.buyAndHoldReturnPct)} · max drawdown ${k.maxDrawdownPct.toFixed(2)} % · final ${result.finalEquity.toFixed(2)} ${quote}`,
      series: [{ label: `Equity (${quote})`, points: result.equity.equityPoints() }],
      drawdown: result.equity.drawdownPoints(),
      valueLabel: `Equity (${quote})`,
    });
    const chartPng = new Uint8Array(chart.buffer, chart.byteOffset, chart.byteLength);
    port.postMessage({ type: 'done', title, kpis: k, chartPng } satisfies FromBacktestWorker);
  } catch (error) {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromBacktestWorker);
  }
}

if (!isMainThread && parentPort !== null && (workerData as Partial<BacktestJob> | null)?.kind === BACKTEST_WORKER_KIND) {
  void serve(parentPort, workerData as BacktestJob);
}
