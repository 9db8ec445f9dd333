// The embedded research back end: a long-lived pool of warm worker threads, kept between sweeps
// (in the desk and in the CLI), so a sweep pays the threads' start and the JIT's warm-up once per
// process, not once per sweep. An idle thread does not keep the process alive.
import { Worker } from 'node:worker_threads';
import type { CandleColumns, SweepRun } from '../backtest/optimize-worker.ts';
import { BacktestInputError } from '../backtest/run.ts';
import type { SweepBackend, SweepSession, SweepSpec } from '../backtest/optimize.ts';
import { SweepRunFailure } from '../backtest/optimize.ts';
import type { TimeRange } from '../backtest/coverage.ts';
import { tsWorkerSource } from '../runtime/ts-worker.ts';
import { candleSetKey, ResearchCancelledError, type ResearchJob } from './job.ts';
import { type FromThread, RESEARCH_THREAD_KIND, type ToThread } from './research-thread.ts';
import { newSweepId, SweepJobs } from './sweep-jobs.ts';

const MAX_THREADS = 64;

interface Thread {
  readonly index: number;
  readonly worker: Worker;
  readonly keys: Set<string>;
  busy: boolean;
}

interface Waiting {
  readonly job: ResearchJob;
  readonly key: string;
  readonly columns: CandleColumns;
  readonly crewDirs: readonly string[];
  /** Only threads with an index below this take it (the sweep's --workers). */
  readonly limit: number;
  readonly resolve: (outcome: { run: SweepRun; thread: number; ms: number }) => void;
  readonly reject: (error: Error) => void;
}

export class WarmThreadPool {
  private readonly threads: (Thread | undefined)[] = [];
  private readonly starting = new Map<number, Promise<void>>();
  private readonly waiting: Waiting[] = [];
  private readonly pending = new Map<number, { thread: Thread; item: Waiting }>();
  private nextId = 1;
  private closed = false;

  /** Threads started over the pool's life (a thread that died and was replaced counts twice). */
  started = 0;

  /** Threads started so far. */
  get size(): number {
    return this.threads.length;
  }

  /** The threads now: busy (with the job it runs) or idle. */
  threadStates(): { readonly index: number; readonly busy: boolean; readonly job: string | null }[] {
    const running = new Map<number, string>();
    for (const { thread, item } of this.pending.values()) running.set(thread.index, item.job.id);
    return this.threads.flatMap((t) => (t === undefined ? [] : [{ index: t.index, busy: t.busy, job: running.get(t.index) ?? null }]));
  }

  /** Starts threads until `count` are ready; resolves at once when they already are. */
  async ensure(count: number): Promise<void> {
    if (this.closed) throw new Error('the research pool is closed');
    const wanted = Math.min(MAX_THREADS, Math.max(1, count));
    const starts: Promise<void>[] = [];
    for (let i = 0; i < wanted; i++) {
      if (this.threads[i]) continue;
      let start = this.starting.get(i);
      if (!start) {
        start = this.start(i).finally(() => this.starting.delete(i));
        this.starting.set(i, start);
      }
      starts.push(start);
    }
    await Promise.all(starts);
  }

  run(job: ResearchJob, columns: CandleColumns, crewDirs: readonly string[], limit: number): Promise<{ run: SweepRun; thread: number; ms: number }> {
    if (this.closed) return Promise.reject(new Error('the research pool is closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, key: candleSetKey(job.candles), columns, crewDirs, limit, resolve, reject });
      this.dispatch();
    });
  }

