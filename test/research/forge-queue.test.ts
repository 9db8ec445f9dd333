// Forge proofs as research jobs, against a real redis-server (the test's own, on a free port) and a
// real `crewdesk worker` process with its own copy of the candles: the proof a worker sends back is
// the one the desk's own sandbox gives; a hostile draft is contained in the worker's sandbox and
// the worker takes the next job; a draft whose source is not the one named, or a candle file with
// another sha256, fails the job with the reason; a proof no worker answers is withdrawn in time and
// fails with the reason; with no worker listening it fails at once.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { proveInSandbox, type SandboxJob, type SandboxLimits } from '../../src/forge/sandbox.ts';
import { researchBackend } from '../../src/research/backends.ts';
import { forgeProofJob, queueProver } from '../../src/research/forge-proof.ts';
import type { ForgeProofJob } from '../../src/research/job.ts';
import { QueueResearch } from '../../src/research/queue-backend.ts';
import { engineCodeVersion } from '../../src/research/code-version.ts';
import { DEFAULT_PREFIX, DEFAULT_QUEUE, workersKey } from '../../src/research/queue-names.ts';
import { CANDLE_FILES, candlePath } from '../data/candle-fixtures.ts';
import { GOOD_DRAFT, GOOD_NAME, withImport, withOnCandle } from '../forge/drafts.ts';
import { NEEDS_REDIS, RedisServer, requireRedis } from './redis-server.ts';
import { WorkerProcess } from './worker-process.ts';

const binary = requireRedis();
const LONG = 240_000;
const LIMITS: SandboxLimits = { timeoutMs: 120_000, memoryMb: 512 };
const FILE = CANDLE_FILES.btc1h.name;

let dir: string;
/** The desk's candles. */
let deskData: string;
/** The worker's own copy, as on another machine. */
let workerData: string;
let cacheDir: string;
let redis: RedisServer;
let worker: WorkerProcess;
const backends: QueueResearch[] = [];

const draftJob = (source: string, extra: Partial<SandboxJob> = {}): SandboxJob => ({
  name: GOOD_NAME,
  source,
  symbol: 'BTCUSDT',
  interval: '1h',
  data: [deskData],
  cash: 10_000,
  feeBps: 10,
  inSampleShare: 0.7,
  compare: false,
  ...extra,
});

async function queueBackend(prefix = DEFAULT_PREFIX): Promise<QueueResearch> {
  const backend = await QueueResearch.connect({ url: redis.url, prefix });
  backends.push(backend);
  return backend;
}

