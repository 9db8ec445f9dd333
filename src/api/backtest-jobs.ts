// Backtests started through the API: the same BacktestService /backtest and the manager's
// run_backtest call, run as a job the client polls (progress, then the KPIs and the chart).
import type { Kpis } from '../backtest/kpis.ts';
import type { BacktestRequest, BacktestService } from '../chat/services.ts';

export interface BacktestJob {
  readonly id: string;
  readonly request: BacktestRequest;
  state: 'running' | 'done' | 'failed';
  progress: number;
  progressText: string | null;
  title: string | null;
  kpis: Kpis | null;
  chartPng: Buffer | null;
  error: string | null;
  readonly startedAt: number;
  finishedAt: number | null;
}

/** Jobs kept (the oldest finished ones are forgotten first). */
const KEPT = 50;
/** Backtests running at once through the API. */
const RUNNING = 2;

export class BacktestJobs {
  private readonly jobs = new Map<string, BacktestJob>();
  private readonly controller = new AbortController();
  private seq = 0;

  constructor(private readonly service: BacktestService | undefined) {}

  get available(): boolean {
    return this.service !== undefined;
  }

  /** Starts one; refused (a string) when there is no backtester or too many run. */
  start(request: BacktestRequest): BacktestJob | string {
    const service = this.service;
    if (!service) return 'there is no backtester on this desk';
    const running = [...this.jobs.values()].filter((j) => j.state === 'running').length;
    if (running >= RUNNING) return `${running} backtests are running already; wait for one to finish`;
    const id = `bt-${Date.now().toString(36)}-${++this.seq}`;
    const job: BacktestJob = {
      id,
      request,
      state: 'running',
      progress: 0,
      progressText: null,
      title: null,
      kpis: null,
      chartPng: null,
      error: null,
      startedAt: Date.now(),
      finishedAt: null,
    };
    this.jobs.set(id, job);
    this.forgetOld();
    void service
      .run(request, {
        signal: this.controller.signal,
        onProgress: (p) => {
          job.progress = p.fraction;
          job.progressText = p.text ?? null;
        },
      })
      .then(
        (result) => {
          if (result.ok) {
            job.state = 'done';
            job.progress = 1;
            job.title = result.value.title;
            job.kpis = result.value.kpis;
            job.chartPng = result.value.chartPng;
          } else {
            job.state = 'failed';
            job.error = result.error;
          }
        },
        (error: unknown) => {
          job.state = 'failed';
          job.error = error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => {
        job.finishedAt = Date.now();
      });
    return job;
  }

  get(id: string): BacktestJob | undefined {
    return this.jobs.get(id);
  }

  list(): BacktestJob[] {
    return [...this.jobs.values()].reverse();
  }

  /** Stops every running job (the desk is closing). */
  close(): void {
    this.controller.abort();
  }

  private forgetOld(): void {
    if (this.jobs.size <= KEPT) return;
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= KEPT) break;
      if (job.state !== 'running') this.jobs.delete(id);
    }
  }
}

/** A job as the API shows it (the chart is its own route). */
export function jobView(job: BacktestJob) {
  return {
    id: job.id,
    request: job.request,
    state: job.state,
    progress: job.progress,
    progressText: job.progressText,
    title: job.title,
    kpis: job.kpis,
    chart: job.chartPng ? `/api/v1/backtests/${job.id}/chart.png` : null,
    error: job.error,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}
