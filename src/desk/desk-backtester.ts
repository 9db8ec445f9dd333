// /backtest and the manager's run_backtest on the running desk: the real backtester on the desk's
// candle folder (`replay.data`), each run in its own worker thread so that the trading thread —
// candles, orders, /halt — never waits for it. One run at a time (the machine's cores are the
// desk's too); a run asked meanwhile waits its turn. An abort (the manager's time bound) ends the
// worker at once.
import { tsWorkerSource } from '../runtime/ts-worker.ts';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BacktestProgress, BacktestReport, BacktestRequest, BacktestService } from '../chat/services.ts';
import { isInterval } from '../core/domain.ts';
import { fail, ok, type Result } from '../services/result.ts';
import { BACKTEST_WORKER_KIND, type BacktestJob, type FromBacktestWorker } from './backtest-worker.ts';

/** With no dates: the last 90 days of the data. */
const DEFAULT_SPAN_MS = 90 * 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface DeskBacktesterSettings {
  /** Candle files or folders: the config's `replay.data`. */
  readonly data: readonly string[];
  readonly crewDirs?: readonly string[];
  readonly feeBps?: number;
  readonly slippageBps?: number;
}

export class DeskBacktester implements BacktestService {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly running = new Set<Worker>();

  constructor(private readonly settings: DeskBacktesterSettings) {}

  run(
    request: BacktestRequest,
    options: { readonly onProgress?: (progress: BacktestProgress) => void; readonly signal?: AbortSignal } = {},
  ): Promise<Result<BacktestReport>> {
    const job = this.job(request);
    if (!job.ok) return Promise.resolve(job);
    const { signal } = options;
    // The worker's end frees the line, whoever stopped waiting for it.
    let started = false;
    const turn = this.queue.then(() => {
      if (signal?.aborted) return fail<BacktestReport>(`the backtest was stopped before it started (${reason(signal)})`);
      started = true;
      return this.inWorker(job.value, options);
    });
    this.queue = turn.catch(() => undefined);
    if (!signal) return turn;
    // An abort while waiting in line answers at once (the manager's time bound covers the wait too).
    return new Promise((resolve) => {
      const onAbort = () => {
        if (!started) resolve(fail(`the backtest was stopped while waiting for the one before it (${reason(signal)})`));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void turn.then((result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      });
    });
  }

  /** Ends the runs under way (the desk is stopping). */
  async close(): Promise<void> {
    await Promise.all([...this.running].map((w) => w.terminate()));
  }

  /** The request checked and turned into the worker's job; a bad request never starts a worker. */
  private job(request: BacktestRequest): Result<BacktestJob> {
    if (!isInterval(request.interval)) return fail(`interval "${request.interval}" is not one of Binance's`);
    const day = (text: string | undefined, name: string): Result<number | undefined> => {
      if (text === undefined) return ok(undefined);
      const ms = DATE.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
      return Number.isNaN(ms) ? fail(`${name} must be a date like 2024-01-31 (got ${text})`) : ok(ms);
    };
    const from = day(request.from, 'from');
    if (!from.ok) return from;
    const to = day(request.to, 'to');
    if (!to.ok) return to;
    // "to" names the last day: the span ends at the end of it.
    const end = to.value === undefined ? undefined : to.value + 86_400_000;
    let cash: number | undefined;
    if (request.capital !== undefined) {
      cash = /^\d+(\.\d+)?$/.test(request.capital.trim()) ? Number(request.capital) : Number.NaN;
      if (!(cash > 0)) return fail(`capital must be a positive decimal number (got ${request.capital})`);
    }
    const s = this.settings;
    return ok({
      kind: BACKTEST_WORKER_KIND,
      crew: request.module,
      symbol: request.symbol.toUpperCase(),
      interval: request.interval,
      data: s.data,
      ...(from.value !== undefined ? { from: from.value } : end !== undefined ? { from: end - DEFAULT_SPAN_MS } : {}),
      ...(end !== undefined ? { to: end } : {}),
      defaultSpanMs: DEFAULT_SPAN_MS,
      ...(request.params ? { params: { ...request.params } } : {}),
      ...(cash !== undefined ? { cash } : {}),
      ...(s.feeBps !== undefined ? { feeBps: s.feeBps } : {}),
      ...(s.slippageBps !== undefined ? { slippageBps: s.slippageBps } : {}),
      ...(s.crewDirs ? { crewDirs: s.crewDirs } : {}),
    });
  }

  private inWorker(
    job: BacktestJob,
    options: { readonly onProgress?: (progress: BacktestProgress) => void; readonly signal?: AbortSignal },
  ): Promise<Result<BacktestReport>> {
    const { signal } = options;
    return new Promise((resolve) => {
      const worker = new Worker(bootstrapSource(), { eval: true, workerData: job, stdout: true, stderr: true });
      this.running.add(worker);
      // A worker's own output goes to stderr: stdout is the console's.
      worker.stdout.on('data', (chunk: Buffer) => process.stderr.write(chunk));
      worker.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
      let settled = false;
      const finish = (result: Result<BacktestReport>) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.running.delete(worker);
        void worker.terminate();
        resolve(result);
      };
      const onAbort = () => finish(fail(`the backtest was stopped (${reason(signal!)})`));
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (m: FromBacktestWorker) => {
        if (m.type === 'progress') options.onProgress?.({ fraction: m.fraction, text: `${m.candles.toLocaleString('en-US')} candles` });
        else if (m.type === 'done')
          finish(ok({ title: m.title, kpis: m.kpis, chartPng: Buffer.from(m.chartPng.buffer, m.chartPng.byteOffset, m.chartPng.byteLength) }));
        else finish(fail(m.message));
      });
      worker.on('error', (error) => finish(fail(`the backtest worker failed: ${error.message}`)));
      worker.on('exit', (code) => finish(fail(`the backtest worker ended before its result (exit code ${code})`)));
    });
  }
}

function reason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? (r.name === 'TimeoutError' ? 'it ran past its time limit' : r.message) : String(r ?? 'aborted');
}

function bootstrapSource(): string {
  return tsWorkerSource(new URL('./backtest-worker.ts', import.meta.url), { preloadNative: true });
}