/** The job's answer, or the reason it failed. */
async function outcomeOf(backend: QueueResearch, job: ForgeProofJob, waitMs = 60_000): Promise<string> {
  try {
    return JSON.stringify((await backend.prove(job, waitMs)).proof);
  } catch (error) {
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

describe(`forge proofs on a Redis queue with a crewdesk worker process (${NEEDS_REDIS})`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crewdesk-forge-queue-'));
    deskData = join(dir, 'desk-candles');
    workerData = join(dir, 'worker-candles');
    cacheDir = join(dir, 'cache');
    for (const folder of [deskData, workerData]) {
      mkdirSync(folder, { recursive: true });
      copyFileSync(candlePath('btc1h'), join(folder, FILE));
    }
    redis = await RedisServer.start(binary);
    worker = await WorkerProcess.start('wf1', ['--redis', redis.url, '--data', workerData, '--cache', cacheDir]);
  }, LONG);

  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });

  afterAll(async () => {
    await worker?.stop();
    await redis?.down();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'a worker proves a draft exactly as the desk’s own sandbox does, and leaves no candles behind',
    async () => {
      // The back end the desk chooses: with REDIS_URL, a prover that sends the proof to the queue; without, none (the forge keeps its own sandbox).
      const embedded = await researchBackend(undefined, { env: {}, ownPool: true });
      expect(embedded.prove).toBeNull();
      await embedded.close();
      const chosen = await researchBackend(undefined, { env: { REDIS_URL: redis.url } });
      try {
        const job = draftJob(GOOD_DRAFT, { compare: true });
        const [local, queued] = await Promise.all([proveInSandbox(job, LIMITS), chosen.prove!(job, LIMITS)]);
        if (!local.ok) throw new Error(`the local proof failed: ${local.reason}`);
        expect(local.existing.length).toBeGreaterThan(0);
        expect(JSON.stringify(queued)).toBe(JSON.stringify(local));
        expect(worker.output).toMatch(/takes forge proof forge-[a-z0-9]+-[0-9a-f]+: draft ema-rsi-dip on BTCUSDT 1h \(1 candle files\)/);
        expect(worker.output).toMatch(/finished forge proof forge-[a-z0-9]+-[0-9a-f]+ in [\d.]+ s: proven/);
        // The job's folder of linked candles is gone; the worker's own copy is untouched.
        expect(readdirSync(join(cacheDir, 'forge-jobs'))).toEqual([]);
        expect(readdirSync(workerData)).toEqual([FILE]);
      } finally {
        await chosen.close();
      }
    },
    LONG,
  );

  it(
    'a hostile draft is contained in the worker’s sandbox: a failed proof naming the stage, and the worker takes the next job',
    async () => {
      const prove = queueProver(await queueBackend());
      const exits = await prove(draftJob(withOnCandle('process.exit(3);')), LIMITS);
      expect(exits).toEqual({ ok: false, stage: 'sandbox', reason: expect.stringContaining('exit code 3') });
      // Reading a file beyond the candles (the static checks bypassed): the permission model refuses it.
      const reads = await prove(
        draftJob(withImport("import { readFileSync } from 'node:fs';").replace('const params =', "readFileSync('/etc/passwd');\nconst params =")),
        LIMITS,
      );
      expect(reads).toMatchObject({ ok: false, stage: 'load', reason: expect.stringContaining('Access to this API has been restricted') });
      // The same worker process, still there, proves the next draft.
      expect(worker.child.exitCode).toBeNull();
      const next = await prove(draftJob(GOOD_DRAFT), LIMITS);
      expect(next.ok).toBe(true);
      expect(worker.output).toMatch(/finished forge proof \S+ in [\d.]+ s: failed at sandbox: the sandbox process ended \(exit code 3\)/);
    },
    LONG,
  );

  it(
    'a draft whose source is not the one it names, or a candle file with another sha256, fails the job saying which; other code is refused',
    async () => {
      const backend = await queueBackend();
      const good = await forgeProofJob(draftJob(GOOD_DRAFT), LIMITS);

      const edited: ForgeProofJob = { ...good, id: `${good.id.slice(0, -8)}00000001`, draft: { ...good.draft, source: `${good.draft.source}// edited\n` } };
      expect(await outcomeOf(backend, edited)).toMatch(
        new RegExp(`^failed: draft ${GOOD_NAME}: its source has sha256 [0-9a-f]{64}, the job names ${good.draft.sha256} \\(worker wf1\\)$`),
      );

      // The worker's copy of the file differs from the desk's by one byte.
      const other = `${'0'.repeat(63)}1`;
      const candles: ForgeProofJob = {
        ...good,
        id: `${good.id.slice(0, -8)}00000002`,
        candles: { ...good.candles, files: [{ name: FILE, sha256: other }] },
      };
      expect(await outcomeOf(backend, candles)).toMatch(new RegExp(`^failed: candle file ${FILE} \\(.*\\) has sha256 [0-9a-f]{64}, the proof's has ${other}`));

      // Made with other engine code: refused, not answered; the wait ends with the refusal named.
      const older: ForgeProofJob = { ...good, id: `${good.id.slice(0, -8)}00000003`, code: '0'.repeat(64) };
      expect(await outcomeOf(backend, older, 3_000)).toMatch(
        /^failed: no answer from a research worker within 3 s; worker wf1 refused it: engine code [0-9a-f]{12} differs from the proof's 000000000000$/,
      );

      // Through the forge's prover, such a failure is a failed proof with the reason, not an exception.
      const prover = queueProver({ prove: (_job, waitMs) => backend.prove(candles, waitMs) });
      expect(await prover(draftJob(GOOD_DRAFT), LIMITS)).toEqual({
        ok: false,
        stage: 'queue',
        reason: expect.stringContaining(`candle file ${FILE}`),
      });
    },
    LONG,
  );

  it('a proof no worker answers in time is withdrawn and fails with the reason, instead of a wait without end', async () => {
    const backend = await queueBackend('silent');
    // A worker that said it was there, with this code, and then took nothing (hung, or cut off).
    const card = {
      id: 'ghost',
      host: 'nowhere',
      pid: 1,
      code: engineCodeVersion(),
      state: 'idle',
      job: null,
      jobsDone: 0,
      startedAt: Date.now(),
      seenAt: Date.now(),
    };
    const redisClient = new Redis(redis.url);
    try {
      await redisClient.hset(workersKey({ prefix: 'silent', queue: DEFAULT_QUEUE }), 'ghost', JSON.stringify(card));
      const job = await forgeProofJob(draftJob(GOOD_DRAFT), LIMITS);
      const started = performance.now();
      expect(await outcomeOf(backend, job, 1_500)).toBe(`failed: no answer from a research worker within 2 s`);
      // The wrong answer would wait for the sandbox's limit (120 s) and more: 20 s leaves a busy machine room.
      expect(performance.now() - started).toBeLessThan(20_000);
      const queue = new Queue(DEFAULT_QUEUE, { connection: { url: redis.url }, prefix: 'silent' });
      try {
        await vi.waitFor(async () => expect(await queue.getJob(job.id)).toBeUndefined(), { timeout: 30_000, interval: 50 });
      } finally {
        await queue.close();
      }
    } finally {
      redisClient.disconnect();
    }
  });

  it('with no worker listening, the proof fails at once with the reason instead of waiting', async () => {
    const prove = queueProver(await queueBackend('nobody'));
    const started = performance.now();
    expect(await prove(draftJob(GOOD_DRAFT), LIMITS)).toEqual({
      ok: false,
      stage: 'queue',
      reason: expect.stringMatching(/no research worker is listening on redis:\/\/127\.0\.0\.1:\d+/),
    });
    // Waiting for an answer would take the sandbox's limit (120 s) and more.
    expect(performance.now() - started).toBeLessThan(20_000);
    const queue = new Queue(DEFAULT_QUEUE, { connection: { url: redis.url }, prefix: 'nobody' });
    try {
      expect(await queue.count()).toBe(0);
    } finally {
      await queue.close();
    }
  });
});
