// The queue research back end: a sweep's runs as BullMQ jobs on Redis, taken by `crewdesk worker`
// processes on this machine or others. The owner keeps every job it asked for until its answer is
// merged (by job id: a job answered twice counts once), so nothing is lost when a worker dies
// (BullMQ's stalled-job check hands its job to another) or when Redis restarts empty (the owner
// adds the missing jobs again once Redis is back, and says it is waiting meanwhile). The forge's
// proofs travel the same way (`prove`), one job each, answered with the sandbox's outcome.
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { SweepRun } from '../backtest/optimize-worker.ts';
import { type SweepBackend, SweepRunFailure, type SweepSession, type SweepSpec } from '../backtest/optimize.ts';
import type { TimeRange } from '../backtest/coverage.ts';
import { engineCodeVersion } from './code-version.ts';
import { type ForgeProofAnswer, type ForgeProofJob, type QueuedJob, ResearchCancelledError, type ResearchJob, ResearchJobError } from './job.ts';
import {
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  decodeRun,
  FORGE_JOB_NAME,
  JOB_NAME,
  LOST_AFTER_MS,
  type QueuedOutcome,
  type QueueLocation,
  refusalsKey,
  showUrl,
  type WorkerCard,
  workersKey,
} from './queue-names.ts';
import { newSweepId, SweepJobs } from './sweep-jobs.ts';

export interface QueueResearchSettings {
  /** redis://[:password@]host:port[/db], or rediss:// for TLS. */
  readonly url: string;
  readonly prefix?: string;
  readonly queue?: string;
  /** What the owner should know while a sweep runs: Redis gone and back, workers refusing jobs. */
  readonly onStatus?: (text: string) => void;
  /** How often outstanding jobs are looked up when no answer came (ms); default 1000. */
  readonly checkMs?: number;
}

export type WorkerState = 'idle' | 'busy' | 'lost';

export interface WorkerListing extends WorkerCard {
  readonly status: WorkerState;
  /** Whether it runs the owner's code (else it refuses the owner's jobs). */
  readonly sameCode: boolean;
}

interface Outstanding {
  readonly job: QueuedJob;
  /** Called with an answer already checked for the job's kind. */
  readonly resolve: (answer: never) => void;
  readonly reject: (error: Error) => void;
}

const JOB_OPTIONS = {
  // A run that throws would throw again: no retries. A stalled one (its worker died) is handed on
  // by BullMQ's stalled-job check, up to the worker's maxStalledCount.
  attempts: 1,
  removeOnComplete: { age: 3600, count: 100_000 },
  removeOnFail: { age: 24 * 3600 },
} as const;

export class QueueResearch implements SweepBackend {
  readonly location: QueueLocation;
  private readonly connection: Redis;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  /** BullMQ leaves connections it was given open: closed here. */
  private readonly eventsConnection: Redis;
  private readonly outstanding = new Map<string, Outstanding>();
  private readonly sweeps = new Set<Sweep>();
  private down = false;

  private constructor(private readonly settings: QueueResearchSettings) {
    this.location = { prefix: settings.prefix ?? DEFAULT_PREFIX, queue: settings.queue ?? DEFAULT_QUEUE };
    // maxRetriesPerRequest null: a command waits for Redis to come back instead of failing.
    this.connection = new Redis(settings.url, { maxRetriesPerRequest: null, enableOfflineQueue: true });
    this.connection.on('error', () => undefined); // reported through 'close' and 'ready' below
    this.connection.on('close', () => this.lost());
    this.connection.on('ready', () => this.back());
    this.queue = new Queue(this.location.queue, { connection: this.connection, prefix: this.location.prefix });
    this.queue.on('error', () => undefined);
    this.eventsConnection = new Redis(settings.url, { maxRetriesPerRequest: null });
    this.eventsConnection.on('error', () => undefined);
    this.events = new QueueEvents(this.location.queue, { connection: this.eventsConnection, prefix: this.location.prefix });
    this.events.on('error', () => undefined);
    this.events.on('completed', ({ jobId, returnvalue }) => this.completed(jobId, returnvalue as unknown));
    this.events.on('failed', ({ jobId, failedReason }) => this.failed(jobId, failedReason));
  }

