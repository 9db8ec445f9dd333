// Which research back end a command uses: the queue when a Redis URL is configured (REDIS_URL, or
// the config's `research.redis`), else this process's warm thread pool. The queue's module (and so
// BullMQ and ioredis) loads only when it is used: the embedded default needs no Redis.
import type { SweepBackend } from '../backtest/optimize.ts';
import { type ResearchConfig, researchRedisUrl } from '../config/research.ts';
import type { ForgeProver } from '../forge/sandbox.ts';
import { engineCodeVersion } from './code-version.ts';
import { EmbeddedResearch, WarmThreadPool, warmPool } from './warm-pool.ts';

/** One worker as /research list shows it: a `crewdesk worker` process, or a thread of the embedded pool. */
export interface ResearchWorkerListing {
  readonly id: string;
  readonly state: 'busy' | 'idle' | 'lost';
  /** The job it runs, when busy. */
  readonly job: string | null;
  /** Jobs it has done (null: not counted, the embedded pool's threads). */
  readonly jobsDone: number | null;
  /** Its engine code version (code-version.ts). */
  readonly code: string;
  /** Whether it runs this process's code (else it refuses this process's jobs). */
  readonly sameCode: boolean;
}

export interface ChosenBackend {
  readonly backend: SweepBackend;
  /** "embedded (warm threads)" or "queue at redis://…". */
  readonly description: string;
  /** Who runs the jobs now. */
  workers(): Promise<ResearchWorkerListing[]>;
  /** Where the forge proves drafts: null, in this machine's sandbox (embedded); else on the queue's workers, in theirs. */
  readonly prove: ForgeProver | null;
  close(): Promise<void>;
}

export async function researchBackend(
  config: ResearchConfig | undefined,
  options: {
    readonly env?: NodeJS.ProcessEnv;
    readonly onStatus?: (text: string) => void;
    /** A pool of its own, ended by close() (the desk); default: the process's shared pool, kept (the CLI). */
    readonly ownPool?: boolean;
  } = {},
): Promise<ChosenBackend> {
  const url = researchRedisUrl(config, options.env ?? process.env);
  if (url === null) {
    const pool = options.ownPool === true ? new WarmThreadPool() : warmPool();
    return {
      backend: new EmbeddedResearch(pool),
      description: 'embedded (warm worker threads)',
      prove: null,
      workers: async () => {
        const code = engineCodeVersion();
        return pool
          .threadStates()
          .map((t) => ({ id: `thread-${t.index + 1}`, state: t.busy ? 'busy' : 'idle', job: t.job, jobsDone: null, code, sameCode: true }));
      },
      close: async () => {
        if (options.ownPool === true) await pool.close();
      },
    };
  }
  const [{ QueueResearch }, { queueProver }] = await Promise.all([import('./queue-backend.ts'), import('./forge-proof.ts')]);
  const research = await QueueResearch.connect({ url, prefix: config?.prefix ?? 'crewdesk', ...(options.onStatus ? { onStatus: options.onStatus } : {}) });
  return {
    backend: research,
    description: `queue at ${research.url}`,
    prove: queueProver(research),
    workers: async () =>
      (await research.workers()).map((w) => ({ id: w.id, state: w.status, job: w.job, jobsDone: w.jobsDone, code: w.code, sameCode: w.sameCode })),
    close: () => research.close(),
  };
}
