// A `crewdesk worker` process's side of the research queue: takes sweep-run jobs from BullMQ,
// checks them (schema, its code against the job's, the candle files' sha256) and runs them with
// the same JobExecutor as the desk's warm threads. Forge proofs come on the same queue and run in
// the forge's sandbox (forge-proof.ts). It says who it is and what it does every two seconds
// (workers hash); a job made with other code is handed back for another worker and the refusal
// written where the job's owner sees it; a job that throws fails with its reason.
import { hostname } from 'node:os';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { engineCodeVersion } from './code-version.ts';
import { type ExecutorSetup, JobExecutor } from './execute.ts';
import { type ForgeProofAnswer, type ForgeProofJob, queuedJobSchema } from './job.ts';
import { proofRefusal, runForgeProof } from './forge-proof.ts';
import {
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  encodeRun,
  HEARTBEAT_MS,
  type QueuedOutcome,
  type QueueLocation,
  refusalsKey,
  showUrl,
  type WorkerCard,
  workersKey,
} from './queue-names.ts';

export interface QueueWorkerSettings extends ExecutorSetup {
  readonly url: string;
  readonly prefix?: string;
  readonly queue?: string;
  /** How this worker is listed; default `<host>-<pid>`. */
  readonly id?: string;
  /** BullMQ's lock on a running job (ms): a worker dead this long has its job handed to another. Default 30 s. */
  readonly lockMs?: number;
  /** How long a refused job waits before another worker may take it (ms). Default 1 s. */
  readonly refuseDelayMs?: number;
  readonly log?: (line: string) => void;
}

export class QueueWorker {
  readonly id: string;
  readonly code = engineCodeVersion();
  private readonly location: QueueLocation;
  private readonly connection: Redis;
  private readonly worker: Worker;
  private readonly executor: JobExecutor;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  private state: WorkerCard['state'] = 'idle';
  private current: string | null = null;
  private jobsDone = 0;
  private readonly log: (line: string) => void;

  constructor(private readonly settings: QueueWorkerSettings) {
    this.id = settings.id ?? `${hostname()}-${process.pid}`;
    this.location = { prefix: settings.prefix ?? DEFAULT_PREFIX, queue: settings.queue ?? DEFAULT_QUEUE };
    this.executor = new JobExecutor(settings);
    const log = settings.log ?? (() => undefined);
    this.log = log;
    this.connection = new Redis(settings.url, { maxRetriesPerRequest: null });
    let down = false;
    this.connection.on('error', () => undefined);
    this.connection.on('close', () => {
      if (!down) log(`Redis at ${showUrl(settings.url)} unreachable; waiting for it`);
      down = true;
    });
    this.connection.on('ready', () => {
      if (down) log(`Redis at ${showUrl(settings.url)} is back`);
      down = false;
      void this.announce();
    });
    const lockDuration = settings.lockMs ?? 30_000;
    this.worker = new Worker(this.location.queue, (job, token) => this.process(job, token), {
      connection: this.connection,
      prefix: this.location.prefix,
      concurrency: 1,
      lockDuration,
      stalledInterval: lockDuration,
      // A job whose worker died is handed on; a job that kills every worker it meets stops at last.
      maxStalledCount: 5,
      autorun: false,
    });
    this.worker.on('error', () => undefined);
    this.heartbeat = setInterval(() => void this.announce(), HEARTBEAT_MS);
  }

  /** Starts taking jobs; resolves once Redis answered. */
  async start(): Promise<void> {
    await this.worker.waitUntilReady();
    await this.announce();
    void this.worker.run();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.worker.close();
    await this.connection.hdel(workersKey(this.location), this.id).catch(() => undefined);
    this.connection.disconnect();
  }

  private async process(job: Job, token: string | undefined): Promise<QueuedOutcome | ForgeProofAnswer> {
    const parsed = queuedJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`job ${job.id}: not a research job: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const data = parsed.data;
    const refusal = data.kind === 'sweep-run' ? this.executor.refusal(data) : proofRefusal(data);
    if (refusal !== null) {
      // Not ours to answer: back in the queue for a worker with the owner's code; the owner is told.
      const key = refusalsKey(this.location, data.kind === 'sweep-run' ? data.sweep : data.id);
      await this.connection.hset(key, this.id, refusal);
      await this.connection.expire(key, 24 * 3600);
      await job.moveToDelayed(Date.now() + (this.settings.refuseDelayMs ?? 1_000), token);
      throw new DelayedError();
    }
    this.state = 'busy';
    this.current = data.id;
    void this.announce();
    const started = performance.now();
    try {
      if (data.kind === 'forge-proof') return await this.prove(data, started);
      const run = await this.executor.execute(data);
      this.jobsDone++;
      return { run: encodeRun(run), worker: this.id, ms: performance.now() - started };
    } catch (error) {
      // The same job would fail the same way anywhere: no retry; its reason goes to the owner.
      const reason = `${error instanceof Error ? error.message : String(error)} (worker ${this.id})`;
      if (data.kind === 'forge-proof') this.log(`forge proof ${data.id} failed: ${reason}`);
      throw new UnrecoverableError(reason);
    } finally {
      this.state = 'idle';
      this.current = null;
      void this.announce();
    }
  }

  /** A forge proof, in the same sandbox the desk would use (loaded on the first proof: sweeps never need it). */
  private async prove(job: ForgeProofJob, started: number): Promise<ForgeProofAnswer> {
    this.log(
      `takes forge proof ${job.id}: draft ${job.draft.name} on ${job.candles.symbol} ${job.candles.interval} (${job.candles.files.length} candle files)`,
    );
    const { proveInSandbox } = await import('../forge/sandbox.ts');
    const proof = await runForgeProof(job, this.executor, proveInSandbox);
    this.jobsDone++;
    const ms = performance.now() - started;
    const verdict = proof.ok ? 'proven' : `failed at ${proof.stage}: ${proof.reason}`;
    this.log(`finished forge proof ${job.id} in ${(ms / 1000).toFixed(1)} s: ${verdict}`);
    return { proof, worker: this.id, ms };
  }

  private async announce(): Promise<void> {
    const card: WorkerCard = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      code: this.code,
      state: this.state,
      job: this.current,
      jobsDone: this.jobsDone,
      startedAt: this.startedAt,
      seenAt: Date.now(),
    };
    await this.connection.hset(workersKey(this.location), this.id, JSON.stringify(card)).catch(() => undefined);
  }
}