  /** Connects; fails with a plain message when Redis does not answer within `timeoutMs`. */
  static async connect(settings: QueueResearchSettings, timeoutMs = 5_000): Promise<QueueResearch> {
    const research = new QueueResearch(settings);
    const timer = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`Redis at ${showUrl(settings.url)} did not answer within ${timeoutMs / 1000} s`)), timeoutMs).unref(),
    );
    try {
      await Promise.race([Promise.all([research.queue.waitUntilReady(), research.events.waitUntilReady()]), timer]);
    } catch (error) {
      await research.close();
      throw error;
    }
    research.down = false;
    return research;
  }

  get url(): string {
    return showUrl(this.settings.url);
  }

  /** The workers that said where they are, with their state (lost: not heard of for 10 s). */
  async workers(now = Date.now()): Promise<WorkerListing[]> {
    const cards = await this.connection.hgetall(workersKey(this.location));
    const code = engineCodeVersion();
    return Object.values(cards)
      .map((text) => JSON.parse(text) as WorkerCard)
      .map((card) => ({ ...card, status: now - card.seenAt > LOST_AFTER_MS ? ('lost' as const) : card.state, sameCode: card.code === code }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async open(spec: SweepSpec): Promise<SweepSession> {
    const began = performance.now();
    const jobs = await SweepJobs.of(spec, newSweepId());
    const live = (await this.workers()).filter((w) => w.status !== 'lost' && w.sameCode).length;
    const sweep = new Sweep(this, jobs, spec, Math.max(1, live), (performance.now() - began) / 1000);
    this.sweeps.add(sweep);
    return sweep;
  }

  async close(): Promise<void> {
    for (const sweep of this.sweeps) await sweep.close();
    for (const [id, entry] of this.outstanding) {
      this.outstanding.delete(id);
      entry.reject(new ResearchCancelledError('the research queue was closed'));
    }
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.connection.disconnect();
    this.eventsConnection.disconnect();
  }

  // ── for Sweep ──

  submit(job: ResearchJob): Promise<QueuedOutcome> {
    return new Promise((resolve, reject) => {
      this.outstanding.set(job.id, { job, resolve, reject });
      this.add(job).catch((error: unknown) => {
        // Not fatal: the check below adds it again once Redis answers.
        this.settings.onStatus?.(`research: could not queue ${job.id} yet (${error instanceof Error ? error.message : String(error)})`);
      });
    });
  }

  /**
   * Proves a forge draft on a worker; rejects (with the reason) when no worker with this code
   * listens, when the job fails on its worker, or when no answer came within `waitMs`.
   *
   * The proof goes on the sweeps' queue, not one of its own: every `crewdesk worker` already
   * listens there, says who it is, refuses other code and has its stalled jobs handed on; a worker
   * takes one job at a time, so a proof never shares a worker's core with a sweep run. It goes in
   * at the head (LIFO): an owner waiting on a draft does not wait behind a thousand-run sweep.
   */
  async prove(job: ForgeProofJob, waitMs: number): Promise<ForgeProofAnswer> {
    const began = Date.now();
    // A command waits for Redis while it is away (maxRetriesPerRequest: null): bounded here, as the answer is below.
    let gaveUp: NodeJS.Timeout | undefined;
    const cards = await Promise.race([
      this.workers().finally(() => clearTimeout(gaveUp)),
      new Promise<never>((_, reject) => {
        gaveUp = setTimeout(() => reject(new ResearchJobError(job.id, `Redis at ${this.url} did not answer within ${Math.round(waitMs / 1000)} s`)), waitMs);
      }),
    ]);
    const live = cards.filter((w) => w.status !== 'lost');
    if (!live.some((w) => w.sameCode)) {
      throw new ResearchJobError(
        job.id,
        live.length === 0
          ? `no research worker is listening on ${this.url} (start one: crewdesk worker)`
          : `none of the ${live.length} research workers on ${this.url} runs this checkout's engine code`,
      );
    }
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const answer = new Promise<ForgeProofAnswer>((resolve, reject) => {
      this.outstanding.set(job.id, { job, resolve, reject });
      this.add(job).catch((error: unknown) => {
        this.settings.onStatus?.(`research: could not queue forge proof ${job.id} yet (${error instanceof Error ? error.message : String(error)})`);
      });
      timer = setTimeout(() => void this.expire(job.id, waitMs), Math.max(0, waitMs - (Date.now() - began)));
      // An answer QueueEvents missed (Redis restarted), or a job Redis lost: looked up now and then.
      let checking = false;
      poll = setInterval(() => {
        if (checking || this.down) return;
        checking = true;
        this.check([job.id])
          .catch(() => undefined)
          .finally(() => {
            checking = false;
          });
      }, this.settings.checkMs ?? 1_000);
    });
    try {
      return await answer;
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
      this.outstanding.delete(job.id);
    }
  }

  withdraw(ids: readonly string[], reason: string): Promise<void> {
    for (const id of ids) {
      const entry = this.outstanding.get(id);
      if (!entry) continue;
      this.outstanding.delete(id);
      entry.reject(new ResearchCancelledError(reason));
    }
    // A job a worker is running stays (its lock cannot be taken); its answer is then ignored.
    return Promise.allSettled(ids.map((id) => this.queue.remove(id))).then(() => undefined);
  }

  /** Looks up every outstanding job: answers the finished ones, adds again the ones Redis lost. */
  async check(ids: readonly string[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        const entry = this.outstanding.get(id);
        if (!entry) return;
        const job = await Job.fromId(this.queue, id);
        if (!job) {
          await this.add(entry.job);
          return;
        }
        if (job.finishedOn !== undefined && job.returnvalue !== null && job.returnvalue !== undefined) this.completed(id, job.returnvalue);
        else if (job.finishedOn !== undefined && job.failedReason) this.failed(id, job.failedReason);
      }),
    );
  }

  refusals(sweep: string): Promise<Record<string, string>> {
    return this.connection.hgetall(refusalsKey(this.location, sweep));
  }

  forgetRefusals(sweep: string): Promise<unknown> {
    return this.connection.del(refusalsKey(this.location, sweep));
  }

  get isDown(): boolean {
    return this.down;
  }

  status(text: string): void {
    this.settings.onStatus?.(text);
  }

  remove(sweep: Sweep): void {
    this.sweeps.delete(sweep);
  }

  private add(job: QueuedJob): Promise<unknown> {
    if (job.kind === 'forge-proof') return this.queue.add(FORGE_JOB_NAME, job, { jobId: job.id, lifo: true, ...JOB_OPTIONS });
    return this.queue.add(JOB_NAME, job, { jobId: job.id, ...JOB_OPTIONS });
  }

  private completed(id: string, value: unknown): void {
    const entry = this.outstanding.get(id);
    if (!entry) return; // another sweep's, or answered already
    let answer: QueuedOutcome | ForgeProofAnswer;
    try {
      answer = (typeof value === 'string' ? JSON.parse(value) : value) as QueuedOutcome | ForgeProofAnswer;
      if (entry.job.kind === 'sweep-run' && typeof (answer as QueuedOutcome)?.run !== 'string') throw new Error('no run in the answer');
      if (entry.job.kind === 'forge-proof' && typeof (answer as ForgeProofAnswer)?.proof?.ok !== 'boolean') throw new Error('no proof in the answer');
    } catch (error) {
      this.outstanding.delete(id);
      entry.reject(failure(entry.job, `job ${id}: an unreadable answer (${error instanceof Error ? error.message : String(error)})`));
      return;
    }
    this.outstanding.delete(id);
    (entry.resolve as (answer: QueuedOutcome | ForgeProofAnswer) => void)(answer);
  }

  private failed(id: string, reason: string): void {
    const entry = this.outstanding.get(id);
    if (!entry) return;
    this.outstanding.delete(id);
    entry.reject(failure(entry.job, reason));
  }

  /** A forge proof with no answer in time: withdrawn, and the owner told why when workers refused it. */
  private async expire(id: string, waitMs: number): Promise<void> {
    const entry = this.outstanding.get(id);
    if (!entry) return;
    this.outstanding.delete(id);
    const refusals = await Promise.race([
      this.connection.hgetall(refusalsKey(this.location, id)).catch(() => ({})),
      new Promise<Record<string, string>>((resolve) => setTimeout(() => resolve({}), 1_000).unref()),
    ]);
    const refused = Object.entries(refusals).map(([worker, reason]) => `worker ${worker} refused it: ${reason}`);
    const down = this.down ? `; Redis at ${this.url} is unreachable` : '';
    entry.reject(
      new ResearchJobError(
        id,
        `no answer from a research worker within ${Math.round(waitMs / 1000)} s${down}${refused.length > 0 ? `; ${refused.join('; ')}` : ''}`,
      ),
    );
    await this.queue.remove(id).catch(() => undefined); // a worker running it keeps its lock; its answer is ignored
    await this.connection.del(refusalsKey(this.location, id)).catch(() => undefined);
  }

  private lost(): void {
    if (this.down) return;
    this.down = true;
    for (const sweep of this.sweeps) sweep.redisLost();
  }

  private back(): void {
    if (!this.down) return;
    this.down = false;
    for (const sweep of this.sweeps) sweep.redisBack();
  }
}

