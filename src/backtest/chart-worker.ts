// One equity chart drawn in a worker thread (see chart-thread.ts): chart.js lays a chart out
// synchronously, 12–60 ms on this machine (500 to 43,200 points), which on the desk's main thread would hold a candle
// close and its orders behind it.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { type EquityChartOptions, renderEquityChart } from './chart.ts';

export const CHART_WORKER_KIND = 'crewdesk.chart';

export interface ChartJob {
  readonly kind: typeof CHART_WORKER_KIND;
  readonly options: EquityChartOptions;
}

export type FromChartWorker = { readonly type: 'done'; readonly png: Uint8Array } | { readonly type: 'failed'; readonly message: string };

const job = workerData as ChartJob | undefined;
if (!isMainThread && parentPort && job?.kind === CHART_WORKER_KIND) {
  const port = parentPort;
  renderEquityChart(job.options).then(
    (png) => port.postMessage({ type: 'done', png } satisfies FromChartWorker),
    (error: unknown) => port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromChartWorker),
  );
}
