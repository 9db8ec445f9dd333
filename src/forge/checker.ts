// Where a draft is checked: in a long-lived worker thread (checks-worker.ts), so the compiler
// never runs on the desk's event loop; or inline, for tests and when the worker cannot start.
import { tsWorkerSource } from '../runtime/ts-worker.ts';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type CheckReport, checkDraft, type DraftInput } from './checks.ts';

export type DraftChecker = (input: DraftInput) => Promise<CheckReport>;

/** On the calling thread. */
export const inlineChecker: DraftChecker = async (input) => checkDraft(input);

/**
 * A worker that warms the compiler up at once and then checks drafts one message at a time. It
 * does not keep the process alive; `close` ends it. Should it die, the checks run inline.
 */
export function workerChecker(): { readonly check: DraftChecker; readonly inWorker: boolean; close(): Promise<void> } {
  let worker: Worker | null = new Worker(bootstrapSource(), { eval: true, stdout: true, stderr: true });
  worker.unref();
  worker.stdout.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  worker.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const waiting = new Map<number, { resolve: (report: CheckReport) => void; input: DraftInput }>();
  let nextId = 0;
  const gone = () => {
    worker = null;
    // What was asked of a dead worker is checked here instead.
    for (const [id, { resolve, input }] of waiting) {
      waiting.delete(id);
      resolve(checkDraft(input));
    }
  };
  worker.on('message', (m: { id: number; report?: CheckReport; error?: string }) => {
    const entry = waiting.get(m.id);
    if (!entry) return;
    waiting.delete(m.id);
    entry.resolve(m.report ?? checkDraft(entry.input));
  });
  worker.on('error', gone);
  worker.on('exit', gone);
  return {
    /** False once the worker has died or been closed: the checks then run inline. */
    get inWorker() {
      return worker !== null;
    },
    check: (input) => {
      if (!worker) return inlineChecker(input);
      const id = nextId++;
      const live = worker;
      return new Promise((resolve) => {
        waiting.set(id, { resolve, input });
        // Only a draft being checked keeps the process alive.
        live.ref();
        live.postMessage({ id, input });
      }).finally(() => {
        if (waiting.size === 0) worker?.unref();
      }) as Promise<CheckReport>;
    },
    close: async () => {
      const live = worker;
      worker = null;
      // Ref'd while it ends: awaiting the exit of an unref'd thread can be a process's last await (exit code 13).
      live?.ref();
      await live?.terminate();
    },
  };
}

function bootstrapSource(): string {
  return tsWorkerSource(new URL('./checks-worker.ts', import.meta.url));
}