/** A job's failure as its owner expects it: a sweep's run failure (the sweep goes on), or a proof's. */
function failure(job: QueuedJob, reason: string): Error {
  return job.kind === 'sweep-run' ? new SweepRunFailure(reason) : new ResearchJobError(job.id, reason);
}

/** One sweep on the queue: its jobs, its progress, its refusals. */
class Sweep implements SweepSession {
  readonly runTimes: { worker: number; ms: number }[] = [];
  private readonly ids = new Set<string>();
  private readonly workerIndex = new Map<string, number>();
  private readonly refusalsSeen = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private lastAnswer = performance.now();
  private checking = false;
  private done = 0;
  private closed = false;
  private readonly onAbort = () => void this.cancel('the sweep was cancelled');

  constructor(
    private readonly research: QueueResearch,
    private readonly jobs: SweepJobs,
    private readonly spec: SweepSpec,
    readonly size: number,
    readonly readySeconds: number,
  ) {
    spec.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.timer = setInterval(() => void this.tick(), 1_000);
  }

  async run(params: Record<string, unknown>, range: TimeRange): Promise<SweepRun> {
    if (this.closed || this.spec.signal?.aborted) throw new ResearchCancelledError('the sweep was cancelled');
    const job = this.jobs.job(params, range);
    this.ids.add(job.id);
    try {
      const outcome = await this.research.submit(job);
      this.lastAnswer = performance.now();
      this.done++;
      let index = this.workerIndex.get(outcome.worker);
      if (index === undefined) this.workerIndex.set(outcome.worker, (index = this.workerIndex.size));
      this.runTimes.push({ worker: index, ms: outcome.ms });
      return decodeRun(outcome.run);
    } finally {
      this.ids.delete(job.id);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.spec.signal?.removeEventListener('abort', this.onAbort);
    this.research.remove(this);
    await this.research.withdraw([...this.ids], 'the sweep ended');
    if (!this.research.isDown) await this.research.forgetRefusals(this.jobs.sweep).catch(() => undefined);
  }

  redisLost(): void {
    this.research.status(`research: Redis at ${this.research.url} is unreachable; the sweep waits for it (${this.done} runs done, ${this.ids.size} waiting)`);
  }

  redisBack(): void {
    this.research.status(`research: Redis at ${this.research.url} is back; the sweep resumes (jobs it lost are queued again)`);
    void this.tick(true);
  }

  private async cancel(reason: string): Promise<void> {
    await this.research.withdraw([...this.ids], reason);
  }

  /** Refusals to tell, and — when no answer came for a while — the outstanding jobs looked up. */
  private async tick(force = false): Promise<void> {
    if (this.checking || this.closed || this.research.isDown) return;
    this.checking = true;
    try {
      const refusals = await this.research.refusals(this.jobs.sweep);
      for (const [worker, reason] of Object.entries(refusals)) {
        if (this.refusalsSeen.has(worker)) continue;
        this.refusalsSeen.add(worker);
        this.research.status(`research: worker ${worker} refuses this sweep's jobs: ${reason}`);
      }
      if (force || performance.now() - this.lastAnswer > 1_500) await this.research.check([...this.ids]);
    } catch {
      // Redis went away mid-check: 'close' has told the owner; the next tick tries again.
    } finally {
      this.checking = false;
    }
  }
}