  /** Withdraws the sweep's runs not yet started (they reject with ResearchCancelledError). */
  cancel(sweep: string, reason: string): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const item = this.waiting[i]!;
      if (item.job.sweep !== sweep) continue;
      this.waiting.splice(i, 1);
      item.reject(new ResearchCancelledError(reason));
    }
  }

  /** Lets the threads drop a candle set no sweep needs any more. */
  forget(key: string): void {
    for (const thread of this.threads) {
      if (thread === undefined || !thread.keys.delete(key)) continue;
      thread.worker.postMessage({ type: 'forget', key } satisfies ToThread);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const item of this.waiting.splice(0)) item.reject(new Error('the research pool closed'));
    // Ref'd while they end: an idle thread is unref'd, and a process whose last await is the exit of an
    // unref'd thread ends before it (exit code 13, "unsettled top-level await") instead of closing cleanly.
    await Promise.all(
      this.threads.map((t) => {
        t?.worker.ref();
        return t?.worker.terminate();
      }),
    );
  }

  private start(index: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const source = tsWorkerSource(new URL('./research-thread.ts', import.meta.url), { preloadNative: true });
      // Not `stdout: true` (a piped stdout keeps the process alive after unref): the thread sends its
      // own stdout to stderr itself, so stdout carries results (--json) and nothing else.
      const worker = new Worker(source, { eval: true, workerData: { kind: RESEARCH_THREAD_KIND } });
      const thread: Thread = { index, worker, keys: new Set(), busy: false };
      this.started++;
      const onMessage = (m: FromThread) => {
        if (m.type !== 'ready') return;
        worker.off('message', onMessage);
        worker.off('error', onError);
        this.threads[index] = thread;
        this.attach(thread);
        resolve();
      };
      const onError = (error: Error) => reject(new Error(`a research thread failed to start: ${error.message}`));
      worker.on('message', onMessage);
      worker.once('error', onError);
    });
  }

  private attach(thread: Thread): void {
    const { worker } = thread;
    worker.on('message', (m: FromThread) => {
      if (m.type === 'ready') return;
      const entry = this.pending.get(m.id);
      if (!entry) return;
      this.pending.delete(m.id);
      thread.busy = false;
      if (m.type === 'result') entry.item.resolve({ run: m.run, thread: thread.index, ms: m.ms });
      else if (m.input) entry.item.reject(new BacktestInputError(m.message));
      else entry.item.reject(new SweepRunFailure(m.message));
      this.dispatch();
    });
    const lost = (why: string) => {
      // The thread is gone: its run fails (it would fail again), a fresh thread takes its place.
      if (this.threads[thread.index] === thread) this.threads[thread.index] = undefined;
      for (const [id, entry] of this.pending) {
        if (entry.thread !== thread) continue;
        this.pending.delete(id);
        entry.item.reject(new SweepRunFailure(`its research thread ${why}`));
      }
      if (!this.closed && this.waiting.length > 0)
        void this.ensure(thread.index + 1).then(
          () => this.dispatch(),
          () => undefined,
        );
    };
    worker.on('error', (error) => lost(`failed: ${error.message}`));
    worker.on('exit', (code) => {
      if (!this.closed) lost(`exited with code ${code}`);
    });
    // After the listeners: adding a 'message' listener refs the thread's port again.
    worker.unref();
  }

  private dispatch(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const item = this.waiting[i]!;
      const thread = this.threads.find((t) => t !== undefined && !t.busy && t.index < item.limit);
      if (!thread) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      thread.busy = true;
      if (!thread.keys.has(item.key)) {
        thread.keys.add(item.key);
        thread.worker.postMessage({ type: 'columns', key: item.key, columns: item.columns } satisfies ToThread);
      }
      const id = this.nextId++;
      this.pending.set(id, { thread, item });
      thread.worker.postMessage({ type: 'run', id, job: item.job, key: item.key, crewDirs: item.crewDirs } satisfies ToThread);
    }
    // Busy threads keep the process alive (a CLI sweep waits for them); idle ones do not.
    for (const thread of this.threads) {
      if (thread === undefined) continue;
      if (thread.busy) thread.worker.ref();
      else thread.worker.unref();
    }
  }
}

let shared: WarmThreadPool | null = null;

/** The process's warm pool (started on first use, kept between sweeps). */
export function warmPool(): WarmThreadPool {
  shared ??= new WarmThreadPool();
  return shared;
}

/** Sweeps on the warm thread pool. */
export class EmbeddedResearch implements SweepBackend {
  constructor(private readonly pool: WarmThreadPool = warmPool()) {}

  async open(spec: SweepSpec): Promise<SweepSession> {
    const began = performance.now();
    const jobs = await SweepJobs.of(spec, newSweepId());
    await this.pool.ensure(spec.workers);
    const readySeconds = (performance.now() - began) / 1000;
    const runTimes: { worker: number; ms: number }[] = [];
    const pool = this.pool;
    const key = candleSetKey(jobs.candles);
    const onAbort = () => pool.cancel(jobs.sweep, 'the sweep was cancelled');
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    return {
      size: spec.workers,
      readySeconds,
      runTimes,
      async run(params: Record<string, unknown>, range: TimeRange): Promise<SweepRun> {
        if (spec.signal?.aborted) throw new ResearchCancelledError('the sweep was cancelled');
        const outcome = await pool.run(jobs.job(params, range), spec.columns, spec.crewDirs, spec.workers);
        runTimes.push({ worker: outcome.thread, ms: outcome.ms });
        return outcome.run;
      },
      async close(): Promise<void> {
        spec.signal?.removeEventListener('abort', onAbort);
        pool.cancel(jobs.sweep, 'the sweep ended');
        pool.forget(key);
      },
    };
  }
}
