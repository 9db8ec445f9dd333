// The WAL's checkpoints, off the trading thread. With SQLite's automatic checkpoint alone, the commit
// that takes the WAL over its limit copies the WAL back into the database and fsyncs both files before
// it returns — on a shared VM's disk tens of milliseconds, paid by whichever order was being committed.
// Here a second connection in a worker thread does that work on a timer, with PASSIVE checkpoints
// (they never wait for, nor block, the writer): while the desk trades at its usual pace each one
// copies every frame, the writer's next transaction starts the WAL over, and the trading connection's
// automatic checkpoint (kept as the bound on the WAL) never fires. When the writer commits so fast
// that a checkpoint never catches up (a replay at full speed), the automatic one still bounds the WAL,
// and it then has only the last frames to copy. A commit stays what it was: its frames appended to the
// WAL (WAL, synchronous=NORMAL), durable against the process dying once the call returns. A worker
// that fails to start or dies leaves the journal as it would be without it.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface WalCheckpointerOptions {
  /** How often the worker checkpoints. */
  readonly intervalMs: number;
}

/** The shared cell's states: the worker claims it before opening its connection, so a close that comes
 * first cancels it instead of waiting for a worker that is still starting. */
const STARTING = 0;
const OPEN = 1;
const CLOSED = 2;
const CANCELLED = 3;

/** How long close() waits for the worker to close its connection (it is idle between checkpoints). */
const CLOSE_WAIT_MS = 5_000;

export class WalCheckpointer {
  static start(file: string, options: WalCheckpointerOptions): WalCheckpointer {
    return new WalCheckpointer(file, options);
  }

  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker: Worker;
  private stopping = false;

  private constructor(file: string, options: WalCheckpointerOptions) {
    const binding = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, binding, intervalMs: options.intervalMs, state: this.state } });
    // Never what keeps a process alive; a worker that fails is only a worker less (see above).
    this.worker.unref();
    this.worker.on('error', () => {});
  }

  /** Stops the worker, waiting (synchronously, bounded) until its connection is closed, so that the
   * journal's own close is the last one and removes the WAL. */
  close(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (Atomics.compareExchange(this.state, 0, STARTING, CANCELLED) === OPEN) {
      this.worker.postMessage('close');
      Atomics.wait(this.state, 0, OPEN, CLOSE_WAIT_MS);
    }
    void this.worker.terminate();
  }
}

// Plain JavaScript (an eval'd worker loads no TypeScript): the binding, one connection, a timer.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { file, binding, intervalMs, state } = workerData;
if (Atomics.compareExchange(state, 0, ${STARTING}, ${OPEN}) === ${STARTING}) {
  const Database = require(binding);
  let db;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 0');
  } catch (error) {
    Atomics.store(state, 0, ${CLOSED});
    Atomics.notify(state, 0);
    throw error;
  }
  const stop = () => {
    clearInterval(timer);
    try {
      db.close();
    } finally {
      Atomics.store(state, 0, ${CLOSED});
      Atomics.notify(state, 0);
      parentPort.close();
    }
  };
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      // SQLITE_BUSY: the writer's own checkpoint is under way; the next tick tries again.
      if (error && (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED')) return;
      stop();
      throw error;
    }
  }, intervalMs);
  parentPort.on('message', stop);
}
`;
