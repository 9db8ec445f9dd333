// renderEquityChart off the calling thread: for the desk, whose main thread trades. One short-lived
// worker per chart (a chart is drawn per forge draft or track record, not per candle): its start
// costs the worker's own thread, not the desk's.
import { Worker } from 'node:worker_threads';
import { tsWorkerSource } from '../runtime/ts-worker.ts';
import type { EquityChartOptions } from './chart.ts';
import { CHART_WORKER_KIND, type ChartJob, type FromChartWorker } from './chart-worker.ts';

export function renderEquityChartOffThread(options: EquityChartOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const job: ChartJob = { kind: CHART_WORKER_KIND, options };
    const worker = new Worker(tsWorkerSource(new URL('./chart-worker.ts', import.meta.url), { preloadNative: true }), {
      eval: true,
      workerData: job,
    });
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      settle();
      void worker.terminate();
    };
    worker.on('message', (m: FromChartWorker) =>
      finish(() => (m.type === 'done' ? resolve(Buffer.from(m.png.buffer, m.png.byteOffset, m.png.byteLength)) : reject(new Error(m.message)))),
    );
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the chart worker ended before its chart (exit code ${code})`))));
  });
}
