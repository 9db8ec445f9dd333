// One thread of the desk's warm research pool: it stays loaded (sources, crew modules, the JIT's
// work) between sweeps and runs jobs one at a time with the same JobExecutor a `crewdesk worker`
// process uses. The candles come as shared columns (a SharedArrayBuffer, never copied), once per
// candle set.
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { CandleColumns, SweepRun } from '../backtest/optimize-worker.ts';
import { JobExecutor } from './execute.ts';
import type { ResearchJob } from './job.ts';

export const RESEARCH_THREAD_KIND = 'crewdesk.research-thread';

export type ToThread =
  | { readonly type: 'columns'; readonly key: string; readonly columns: CandleColumns }
  | { readonly type: 'forget'; readonly key: string }
  | { readonly type: 'run'; readonly id: number; readonly job: ResearchJob; readonly key: string; readonly crewDirs: readonly string[] };

export type FromThread =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly run: SweepRun; readonly ms: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string; readonly input: boolean };

function serve(port: MessagePort): void {
  const columns = new Map<string, CandleColumns>();
  const executors = new Map<string, JobExecutor>();
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (message: ToThread) => {
    if (message.type === 'columns') return void columns.set(message.key, message.columns);
    if (message.type === 'forget') return void columns.delete(message.key);
    queue = queue.then(async () => {
      const started = performance.now();
      try {
        const dirsKey = message.crewDirs.join('\n');
        let executor = executors.get(dirsKey);
        if (!executor) executors.set(dirsKey, (executor = new JobExecutor({ dataDirs: [], cacheDir: null, crewDirs: message.crewDirs })));
        const shared = columns.get(message.key);
        if (!shared) throw new Error('a run came before its candles');
        const run = await executor.execute(message.job, shared);
        port.postMessage({ type: 'result', id: message.id, run, ms: performance.now() - started } satisfies FromThread);
      } catch (error) {
        port.postMessage({
          type: 'failed',
          id: message.id,
          message: error instanceof Error ? error.message : String(error),
          input: error instanceof Error && error.name === 'BacktestInputError',
        } satisfies FromThread);
      }
    });
  });
  port.postMessage({ type: 'ready' } satisfies FromThread);
}

if (!isMainThread && parentPort !== null && (workerData as { kind?: string } | null)?.kind === RESEARCH_THREAD_KIND) {
  // Anything a crew prints goes to stderr: the process's stdout carries results (--json) only.
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  // The crew modules load on first use; the sources load now.
  serve(parentPort);
}
